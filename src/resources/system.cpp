// Operational routes: health, metrics and the API's own description.

#include "resources/system.hpp"

#include "resources/openapi.hpp"
#include "resources/resource.hpp"

namespace usertasks::resources {

namespace {

awaitable<Response> health(Exchange& ex) {
  co_await ex.store.ping();  // an unreachable database becomes a 503 in bind()
  co_return http::json_response(Status::ok, boost::json::object{{"status", "ok"}});
}

}  // namespace

void add_system_routes(http::Router& router, store::Database& db, const ApiOptions& options) {
  RouteAdder route(router, db, options);
  route(http::Verb::get, "/healthz", "health", "Whether the service and its database are up", {},
        health, "", "Health");
  route(
      http::Verb::get, "/openapi.json", "openapi", "This API's OpenAPI 3.1 document", {},
      [&router](Exchange&) -> awaitable<Response> {
        co_return http::json_response(Status::ok, openapi_document(router));
      },
      "", "OpenAPI");
}

void add_metrics_route(http::Router& router, store::Database& db, const ApiOptions& options,
                       const http::Metrics& metrics) {
  RouteAdder route(router, db, options);
  route(
      http::Verb::get, "/metrics", "metrics",
      "Prometheus metrics (text/plain; version=0.0.4): requests, latency, connections, pool", {},
      [&db, &metrics](Exchange&) -> awaitable<Response> {
        const store::PoolStats pool = db.pool_stats();
        Response res{Status::ok, 11};
        res.set(http::Field::content_type, "text/plain; version=0.0.4; charset=utf-8");
        res.body() =
            metrics.render({.in_use = pool.in_use, .idle = pool.idle, .waiting = pool.waiting});
        res.prepare_payload();
        co_return res;
      },
      "", "");
}

}  // namespace usertasks::resources
