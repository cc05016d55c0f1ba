// usertasks: the service (serve), its database migrations (db ...), its route table (routes) and
// its OpenAPI document (openapi).

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <boost/json/serialize.hpp>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <thread>

#include "app/app.hpp"
#include "app/run_sync.hpp"
#include "migrate/autogen.hpp"
#include "migrate/migrator.hpp"
#include "migrate/report.hpp"
#include "repository/schema.hpp"
#include "resources/openapi.hpp"

namespace {

using namespace usertasks;

// What the chosen subcommand does, run after parsing so that errors come back as exit codes.
using Command = std::function<int()>;

std::string database_url_default() {
  if (const char* url = std::getenv("DATABASE_URL")) return url;
  if (const char* url = std::getenv("USERTASKS_DATABASE")) return url;
  return "sqlite:usertasks.db";
}

int print_lines(const std::vector<std::string>& lines) {
  for (const std::string& line : lines) std::cout << line << '\n';
  return 0;
}

// The change feed's settings (GET /events).
void add_feed_options(CLI::App& serve, resources::FeedOptions& feed) {
  const auto seconds = [&serve](const char* name, std::chrono::seconds& value, const char* help,
                                const char* env, long max) {
    serve
        .add_option_function<long>(
            name, [&value](long s) { value = std::chrono::seconds(s); }, help)
        ->envname(env)
        ->check(CLI::Range(1L, max))
        ->default_str(std::to_string(value.count()));
  };
  seconds("--events-heartbeat-s", feed.heartbeat,
          "Seconds between the comment lines that keep an idle event stream open",
          "USERTASKS_EVENTS_HEARTBEAT_S", 3600);
  seconds("--events-retention-s", feed.retention,
          "How long the change feed keeps events for clients that resume, in seconds",
          "USERTASKS_EVENTS_RETENTION_S", 31'536'000);
  serve
      .add_option("--events-buffer", feed.buffer,
                  "Events queued for one stream; a stream that falls further behind is closed")
      ->envname("USERTASKS_EVENTS_BUFFER")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}))
      ->capture_default_str();
  serve
      .add_option("--events-max-subscribers", feed.max_subscribers,
                  "Event streams served at once; more are answered 503")
      ->envname("USERTASKS_EVENTS_MAX_SUBSCRIBERS")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}))
      ->capture_default_str();
  serve
      .add_flag_function(
          "--no-change-feed", [&feed](std::int64_t) { feed.enabled = false; },
          "Record no events and answer 404 to GET /events (the feed then misses these writes)")
      ->envname("USERTASKS_NO_CHANGE_FEED");
}

