#pragma once
// A Database that counts the failures of the one it wraps, by kind, for the service's metrics:
// usertasks_db_errors_total{kind}, and the pool gauges at each scrape.

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "store/database.hpp"

namespace usertasks::app {

// What a database failure was, as usertasks_db_errors_total{kind} counts it.
enum class DbError : std::uint8_t {
  constraint,   // a unique, foreign-key or other constraint (409, 422 or a bug)
  unavailable,  // unreachable, busy, no free connection within the pool timeout (503)
  timeout,      // abandoned because the request passed --request-timeout-ms
  other,        // anything else (500)
};

// The database's metrics: failures by kind (rare, so one relaxed counter each), and the pool.
class DbMetrics {
 public:
  void count(DbError kind) noexcept {
    errors_[static_cast<std::size_t>(kind)].fetch_add(1, std::memory_order_relaxed);
  }
  // The text exposition format, version 0.0.4, with the pool's state as given.
  [[nodiscard]] std::string render(const store::PoolStats& pool) const;

 private:
  std::array<std::atomic<std::uint64_t>, 4> errors_{};
};

class MeasuredDatabase final : public store::Database {
 public:
  MeasuredDatabase(store::Database& inner, DbMetrics& metrics) : inner_(inner), metrics_(metrics) {}
  // Called after each write transaction that committed (the change feed reads the outbox then).
  void after_commit(std::function<void()> hook) { after_commit_ = std::move(hook); }

  store::awaitable<void> run(store::Access access, Work work) override;
  // A nested unit of work's failures count as its own: in a request with an Idempotency-Key, a
  // failure that ends both a unit of work and the request's transaction around it counts twice.
  store::awaitable<void> run_nested(store::Connection& connection, store::Access access,
                                    Work work) override;
  [[nodiscard]] store::Dialect dialect() const override { return inner_.dialect(); }
  [[nodiscard]] store::PoolStats pool_stats() const override { return inner_.pool_stats(); }
  [[nodiscard]] bool gathers() const override { return inner_.gathers(); }
  void close() override { inner_.close(); }
  std::shared_ptr<void> listen(std::string channel, boost::asio::any_io_executor executor,
                               std::function<void()> notified) override {
    return inner_.listen(std::move(channel), std::move(executor), std::move(notified));
  }

 private:
  // Counts `failure` (rethrown by the caller); `cancelled` as classify_db_error takes it.
  void count(const std::exception_ptr& failure, bool cancelled);

  store::Database& inner_;
  DbMetrics& metrics_;
  std::function<void()> after_commit_;
};

// What a failure of Database::run was. `cancelled`: the caller had been cancelled (its request
// timed out), which is a timeout whatever the driver made of it.
DbError classify_db_error(const std::exception_ptr& failure, bool cancelled);

}  // namespace usertasks::app
