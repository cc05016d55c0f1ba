#pragma once
// Deletes the stored answers of idempotency keys once they are older than --idempotency-ttl-s, in
// the background, on a thread of its own, while the server runs (docs/reliability.md, "Idempotency
// keys"). Expired answers already count as absent; the purge only frees their rows.

#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <thread>

#include "resources/idempotency.hpp"
#include "store/database.hpp"

namespace usertasks::app {

class IdempotencyPurge {
 public:
  // Rows deleted per transaction: a batch holds its locks (SQLite: the write lock) briefly.
  static constexpr std::int64_t batch = 500;

  // Starts purging every `interval` (by default: the TTL, at most a minute).
  IdempotencyPurge(store::Database& db, resources::Idempotency& idempotency);
  IdempotencyPurge(store::Database& db, resources::Idempotency& idempotency,
                   std::chrono::milliseconds interval);
  // Stops: a batch under way is abandoned (its transaction rolled back); then the thread ends.
  ~IdempotencyPurge();
  IdempotencyPurge(const IdempotencyPurge&) = delete;
  IdempotencyPurge& operator=(const IdempotencyPurge&) = delete;

  void stop();

 private:
  boost::asio::awaitable<void> loop();
  // Deletes every answer expired now, batch by batch.
  boost::asio::awaitable<void> purge();

  store::Database& db_;
  resources::Idempotency& idempotency_;
  const std::chrono::milliseconds interval_;
  boost::asio::io_context context_{1};
  boost::asio::steady_timer timer_{context_};
  boost::asio::cancellation_signal cancel_;
  bool stopping_ = false;  // touched on the purge's thread only
  std::jthread thread_;
};

}  // namespace usertasks::app
