// Opening a PgConnection: its session's options, and the non-blocking connect.

#include <fmt/format.h>
#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <array>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdlib>

#include "store/database_url.hpp"
#include "store/postgres/pg_connection.hpp"

namespace usertasks::store::postgres {

namespace asio = boost::asio;
using asio::posix::descriptor_base;
using namespace asio::experimental::awaitable_operators;

namespace {

struct FreeOptions {
  void operator()(PQconninfoOption* options) const { PQconninfoFree(options); }
};

// The server's messages (NOTICE, WARNING) would otherwise go to stderr.
void log_notice(void* /*arg*/, const char* message) {
  std::string_view text(message);
  if (text.ends_with('\n')) text.remove_suffix(1);
  spdlog::debug("postgresql: {}", text);
}

}  // namespace

std::string session_options(const std::string& conninfo) {
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, FreeOptions> parsed(PQconninfoParse(conninfo.c_str(), &error));
  if (!parsed) {
    std::string message = error != nullptr ? error : "out of memory";
    PQfreemem(error);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' '))
      message.pop_back();
    // libpq's words, marked as such: they may name a token of a string meant as something else.
    throw std::invalid_argument(
        fmt::format("invalid PostgreSQL connection string \"{}\": libpq: {}",
                    redact_passwords(conninfo), redact_quoted_passwords(message, conninfo)));
  }
  std::string options;
  for (const PQconninfoOption* o = parsed.get(); o->keyword != nullptr; ++o) {
    if (std::string_view(o->keyword) == "options" && o->val != nullptr) options = o->val;
  }
  // An explicit `options` would hide PGOPTIONS, which libpq reads only when none is given.
  if (const char* env = std::getenv("PGOPTIONS"); options.empty() && env != nullptr) options = env;
  if (!options.empty()) options += ' ';
  // Last, so that they win over the caller's: decoding depends on them.
  options += "-c TimeZone=UTC -c DateStyle=ISO";
  return options;
}

PgConnection::PgConnection(ConnHandle conn) : conn_(std::move(conn)) {
  PQsetNoticeProcessor(conn_.get(), log_notice, nullptr);
}

awaitable<std::unique_ptr<PgConnection>> PgConnection::connect(
    const std::string& conninfo, std::chrono::milliseconds timeout,
    std::chrono::milliseconds statement_timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string options = session_options(conninfo);
  if (statement_timeout.count() > 0) {
    // First, so that a statement_timeout in the caller's own options wins.
    options = fmt::format("-c statement_timeout={} {}", statement_timeout.count(), options);
  }
  // `dbname` is expanded as a whole URL or keyword string (expand_dbname = 1); the keywords after
  // it override what it sets.
  const std::array<const char*, 4> keywords = {"dbname", "options", "fallback_application_name",
                                               nullptr};
  const std::array<const char*, 4> values = {conninfo.c_str(), options.c_str(), "usertasks",
                                             nullptr};
  ConnHandle handle(PQconnectStartParams(keywords.data(), values.data(), 1));
  if (!handle) throw Unavailable("postgresql: out of memory");
  if (PQstatus(handle.get()) == CONNECTION_BAD) {
    throw Unavailable("postgresql: connect: " + error_text(handle.get()));
  }
  std::unique_ptr<PgConnection> connection(new PgConnection(std::move(handle)));
  co_await connection->finish_connect(deadline);
  co_return connection;
}

awaitable<void> PgConnection::finish_connect(std::chrono::steady_clock::time_point deadline) {
  const auto executor = co_await asio::this_coro::executor;
  asio::steady_timer timer(executor, deadline);
  PostgresPollingStatusType status = PGRES_POLLING_WRITING;  // what libpq's docs start with
  while (status != PGRES_POLLING_OK) {
    if (status == PGRES_POLLING_FAILED) {
      throw Unavailable("postgresql: connect: " + error_text(conn_.get()));
    }
    // libpq may close its socket and open another between polls (next host, SSL or GSS retry)
    // and the new one may reuse the old number, so the descriptor is made anew for every wait.
    // It is not the connection's registration: lend() makes that.
    struct Registration {
      asio::posix::stream_descriptor socket;
      ~Registration() { socket.release(); }  // the descriptor is libpq's to close
    } registration{asio::posix::stream_descriptor(executor, PQsocket(conn_.get()))};
    const auto type =
        status == PGRES_POLLING_READING ? descriptor_base::wait_read : descriptor_base::wait_write;
    const auto which = co_await (registration.socket.async_wait(type, asio::use_awaitable) ||
                                 timer.async_wait(asio::use_awaitable));
    if (which.index() == 1) throw Unavailable("postgresql: connect: timed out");
    status = PQconnectPoll(conn_.get());
  }
  if (PQsetnonblocking(conn_.get(), 1) != 0) {
    throw Unavailable("postgresql: connect: " + error_text(conn_.get()));
  }
}

}  // namespace usertasks::store::postgres
