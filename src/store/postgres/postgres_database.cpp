#include "store/postgres/postgres_database.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <string>
#include <utility>

#include "store/postgres/pg_connection.hpp"

namespace usertasks::store::postgres {

namespace asio = boost::asio;

// A request waiting for a connection. `release` hands it one (or the right to open one) and wakes
// it by cancelling its timer; the timer firing first means the wait timed out.
struct PostgresDatabase::Waiter {
  explicit Waiter(const asio::any_io_executor& ex) : executor(ex), timer(ex) {}
  const asio::any_io_executor executor;
  asio::steady_timer timer;  // touched only on `executor`
  // Guarded by the pool's mutex. granted with a null connection: open a new one.
  bool granted = false;
  std::unique_ptr<PgConnection> connection;
  // At the head of the line, it let a waiter on the connection's own io thread go first once.
  bool passed_over = false;
};

// A connection lent to one run(), registered with the borrower's io_context, and given back
// (parked, still registered there) when the run ends, however it ends.
class PostgresDatabase::Lease {
 public:
  Lease(PostgresDatabase& db, std::unique_ptr<PgConnection> connection)
      : db_(&db), connection_(std::move(connection)) {}
  Lease(Lease&& other) noexcept = default;
  Lease& operator=(Lease&&) = delete;
  ~Lease() {
    if (!connection_) return;
    connection_->park();
    db_->release(std::move(connection_));
  }
  PgConnection& operator*() const { return *connection_; }

 private:
  PostgresDatabase* db_;
  std::unique_ptr<PgConnection> connection_;
};

PostgresDatabase::PostgresDatabase(std::string conninfo, PoolOptions options)
    : conninfo_(std::move(conninfo)), options_(options) {
  (void)session_options(conninfo_);  // a malformed URL fails now, not on the first request
  if (options_.size == 0) throw std::invalid_argument("postgresql: pool size must be at least 1");
}

PostgresDatabase::~PostgresDatabase() {
  close();
}

void PostgresDatabase::close() {
  std::vector<std::unique_ptr<PgConnection>> idle;
  std::deque<std::shared_ptr<Waiter>> waiters;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    idle.swap(idle_);
    waiters.swap(waiters_);
    open_ -= static_cast<unsigned>(idle.size());
  }
  // Lent connections close when they come back. Waiters wake to find nothing granted.
  for (auto& w : waiters) asio::post(w->executor, [w] { w->timer.cancel(); });
  idle.clear();  // PQfinish, outside the lock
}

unsigned PostgresDatabase::open_connections() const {
  std::lock_guard lock(mutex_);
  return open_;
}

PoolStats PostgresDatabase::pool_stats() const {
  std::lock_guard lock(mutex_);
  return {.in_use = open_ - idle_.size(), .idle = idle_.size(), .waiting = waiters_.size()};
}

void PostgresDatabase::release(std::unique_ptr<PgConnection> connection) {
  const bool reuse = connection && connection->reusable();
  std::shared_ptr<Waiter> waiter;
  {
    std::lock_guard lock(mutex_);
    if (!waiters_.empty()) {
      // The slot passes to the next in line: with this connection, or to open a fresh one. A
      // waiter on the io thread the connection is registered with may go first, which spares
      // moving the registration and waking another thread; the one at the head lets that
      // happen once at most, so no request waits more than one turn longer than in line.
      auto next = waiters_.begin();
      const asio::execution_context* home = reuse ? connection->registered_context() : nullptr;
      const auto at_home = [home](const std::shared_ptr<Waiter>& w) {
        return &context_of(w->executor) == home;
      };
      if (home != nullptr && !at_home(*next) && !(*next)->passed_over) {
        const auto same_thread = std::find_if(std::next(next), waiters_.end(), at_home);
        if (same_thread != waiters_.end()) {
          (*next)->passed_over = true;
          next = same_thread;
        }
      }
      waiter = std::move(*next);
      waiters_.erase(next);
      waiter->granted = true;
      if (reuse) waiter->connection = std::move(connection);
    } else if (reuse && !closed_) {
      idle_.push_back(std::move(connection));
    } else {
      --open_;
    }
  }
  // The timer belongs to the waiter's thread; cancel it there.
  if (waiter) asio::post(waiter->executor, [waiter] { waiter->timer.cancel(); });
  connection.reset();  // a broken one: PQfinish outside the lock; the next demand opens another
}

// A waiter's claim on what `release` hands it. If the waiting coroutine is destroyed instead of
// resumed (its io_context shut down), the destructor takes it out of the queue, or passes on what
// it was granted, so that nothing is posted to a dead executor and no slot leaks.
class PostgresDatabase::Ticket {
 public:
  Ticket(PostgresDatabase& db, std::shared_ptr<Waiter> waiter)
      : db_(db), waiter_(std::move(waiter)) {}
  Ticket(const Ticket&) = delete;
  Ticket& operator=(const Ticket&) = delete;
  ~Ticket() {
    std::unique_ptr<PgConnection> unclaimed;
    bool granted = false;
    {
      std::lock_guard lock(db_.mutex_);
      granted = waiter_->granted;
      if (!granted) std::erase(db_.waiters_, waiter_);
      if (granted && !claimed_) unclaimed = std::move(waiter_->connection);
    }
    if (granted && !claimed_) db_.release(std::move(unclaimed));
  }

