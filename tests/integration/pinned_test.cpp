// store::Pinned: units of work run inside a transaction opened by Database::run, on its connection,
// each a savepoint: a unit that fails is undone alone and the transaction goes on (on PostgreSQL
// too, where a failed statement would otherwise abort it); the outer transaction commits or rolls
// back all of them. On PostgreSQL the savepoints travel with the statements (no round trip).

#include <gtest/gtest.h>

#include <memory>

#include "app/run_sync.hpp"
#include "harness.hpp"
#include "store/database.hpp"
#include "store/postgres/pg_connection.hpp"

namespace usertasks::testing {
namespace {

using app::run_sync;
using store::Access;
using store::awaitable;
using store::Connection;
using store::Statement;
using store::Value;

constexpr Statement insert_row{"pinned_insert", "INSERT INTO pinned (id) VALUES ($1)"};
constexpr Statement count_rows{"pinned_count", "SELECT count(*) FROM pinned"};

class PinnedTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    Backend& b = backend(GetParam());
    if (const std::string why = b.unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
    db_ = store::open_database(b.fresh_database_url(), 1);
    run_sync(db_->run(Access::write, [](Connection& c) -> awaitable<void> {
      co_await c.execute_script("CREATE TABLE pinned (id BIGINT PRIMARY KEY)");
    }));
  }
  void TearDown() override {
    if (db_) db_->close();
  }

  // Inserts `id` as a unit of work of `pinned`; false when the database refused it.
  static awaitable<bool> insert(store::Database& pinned, std::int64_t id) {
    try {
      co_await pinned.run(Access::write, [id](Connection& c) -> awaitable<void> {
        std::vector<Value> values;  // not a braced list: GCC 12 and coroutines
        values.emplace_back(id);
        co_await c.execute(insert_row, values);
      });
    } catch (const store::ConstraintViolation&) {
      co_return false;
    }
    co_return true;
  }

  std::int64_t rows() {
    return run_sync(
        store::with_connection(*db_, Access::read, [](Connection& c) -> awaitable<std::int64_t> {
          const std::vector<Value> none;
          co_return (co_await c.execute(count_rows, none)).front().integer(0);
        }));
  }

  std::unique_ptr<store::Database> db_;
};

TEST_P(PinnedTest, AFailedUnitIsUndoneAloneAndTheTransactionGoesOn) {
  std::vector<bool> inserted;
  run_sync(db_->run(Access::write, [&](Connection& c) -> awaitable<void> {
    store::Pinned pinned(*db_, c);
    inserted.push_back(co_await insert(pinned, 1));
    // One unit: 2 goes in, then 1 again is refused; the unit is undone, 2 with it.
    bool refused = false;
    try {
      co_await pinned.run(Access::write, [](Connection& inner) -> awaitable<void> {
        std::vector<Value> id;
        id.emplace_back(std::int64_t{2});
        co_await inner.execute(insert_row, id);
        id.front() = std::int64_t{1};
        co_await inner.execute(insert_row, id);
      });
    } catch (const store::ConstraintViolation&) {
      refused = true;
    }
    inserted.push_back(!refused);
    // The transaction is not aborted: the next unit runs.
    inserted.push_back(co_await insert(pinned, 3));
  }));
  EXPECT_EQ(inserted, (std::vector<bool>{true, false, true}));
  EXPECT_EQ(rows(), 2);  // 1 and 3
}

TEST_P(PinnedTest, TheOuterTransactionRollsBackEveryUnit) {
  EXPECT_THROW(run_sync(db_->run(Access::write,
                                 [&](Connection& c) -> awaitable<void> {
                                   store::Pinned pinned(*db_, c);
                                   co_await insert(pinned, 1);
                                   co_await insert(pinned, 2);
                                   throw store::RollBack();
                                 })),
               store::RollBack);
  EXPECT_EQ(rows(), 0);
}

// PostgreSQL: SAVEPOINT and RELEASE go out with the next statement, so that a unit of one
// statement costs one round trip, as its statement alone would.
TEST_P(PinnedTest, SavepointsCostNoRoundTripOnPostgresql) {
  if (GetParam() != "postgresql") GTEST_SKIP() << "PostgreSQL's pipelining";
  std::vector<std::uint64_t> trips;
  run_sync(db_->run(Access::write, [&](Connection& c) -> awaitable<void> {
    auto& pg = dynamic_cast<store::postgres::PgConnection&>(c);
    store::Pinned pinned(*db_, c);
    const std::vector<Value> none;
    co_await pg.execute(count_rows, none);  // BEGIN and the prepare ride along
    trips.push_back(pg.round_trips());
    co_await insert(pinned, 1);  // the statement's prepare and the SAVEPOINT ride along
    trips.push_back(pg.round_trips());
    co_await insert(pinned, 2);  // RELEASE and SAVEPOINT ride along
    trips.push_back(pg.round_trips());
    co_await insert(pinned, 2);  // refused: ROLLBACK TO SAVEPOINT is one more
    trips.push_back(pg.round_trips());
  }));
  EXPECT_EQ(trips,
            (std::vector<std::uint64_t>{trips[0], trips[0] + 1, trips[0] + 2, trips[0] + 4}));
  EXPECT_EQ(rows(), 2);
}

USERTASKS_INSTANTIATE_FOR_ALL_BACKENDS(PinnedTest);

}  // namespace
}  // namespace usertasks::testing
