// Migration 0008 creates the extension pg_trgm, which PostgreSQL 13 and later trust: a database's
// owner creates it without being a superuser. A role that may not create it fails on 0008 and the
// revision changes nothing; once an administrator has created the extension, the same role
// upgrades (docs/migrations.md, "Trigram indexes").

#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "app/run_sync.hpp"
#include "harness.hpp"
#include "pg_cluster.hpp"
#include "store/database.hpp"

namespace usertasks::testing {
namespace {

using app::run_sync;

class SearchExtensionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string why = PgCluster::unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
    (void)backend("postgresql").fresh_database_url();  // starts the cluster
  }

  // Runs `sql`, one statement, as the superuser in database `database`, outside a transaction.
  static void admin(const std::string& database, const std::string& sql) {
    auto db = store::open_database(postgres_cluster().conninfo(database), 1);
    run_sync(db->run(store::Access::read, [&](store::Connection& c) -> store::awaitable<void> {
      co_await c.execute_script(sql);
    }));
    db->close();
  }

  // The keyword string of `database` for the role `user`.
  static std::string as(const std::string& database, const std::string& user) {
    std::string url = postgres_cluster().conninfo(database);
    url.replace(url.rfind("user=postgres"), std::string("user=postgres").size(), "user=" + user);
    return url;
  }

  static bool has(const CommandResult& r, std::string_view text) {
    return r.output.find(text) != std::string::npos;
  }

  // Names of this process's own, since roles belong to the whole cluster.
  const std::string suffix_ = std::to_string(::getpid());
};

TEST_F(SearchExtensionTest, ADatabaseOwnerThatIsNoSuperuserMigrates) {
  const std::string role = "search_owner_" + suffix_;
  const std::string database = "search_owned_" + suffix_;
  admin("postgres", "CREATE ROLE " + role + " LOGIN NOSUPERUSER");
  admin("postgres", "CREATE DATABASE " + database + " OWNER " + role + " STRATEGY = FILE_COPY");
  const CommandResult upgraded = run_usertasks({"--database", as(database, role), "db", "upgrade"});
  EXPECT_EQ(upgraded.exit_code, 0) << upgraded.output;
  EXPECT_TRUE(has(upgraded, "applied 0008")) << upgraded.output;
  const CommandResult checked = run_usertasks({"--database", as(database, role), "db", "check"});
  EXPECT_TRUE(has(checked, "no differences")) << checked.output;
}

TEST_F(SearchExtensionTest, ARoleThatMayNotCreateTheExtensionNeedsItCreatedFirst) {
  const std::string role = "search_app_" + suffix_;
  const std::string database = "search_app_db_" + suffix_;
  admin("postgres", "CREATE ROLE " + role + " LOGIN NOSUPERUSER");
  admin("postgres", "CREATE DATABASE " + database + " STRATEGY = FILE_COPY");
  admin(database, "GRANT ALL ON SCHEMA public TO " + role);
  const std::string url = as(database, role);
  const CommandResult refused = run_usertasks({"--database", url, "db", "upgrade"});
  EXPECT_NE(refused.exit_code, 0) << refused.output;
  EXPECT_TRUE(has(refused, "applying 0008")) << refused.output;
  EXPECT_TRUE(has(refused, "permission denied to create extension \"pg_trgm\"")) << refused.output;
  EXPECT_TRUE(has(run_usertasks({"--database", url, "db", "current"}), "0007"));

  admin(database, "CREATE EXTENSION pg_trgm");
  const CommandResult upgraded = run_usertasks({"--database", url, "db", "upgrade"});
  EXPECT_EQ(upgraded.exit_code, 0) << upgraded.output;
  EXPECT_TRUE(has(upgraded, "applied 0008")) << upgraded.output;
  EXPECT_TRUE(has(run_usertasks({"--database", url, "db", "check"}), "no differences"));
}

}  // namespace
}  // namespace usertasks::testing
