#pragma once
// The operational route that needs more than the database: /metrics.

#include "http/metrics.hpp"
#include "http/router.hpp"
#include "resources/resource.hpp"
#include "store/database.hpp"

namespace usertasks::resources {

// GET /metrics: `metrics` in the Prometheus text format, with the pool gauges of `db`.
void add_metrics_route(http::Router& router, store::Database& db, const ApiOptions& options,
                       const http::Metrics& metrics);

}  // namespace usertasks::resources
