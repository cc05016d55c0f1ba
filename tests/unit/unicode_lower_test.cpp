#include "store/sqlite/unicode_lower.hpp"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>
#include <string_view>

namespace usertasks::store::sqlite {
namespace {

// An in-memory database with the Unicode lower() installed.
class UnicodeLower : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK);
    install_unicode_lower(db_);
  }
  void TearDown() override { sqlite3_close(db_); }

  std::string lower(std::string_view text) {
    sqlite3_stmt* stmt = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db_, "SELECT lower(?1)", -1, &stmt, nullptr), SQLITE_OK);
    sqlite3_bind_text64(stmt, 1, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    EXPECT_EQ(sqlite3_step(stmt), SQLITE_ROW);
    const auto* bytes = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    std::string out(bytes, static_cast<std::size_t>(sqlite3_column_bytes(stmt, 0)));
    sqlite3_finalize(stmt);
    return out;
  }

  sqlite3* db_ = nullptr;
};

TEST_F(UnicodeLower, LowersEveryLetter) {
  EXPECT_EQ(lower("Ada@Example.COM"), "ada@example.com");
  EXPECT_EQ(lower("ÀÉÎÕÜ Ÿ"), "àéîõü ÿ");
  EXPECT_EQ(lower("ΑΒΓ КИРИЛЛИЦА"), "αβγ кириллица");
  EXPECT_EQ(lower("𐐀"), "𐐨");  // DESERET CAPITAL LONG I, four bytes
  EXPECT_EQ(lower("straße 😀"), "straße 😀");
}

// Bytes that are not UTF-8 come out as they went in, and what follows them is still lowered.
TEST_F(UnicodeLower, CopiesIllFormedBytes) {
  EXPECT_EQ(lower("A\xC3"
                  "B"),
            "a\xC3"
            "b");
  EXPECT_EQ(lower("\xC1\x81"), "\xC1\x81");          // an overlong 'A'
  EXPECT_EQ(lower("\xED\xA0\x80"), "\xED\xA0\x80");  // a surrogate
  EXPECT_EQ(lower("\xF8\x88\x80\x80\x80Z"), "\xF8\x88\x80\x80\x80z");
  EXPECT_EQ(lower("\x80\xC3\x89"), "\x80\xC3\xA9");  // a stray byte, then 'É'
}

}  // namespace
}  // namespace usertasks::store::sqlite
