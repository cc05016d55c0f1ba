// Operational routes: health and the API's own description.

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

}  // namespace usertasks::resources
