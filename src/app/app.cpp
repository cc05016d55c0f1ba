#include "app/app.hpp"

#include <spdlog/spdlog.h>

#include "app/measured_database.hpp"
#include "app/run_sync.hpp"
#include "app/startup.hpp"
#include "http/auth.hpp"
#include "http/metrics.hpp"
#include "http/request.hpp"
#include "migrate/migrator.hpp"
#include "resources/events.hpp"
#include "resources/resource.hpp"
#include "resources/system.hpp"
#include "store/database_url.hpp"

namespace usertasks::app {

void configure_logging(const std::string& level) {
  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %l %v", spdlog::pattern_time_type::utc);
}

std::unique_ptr<const http::Router> build_router(
    store::Database& db, const Settings& settings, std::function<std::string()> render_metrics,
    std::shared_ptr<resources::Idempotency> idempotency, resources::EventHub* events) {
  auto router = std::make_unique<http::Router>();
  if (!idempotency)
    idempotency = std::make_shared<resources::Idempotency>(settings.idempotency_ttl);
  idempotency->record_events(settings.feed.enabled);
  const resources::ApiOptions options{.statement_count_header = settings.statement_count_header,
                                      .api_token = !settings.api_token.empty(),
                                      .require_if_match = settings.require_if_match,
                                      .idempotency = std::move(idempotency),
                                      .record_events = settings.feed.enabled};
  resources::add_routes(*router, db, options);
  resources::add_event_routes(*router, events);
  resources::Api api(*router, db, options);
  resources::add_metrics_route(api, std::move(render_metrics));
  return router;
}

namespace {

constexpr std::chrono::milliseconds statement_timeout_margin{1000};

}  // namespace

int serve(const Settings& settings) {
  store::DatabaseOptions database_options = settings.database_options;
  // A statement whose request was abandoned is ended by the server too (PostgreSQL); a second
  // later than the request's deadline, so that the deadline always comes first (a statement the
  // server cancels is an error, not the request's timeout).
  database_options.statement_timeout = settings.server.request_timeout + statement_timeout_margin;
  auto driver = store::open_database(settings.database, database_options);
  if (settings.migrate) {
    migrate::Migrator migrator(*driver);
    for (const std::string& line : run_sync(migrator.upgrade())) {
      spdlog::info("applied revision {}", line);
    }
  }
  http::Metrics metrics(http::io_thread_count(settings.server));
  DbMetrics db_metrics;
  MeasuredDatabase db(*driver, db_metrics);
  const auto idempotency = std::make_shared<resources::Idempotency>(settings.idempotency_ttl);
  // The feed's own reads are not the requests' (db_errors_total): it has the driver itself.
  resources::EventHub events(*driver, settings.feed);
  db.after_commit([&events] { events.wake(); });
  const std::unique_ptr<const http::Router> routes = build_router(
      db, settings,
      [&] {
        return metrics.render() + db_metrics.render(db.pool_stats()) + idempotency->render() +
               events.render_metrics();
      },
      idempotency, settings.feed.enabled ? &events : nullptr);
  const http::Router& router = *routes;
  metrics.set_routes(router.templates());
  const http::BearerAuth auth(settings.api_token);
  http::Server server(
      settings.server,
      [&](http::Request& req, http::RequestContext& context) -> http::awaitable<http::Response> {
        const http::Match match = router.match(req.method(), http::split_target(req.target()).path);
        const http::Route* route = nullptr;
        if (const auto* m = std::get_if<http::Matched>(&match)) route = m->route;
        if (const auto* w = std::get_if<http::WrongMethod>(&match)) route = w->route;
        context.route = route != nullptr ? route->slot : metrics.unmatched();
        if (auto refused = auth.check(req, route != nullptr && route->open)) {
          co_return std::move(*refused);
        }
        co_return co_await http::answer(req, match, &context.stream);
      },
      &metrics);
  const unsigned short port = server.listen();
  if (settings.feed.enabled) {
    events.start(server.executors(), driver.get());
    try {
      events.prime(run_sync(events.bounds()).newest);
    } catch (const std::exception& e) {
      spdlog::warn("change feed: cannot read the outbox yet: {}", e.what());
    }
    server.on_stop([&events] { events.stop(); });
  }
  report_database_at_start(*driver, settings.database);
  spdlog::info("usertasks {} serving http://{}:{} on {}", USERTASKS_VERSION, settings.server.host,
               port, store::redact_passwords(settings.database));
  server.run();
  driver->close();
  spdlog::info("stopped");
  return 0;
}

}  // namespace usertasks::app
