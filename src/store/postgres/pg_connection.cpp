#include "store/postgres/pg_connection.hpp"

#include <fmt/format.h>
#include <libpq-fe.h>
#include <poll.h>
#include <spdlog/spdlog.h>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <utility>

#include "store/postgres/pg_errors.hpp"
#include "store/postgres/pg_values.hpp"

namespace usertasks::store::postgres {

namespace asio = boost::asio;
using asio::posix::descriptor_base;
using namespace asio::experimental::awaitable_operators;

namespace {

constexpr const char* savepoint_text = "SAVEPOINT nested";
constexpr const char* release_text = "RELEASE SAVEPOINT nested";

}  // namespace

void FinishConn::operator()(pg_conn* conn) const {
  PQfinish(conn);
}
void ClearResult::operator()(pg_result* result) const {
  PQclear(result);
}

std::string error_text(const pg_conn* conn) {
  std::string message = PQerrorMessage(conn);
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return message;
}

// The first failure among the commands of one round trip; later ones are its consequences.
class PgConnection::Errors {
 public:
  void record(const PGresult* result) {
    if (failed_) return;
    failed_ = true;
    const char* state = PQresultErrorField(result, PG_DIAG_SQLSTATE);
    sqlstate_ = state != nullptr ? state : "";
    message_ = PQresultErrorMessage(result);
    while (!message_.empty() && message_.back() == '\n') message_.pop_back();
  }
  void record(std::string message) {
    if (failed_) return;
    failed_ = true;
    message_ = std::move(message);
  }
  [[nodiscard]] bool failed() const { return failed_; }

  // A connection that went bad is an outage whatever the SQLSTATE; an error without one that
  // is not a lost connection comes from libpq itself.
  [[noreturn]] void raise(PgConnection& connection) const {
    if (PQstatus(connection.conn_.get()) == CONNECTION_BAD) {
      connection.broken_ = true;
      throw Unavailable("postgresql: " + message_);
    }
    throw_for_sqlstate(sqlstate_, "postgresql: " + message_);
  }

