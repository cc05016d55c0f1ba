#pragma once
// A Database that counts the failures of the one it wraps, by kind, into the service's metrics:
// usertasks_db_errors_total{kind}, and the pool gauges at each scrape.

#include "http/metrics.hpp"
#include "store/database.hpp"

namespace usertasks::app {

class MeasuredDatabase final : public store::Database {
 public:
  MeasuredDatabase(store::Database& inner, http::Metrics& metrics)
      : inner_(inner), metrics_(metrics) {}

  store::awaitable<void> run(store::Access access, Work work) override;
  [[nodiscard]] store::Dialect dialect() const override { return inner_.dialect(); }
  [[nodiscard]] store::PoolStats pool_stats() const override { return inner_.pool_stats(); }
  void close() override { inner_.close(); }

 private:
  store::Database& inner_;
  http::Metrics& metrics_;
};

// What a failure of Database::run was. `cancelled`: the caller had been cancelled (its request
// timed out), which is a timeout whatever the driver made of it.
http::DbError classify_db_error(const std::exception_ptr& failure, bool cancelled);

}  // namespace usertasks::app
