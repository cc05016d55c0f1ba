// What a --database string names, and its passwords kept out of messages.

#include "store/database_url.hpp"

#include <gtest/gtest.h>

namespace usertasks::store {
namespace {

TEST(DatabaseUrl, KindFollowsTheScheme) {
  EXPECT_EQ(database_kind("sqlite:usertasks.db"), DatabaseKind::sqlite);
  EXPECT_EQ(database_kind("sqlite::memory:"), DatabaseKind::sqlite);
  EXPECT_EQ(database_kind("postgresql://localhost/usertasks"), DatabaseKind::postgresql);
  EXPECT_EQ(database_kind("postgres://u@h:5433/db?sslmode=require"), DatabaseKind::postgresql);
  EXPECT_EQ(database_kind("host=/run/postgresql dbname=usertasks"), DatabaseKind::postgresql);
  EXPECT_EQ(database_kind("  dbname = usertasks"), DatabaseKind::postgresql);
  EXPECT_EQ(database_kind("hostaddr=::1 dbname=x"), DatabaseKind::postgresql);
  EXPECT_EQ(database_kind(""), DatabaseKind::postgresql);  // libpq's defaults (PGHOST, …)
  EXPECT_EQ(database_kind("mysql://x"), DatabaseKind::unsupported);
  EXPECT_EQ(database_kind("sqlite3:x.db"), DatabaseKind::unsupported);
  EXPECT_EQ(database_kind("postgresql:x"), DatabaseKind::unsupported);
  EXPECT_EQ(database_kind("file:x.db"), DatabaseKind::unsupported);
  EXPECT_EQ(database_kind("usertasks.db"), DatabaseKind::unsupported);
}

TEST(DatabaseUrl, PasswordsAreRedacted) {
  EXPECT_EQ(redact_passwords("postgresql://me:s3cret@h/db"), "postgresql://me:***@h/db");
  EXPECT_EQ(redact_passwords("postgresql://me@h/db"), "postgresql://me@h/db");
  EXPECT_EQ(redact_passwords("postgresql://me:@h/db"), "postgresql://me:@h/db");
  EXPECT_EQ(redact_passwords("postgresql://h:5432/db"), "postgresql://h:5432/db");
  EXPECT_EQ(redact_passwords("postgres://me:p@ss@h/db"), "postgres://me:***@h/db");
  EXPECT_EQ(redact_passwords("postgresql://h/db?user=me&password=s3cret&sslmode=require"),
            "postgresql://h/db?user=me&password=***&sslmode=require");
  EXPECT_EQ(redact_passwords("postgresql://h/db?sslpassword=s3cret"),
            "postgresql://h/db?sslpassword=***");
  EXPECT_EQ(redact_passwords("mysql://me:s3cret@h/db"), "mysql://me:***@h/db");
  EXPECT_EQ(redact_passwords("host=h password=s3cret dbname=db"), "host=h password=*** dbname=db");
  EXPECT_EQ(redact_passwords("host=h password = 'two words\\' here' dbname=db"),
            "host=h password = *** dbname=db");
  EXPECT_EQ(redact_passwords("password=a sslpassword=b"), "password=*** sslpassword=***");
  EXPECT_EQ(redact_passwords("host=h mypassword=x"), "host=h mypassword=x");
  EXPECT_EQ(redact_passwords("sqlite:password=x.db"), "sqlite:password=x.db");
}

TEST(DatabaseUrl, QuotedPasswordsInMessagesAreRedacted) {
  EXPECT_EQ(redact_quoted_passwords(R"(invalid percent-encoded token: "s3%zz")",
                                    "postgresql://me:s3%zz@h/db"),
            R"(invalid percent-encoded token: "***")");
  EXPECT_EQ(redact_quoted_passwords(R"(missing "=" after "a")", "password=a a"),
            R"(missing "=" after "***")");
  EXPECT_EQ(redact_quoted_passwords("no password here", "postgresql://h/db"), "no password here");
}

TEST(DatabaseUrl, TheUnsupportedMessageNamesWhatIsSupported) {
  EXPECT_EQ(unsupported_database_message("mysql://me:s3cret@x"),
            "unsupported database \"mysql://me:***@x\": use sqlite:PATH, sqlite::memory:, a "
            "postgresql:// (or postgres://) URL, or a libpq keyword string such as "
            "\"host=localhost dbname=usertasks\"");
}

}  // namespace
}  // namespace usertasks::store
