#include "app/startup.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>
#include <string>

#include "app/run_sync.hpp"
#include "repository/store.hpp"
#include "store/database_url.hpp"
#include "store/postgres/postgres_database.hpp"

namespace usertasks::app {

namespace {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;

// The postgres driver's connect deadline: the check delays start-up no longer than that.
constexpr std::chrono::milliseconds check_deadline = store::postgres::PoolOptions{}.connect_timeout;

// Why `db` cannot be reached, or nullopt when it answers (the /healthz ping). Never throws:
// operator|| below waits for the first branch that succeeds, so a failure must be a result.
store::awaitable<std::optional<std::string>> ping(store::Database& db) {
  try {
    repository::Store store(db);
    co_await store.ping();
  } catch (const std::exception& e) {
    co_return std::string(e.what());
  }
  co_return std::nullopt;
}

store::awaitable<std::optional<std::string>> unreachable(store::Database& db) {
  asio::steady_timer timer(co_await asio::this_coro::executor, check_deadline);
  auto first = co_await (ping(db) || timer.async_wait(asio::use_awaitable));
  if (first.index() == 1) co_return fmt::format("no answer within {} ms", check_deadline.count());
  co_return std::get<0>(std::move(first));
}

// libpq's message on one line, without the driver's "postgresql: connect: " prefix (the warning
// says what failed): its lines (one per host tried, and hints) are joined with "; ".
std::string one_line(std::string_view reason) {
  for (std::string_view prefix : {"postgresql: ", "connect: "}) {
    if (reason.starts_with(prefix)) reason.remove_prefix(prefix.size());
  }
  std::string line;
  bool after_break = false;
  for (char c : reason) {
    if (c == '\n') {
      after_break = true;
    } else if (after_break && (c == ' ' || c == '\t')) {
      continue;
    } else {
      if (after_break) line += "; ";
      after_break = false;
      line += c;
    }
  }
  return line;
}

}  // namespace

void report_database_at_start(store::Database& db, std::string_view url) {
  const std::optional<std::string> reason = run_sync(unreachable(db));
  if (!reason) return;
  spdlog::warn(
      "database unreachable at start ({}): {}; serving anyway, answering 503 until it can be "
      "reached",
      store::redact_passwords(url), store::redact_quoted_passwords(one_line(*reason), url));
}

}  // namespace usertasks::app
