#include "app/idempotency_purge.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <optional>
#include <string>

#include "base/time.hpp"
#include "repository/idempotency.hpp"

namespace usertasks::app {

namespace asio = boost::asio;

namespace {

asio::awaitable<bool> cancelled() {
  const auto state = co_await asio::this_coro::cancellation_state;
  co_return state.cancelled() != asio::cancellation_type::none;
}

// Deletes every answer expired now, batch by batch.
asio::awaitable<void> purge(store::Database& db, resources::Idempotency& idempotency) {
  const auto now =
      std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  const std::string cutoff = base::format_utc(now - idempotency.ttl());
  for (;;) {
    const std::size_t deleted =
        co_await repository::purge_idempotency_keys(db, cutoff, idempotency_purge_batch);
    idempotency.purged(deleted);
    if (deleted < static_cast<std::size_t>(idempotency_purge_batch)) co_return;
  }
}

}  // namespace

asio::awaitable<void> purge_expired_idempotency_keys(store::Database& db,
                                                     resources::Idempotency& idempotency) {
  co_await purge_expired_idempotency_keys(
      db, idempotency,
      std::min<std::chrono::milliseconds>(idempotency.ttl(), std::chrono::minutes(1)));
}

asio::awaitable<void> purge_expired_idempotency_keys(store::Database& db,
                                                     resources::Idempotency& idempotency,
                                                     std::chrono::milliseconds interval) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  for (;;) {
    timer.expires_after(interval);
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (co_await cancelled()) co_return;
    std::optional<std::string> failure;
    try {
      co_await purge(db, idempotency);
    } catch (const std::exception& e) {
      failure = e.what();
    }
    if (co_await cancelled()) co_return;  // the server stops: a batch under way was abandoned
    if (failure)
      spdlog::warn("idempotency keys: the purge of expired answers failed: {}", *failure);
  }
}

}  // namespace usertasks::app
