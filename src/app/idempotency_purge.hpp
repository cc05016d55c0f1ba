#pragma once
// Deletes the stored answers of idempotency keys once they are older than --idempotency-ttl-s, in
// the background, while the server runs (http::Server::add_background; docs/reliability.md,
// "Idempotency keys"). Expired answers already count as absent; the purge only frees their rows.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstdint>

#include "resources/idempotency.hpp"
#include "store/database.hpp"

namespace usertasks::app {

// Rows deleted per transaction: a batch holds its locks (SQLite: the write lock) briefly.
inline constexpr std::int64_t idempotency_purge_batch = 500;

// Every `interval` (by default the TTL, at most a minute), deletes every expired answer, a batch
// per transaction; runs until cancelled. A failure is logged and tried again at the next turn.
boost::asio::awaitable<void> purge_expired_idempotency_keys(store::Database& db,
                                                            resources::Idempotency& idempotency);
boost::asio::awaitable<void> purge_expired_idempotency_keys(store::Database& db,
                                                            resources::Idempotency& idempotency,
                                                            std::chrono::milliseconds interval);

}  // namespace usertasks::app
