#include "resources/idempotency.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <cstring>
#include <optional>

#include "base/time.hpp"
#include "http/idempotency.hpp"
#include "http/metrics.hpp"
#include "repository/idempotency.hpp"

namespace usertasks::resources {

using http::Response;
using http::Status;

namespace {

constexpr std::string_view replayed_field = "Idempotent-Replayed";

Response in_flight_problem() {
  Response res = http::problem(
      Status::conflict, "idempotency-key-in-flight",
      "a request with this Idempotency-Key is being processed; retry once it is answered");
  res.set(http::Field::retry_after, "1");
  return res;
}

Response reused_problem() {
  return http::problem(Status::unprocessable_entity, "idempotency-key-reused",
                       "this Idempotency-Key was used for another request (another method, path "
                       "or body); a new request needs a new key");
}

std::optional<std::string> header(const Response& res, http::Field field) {
  const auto found = res.find(field);
  if (found == res.end()) return std::nullopt;
  return std::string(found->value());
}

repository::StoredAnswer answer_of(const Response& res, const std::string& fingerprint) {
  return {.fingerprint = fingerprint,
          .status = res.result_int(),
          .location = header(res, http::Field::location),
          .etag = header(res, http::Field::etag),
          .content_type = header(res, http::Field::content_type),
          .body = res.body()};
}

Response replay(repository::StoredAnswer& stored) {
  Response res{static_cast<Status>(stored.status), 11};
  if (stored.content_type) res.set(http::Field::content_type, *stored.content_type);
  if (stored.location) res.set(http::Field::location, *stored.location);
  if (stored.etag) res.set(http::Field::etag, *stored.etag);
  res.set(replayed_field, "true");
  res.body() = std::move(stored.body);
  res.prepare_payload();
  return res;
}

// The PostgreSQL advisory lock of a key: 64 bits of the SHA-256 of its scope and key. Two keys
// that share it (one pair in 2^64) only answer 409 to each other while both are in flight.
std::int64_t lock_of(const KeyedRequest& request) {
  const http::Sha256 digest = http::sha256({request.scope, request.key});
  std::int64_t lock = 0;
  std::memcpy(&lock, digest.data(), sizeof lock);
  return lock;
}

bool success(const Response& res) {
  return res.result_int() >= 200 && res.result_int() < 300;
}

}  // namespace

bool takes_idempotency_key(const http::Route& route) {
  return route.method == http::Verb::post;
}

Idempotency::Idempotency(std::chrono::seconds ttl)
    : Idempotency(ttl, std::min<std::chrono::milliseconds>(ttl, std::chrono::minutes(1))) {}

Idempotency::Idempotency(std::chrono::seconds ttl, std::chrono::milliseconds purge_interval)
    : ttl_(ttl), purge_interval_(purge_interval) {}

// SQLite: the process's hold on a key while its request is in flight; not held when another
// request holds it.
class Idempotency::Claim {
 public:
  Claim(Idempotency& owner, std::string id) : owner_(owner), id_(std::move(id)) {
    std::lock_guard lock(owner_.mutex_);
    held_ = owner_.in_flight_.insert(id_).second;
  }
  ~Claim() {
    if (!held_) return;
    std::lock_guard lock(owner_.mutex_);
    owner_.in_flight_.erase(id_);
  }
  Claim(const Claim&) = delete;
  Claim& operator=(const Claim&) = delete;
  [[nodiscard]] bool held() const { return held_; }

