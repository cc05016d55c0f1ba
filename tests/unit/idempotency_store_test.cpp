// The stored answers of idempotency keys (repository/idempotency.hpp) on a SQLite file at head:
// an answer counts until it expires, and then is absent before any purge; an expired one is
// replaced, one that has not expired never is; the purge deletes expired answers only, a batch at
// a time.

#include <gtest/gtest.h>

#include "app/run_sync.hpp"
#include "migrate/migrator.hpp"
#include "repository/idempotency.hpp"
#include "sqlite_file_fixture.hpp"

namespace usertasks::repository {
namespace {

using app::run_sync;
using store::Access;
using store::awaitable;
using store::Connection;

class IdempotencyKeysTest : public usertasks::testing::SqliteFileTest {
 protected:
  void SetUp() override {
    SqliteFileTest::SetUp();
    migrate::Migrator migrator(*db_);
    run_sync(migrator.upgrade());
  }

  static StoredAnswer answer(std::string fingerprint, std::string body) {
    return {.fingerprint = std::move(fingerprint),
            .status = 201,
            .location = "/tasks/1",
            .etag = std::nullopt,
            .content_type = "application/json",
            .body = std::move(body)};
  }

  bool store(const std::string& key, const StoredAnswer& a, const std::string& now,
             const std::string& cutoff) {
    return run_sync(
        store::with_connection(*db_, Access::write, [&](Connection& c) -> awaitable<bool> {
          IdempotencyKeys keys(c);
          co_return co_await keys.store("", key, a, now, cutoff);
        }));
  }

  std::optional<StoredAnswer> find(const std::string& key, const std::string& cutoff) {
    return run_sync(store::with_connection(
        *db_, Access::read, [&](Connection& c) -> awaitable<std::optional<StoredAnswer>> {
          IdempotencyKeys keys(c);
          co_return co_await keys.find("", key, cutoff);
        }));
  }
};

constexpr const char* t0 = "2026-12-01T10:00:00.000000Z";
constexpr const char* t1 = "2026-12-01T10:00:01.000000Z";
constexpr const char* t2 = "2026-12-01T10:00:02.000000Z";
constexpr const char* before = "2026-12-01T09:00:00.000000Z";

TEST_F(IdempotencyKeysTest, AnAnswerCountsUntilItExpires) {
  ASSERT_TRUE(store("k", answer("f", "{\"id\":1}"), t1, before));
  const auto found = find("k", t0);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->fingerprint, "f");
  EXPECT_EQ(found->status, 201);
  EXPECT_EQ(found->location, "/tasks/1");
  EXPECT_EQ(found->etag, std::nullopt);
  EXPECT_EQ(found->content_type, "application/json");
  EXPECT_EQ(found->body, "{\"id\":1}");
  // Stored at t1: expired for a cutoff of t1 or later, though its row is still there.
  EXPECT_FALSE(find("k", t1));
  EXPECT_FALSE(find("k", t2));
  EXPECT_FALSE(find("other", t0));
}

TEST_F(IdempotencyKeysTest, OnlyAnExpiredAnswerIsReplaced) {
  ASSERT_TRUE(store("k", answer("f", "first"), t1, before));
  // Not expired (the cutoff is before it): kept, and the second is refused.
  EXPECT_FALSE(store("k", answer("g", "second"), t2, t0));
  EXPECT_EQ(find("k", t0)->body, "first");
  // Expired: replaced.
  EXPECT_TRUE(store("k", answer("g", "second"), t2, t1));
  EXPECT_EQ(find("k", t1)->body, "second");
}

TEST_F(IdempotencyKeysTest, ThePurgeDeletesExpiredAnswersABatchAtATime) {
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(store("old" + std::to_string(i), answer("f", "x"), t0, before));
  ASSERT_TRUE(store("new", answer("f", "x"), t2, before));
  EXPECT_EQ(run_sync(purge_idempotency_keys(*db_, t1, 3)), 3U);
  EXPECT_EQ(run_sync(purge_idempotency_keys(*db_, t1, 3)), 2U);
  EXPECT_EQ(run_sync(purge_idempotency_keys(*db_, t1, 3)), 0U);
  EXPECT_TRUE(find("new", t1));
}

}  // namespace
}  // namespace usertasks::repository
