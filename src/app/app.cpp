#include "app/app.hpp"

#include <spdlog/spdlog.h>

#include "app/run_sync.hpp"
#include "http/auth.hpp"
#include "http/request.hpp"
#include "migrate/migrator.hpp"
#include "resources/resource.hpp"

namespace usertasks::app {

void configure_logging(const std::string& level) {
  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %l %v", spdlog::pattern_time_type::utc);
}

http::Router build_router(store::Database& db, const Settings& settings) {
  http::Router router;
  resources::add_routes(router, db, {.statement_count_header = settings.statement_count_header});
  return router;
}

int serve(const Settings& settings) {
  auto db = store::open_database(settings.database, settings.database_options);
  if (settings.migrate) {
    migrate::Migrator migrator(*db);
    for (const std::string& line : run_sync(migrator.upgrade())) {
      spdlog::info("applied revision {}", line);
    }
  }
  const http::Router router = build_router(*db, settings);
  const http::BearerAuth auth(settings.api_token);
  http::Server server(settings.server, [&](http::Request& req) -> http::awaitable<http::Response> {
    if (auto refused = auth.check(req)) co_return std::move(*refused);
    co_return co_await http::dispatch(router, req);
  });
  const unsigned short port = server.listen();
  spdlog::info("usertasks {} serving http://{}:{} on {}", USERTASKS_VERSION, settings.server.host,
               port, settings.database.starts_with("sqlite:") ? settings.database : "postgresql");
  server.run();
  db->close();
  spdlog::info("stopped");
  return 0;
}

}  // namespace usertasks::app
