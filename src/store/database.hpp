#pragma once
// The small asynchronous database interface that the store is written against. The SQLite and
// PostgreSQL drivers implement it; nothing above store/ sees a driver handle.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace usertasks::store {

template <class T>
using awaitable = boost::asio::awaitable<T>;

enum class Dialect { sqlite, postgresql };

// A parameter or a column value. Timestamps travel as RFC 3339 text.
using Value = std::variant<std::monostate, std::int64_t, bool, std::string>;

class Row {
 public:
  explicit Row(std::vector<Value> values) : values_(std::move(values)) {}
  [[nodiscard]] bool is_null(std::size_t i) const;
  [[nodiscard]] std::int64_t integer(std::size_t i) const;
  [[nodiscard]] bool boolean(std::size_t i) const;
  [[nodiscard]] const std::string& text(std::size_t i) const;
  [[nodiscard]] std::string take_text(std::size_t i);
  [[nodiscard]] std::size_t size() const { return values_.size(); }

 private:
  std::vector<Value> values_;
};
using Rows = std::vector<Row>;

// A named SQL statement, written once with $1..$N placeholders; a driver prepares it once per
// connection and keys it by its address, so a kept statement must outlive the database. `sqlite`
// overrides `sql` where the dialects differ. A statement that is not `kept` (one made for a
// request) is prepared for each execution and forgotten after it.
struct Statement {
  std::string_view name;
  std::string_view sql;
  std::string_view sqlite{};
  bool kept = true;
  // PostgreSQL: planned for the values of each execution (an unnamed statement) instead of
  // prepared once, since after five executions a prepared statement may keep one plan for every
  // value: for a statement whose best plan depends on its values (a search).
  bool plan_each_time = false;

  [[nodiscard]] std::string_view text(Dialect d) const {
    return d == Dialect::sqlite && !sqlite.empty() ? sqlite : sql;
  }
};