  // After the wake-up: whether a slot was granted, and the connection that came with it (if any).
  bool claim(std::unique_ptr<PgConnection>& connection) {
    std::lock_guard lock(db_.mutex_);
    if (!waiter_->granted) return false;
    claimed_ = true;
    connection = std::move(waiter_->connection);
    return true;
  }

 private:
  PostgresDatabase& db_;
  std::shared_ptr<Waiter> waiter_;
  bool claimed_ = false;
};

// One slot of the pool (a connection open, being opened, or owed), owned by an acquire() until a
// Lease takes it over; given back if opening fails or the coroutine is destroyed first.
class PostgresDatabase::Slot {
 public:
  explicit Slot(PostgresDatabase& db) : db_(&db) {}
  Slot(const Slot&) = delete;
  Slot& operator=(const Slot&) = delete;
  ~Slot() {
    if (db_ != nullptr) db_->release(nullptr);
  }
  Lease lease(std::unique_ptr<PgConnection> connection) {
    PostgresDatabase& db = *std::exchange(db_, nullptr);
    return Lease(db, std::move(connection));
  }

 private:
  PostgresDatabase* db_;
};

awaitable<PostgresDatabase::Lease> PostgresDatabase::acquire() {
  const asio::any_io_executor executor = co_await asio::this_coro::executor;
  std::unique_ptr<PgConnection> connection;
  std::shared_ptr<Waiter> waiter;
  {
    std::lock_guard lock(mutex_);
    if (closed_) throw Unavailable("postgresql: the database is closed");
    if (!idle_.empty()) {
      // The most recently used one registered with this io thread: no epoll_ctl to lend it.
      // Failing that, the most recently used: warmest caches.
      const asio::execution_context* here = &context_of(executor);
      auto chosen = std::prev(idle_.end());
      for (auto it = idle_.rbegin(); it != idle_.rend(); ++it) {
        if ((*it)->registered_context() == here) {
          chosen = std::prev(it.base());
          break;
        }
      }
      connection = std::move(*chosen);
      idle_.erase(chosen);
    } else if (open_ < options_.size) {
      ++open_;  // ours to open
    } else {
      waiter = std::make_shared<Waiter>(executor);
      waiter->timer.expires_after(options_.acquire_timeout);
      waiters_.push_back(waiter);
    }
  }

  if (waiter) {
    Ticket ticket(*this, waiter);
    boost::system::error_code ec;
    co_await waiter->timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (!ticket.claim(connection)) {
      std::lock_guard lock(mutex_);
      if (closed_) throw Unavailable("postgresql: the database is closed");
      // The timer is cancelled only by release() granting a slot, or by the caller's cancellation.
      if (ec == asio::error::operation_aborted) {
        throw Unavailable("postgresql: abandoned while waiting for a connection");
      }
      throw Unavailable(fmt::format("postgresql: no connection free within {} ms",
                                    options_.acquire_timeout.count()));
    }
  }

  Slot slot(*this);
  // An idle connection whose server went away is dropped here; its slot opens a new one. One
  // handed over by release() was in use a moment ago and needs no look (a poll(2) saved).
  if (connection && !waiter && !connection->still_good()) connection.reset();
  if (!connection) {
    connection = co_await PgConnection::connect(conninfo_, options_.connect_timeout,
                                                options_.statement_timeout);
  }
  connection->lend(executor);
  co_return slot.lease(std::move(connection));
}

awaitable<void> PostgresDatabase::run(Access access, Work work) {
  Lease lease = co_await acquire();
  PgConnection& connection = *lease;
  if (access == Access::read) {
    co_await work(connection);
    co_return;
  }
  // BEGIN goes out with the work's first statement (pipelined), COMMIT after it returns. COMMIT
  // cannot join the last statement: the interface does not say which statement is the last.
  connection.begin(access == Access::snapshot);
  std::exception_ptr failure;
  try {
    co_await work(connection);
  } catch (...) {
    failure = std::current_exception();
  }
  if (!failure) {
    co_await connection.commit();
    co_return;
  }
  co_await connection.rollback();
  std::rethrow_exception(failure);
}

awaitable<void> PostgresDatabase::run_nested(Connection& connection, Access access, Work work) {
  if (access != Access::write) {
    co_await work(connection);
    co_return;
  }
  // One of this pool's connections: run() lent it to the work that pinned it.
  auto& pg = static_cast<PgConnection&>(connection);
  pg.savepoint();
  std::exception_ptr failure;
  try {
    co_await work(connection);
  } catch (...) {
    failure = std::current_exception();
  }
  if (!failure) {
    pg.release_savepoint();
    co_return;
  }
  co_await pg.rollback_to_savepoint();
  std::rethrow_exception(failure);
}

}  // namespace usertasks::store::postgres
