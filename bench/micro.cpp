// Micro-benchmarks of the CPU work on a request's path that is the service's own (not the
// database's): parsing, routing, rendering JSON, validating a body. Google Benchmark.
//   build/release/bench/bench_micro [--benchmark_filter=REGEX] [--benchmark_min_time=0.2]

#include <benchmark/benchmark.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>

#include "app/app.hpp"
#include "http/message.hpp"
#include "http/router.hpp"
#include "models/models.hpp"
#include "models/validation.hpp"
#include "store/database.hpp"

namespace {

namespace beast_http = boost::beast::http;
namespace models = usertasks::models;
using usertasks::http::Verb;

constexpr std::string_view get_request =
    "GET /users/4821 HTTP/1.1\r\n"
    "Host: 127.0.0.1:8080\r\n"
    "User-Agent: curl/7.88.1\r\n"
    "Accept: */*\r\n"
    "\r\n";

constexpr std::string_view post_request =
    "POST /tasks HTTP/1.1\r\n"
    "Host: 127.0.0.1:8080\r\n"
    "User-Agent: python-requests/2.31.0\r\n"
    "Accept-Encoding: gzip, deflate\r\n"
    "Accept: */*\r\n"
    "Connection: keep-alive\r\n"
    "Content-Type: application/json\r\n"
    "Content-Length: 44\r\n"
    "\r\n"
    "{\"content\": \"write the report\", \"user_id\": 7}";

// The server's parser, with the server's default limits, fed a whole request at once.
void parse(benchmark::State& state, std::string_view raw) {
  for (auto _ : state) {
    beast_http::request_parser<beast_http::string_body> parser;
    parser.header_limit(16 * 1024);
    parser.body_limit(1024 * 1024);
    parser.eager(true);
    boost::beast::error_code ec;
    std::size_t used = 0;
    while (!parser.is_done() && !ec && used < raw.size()) {
      used += parser.put(boost::asio::buffer(raw.data() + used, raw.size() - used), ec);
    }
    if (ec || !parser.is_done()) state.SkipWithError("the request did not parse");
    benchmark::DoNotOptimize(parser.get());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * raw.size()));
}
void BM_ParseGet(benchmark::State& state) {
  parse(state, get_request);
}
void BM_ParsePost(benchmark::State& state) {
  parse(state, post_request);
}
BENCHMARK(BM_ParseGet);
BENCHMARK(BM_ParsePost);

// The real route table, bound to an in-memory SQLite database that routing never touches.
struct Routes {
  std::unique_ptr<usertasks::store::Database> db =
      usertasks::store::open_database("sqlite::memory:", 1);
  std::unique_ptr<const usertasks::http::Router> router =
      usertasks::app::build_router(*db, {}, [] { return std::string(); });
  ~Routes() { db->close(); }
};
Routes& routes() {
  static Routes r;
  return r;
}

void route(benchmark::State& state, Verb method, std::string_view path) {
  const auto& router = *routes().router;
  for (auto _ : state) {
    auto match = router.match(method, path);
    benchmark::DoNotOptimize(match);
  }
  if (!std::holds_alternative<usertasks::http::Matched>(router.match(method, path)) &&
      path != "/no/such/path") {
    state.SkipWithError("the path did not match a route");
  }
}
void BM_RouteHealthz(benchmark::State& state) {
  route(state, Verb::get, "/healthz");
}
void BM_RouteUser(benchmark::State& state) {
  route(state, Verb::get, "/users/4821");
}
void BM_RouteUserTasks(benchmark::State& state) {
  route(state, Verb::post, "/users/4821/tasks");
}
void BM_RoutePatchTask(benchmark::State& state) {
  route(state, Verb::patch, "/tasks/73519");
}
void BM_RouteNotFound(benchmark::State& state) {
  route(state, Verb::get, "/no/such/path");
}
BENCHMARK(BM_RouteHealthz);
BENCHMARK(BM_RouteUser);
BENCHMARK(BM_RouteUserTasks);
BENCHMARK(BM_RoutePatchTask);
BENCHMARK(BM_RouteNotFound);

models::UserWithTasks user_with_ten_tasks() {
  models::UserWithTasks u;
  u.user = {4821, "Ada Lovelace", "ada.lovelace@example.com", "2026-11-24T03:57:28.634676Z",
            "2026-11-24T03:57:28.634676Z"};
  for (std::int64_t i = 0; i < 10; ++i) {
    models::Task task;
    task.id = 48210 + i;
    task.content = "write the report on the analytical engine, part " + std::to_string(i + 1);
    task.user_id = 4821;
    task.created_at = task.updated_at = "2026-11-24T03:57:29.000001Z";
    u.tasks.push_back(std::move(task));
  }
  return u;
}

// GET /users/{id}'s body, as the handler writes it (models::append_json).
void BM_RenderUserWithTasks(benchmark::State& state) {
  const models::UserWithTasks user = user_with_ten_tasks();
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string body = models::json_text(user);
    bytes += body.size();
    benchmark::DoNotOptimize(body);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_RenderUserWithTasks);

// The same through a boost::json value tree (models::to_json, then serialize): what the handlers
// did before, and the reference the unit tests compare the writer with.
void BM_RenderUserWithTasksThroughValue(benchmark::State& state) {
  const models::UserWithTasks user = user_with_ten_tasks();
  std::size_t bytes = 0;
  for (auto _ : state) {
    std::string body = boost::json::serialize(models::to_json(user));
    bytes += body.size();
    benchmark::DoNotOptimize(body);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_RenderUserWithTasksThroughValue);

// The same, as the whole response the handler returns (headers, Content-Length).
void BM_ResponseUserWithTasks(benchmark::State& state) {
  const models::UserWithTasks user = user_with_ten_tasks();
  for (auto _ : state) {
    auto response =
        usertasks::http::json_text_response(usertasks::http::Status::ok, models::json_text(user));
    benchmark::DoNotOptimize(response);
  }
}
BENCHMARK(BM_ResponseUserWithTasks);

constexpr std::string_view user_body = R"({"name": "  Ada Lovelace ", "email": "ada@example.com"})";
constexpr std::string_view task_body = R"({"content": "write the report", "user_id": "7"})";

void BM_ValidateUser(benchmark::State& state) {
  const boost::json::value body = boost::json::parse(user_body);
  for (auto _ : state) {
    auto result = models::validate_new_user(body);
    benchmark::DoNotOptimize(result);
  }
  if (!std::holds_alternative<models::NewUser>(models::validate_new_user(body)))
    state.SkipWithError("the body did not validate");
}
BENCHMARK(BM_ValidateUser);

// What a POST /users costs before the database: parsing the body, then validating it.
void BM_ParseAndValidateUser(benchmark::State& state) {
  for (auto _ : state) {
    auto result = models::validate_new_user(boost::json::parse(user_body));
    benchmark::DoNotOptimize(result);
  }
}
BENCHMARK(BM_ParseAndValidateUser);

void BM_ParseAndValidateTask(benchmark::State& state) {
  for (auto _ : state) {
    auto result =
        models::validate<models::Task>(boost::json::parse(task_body), models::Mode::create);
    benchmark::DoNotOptimize(result);
  }
}
BENCHMARK(BM_ParseAndValidateTask);

}  // namespace

BENCHMARK_MAIN();
