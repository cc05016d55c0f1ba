// Cancelling SQLite work (what a request timeout does): a write's statement in progress is
// interrupted, a wait for another connection's write lock gives up, the transaction is rolled
// back, and the connection is usable again; a read, which runs on the caller's thread where
// nothing can cancel it, stops at its bound. The pool's gauges along the way.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <optional>

#include "app/run_sync.hpp"
#include "sqlite_file_fixture.hpp"

namespace usertasks::testing {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using store::Access;
using store::awaitable;
using store::Connection;
using store::Statement;

// Not endless, but minutes long: a statement that only an interrupt ends within the test.
constexpr Statement endless{"endless",
                            "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n "
                            "WHERE x < 10000000000) SELECT count(*) FROM n"};
constexpr Statement insert_item{"insert_item", "INSERT INTO items (name) VALUES ($1)"};
constexpr Statement count_items{"count_items", "SELECT count(*) FROM items"};

class SqliteCancel : public SqliteFileTest {
 protected:
  void SetUp() override {
    SqliteFileTest::SetUp();
    app::run_sync(db_->run(Access::write, [](Connection& c) -> awaitable<void> {
      co_await c.execute_script("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)");
    }));
  }

  // Runs `work`, cancels it (terminal) once `ready` holds, and returns how the run ended: the
  // exception it threw, or null when it completed. Fails the test when it does not end in 30 s.
  std::exception_ptr run_and_cancel(Access access, store::Database::Work work,
                                    const std::function<bool()>& ready) {
    asio::io_context context;
    asio::cancellation_signal cancel;
    std::optional<std::exception_ptr> outcome;
    asio::co_spawn(
        context, db_->run(access, std::move(work)),
        asio::bind_cancellation_slot(cancel.slot(), [&](std::exception_ptr e) { outcome = e; }));
    asio::co_spawn(
        context,
        [&]() -> awaitable<void> {
          asio::steady_timer poll(context);
          while (!ready()) {
            poll.expires_after(1ms);
            co_await poll.async_wait(asio::use_awaitable);
          }
          cancel.emit(asio::cancellation_type::terminal);
        },
        asio::detached);
    context.run_for(30s);
    if (!outcome) {
      ADD_FAILURE() << "the cancelled work did not end";
      return nullptr;
    }
    return *outcome;
  }

  std::int64_t items() {
    return app::run_sync(
        store::with_connection(*db_, Access::read, [](Connection& c) -> awaitable<std::int64_t> {
          co_return (co_await c.execute(count_items, {})).front().integer(0);
        }));
  }

  bool one_in_use() const { return db_->pool_stats().in_use == 1; }
};

TEST_F(SqliteCancel, AStatementInProgressIsInterrupted) {
  const auto failure = run_and_cancel(
      Access::write, [](Connection& c) -> awaitable<void> { co_await c.execute(endless, {}); },
      [this] { return one_in_use(); });
  ASSERT_TRUE(failure);
  EXPECT_THROW(std::rethrow_exception(failure), store::Unavailable);
  // The connection went back to the pool and works.
  EXPECT_EQ(db_->pool_stats().in_use, 0U);
  EXPECT_EQ(items(), 0);
}

TEST_F(SqliteCancel, AReadPastItsBoundIsInterrupted) {
  const auto bounded = store::open_database("sqlite:" + path_.string(),
                                            store::DatabaseOptions{.statement_timeout = 100ms});
  const auto read = [](Connection& c) -> awaitable<void> { co_await c.execute(endless, {}); };
  EXPECT_THROW(app::run_sync(bounded->run(Access::read, read)), store::Unavailable);
  // The read connection went back, and the next read works.
  EXPECT_EQ(bounded->pool_stats().in_use, 0U);
  EXPECT_EQ(app::run_sync(store::with_connection(
                *bounded, Access::read,
                [](Connection& c) -> awaitable<std::int64_t> {
                  co_return (co_await c.execute(count_items, {})).front().integer(0);
                })),
            0);
}

TEST_F(SqliteCancel, AWriteInterruptedMidTransactionIsRolledBack) {
  const auto failure = run_and_cancel(
      Access::write,
      [](Connection& c) -> awaitable<void> {
        const std::vector<store::Value> name{std::string("lost")};
        co_await c.execute(insert_item, name);
        co_await c.execute(endless, {});
      },
      [this] { return one_in_use(); });
  ASSERT_TRUE(failure);
  EXPECT_THROW(std::rethrow_exception(failure), store::Unavailable);
  EXPECT_EQ(items(), 0);
  // And the next write commits.
  app::run_sync(db_->run(Access::write, [](Connection& c) -> awaitable<void> {
    const std::vector<store::Value> name{std::string("kept")};
    co_await c.execute(insert_item, name);
  }));
  EXPECT_EQ(items(), 1);
}

TEST_F(SqliteCancel, AWriterWaitingForTheLockGivesUp) {
  // Another connection holds the write lock, as long as the test wants.
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);

  const auto failure = run_and_cancel(
      Access::write,
      [](Connection& c) -> awaitable<void> {
        const std::vector<store::Value> name{std::string("never")};
        co_await c.execute(insert_item, name);
      },
      [this] { return one_in_use(); });
  ASSERT_TRUE(failure);
  EXPECT_THROW(std::rethrow_exception(failure), store::Unavailable);

  ASSERT_EQ(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);
  EXPECT_EQ(items(), 0);
  EXPECT_EQ(db_->pool_stats().in_use, 0U);
}

TEST_F(SqliteCancel, AWriteCancelledBeforeTheWriterIsFreeNeverRuns) {
  // The writer runs an endless statement; a second write waits in its queue.
  asio::io_context context;
  asio::cancellation_signal cancel_all;
  asio::cancellation_signal cancel_queued;
  int ended = 0;
  bool inserted = false;
  auto spawn = [&](asio::cancellation_signal& signal, store::Database::Work work) {
    asio::co_spawn(context, db_->run(Access::write, std::move(work)),
                   asio::bind_cancellation_slot(signal.slot(), [&](std::exception_ptr e) {
                     EXPECT_TRUE(e);
                     ++ended;
                   }));
  };
  asio::cancellation_signal busy[1];
  for (auto& signal : busy) {
    spawn(signal, [](Connection& c) -> awaitable<void> { co_await c.execute(endless, {}); });
  }
  spawn(cancel_queued, [&inserted](Connection& c) -> awaitable<void> {
    inserted = true;
    const std::vector<store::Value> name{std::string("queued")};
    co_await c.execute(insert_item, name);
  });
  asio::co_spawn(
      context,
      [&]() -> awaitable<void> {
        asio::steady_timer poll(context);
        while (db_->pool_stats().in_use < 1 || db_->pool_stats().waiting < 1) {
          poll.expires_after(1ms);
          co_await poll.async_wait(asio::use_awaitable);
        }
        cancel_queued.emit(asio::cancellation_type::terminal);
        for (auto& signal : busy) signal.emit(asio::cancellation_type::terminal);
      },
      asio::detached);
  context.run_for(30s);
  EXPECT_EQ(ended, 2);
  EXPECT_FALSE(inserted);
  EXPECT_EQ(items(), 0);
  const store::PoolStats after = db_->pool_stats();
  EXPECT_EQ(after.in_use, 0U);
  EXPECT_EQ(after.waiting, 0U);
  EXPECT_EQ(after.idle, 2U);
}

}  // namespace
}  // namespace usertasks::testing
