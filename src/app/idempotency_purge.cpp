#include "app/idempotency_purge.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "base/time.hpp"
#include "repository/idempotency.hpp"

namespace usertasks::app {

namespace asio = boost::asio;

namespace {

std::chrono::milliseconds default_interval(std::chrono::seconds ttl) {
  return std::min<std::chrono::milliseconds>(ttl, std::chrono::minutes(1));
}

}  // namespace

IdempotencyPurge::IdempotencyPurge(store::Database& db, resources::Idempotency& idempotency)
    : IdempotencyPurge(db, idempotency, default_interval(idempotency.ttl())) {}

IdempotencyPurge::IdempotencyPurge(store::Database& db, resources::Idempotency& idempotency,
                                   std::chrono::milliseconds interval)
    : db_(db), idempotency_(idempotency), interval_(interval) {
  asio::co_spawn(context_, loop(),
                 asio::bind_cancellation_slot(cancel_.slot(), [](const std::exception_ptr&) {}));
  thread_ = std::jthread([this] { context_.run(); });
}

IdempotencyPurge::~IdempotencyPurge() {
  stop();
}

void IdempotencyPurge::stop() {
  if (!thread_.joinable()) return;
  asio::post(context_, [this] {
    stopping_ = true;
    timer_.cancel();
    cancel_.emit(asio::cancellation_type::terminal);
  });
  thread_.join();
}

asio::awaitable<void> IdempotencyPurge::loop() {
  while (!stopping_) {
    timer_.expires_after(interval_);
    boost::system::error_code ec;
    co_await timer_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (stopping_) break;
    try {
      co_await purge();
    } catch (const std::exception& e) {
      if (stopping_) break;
      spdlog::warn("idempotency keys: the purge of expired answers failed: {}", e.what());
    }
  }
}

asio::awaitable<void> IdempotencyPurge::purge() {
  const auto now =
      std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  const std::string cutoff = base::format_utc(now - idempotency_.ttl());
  for (;;) {
    const std::size_t deleted = co_await repository::purge_idempotency_keys(db_, cutoff, batch);
    idempotency_.purged(deleted);
    if (deleted < static_cast<std::size_t>(batch) || stopping_) co_return;
  }
}

}  // namespace usertasks::app