void add_serve(CLI::App& cli, app::Settings& settings, Command& command) {
  CLI::App* serve = cli.add_subcommand("serve", "Serve the HTTP API");
  auto& s = settings.server;
  serve->add_option("--host", s.host, "Address to listen on")
      ->envname("USERTASKS_HOST")
      ->capture_default_str();
  serve->add_option("--port", s.port, "Port to listen on (0: any free port)")
      ->envname("USERTASKS_PORT")
      ->capture_default_str();
  serve->add_option("--threads", s.threads, "I/O threads (0: one per core)")
      ->envname("USERTASKS_THREADS")
      ->capture_default_str();
  serve
      ->add_option("--pool", settings.database_options.pool,
                   "PostgreSQL connections (SQLite has one writer, and a reader per io thread)")
      ->envname("USERTASKS_POOL")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  serve->add_flag("--migrate", settings.migrate, "Apply pending migrations before serving")
      ->envname("USERTASKS_MIGRATE");
  serve->add_option("--body-limit", s.body_limit, "Largest request body, in bytes")
      ->envname("USERTASKS_BODY_LIMIT")
      ->capture_default_str();
  serve->add_option("--header-limit", s.header_limit, "Largest request header block, in bytes")
      ->envname("USERTASKS_HEADER_LIMIT")
      ->capture_default_str();
  auto millis = [&](const char* name, std::chrono::milliseconds& value, const char* help,
                    const char* env) {
    serve
        ->add_option_function<long>(
            name, [&value](long ms) { value = std::chrono::milliseconds(ms); }, help)
        ->envname(env)
        ->check(CLI::Range(1L, 3'600'000L))
        ->default_str(std::to_string(value.count()));
  };
  millis("--header-timeout-ms", s.header_timeout,
         "Time to receive a request's headers, from its first byte (a new connection's first "
         "request: from the accept)",
         "USERTASKS_HEADER_TIMEOUT_MS");
  millis("--body-timeout-ms", s.body_timeout, "Time to receive a body or send a response",
         "USERTASKS_BODY_TIMEOUT_MS");
  millis("--idle-timeout-ms", s.idle_timeout, "Time a keep-alive connection may sit idle",
         "USERTASKS_IDLE_TIMEOUT_MS");
  millis("--pool-timeout-ms", settings.database_options.pool_timeout,
         "Time a request waits for a database connection before a 503",
         "USERTASKS_POOL_TIMEOUT_MS");
  millis("--drain-timeout-ms", s.drain_timeout, "Time in-flight requests get at shutdown",
         "USERTASKS_DRAIN_TIMEOUT_MS");
  millis("--request-timeout-ms", s.request_timeout,
         "Time a request's handling (database included) may take before a 503",
         "USERTASKS_REQUEST_TIMEOUT_MS");
  serve
      ->add_option("--max-connections", s.max_connections,
                   "Connections served at once; more are answered 503 and closed")
      ->envname("USERTASKS_MAX_CONNECTIONS")
      ->check(CLI::Range(std::size_t{1}, std::size_t{1'000'000}))
      ->capture_default_str();
  serve->add_option("--log-level", settings.log_level, "trace, debug, info, warn, error or off")
      ->envname("USERTASKS_LOG_LEVEL")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
      ->capture_default_str();
  serve
      ->add_option("--api-token", settings.api_token,
                   "Require Authorization: Bearer TOKEN on every route but /healthz")
      ->envname("USERTASKS_API_TOKEN");
  serve
      ->add_flag("--require-if-match", settings.require_if_match,
                 "Answer 428 to PUT, PATCH and DELETE of a record without If-Match")
      ->envname("USERTASKS_REQUIRE_IF_MATCH");
  serve
      ->add_option_function<long>(
          "--idempotency-ttl-s",
          [&settings](long seconds) { settings.idempotency_ttl = std::chrono::seconds(seconds); },
          "How long the answer to a POST with an Idempotency-Key is kept for its retries, in "
          "seconds")
      ->envname("USERTASKS_IDEMPOTENCY_TTL_S")
      ->check(CLI::Range(1L, 31'536'000L))
      ->default_str(std::to_string(settings.idempotency_ttl.count()));
  add_feed_options(*serve, settings.feed);
  serve->add_flag("--statement-count-header", settings.statement_count_header,
                  "Report the SQL statements each request ran in X-Statement-Count (for tests)");
  serve->callback([&] { command = [&settings] { return app::serve(settings); }; });
}

