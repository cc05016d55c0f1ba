#include "store/sqlite/sqlite_database.hpp"

#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "store/sqlite/sqlite_connection.hpp"

namespace usertasks::store::sqlite {

namespace asio = boost::asio;

namespace {

bool in_memory(const std::string& path) {
  return path == ":memory:" || path.find("mode=memory") != std::string::npos;
}

}  // namespace

SqliteDatabase::SqliteDatabase(const std::string& path, unsigned workers)
    : path_(path), workers_(in_memory(path) ? 1 : std::max(1U, workers)) {
  // Open one connection now so that a bad path fails at start-up, not on the first request.
  idle_.push_back(std::make_unique<SqliteConnection>(path_));
}

SqliteDatabase::~SqliteDatabase() {
  close();
}

void SqliteDatabase::close() {
  workers_.join();
}

PoolStats SqliteDatabase::pool_stats() const {
  std::lock_guard lock(mutex_);
  return {
      .in_use = lent_, .idle = idle_.size(), .waiting = queued_.load(std::memory_order_relaxed)};
}

std::unique_ptr<SqliteConnection> SqliteDatabase::acquire() {
  {
    std::lock_guard lock(mutex_);
    ++lent_;
    if (!idle_.empty()) {
      auto connection = std::move(idle_.back());
      idle_.pop_back();
      return connection;
    }
  }
  // There are never more borrowers than workers, so the pool grows to the worker count at most.
  try {
    return std::make_unique<SqliteConnection>(path_);
  } catch (...) {
    release(nullptr);
    throw;
  }
}

void SqliteDatabase::release(std::unique_ptr<SqliteConnection> connection) {
  std::lock_guard lock(mutex_);
  --lent_;
  if (connection) idle_.push_back(std::move(connection));
}

awaitable<void> SqliteDatabase::on_worker(Access access, Work& work,
                                          const std::atomic<bool>& interrupt) {
  queued_.fetch_sub(1, std::memory_order_relaxed);
  if (interrupt.load(std::memory_order_relaxed)) {
    throw Unavailable("sqlite: the request was abandoned before a worker was free");
  }
  auto connection = acquire();
  connection->watch(&interrupt);
  struct Return {
    SqliteDatabase* db;
    std::unique_ptr<SqliteConnection>& c;
    ~Return() {
      if (c) c->watch(nullptr);
      db->release(std::move(c));
    }
  } give_back{this, connection};

  if (access == Access::read) {
    co_await work(*connection);
    co_return;
  }
  // IMMEDIATE takes the write lock up front, so two writers wait on the busy timeout instead of
  // failing when a read lock cannot be upgraded. A snapshot's deferred BEGIN takes no lock: its
  // first read starts a read transaction (in WAL, a snapshot that writers do not disturb).
  connection->exec(access == Access::write ? "BEGIN IMMEDIATE" : "BEGIN");
  try {
    co_await work(*connection);
    connection->exec("COMMIT");
  } catch (...) {
    connection->watch(nullptr);  // the rollback must not be interrupted in its turn
    try {
      if (connection->in_transaction()) connection->exec("ROLLBACK");
    } catch (...) {
      connection.reset();  // a connection in an unknown state is not returned to the pool
    }
    throw;
  }
}

awaitable<void> SqliteDatabase::run(Access access, Work work) {
  // Raised when the caller is cancelled; the worker's connection watches it. It lives in this
  // frame, which outlives the worker's use of it: the operation below completes only after the
  // worker is done.
  std::atomic<bool> interrupt{false};
  queued_.fetch_add(1, std::memory_order_relaxed);
  co_await asio::async_initiate<decltype(asio::use_awaitable), void(std::exception_ptr)>(
      [this, access, &work, &interrupt](auto handler) {
        auto slot = asio::get_associated_cancellation_slot(handler);
        if (slot.is_connected()) {
          slot.assign([&interrupt](asio::cancellation_type) {
            interrupt.store(true, std::memory_order_relaxed);
          });
        }
        // The handler goes to co_spawn wrapped, so that co_spawn does not install a cancellation
        // handler of its own in place of the one above. It completes on its own executor, which
        // is also where the slot is emitted and cleared.
        asio::co_spawn(workers_, on_worker(access, work, interrupt),
                       [handler = std::move(handler)](std::exception_ptr e) mutable {
                         const auto executor = asio::get_associated_executor(handler);
                         // Counted as work until this worker thread is out of the io_context:
                         // otherwise the handler could run and its io_context finish and be
                         // destroyed (run_sync) while this thread is still waking it up.
                         const auto busy = asio::make_work_guard(executor);
                         asio::dispatch(executor, [handler = std::move(handler), e]() mutable {
                           asio::get_associated_cancellation_slot(handler).clear();
                           std::move(handler)(e);
                         });
                       });
      },
      asio::use_awaitable);
}

}  // namespace usertasks::store::sqlite
