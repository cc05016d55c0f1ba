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

// Ends the transaction `work` ran in: COMMIT when it returned, ROLLBACK when it threw (then
// rethrown). A connection that cannot roll back is dropped, since its state is unknown.
awaitable<void> in_transaction(std::unique_ptr<SqliteConnection>& connection, const char* begin,
                               const Database::Work& work) {
  connection->exec(begin);
  try {
    co_await work(*connection);
    connection->exec("COMMIT");
  } catch (...) {
    connection->watch(nullptr);  // the rollback must not be interrupted in its turn
    connection->limit(std::chrono::steady_clock::time_point::max());
    try {
      if (connection->in_transaction()) connection->exec("ROLLBACK");
    } catch (...) {
      connection.reset();
    }
    throw;
  }
}

}  // namespace

SqliteDatabase::SqliteDatabase(const std::string& path, std::chrono::milliseconds read_limit)
    : path_(path),
      in_memory_(in_memory(path)),
      read_limit_(read_limit),
      writer_connection_(std::make_unique<SqliteConnection>(path)) {}

SqliteDatabase::~SqliteDatabase() {
  close();
}

void SqliteDatabase::close() {
  writer_.join();
}

PoolStats SqliteDatabase::pool_stats() const {
  const bool writing = writing_.load(std::memory_order_relaxed);
  std::lock_guard lock(mutex_);
  return {.in_use = readers_lent_ + (writing ? 1 : 0),
          .idle = readers_.size() + (writing ? 0 : 1),
          .waiting = writes_queued_.load(std::memory_order_relaxed)};
}

std::unique_ptr<SqliteConnection> SqliteDatabase::take_reader() {
  {
    std::lock_guard lock(mutex_);
    ++readers_lent_;
    if (!readers_.empty()) {
      auto reader = std::move(readers_.back());
      readers_.pop_back();
      return reader;
    }
  }
  // At most one is lent per thread that reads (an io thread), so there are never more than those.
  try {
    return std::make_unique<SqliteConnection>(path_);
  } catch (...) {
    give_back(nullptr);
    throw;
  }
}

void SqliteDatabase::give_back(std::unique_ptr<SqliteConnection> reader) {
  std::lock_guard lock(mutex_);
  --readers_lent_;
  if (reader) readers_.push_back(std::move(reader));
}

awaitable<void> SqliteDatabase::read_here(Access access, Work& work) {
  auto reader = take_reader();
  struct Return {
    SqliteDatabase* db;
    std::unique_ptr<SqliteConnection>& c;
    ~Return() {
      if (c) c->limit(std::chrono::steady_clock::time_point::max());
      db->give_back(std::move(c));
    }
  } give_back{this, reader};
  if (read_limit_.count() > 0) reader->limit(std::chrono::steady_clock::now() + read_limit_);
  // The connection's awaitables complete without suspending: the work runs to its end here.
  if (access == Access::read) {
    co_await work(*reader);
  } else {
    // A deferred BEGIN takes no lock: the first read fixes the snapshot the others read.
    co_await in_transaction(reader, "BEGIN", work);
  }
}

awaitable<void> SqliteDatabase::on_writer(Access access, Work& work,
                                          const std::atomic<bool>& interrupt) {
  writes_queued_.fetch_sub(1, std::memory_order_relaxed);
  if (interrupt.load(std::memory_order_relaxed)) {
    throw Unavailable("sqlite: the request was abandoned before the writer was free");
  }
  if (!writer_connection_) writer_connection_ = std::make_unique<SqliteConnection>(path_);
  writing_.store(true, std::memory_order_relaxed);
  writer_connection_->watch(&interrupt);
  struct Done {
    SqliteDatabase* db;
    ~Done() {
      if (db->writer_connection_) db->writer_connection_->watch(nullptr);
      db->writing_.store(false, std::memory_order_relaxed);
    }
  } done{this};
  if (access == Access::read) {
    co_await work(*writer_connection_);
    co_return;
  }
  // IMMEDIATE takes the write lock up front: another process's writer makes this one wait on the
  // busy timeout rather than fail when a read lock cannot be upgraded.
  co_await in_transaction(writer_connection_, access == Access::write ? "BEGIN IMMEDIATE" : "BEGIN",
                          work);
}

awaitable<void> SqliteDatabase::run(Access access, Work work) {
  if (access != Access::write && !in_memory_) {
    co_await read_here(access, work);
    co_return;
  }
  // Raised when the caller is cancelled; the writer's connection watches it. It lives in this
  // frame, which outlives the writer's use of it: the operation below completes only after the
  // writer is done.
  std::atomic<bool> interrupt{false};
  writes_queued_.fetch_add(1, std::memory_order_relaxed);
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
        asio::co_spawn(writer_, on_writer(access, work, interrupt),
                       [handler = std::move(handler)](std::exception_ptr e) mutable {
                         const auto executor = asio::get_associated_executor(handler);
                         // Counted as work until the writer thread is out of the io_context:
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
