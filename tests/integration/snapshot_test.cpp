// Access::snapshot on each driver: the reads of one unit of work see one state of the database,
// whatever another connection commits meanwhile (what a counted list's page and count rely on).

#include <gtest/gtest.h>

#include <memory>
#include <utility>
#include <vector>

#include "app/run_sync.hpp"
#include "harness.hpp"
#include "store/database.hpp"

namespace usertasks::testing {
namespace {

using app::run_sync;
using store::Access;
using store::awaitable;
using store::Connection;
using store::Statement;
using store::Value;

using Counts = std::pair<std::int64_t, std::int64_t>;

constexpr Statement count_items{"count_items", "SELECT count(*) FROM items"};
constexpr Statement insert_item{"insert_item", "INSERT INTO items (id) VALUES ($1)"};

class SnapshotTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    Backend& b = backend(GetParam());
    if (const std::string reason = b.unavailable_reason(); !reason.empty()) GTEST_SKIP() << reason;
    db_ = store::open_database(b.fresh_database_url(), 2);
    run_sync(db_->run(Access::write, [](Connection& c) -> awaitable<void> {
      co_await c.execute_script("CREATE TABLE items (id bigint PRIMARY KEY)");
    }));
  }
  void TearDown() override {
    if (db_) db_->close();
  }

  // Counts the items in one unit of work of `access`, twice, with an insert committed in between
  // on another connection.
  Counts counts_around_an_insert(Access access) {
    return run_sync(store::with_connection(*db_, access, [&](Connection& c) -> awaitable<Counts> {
      const std::int64_t before = (co_await c.execute(count_items, {})).front().integer(0);
      co_await db_->run(Access::write, [&](Connection& other) -> awaitable<void> {
        std::vector<Value> id;
        id.emplace_back(++inserted_);
        co_await other.execute(insert_item, id);
      });
      const std::int64_t after = (co_await c.execute(count_items, {})).front().integer(0);
      co_return Counts(before, after);
    }));
  }

  std::unique_ptr<store::Database> db_;
  std::int64_t inserted_ = 0;
};

TEST_P(SnapshotTest, ASnapshotsReadsSeeOneState) {
  EXPECT_EQ(counts_around_an_insert(Access::snapshot), Counts(0, 0));
  // The next unit of work sees the insert; plain reads see each commit as it comes.
  EXPECT_EQ(counts_around_an_insert(Access::read), Counts(1, 2));
  EXPECT_EQ(counts_around_an_insert(Access::snapshot), Counts(2, 2));
}

TEST_P(SnapshotTest, PostgresqlRefusesAWriteInASnapshot) {
  if (GetParam() != "postgresql") GTEST_SKIP() << "SQLite's snapshot is a deferred transaction";
  EXPECT_ANY_THROW(run_sync(db_->run(Access::snapshot, [](Connection& c) -> awaitable<void> {
    std::vector<Value> id;
    id.emplace_back(std::int64_t{100});
    co_await c.execute(insert_item, id);
  })));
  // Rolled back; the connections serve the next snapshot.
  EXPECT_EQ(counts_around_an_insert(Access::snapshot), Counts(0, 0));
}

USERTASKS_INSTANTIATE_FOR_ALL_BACKENDS(SnapshotTest);

}  // namespace
}  // namespace usertasks::testing
