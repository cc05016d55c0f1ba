#pragma once
// PostgreSQL behind the async Database interface: one pool of non-blocking libpq connections for
// all io threads, under a mutex (docs/design.md, "The asynchronous store").

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/database.hpp"

namespace usertasks::store::postgres {

class PgConnection;

struct PoolOptions {
  unsigned size = 4;  // connections at most, opened on demand
  // How long a request waits for a free connection before it gets Unavailable (503).
  std::chrono::milliseconds acquire_timeout{5000};
  // How long opening a connection may take (libpq's connect_timeout does not apply here).
  std::chrono::milliseconds connect_timeout{5000};
  // statement_timeout for the sessions (0: leave the server's). A request abandoned mid-statement
  // drops its connection; this makes the server end the statement too.
  std::chrono::milliseconds statement_timeout{0};
};

class PostgresDatabase final : public Database {
 public:
  // `conninfo` is a postgresql:// URL or a libpq keyword string, handed to libpq unchanged.
  // Throws std::invalid_argument when libpq cannot parse it; connects only on demand, so the
  // service starts (and answers 503) while the database is down.
  explicit PostgresDatabase(std::string conninfo, PoolOptions options = {});
  ~PostgresDatabase() override;
  PostgresDatabase(const PostgresDatabase&) = delete;
  PostgresDatabase& operator=(const PostgresDatabase&) = delete;

  awaitable<void> run(Access access, Work work) override;
  // Savepoints pipelined with the statements (PgConnection::savepoint).
  awaitable<void> run_nested(Connection& connection, Access access, Work work) override;
  [[nodiscard]] Dialect dialect() const override { return Dialect::postgresql; }
  [[nodiscard]] PoolStats pool_stats() const override;
  [[nodiscard]] bool gathers() const override { return true; }
  void close() override;
  // A connection of its own, outside the pool, opened again after a loss (pg_listener.cpp).
  std::shared_ptr<void> listen(std::string channel, boost::asio::any_io_executor executor,
                               std::function<void()> notified) override;

  // Connections open now (lent or idle), for tests.
  [[nodiscard]] unsigned open_connections() const;

 private:
  class Lease;
  class Slot;
  class Ticket;
  struct Waiter;

  awaitable<Lease> acquire();
  // Takes back a lent connection (null: a slot whose connection failed or was dropped).
  void release(std::unique_ptr<PgConnection> connection);

  const std::string conninfo_;
  const PoolOptions options_;

  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<PgConnection>> idle_;
  unsigned open_ = 0;  // idle + lent + being opened
  std::deque<std::shared_ptr<Waiter>> waiters_;
  bool closed_ = false;
};

}  // namespace usertasks::store::postgres
