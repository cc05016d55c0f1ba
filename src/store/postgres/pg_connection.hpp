#pragma once
// One libpq connection behind store::Connection, in non-blocking mode, its socket awaited with
// Asio; statements prepared lazily and pipelined (docs/design.md, "The asynchronous store").

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "store/database.hpp"

struct pg_conn;
struct pg_result;

namespace usertasks::store::postgres {

struct FinishConn {
  void operator()(pg_conn* conn) const;
};
struct ClearResult {
  void operator()(pg_result* result) const;
};
using ConnHandle = std::unique_ptr<pg_conn, FinishConn>;
using ResultHandle = std::unique_ptr<pg_result, ClearResult>;

// Checks that libpq can parse `conninfo` (a URL or keyword string) and returns the `options`
// value a connection should start with: the caller's own, then UTC and ISO dates for the session,
// so that timestamptz values print as timestamp_to_rfc3339 expects. Throws std::invalid_argument.
std::string session_options(const std::string& conninfo);

// libpq's last error message on `conn`, without its trailing new line.
std::string error_text(const pg_conn* conn);

class SocketHome;

// The io_context `executor` runs on: what PgConnection::registered_context() is compared with.
[[nodiscard]] boost::asio::execution_context& context_of(
    const boost::asio::any_io_executor& executor);

class PgConnection final : public Connection {
 public:
  // Connects on the calling coroutine's executor; throws Unavailable when the server cannot be
  // reached within `timeout` (libpq's connect_timeout does not apply to PQconnectPoll). A non-zero
  // `statement_timeout` is set for the session (an `options` of the conninfo may override it).
  static awaitable<std::unique_ptr<PgConnection>> connect(
      const std::string& conninfo, std::chrono::milliseconds timeout,
      std::chrono::milliseconds statement_timeout = std::chrono::milliseconds{0});
  ~PgConnection() override;
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  awaitable<Rows> execute(const Statement& statement, std::span<const Value> params) override;
  // In the connection's own transaction (not a savepoint), pipelined with COMMIT: commit() then
  // has nothing left to do. A failure leaves the transaction to roll back, as execute() does.
  awaitable<Rows> execute_last(const Statement& statement, std::span<const Value> params) override;
  awaitable<void> execute_script(std::string_view sql) override;
  [[nodiscard]] Dialect dialect() const override { return Dialect::postgresql; }

  // Transactions for Database::run. BEGIN is not sent here: it travels with the first statement.
  // `snapshot`: a read-only REPEATABLE READ transaction, whose statements share one snapshot.
  void begin(bool snapshot = false) {
    begin_pending_ = true;
    in_transaction_ = true;
    begin_text_ = snapshot ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN";
  }
  awaitable<void> commit();
  // Never throws: a connection that cannot roll back is marked broken, so it is not reused.
  awaitable<void> rollback();

  // Savepoints inside the transaction, for Database::run_nested. SAVEPOINT and RELEASE are not
  // sent here: like BEGIN they travel with the next statement (so a unit of work that runs none
  // costs nothing), and COMMIT or ROLLBACK makes a RELEASE still pending moot.
  void savepoint();
  void release_savepoint();
  // Undoes what ran since the savepoint: a round trip, unless nothing ran.
  awaitable<void> rollback_to_savepoint();

  // The socket is awaited on the executor of whoever borrows the connection. lend() registers it
  // with that io_context's reactor, unless it is registered there already; park() marks it idle
  // and leaves it registered, so that the next borrower on the same io thread pays no epoll_ctl.
  // A registration outlives no io_context: when one goes away, the idle connections registered
  // with it are deregistered then, and a lent one when it is parked (see SocketHome).
  void lend(const boost::asio::any_io_executor& executor);
  void park();
  // The io_context the socket is registered with, if any: lend() on an executor whose
  // context_of() it is keeps the registration.
  [[nodiscard]] const boost::asio::execution_context* registered_context() const;

  // For an idle connection about to be lent: reads whatever the server sent meanwhile (a shutdown
  // notice, EOF) without waiting; false when the connection must not be used.
  [[nodiscard]] bool still_good();
  // Whether this connection may go back to the pool: open, idle, no transaction, nothing in flight.
  [[nodiscard]] bool reusable() const;

  // LISTENs on `channel`, then calls `notified` for each notification that arrives, until the
  // connection fails (Unavailable) or the awaiting coroutine is cancelled (pg_listener.cpp).
  awaitable<void> listen(const std::string& channel, const std::function<void()>& notified);

  // Round trips so far (each send-then-await-results counts one); tests use it to check batching.
  [[nodiscard]] std::uint64_t round_trips() const { return round_trips_; }
  // Times lend() registered the socket with a reactor; tests use it to check that a connection
  // lent again on the same io thread is not registered anew.
  [[nodiscard]] std::uint64_t registrations() const { return registrations_; }

 private:
  friend class SocketHome;
  class Errors;
  struct Prepared {
    std::string name;
    bool ready = false;
  };

  explicit PgConnection(ConnHandle conn);

  awaitable<void> finish_connect(std::chrono::steady_clock::time_point deadline);
  awaitable<void> wait(boost::asio::posix::descriptor_base::wait_type type);
  awaitable<void> flush();
  awaitable<ResultHandle> next_result();
  // Reads one command's results (up to libpq's null); rows go to `rows` when given, the last
  // command tag to `tag`. False when the command failed or was skipped.
  awaitable<bool> collect(Errors& errors, Rows* rows, std::string* tag = nullptr);
  awaitable<void> end_pipeline();
  // execute(), and with `then_commit` the COMMIT in the same pipeline.
  awaitable<Rows> send(const Statement& statement, std::span<const Value> params, bool then_commit);
  awaitable<std::string> simple(std::string_view sql);

  // Deregisters the socket from its io_context, if any. The caller holds the homes' mutex.
  void leave_home();

  Prepared& prepared(const Statement& statement);
  void check_sent(int ok, std::string_view what);
  [[noreturn]] void connection_lost(std::string_view what);

  ConnHandle conn_;
  std::optional<boost::asio::posix::stream_descriptor> socket_;
  SocketHome* home_ = nullptr;  // the io_context socket_ is registered with; the homes' mutex
  bool lent_ = false;           // guarded by the homes' mutex
  std::unordered_map<const Statement*, Prepared> statements_;
  std::unordered_set<std::string> names_;
  bool begin_pending_ = false;
  const char* begin_text_ = "BEGIN";
  std::vector<const char*> deferred_;  // SAVEPOINT and RELEASE, sent before the next statement
  bool in_transaction_ = false;        // begin() until commit() or rollback()
  int nesting_ = 0;                    // savepoints open
  bool committed_ = false;             // by execute_last(): commit() has nothing to send
  bool in_flight_ = false;  // set while a command is on the wire; left set if that is abandoned
  bool broken_ = false;
  std::uint64_t round_trips_ = 0;
  std::uint64_t registrations_ = 0;
};

}  // namespace usertasks::store::postgres