 private:
  Idempotency& owner_;
  std::string id_;
  bool held_ = false;
};

awaitable<Response> Idempotency::respond(store::Database& db, const KeyedRequest& request,
                                         const Handle& handle, std::uint64_t& statements) {
  // SQLite serializes its writers and one process owns the file: the keys in flight are this
  // process's to know. PostgreSQL's advisory lock tells it across instances (in_transaction).
  std::optional<Claim> claim;
  if (db.dialect() == store::Dialect::sqlite) {
    claim.emplace(*this, request.scope + '\n' + request.key);
  }
  Outcome outcome = Outcome::in_flight;
  std::optional<Response> answer;
  if (!claim || claim->held()) {
    answer = co_await in_transaction(db, request, handle, statements, outcome);
  }
  count(outcome);
  const auto executor = co_await boost::asio::this_coro::executor;
  purge_when_due(db, executor);
  if (outcome == Outcome::in_flight) co_return in_flight_problem();
  if (outcome == Outcome::reused) co_return reused_problem();
  co_return std::move(*answer);
}

awaitable<std::optional<Response>> Idempotency::in_transaction(store::Database& db,
                                                               const KeyedRequest& request,
                                                               const Handle& handle,
                                                               std::uint64_t& statements,
                                                               Outcome& outcome) {
  const auto now =
      std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  const std::string now_text = base::format_utc(now);
  const std::string cutoff = base::format_utc(now - ttl_);
  std::optional<Response> answer;
  try {
    co_await db.run(store::Access::write, [&](store::Connection& c) -> awaitable<void> {
      repository::IdempotencyKeys keys(c);
      // Counted however the work ends.
      struct Tally {
        std::uint64_t& total;
        const repository::IdempotencyKeys& keys;
        ~Tally() { total += keys.statements_run(); }
      } tally{statements, keys};
      if (c.dialect() == store::Dialect::postgresql) {
        const bool locked = co_await keys.try_lock(lock_of(request));
        if (!locked) co_return;  // outcome: in flight
      }
      std::optional<repository::StoredAnswer> stored =
          co_await keys.find(request.scope, request.key, cutoff);
      if (stored) {
        outcome = stored->fingerprint == request.fingerprint ? Outcome::replayed : Outcome::reused;
        if (outcome == Outcome::replayed) answer = replay(*stored);
        co_return;
      }
      // The handler's units of work run on this connection, in this transaction.
      store::Pinned pinned(db, c);
      repository::Store store(pinned, record_events_);
      Response res = co_await handle(store);
      statements += store.statements_run();
      if (!success(res)) {
        outcome = Outcome::not_stored;
        answer = std::move(res);
        throw store::RollBack();  // a failed request keeps nothing
      }
      const repository::StoredAnswer kept_answer = answer_of(res, request.fingerprint);
      const bool kept =
          co_await keys.store(request.scope, request.key, kept_answer, now_text, cutoff);
      // Not kept: an answer that has not expired is there after all. The lock and the look-up
      // leave no way to it; should one appear, this request keeps nothing and answers 409, and
      // its retry gets that answer.
      if (!kept) throw store::RollBack();
      outcome = Outcome::stored;
      answer = std::move(res);
    });
  } catch (const store::RollBack&) {
  }
  co_return answer;
}

void Idempotency::purge_when_due(store::Database& db,
                                 const boost::asio::any_io_executor& executor) {
  const std::int64_t now = std::chrono::steady_clock::now().time_since_epoch().count();
  std::int64_t due = next_purge_.load(std::memory_order_relaxed);
  if (now < due) return;
  const std::int64_t next =
      now +
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(purge_interval_).count();
  if (!next_purge_.compare_exchange_strong(due, next, std::memory_order_relaxed)) return;
  boost::asio::co_spawn(executor, purge(db, shared_from_this()), boost::asio::detached);
}

awaitable<void> Idempotency::purge(store::Database& db, std::shared_ptr<Idempotency> self) {
  const auto now =
      std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  const std::string cutoff = base::format_utc(now - self->ttl_);
  try {
    for (;;) {
      const std::size_t deleted =
          co_await repository::purge_idempotency_keys(db, cutoff, purge_batch);
      self->purged_.fetch_add(deleted, std::memory_order_relaxed);
      if (deleted < static_cast<std::size_t>(purge_batch)) break;
    }
  } catch (const std::exception& e) {
    spdlog::warn("idempotency keys: the purge of expired answers failed: {}", e.what());
  }
}

std::string Idempotency::render() const {
  static constexpr std::array<std::string_view, static_cast<std::size_t>(Outcome::count)> names = {
      "stored", "replayed", "in_flight", "reused", "not_stored"};
  std::string out;
  http::append_metric_header(
      out, "usertasks_idempotency_requests_total", "counter",
      "POST requests with an Idempotency-Key, by outcome: stored (processed, answer kept), "
      "replayed, in_flight (409), reused (422), not_stored (processed, failed, nothing kept).");
  for (std::size_t i = 0; i < names.size(); ++i) {
    out += fmt::format("usertasks_idempotency_requests_total{{outcome=\"{}\"}} {}\n", names[i],
                       outcomes_[i].load(std::memory_order_relaxed));
  }
  http::append_metric_header(out, "usertasks_idempotency_purged_total", "counter",
                             "Stored answers deleted once older than --idempotency-ttl-s.");
  out += fmt::format("usertasks_idempotency_purged_total {}\n",
                     purged_.load(std::memory_order_relaxed));
  return out;
}

}  // namespace usertasks::resources