void add_db(CLI::App& cli, app::Settings& settings, Command& command) {
  CLI::App* db = cli.add_subcommand("db", "Database migrations");
  db->require_subcommand(1);
  static std::string upgrade_target;
  static std::string downgrade_target;

  auto with_migrator = [&settings, &command](auto action) {
    return [&settings, &command, action] {
      command = [&settings, action] {
        auto database = store::open_database(settings.database, 1);
        migrate::Migrator migrator(*database);
        const int code = action(migrator);
        database->close();
        return code;
      };
    };
  };

  CLI::App* upgrade = db->add_subcommand("upgrade", "Apply revisions up to REV (default: head)");
  upgrade->add_option("revision", upgrade_target, "head, a revision id, or +N")
      ->default_val("head");
  upgrade->callback(with_migrator([](migrate::Migrator& m) {
    const auto applied = app::run_sync(m.upgrade(upgrade_target));
    if (applied.empty()) std::cout << "already at " << upgrade_target << ", nothing to apply\n";
    for (const auto& id : applied) std::cout << "applied " << id << '\n';
    return 0;
  }));

  CLI::App* downgrade = db->add_subcommand("downgrade", "Revert revisions down to REV");
  downgrade->add_option("revision", downgrade_target, "a revision id (kept), -N, or base")
      ->default_val("-1");
  downgrade->callback(with_migrator([](migrate::Migrator& m) {
    const auto reverted = app::run_sync(m.downgrade(downgrade_target));
    if (reverted.empty()) std::cout << "nothing to revert\n";
    for (const auto& id : reverted) std::cout << "reverted " << id << '\n';
    return 0;
  }));

  db->add_subcommand("current", "Show the revision the database is at")
      ->callback(with_migrator([](migrate::Migrator& m) {
        const migrate::Status status = app::run_sync(m.status());
        print_lines(migrate::current_lines(status));
        return status.consistent() ? 0 : 1;
      }));

  db->add_subcommand("history", "List the revisions, newest first, marking the current one")
      ->callback(with_migrator([](migrate::Migrator& m) {
        const migrate::Status status = app::run_sync(m.status());
        return print_lines(migrate::history_lines(m.history(), status.current));
      }));

  static std::string message;
  static std::string directory = "migrations";
  CLI::App* generate = db->add_subcommand(
      "migrate", "Write the next revision: the models compared with the database");
  generate->add_option("-m,--message", message, "what the revision does")->required();
  generate->add_option("--dir", directory, "where to write it")->capture_default_str();
  generate->callback(with_migrator([](migrate::Migrator& m) {
    const migrate::Comparison changes =
        app::run_sync(migrate::compare_database(m, repository::declared_schema()));
    if (changes.empty()) {
      std::cout << "no changes detected\n";
      return 0;
    }
    for (const auto& line : migrate::comparison_lines(changes))
      std::cout << "detected " << line << '\n';
    const auto path = migrate::write_revision_file(
        directory, migrate::new_revision(m.history(), message, changes.operations));
    std::cout << "wrote " << path << " (review it, rebuild, then `db upgrade`)\n";
    return 0;
  }));

  db->add_subcommand("check", "Fail when the models and the database at head differ")
      ->callback(with_migrator([](migrate::Migrator& m) {
        const migrate::CheckResult result =
            app::run_sync(migrate::check(m, repository::declared_schema()));
        print_lines(result.lines);
        return result.ok ? 0 : 1;
      }));

  static std::string stamp_target;
  CLI::App* stamp = db->add_subcommand("stamp", "Record REV as applied without running anything");
  stamp->add_option("revision", stamp_target, "a revision id, head, or base")->required();
  stamp->callback(with_migrator([](migrate::Migrator& m) {
    app::run_sync(m.stamp(stamp_target));
    std::cout << "stamped " << stamp_target << '\n';
    return 0;
  }));
}

// Runs `use` on the service's router. The routes do not depend on the database; an in-memory one
// stands behind the handlers.
int with_router(const app::Settings& settings,
                const std::function<void(const http::Router&)>& use) {
  auto db = store::open_database("sqlite::memory:", 1);
  const auto router = app::build_router(*db, settings, [] { return std::string(); });
  use(*router);
  db->close();
  return 0;
}

void add_routes(CLI::App& cli, app::Settings& settings, Command& command) {
  cli.add_subcommand("routes", "Print the route table")->callback([&] {
    command = [&settings] {
      return with_router(settings, [](const http::Router& router) {
        std::cout << fmt::format("{:<8} {:<20} {:<20} {}\n", "METHOD", "PATH", "NAME", "SUMMARY");
        for (const http::Route& r : router.routes()) {
          std::cout << fmt::format("{:<8} {:<20} {:<20} {}\n",
                                   std::string(http::beast_http::to_string(r.method)), r.path,
                                   r.name, r.summary);
        }
      });
    };
  });
}

void add_openapi(CLI::App& cli, app::Settings& settings, Command& command) {
  cli.add_subcommand("openapi", "Print the OpenAPI document (as GET /openapi.json serves it)")
      ->callback([&] {
        command = [&settings] {
          return with_router(settings, [](const http::Router& router) {
            std::cout << boost::json::serialize(resources::openapi_document(router)) << '\n';
          });
        };
      });
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"usertasks: users and their tasks over HTTP/JSON"};
  cli.set_version_flag("--version", std::string("usertasks ") + USERTASKS_VERSION);
  cli.require_subcommand(1);
  app::Settings settings;
  settings.database = database_url_default();
  cli.add_option("--database", settings.database,
                 "sqlite:PATH, sqlite::memory:, or a PostgreSQL URL or keyword string "
                 "(env DATABASE_URL or USERTASKS_DATABASE)")
      ->capture_default_str();
  cli.fallthrough();  // --database may also follow the subcommand
  Command command;
  add_serve(cli, settings, command);
  add_db(cli, settings, command);
  add_routes(cli, settings, command);
  add_openapi(cli, settings, command);
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return cli.exit(e);
  }
  try {
    app::configure_logging(settings.log_level);
    return command();
  } catch (const std::exception& e) {
    std::cerr << "usertasks: " << e.what() << '\n';
    return 1;
  }
}
