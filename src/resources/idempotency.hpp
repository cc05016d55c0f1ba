#pragma once
// Idempotency-Key on every POST of the API (docs/api.md, "Idempotency keys"): a request with a key
// runs in one write transaction that also stores its answer, or replays the answer stored for it.

#include <array>
#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_set>

#include "http/message.hpp"
#include "http/router.hpp"
#include "repository/store.hpp"

namespace usertasks::resources {

using boost::asio::awaitable;

// Whether a route takes Idempotency-Key: every POST route of the API.
bool takes_idempotency_key(const http::Route& route);

// A request with a key, as it is matched against stored answers.
struct KeyedRequest {
  std::string scope;        // whose keys (http::credential_scope), "" without an API token
  std::string key;          // the Idempotency-Key
  std::string fingerprint;  // http::request_fingerprint
};

// The service's idempotency keys: how long a stored answer counts, the keys in flight (SQLite),
// the purge of expired answers, and what became of the keyed requests (metrics). One for the whole
// service, shared by its POST routes; it must be owned by a shared_ptr (the purge holds it).
class Idempotency : public std::enable_shared_from_this<Idempotency> {
 public:
  // A request's handler, given the Store whose every unit of work runs in the request's
  // transaction.
  using Handle = std::function<awaitable<http::Response>(repository::Store&)>;

  // Rows deleted per transaction by the purge: a batch holds its locks (SQLite: the write lock)
  // briefly.
  static constexpr std::int64_t purge_batch = 500;

  // A purge is due at most once per `purge_interval` (by default the TTL, at most a minute).
  explicit Idempotency(std::chrono::seconds ttl);
  Idempotency(std::chrono::seconds ttl, std::chrono::milliseconds purge_interval);

  [[nodiscard]] std::chrono::seconds ttl() const { return ttl_; }
  // Whether the writes of keyed requests record the change feed's events (ApiOptions).
  void record_events(bool record) { record_events_ = record; }

  // The answer to `request`: the stored one replayed (Idempotent-Replayed: true), 422 when the key
  // answered another request, 409 while a request with the key is in flight, or else `handle`'s,
  // stored with the key in the same transaction when it is a success (2xx) and nothing kept when
  // it is not. `statements` gains the statements run. Throws what the database throws.
  awaitable<http::Response> respond(store::Database& db, const KeyedRequest& request,
                                    const Handle& handle, std::uint64_t& statements);

  // The metrics, in the text exposition format (docs/reliability.md, "Metrics").
  [[nodiscard]] std::string render() const;

 private:
  enum class Outcome : std::uint8_t { stored, replayed, in_flight, reused, not_stored, count };
  class Claim;

  // The request's write transaction: its answer, nullopt when it is in flight elsewhere or its
  // key was reused (`outcome` tells which).
  awaitable<std::optional<http::Response>> in_transaction(store::Database& db,
                                                          const KeyedRequest& request,
                                                          const Handle& handle,
                                                          std::uint64_t& statements,
                                                          Outcome& outcome);
  void count(Outcome outcome) {
    outcomes_[static_cast<std::size_t>(outcome)].fetch_add(1, std::memory_order_relaxed);
  }
  // Starts a purge of the expired answers on `executor` when one is due (one per purge interval);
  // the request that calls it does not wait for it.
  void purge_when_due(store::Database& db, const boost::asio::any_io_executor& executor);
  // Deletes every answer expired now, a batch per transaction.
  static awaitable<void> purge(store::Database& db, std::shared_ptr<Idempotency> self);

  const std::chrono::seconds ttl_;
  bool record_events_ = true;
  const std::chrono::milliseconds purge_interval_;
  // When the next purge is due (steady clock, nanoseconds); claimed by the request that starts it.
  std::atomic<std::int64_t> next_purge_{0};
  // SQLite: the keys of the requests in flight in this process ("scope\nkey").
  std::mutex mutex_;
  std::unordered_set<std::string> in_flight_;
  std::array<std::atomic<std::uint64_t>, static_cast<std::size_t>(Outcome::count)> outcomes_{};
  std::atomic<std::uint64_t> purged_{0};
};

}  // namespace usertasks::resources