// Failures a caller can act on. Anything else a driver throws is a bug or an outage.
class ConstraintViolation : public std::runtime_error {
 public:
  enum class Kind { unique, foreign_key, other };
  ConstraintViolation(Kind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  [[nodiscard]] Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

// The database cannot be reached, is read-only, full, or too busy: the request may be retried.
class Unavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Thrown by a unit of work to end its transaction with a rollback when that is its answer rather
// than a failure (a request with an Idempotency-Key that answered 4xx keeps nothing); run()
// rethrows it, and it is not counted as a database error.
class RollBack : public std::exception {
 public:
  [[nodiscard]] const char* what() const noexcept override { return "rolled back"; }
};

class Connection {
 public:
  virtual ~Connection() = default;
  virtual awaitable<Rows> execute(const Statement& statement, std::span<const Value> params) = 0;
  // The same for the last statement of a write transaction's work: PostgreSQL sends it with the
  // COMMIT, in one round trip, unless the transaction is nested in another (a savepoint).
  virtual awaitable<Rows> execute_last(const Statement& statement, std::span<const Value> params) {
    co_return co_await execute(statement, params);
  }
  // Runs SQL text that is not worth preparing (DDL, migration steps). No results.
  virtual awaitable<void> execute_script(std::string_view sql) = 0;
  [[nodiscard]] virtual Dialect dialect() const = 0;
};

// What a pool is doing at one moment, for metrics. SQLite: the read connections and the writer's,
// and writes queued for the writer.
struct PoolStats {
  std::size_t in_use = 0;   // lent to a request (PostgreSQL: also being opened)
  std::size_t idle = 0;     // open and free
  std::size_t waiting = 0;  // requests waiting for a connection
};

enum class Access {
  read,   // one or more reads; no transaction needed
  write,  // a transaction that may write; committed when the work returns, rolled back on throw
  // Reads that all see one snapshot of the database, however many statements they are: a
  // transaction that ends when the work returns (PostgreSQL: REPEATABLE READ, READ ONLY; SQLite:
  // a deferred one, whose snapshot is taken by its first read and kept to its end).
  snapshot,
};

class Database {
 public:
  using Work = std::function<awaitable<void>(Connection&)>;
  virtual ~Database() = default;
  // Runs `work` on a connection of this database, inside a transaction for Access::write and
  // Access::snapshot.
  // Terminal cancellation of the awaiting coroutine (a request timeout) abandons the work: what
  // it runs is interrupted, its transaction is not committed, the connection goes back to the
  // pool only in a known state, and run() ends with an exception.
  virtual awaitable<void> run(Access access, Work work) = 0;
  // Runs `work` on `connection`, which a run() of this database lent and whose transaction is
  // open (see Pinned). A write is a nested transaction, a savepoint, undone alone when `work`
  // throws, so that a unit of work is as atomic as under run() and, on PostgreSQL, a statement
  // refused by a constraint does not abort the transaction around it. Reads and snapshots run as
  // they are (a snapshot is then only as consistent as the transaction around it).
  virtual awaitable<void> run_nested(Connection& connection, Access access, Work work);
  [[nodiscard]] virtual Dialect dialect() const = 0;
  [[nodiscard]] virtual PoolStats pool_stats() const = 0;
  // Whether concurrent requests' units of work may be gathered into one (repository/gather.hpp):
  // a pool that they share. Not a Pinned connection, which is one request's transaction.
  [[nodiscard]] virtual bool gathers() const { return false; }
  // Stops background threads; pending work completes first.
  virtual void close() = 0;
  // Calls `notified` on `executor` for each notification on `channel` (PostgreSQL's NOTIFY), and
  // once more each time the listening connection is opened again after a loss (notifications may
  // have been missed), until the returned handle goes. Null: this database has none (SQLite).
  virtual std::shared_ptr<void> listen(std::string channel, boost::asio::any_io_executor executor,
                                       std::function<void()> notified);
};

struct DatabaseOptions {
  unsigned pool = 4;  // connections (PostgreSQL; SQLite has one writer, and a reader per io thread)
  // How long a request waits for a free connection before it gets Unavailable (PostgreSQL).
  std::chrono::milliseconds pool_timeout{5000};
  // PostgreSQL's statement_timeout for the pool's sessions (0: the server's setting), and the bound
  // of a SQLite read, which runs on its io thread (0: none). The service sets it to its request
  // timeout (and a margin), so that the server ends a statement whose request was abandoned
  // instead of running it to the end, and a SQLite read holds its io thread no longer.
  std::chrono::milliseconds statement_timeout{0};
};

// A Database whose units of work all run on one connection, inside the transaction that a run()
// of `origin` opened there, each as run_nested(): every write of a request in one transaction
// (resources/idempotency.cpp). Used by one coroutine at a time, within that run().
class Pinned final : public Database {
 public:
  Pinned(Database& origin, Connection& connection) : origin_(origin), connection_(connection) {}
  awaitable<void> run(Access access, Work work) override {
    return origin_.run_nested(connection_, access, std::move(work));
  }
  [[nodiscard]] Dialect dialect() const override { return connection_.dialect(); }
  [[nodiscard]] PoolStats pool_stats() const override { return origin_.pool_stats(); }
  void close() override {}

 private:
  Database& origin_;
  Connection& connection_;
};

// Opens `url`: "sqlite:PATH", "sqlite::memory:", or a PostgreSQL URL / keyword string.
std::unique_ptr<Database> open_database(const std::string& url, const DatabaseOptions& options);
inline std::unique_ptr<Database> open_database(const std::string& url, unsigned pool) {
  return open_database(url, DatabaseOptions{.pool = pool});
}

// The result-returning form of Database::run.
template <class F>
auto with_connection(Database& db, Access access, F f)
    -> awaitable<typename std::invoke_result_t<F, Connection&>::value_type> {
  using T = typename std::invoke_result_t<F, Connection&>::value_type;
  if constexpr (std::is_void_v<T>) {
    co_await db.run(access, std::move(f));
  } else {
    std::optional<T> result;
    co_await db.run(access,
                    [&](Connection& c) -> awaitable<void> { result.emplace(co_await f(c)); });
    co_return std::move(*result);
  }
}

}  // namespace usertasks::store
