#include "app/app.hpp"

#include <spdlog/async.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "app/run_sync.hpp"
#include "http/auth.hpp"
#include "http/request.hpp"
#include "migrate/migrator.hpp"
#include "resources/resource.hpp"

namespace usertasks::app {

Logging::Logging(const std::string& level) {
  // Formatting the line and writing it happen on a logging thread of their own: done on the io
  // threads, the access log cost 40 % of GET /users/{id} on SQLite (docs/performance.md). A full
  // queue blocks the caller rather than dropping lines.
  constexpr std::size_t queue_size = 8192;
  spdlog::init_thread_pool(queue_size, 1);
  auto logger = std::make_shared<spdlog::async_logger>(
      "usertasks", std::make_shared<spdlog::sinks::stdout_sink_mt>(), spdlog::thread_pool(),
      spdlog::async_overflow_policy::block);
  spdlog::set_default_logger(std::move(logger));
  spdlog::set_level(spdlog::level::from_str(level));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %l %v", spdlog::pattern_time_type::utc);
}

Logging::~Logging() { spdlog::shutdown(); }

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
