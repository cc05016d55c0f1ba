#include "app/app.hpp"

#include <spdlog/spdlog.h>

#include "app/measured_database.hpp"
#include "app/run_sync.hpp"
#include "http/auth.hpp"
#include "http/request.hpp"
#include "migrate/migrator.hpp"
#include "resources/resource.hpp"
#include "resources/system.hpp"

namespace usertasks::app {

namespace {

// The metrics route slot of each entry of the route table.
std::vector<std::size_t> name_routes(http::Metrics& metrics, const http::Router& router) {
  std::vector<std::string> templates;
  for (const http::Route& r : router.routes()) templates.push_back(r.path);
  return metrics.set_routes(templates);
}

// The slot of a path that matched no route with the request's method (a 405, a preflight), by
// its template; unmatched when no template fits.
std::size_t slot_of_path(const http::Router& router, const std::vector<std::size_t>& slots,
                         std::string_view path, std::size_t unmatched) {
  const auto& routes = router.routes();
  for (std::size_t i = 0; i < routes.size(); ++i) {
    http::PathParams ignored;
    if (http::match_template(routes[i].path, path, ignored)) return slots[i];
  }
  return unmatched;
}

}  // namespace

void configure_logging(const std::string& level) {
  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %l %v", spdlog::pattern_time_type::utc);
}

std::unique_ptr<const http::Router> build_router(store::Database& db, const Settings& settings,
                                                 const http::Metrics& metrics) {
  auto router = std::make_unique<http::Router>();
  const resources::ApiOptions options{.statement_count_header = settings.statement_count_header};
  resources::add_routes(*router, db, options);
  resources::add_metrics_route(*router, db, options, metrics);
  return router;
}

int serve(const Settings& settings) {
  store::DatabaseOptions database_options = settings.database_options;
  // A statement whose request was abandoned is ended by the server too (PostgreSQL).
  database_options.statement_timeout = settings.server.request_timeout;
  auto driver = store::open_database(settings.database, database_options);
  if (settings.migrate) {
    migrate::Migrator migrator(*driver);
    for (const std::string& line : run_sync(migrator.upgrade())) {
      spdlog::info("applied revision {}", line);
    }
  }
  http::Metrics metrics(http::io_thread_count(settings.server));
  MeasuredDatabase db(*driver, metrics);
  const std::unique_ptr<const http::Router> routes = build_router(db, settings, metrics);
  const http::Router& router = *routes;
  const std::vector<std::size_t> slots = name_routes(metrics, router);
  const http::BearerAuth auth(settings.api_token);
  http::Server server(
      settings.server,
      [&](http::Request& req, http::RequestContext& context) -> http::awaitable<http::Response> {
        const std::string_view path = http::split_target(req.target()).path;
        http::Match match = router.match(req.method(), path);
        auto* matched = std::get_if<http::Matched>(&match);
        context.route =
            matched != nullptr
                ? slots[static_cast<std::size_t>(matched->route - router.routes().data())]
                : slot_of_path(router, slots, path, metrics.unmatched());
        if (auto refused = auth.check(req)) co_return std::move(*refused);
        // What http::dispatch does with a match (no route answers OPTIONS), without matching
        // twice; the other answers (404, 405, preflights) are dispatch's.
        if (matched != nullptr) co_return co_await matched->route->handler(req, matched->params);
        co_return co_await http::dispatch(router, req);
      },
      &metrics);
  const unsigned short port = server.listen();
  spdlog::info("usertasks {} serving http://{}:{} on {}", USERTASKS_VERSION, settings.server.host,
               port, settings.database.starts_with("sqlite:") ? settings.database : "postgresql");
  server.run();
  driver->close();
  spdlog::info("stopped");
  return 0;
}

}  // namespace usertasks::app