 private:
  bool failed_ = false;
  std::string sqlstate_;
  std::string message_;
};

bool PgConnection::still_good() {
  if (broken_ || in_flight_ || PQstatus(conn_.get()) != CONNECTION_OK) return false;
  // An idle connection has nothing to read unless the server said something: a FATAL message
  // before it went away, then EOF. Read it now, so that a restarted server costs no request.
  pollfd p{PQsocket(conn_.get()), POLLIN, 0};
  for (int i = 0; i < 4 && ::poll(&p, 1, 0) > 0; ++i) {
    if ((p.revents & (POLLERR | POLLHUP | POLLNVAL)) != 0) return false;
    if (PQconsumeInput(conn_.get()) == 0) return false;
  }
  return reusable();
}

bool PgConnection::reusable() const {
  return !broken_ && !in_flight_ && !begin_pending_ && deferred_.empty() &&
         PQstatus(conn_.get()) == CONNECTION_OK && PQtransactionStatus(conn_.get()) == PQTRANS_IDLE;
}

void PgConnection::connection_lost(std::string_view what) {
  broken_ = true;
  throw Unavailable(fmt::format("postgresql: {}: {}", what, error_text(conn_.get())));
}

void PgConnection::check_sent(int ok, std::string_view what) {
  if (ok != 0) return;
  if (PQstatus(conn_.get()) == CONNECTION_BAD) connection_lost(what);
  // libpq refused before anything reached the wire; the protocol state is unknown, though.
  broken_ = true;
  throw std::runtime_error(fmt::format("postgresql: {}: {}", what, error_text(conn_.get())));
}

awaitable<void> PgConnection::wait(descriptor_base::wait_type type) {
  boost::system::error_code ec;
  co_await socket_->async_wait(type, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    broken_ = true;
    throw Unavailable("postgresql: waiting for the server: " + ec.message());
  }
}

awaitable<void> PgConnection::flush() {
  for (;;) {
    const int pending = PQflush(conn_.get());
    if (pending == 0) co_return;
    if (pending < 0) connection_lost("send");
    // The server may be blocked writing results to us while we write to it: read as well, or
    // both sides wait forever (libpq's documentation of PQflush).
    const auto which =
        co_await (socket_->async_wait(descriptor_base::wait_read, asio::use_awaitable) ||
                  socket_->async_wait(descriptor_base::wait_write, asio::use_awaitable));
    if (which.index() == 0 && PQconsumeInput(conn_.get()) == 0) connection_lost("receive");
  }
}

awaitable<ResultHandle> PgConnection::next_result() {
  while (PQisBusy(conn_.get()) != 0) {
    co_await wait(descriptor_base::wait_read);
    if (PQconsumeInput(conn_.get()) == 0) connection_lost("receive");
  }
  co_return ResultHandle(PQgetResult(conn_.get()));
}

awaitable<bool> PgConnection::collect(Errors& errors, Rows* rows, std::string* tag) {
  bool ok = true;
  for (;;) {
    ResultHandle result = co_await next_result();
    if (!result) break;
    const PGresult* r = result.get();
    switch (PQresultStatus(r)) {
      case PGRES_TUPLES_OK:
        if (rows != nullptr) {
          const int columns = PQnfields(r);
          const int count = PQntuples(r);
          rows->reserve(rows->size() + static_cast<std::size_t>(count));
          for (int row = 0; row < count; ++row) {
            std::vector<Value> values;
            values.reserve(static_cast<std::size_t>(columns));
            for (int c = 0; c < columns; ++c) {
              if (PQgetisnull(r, row, c) != 0) {
                values.emplace_back(std::monostate{});
              } else {
                const std::string_view text(PQgetvalue(r, row, c),
                                            static_cast<std::size_t>(PQgetlength(r, row, c)));
                values.push_back(decode_value(PQftype(r, c), text));
              }
            }
            rows->emplace_back(std::move(values));
          }
        }
        break;
      case PGRES_COMMAND_OK:
        if (tag != nullptr) *tag = PQcmdStatus(result.get());
        break;
      case PGRES_EMPTY_QUERY:
        break;
      case PGRES_PIPELINE_ABORTED:  // skipped because an earlier command failed: already recorded
        ok = false;
        break;
      default:
        ok = false;
        errors.record(r);
        break;
    }
  }
  co_return ok;
}

awaitable<void> PgConnection::end_pipeline() {
  // Each command's results end with a null; the Sync's own result comes after the last of them.
  for (int i = 0; i < 2; ++i) {
    ResultHandle result = co_await next_result();
    if (result && PQresultStatus(result.get()) == PGRES_PIPELINE_SYNC) break;
  }
  if (PQexitPipelineMode(conn_.get()) != 1) connection_lost("leave pipeline mode");
}

PgConnection::Prepared& PgConnection::prepared(const Statement& statement) {
  auto it = statements_.find(&statement);
  if (it != statements_.end()) return it->second;
  // Statements are keyed by address; two of them may share a name, but not a server-side one.
  std::string name(statement.name);
  while (!names_.insert(name).second) name = fmt::format("{}#{}", statement.name, names_.size());
  return statements_.emplace(&statement, Prepared{std::move(name), false}).first->second;
}

awaitable<Rows> PgConnection::execute(const Statement& statement, std::span<const Value> params) {
  co_return co_await send(statement, params, false);
}

awaitable<Rows> PgConnection::execute_last(const Statement& statement,
                                           std::span<const Value> params) {
  co_return co_await send(statement, params, in_transaction_ && nesting_ == 0);
}

awaitable<Rows> PgConnection::send(const Statement& statement, std::span<const Value> params,
                                   bool then_commit) {
  // A statement that is not kept, or is planned each time, goes as the unnamed statement: parsed
  // and planned with its values, in the same message as its execution.
  Prepared* p = statement.kept && !statement.plan_each_time ? &prepared(statement) : nullptr;
  const TextParams text(params);
  const bool with_begin = begin_pending_;
  const std::size_t deferred = deferred_.size();
  const bool with_prepare = p != nullptr && !p->ready;
  // One round trip either way: a pipeline of BEGIN, savepoints, Parse and Bind/Execute ending in
  // one Sync.
  const bool pipelined = with_begin || deferred > 0 || with_prepare || then_commit;
  PGconn* conn = conn_.get();
  in_flight_ = true;
  if (pipelined) check_sent(PQenterPipelineMode(conn), "enter pipeline mode");
  if (with_begin) {
    check_sent(PQsendQueryParams(conn, begin_text_, 0, nullptr, nullptr, nullptr, nullptr, 0),
               "BEGIN");
    begin_pending_ = false;
  }
  for (const char* command : deferred_) {
    check_sent(PQsendQueryParams(conn, command, 0, nullptr, nullptr, nullptr, nullptr, 0), command);
  }
  deferred_.clear();
  if (with_prepare) {
    const std::string sql(statement.text(Dialect::postgresql));
    check_sent(PQsendPrepare(conn, p->name.c_str(), sql.c_str(), 0, nullptr), "prepare");
  }
  if (p != nullptr) {
    check_sent(
        PQsendQueryPrepared(conn, p->name.c_str(), text.size(), text.values(), nullptr, nullptr, 0),
        statement.name);
  } else {
    const std::string sql(statement.text(Dialect::postgresql));
    check_sent(PQsendQueryParams(conn, sql.c_str(), text.size(), nullptr, text.values(), nullptr,
                                 nullptr, 0),
               statement.name);
  }
  if (then_commit) {
    check_sent(PQsendQueryParams(conn, "COMMIT", 0, nullptr, nullptr, nullptr, nullptr, 0),
               "COMMIT");
  }
  if (pipelined) check_sent(PQpipelineSync(conn), "sync");
  co_await flush();
  ++round_trips_;

  Errors errors;
  if (with_begin) co_await collect(errors, nullptr);
  for (std::size_t i = 0; i < deferred; ++i) co_await collect(errors, nullptr);
  if (with_prepare) {
    const bool parsed = co_await collect(errors, nullptr);
    p->ready = parsed;
  }
  Rows rows;
  co_await collect(errors, &rows);
  if (then_commit) {
    std::string tag;
    // After a failed statement the COMMIT is skipped, and the transaction is left to roll back.
    committed_ = co_await collect(errors, nullptr, &tag) && tag == "COMMIT" && !errors.failed();
  }
  if (pipelined) co_await end_pipeline();
  in_flight_ = false;
  if (errors.failed()) errors.raise(*this);
  co_return rows;
}

// The simple protocol: several statements in one text, no parameters, rows ignored. Returns the
// last command's tag.
awaitable<std::string> PgConnection::simple(std::string_view sql) {
  const std::string text(sql);
  in_flight_ = true;
  check_sent(PQsendQuery(conn_.get(), text.c_str()), "query");
  co_await flush();
  ++round_trips_;
  Errors errors;
  std::string tag;
  co_await collect(errors, nullptr, &tag);
  in_flight_ = false;
  if (errors.failed()) errors.raise(*this);
  co_return tag;
}

awaitable<void> PgConnection::execute_script(std::string_view sql) {
  if (!begin_pending_ && deferred_.empty()) {
    co_await simple(sql);
    co_return;
  }
  // A deferred BEGIN and savepoints ride along in the same text; the statements then run inside.
  std::string text;
  if (begin_pending_) text = fmt::format("{};\n", begin_text_);
  begin_pending_ = false;
  for (const char* command : deferred_) text += fmt::format("{};\n", command);
  deferred_.clear();
  text += sql;
  co_await simple(text);
}

void PgConnection::savepoint() {
  ++nesting_;
  deferred_.push_back(savepoint_text);
}

void PgConnection::release_savepoint() {
  --nesting_;
  // A savepoint that was never sent is simply dropped.
  if (!deferred_.empty() && deferred_.back() == savepoint_text) {
    deferred_.pop_back();
    return;
  }
  deferred_.push_back(release_text);
}

awaitable<void> PgConnection::rollback_to_savepoint() {
  --nesting_;
  if (!deferred_.empty() && deferred_.back() == savepoint_text) {
    deferred_.pop_back();
    co_return;
  }
  co_await simple("ROLLBACK TO SAVEPOINT nested; RELEASE SAVEPOINT nested");
}

awaitable<void> PgConnection::commit() {
  in_transaction_ = false;
  nesting_ = 0;
  deferred_.clear();  // COMMIT releases every savepoint
  if (std::exchange(committed_, false)) co_return;
  if (begin_pending_) {  // the work ran no statement: there is nothing to commit
    begin_pending_ = false;
    co_return;
  }
  const std::string tag = co_await simple("COMMIT");
  // COMMIT of a transaction in which a statement had failed answers ROLLBACK, not an error: the
  // work swallowed that failure, and its writes are gone.
  if (tag != "COMMIT") throw std::runtime_error("postgresql: transaction rolled back at COMMIT");
}

awaitable<void> PgConnection::rollback() {
  in_transaction_ = false;
  nesting_ = 0;
  committed_ = false;
  deferred_.clear();
  if (begin_pending_) {
    begin_pending_ = false;
    co_return;
  }
  if (broken_ || in_flight_ || PQstatus(conn_.get()) != CONNECTION_OK) {
    broken_ = true;  // abandoned mid-command: the protocol state is unknown
    co_return;
  }
  try {
    co_await simple("ROLLBACK");
  } catch (const std::exception& e) {
    spdlog::warn("postgresql: ROLLBACK failed, dropping the connection: {}", e.what());
    broken_ = true;
  }
}

}  // namespace usertasks::store::postgres
