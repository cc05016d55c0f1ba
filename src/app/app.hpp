#pragma once
// Wiring: settings, the router built from the resources, and the serve command.

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "http/router.hpp"
#include "http/server.hpp"
#include "resources/event_hub.hpp"
#include "store/database.hpp"

namespace usertasks::resources {
class Idempotency;
}

namespace usertasks::app {

struct Settings {
  std::string database = "sqlite:usertasks.db";
  store::DatabaseOptions database_options;
  bool migrate = false;
  bool statement_count_header = false;
  std::string log_level = "info";
  std::string api_token;          // when set, every route but /healthz needs it as a Bearer token
  bool require_if_match = false;  // PUT, PATCH and DELETE of a record need If-Match (428)
  // How long the answer to a request with an Idempotency-Key is kept for its retries.
  std::chrono::seconds idempotency_ttl{86400};
  resources::FeedOptions feed;  // the change feed (GET /events)
  http::ServerOptions server;
};

// Every route of the service, bound to `db`; /metrics answers what `render_metrics` gives; the
// POST routes keep their idempotency keys in `idempotency` (by default a new one with the
// settings' TTL); GET /events streams from `events` (none: it answers 404). The router is returned
// behind a pointer because it must not move: the /openapi.json route describes the router that
// holds it.
std::unique_ptr<const http::Router> build_router(
    store::Database& db, const Settings& settings, std::function<std::string()> render_metrics,
    std::shared_ptr<resources::Idempotency> idempotency = nullptr,
    resources::EventHub* events = nullptr);

// `usertasks serve`: runs until SIGINT/SIGTERM; returns the process exit code.
int serve(const Settings& settings);

void configure_logging(const std::string& level);

}  // namespace usertasks::app
