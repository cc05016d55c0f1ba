// Operational routes: health, metrics and the API's own description.

#include "resources/system.hpp"

#include "resources/openapi.hpp"

namespace usertasks::resources {

namespace {

awaitable<Response> health(Exchange& ex) {
  co_await ex.store.ping();  // an unreachable database becomes a 503 in bind()
  co_return http::json_response(Status::ok, boost::json::object{{"status", "ok"}});
}

}  // namespace

void add_system_routes(Api& api, const http::Router& router) {
  api.add({.method = http::Verb::get,
           .path = "/healthz",
           .name = "health",
           .summary = "Whether the service and its database are up",
           .response = health_schema(),
           .open = true},
          health);
  const bool token = api.options().api_token;
  api.add({.method = http::Verb::get,
           .path = "/openapi.json",
           .name = "openapi",
           .summary = "This API's OpenAPI 3.1 document",
           .response = openapi_schema(),
           .open = true},
          [&router, token](Exchange&) -> awaitable<Response> {
            co_return http::json_response(Status::ok, openapi_document(router, token));
          });
}

void add_metrics_route(Api& api, std::function<std::string()> render) {
  api.add({.method = http::Verb::get,
           .path = "/metrics",
           .name = "metrics",
           .summary = "Prometheus metrics: requests, latency, connections, the database pool",
           .response = metrics_schema(),
           .response_type = "text/plain"},
          [render = std::move(render)](Exchange&) -> awaitable<Response> {
            Response res{Status::ok, 11};
            res.set(http::Field::content_type, "text/plain; version=0.0.4; charset=utf-8");
            res.body() = render();
            res.prepare_payload();
            co_return res;
          });
}

}  // namespace usertasks::resources
