// Raw bytes as what a client sends on one connection: HTTP/1.1 requests, read as the server reads
// them (Beast's parser with the server's header and body limits, then the server's head rules:
// Host, and an absolute-form target brought to the origin-form), each answered by the service's
// dispatch (router, query and body validation, resources) on a real SQLite database, migrated when
// the process starts. Keep-alive requests follow one another, so one input can create a user and
// then read, change or delete it.
//
// For every input: no answer is a 5xx (nor an exception, which the server would turn into a 500),
// every 4xx is a problem+json document, and the API's success answers are JSON.

#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "app/app.hpp"
#include "app/run_sync.hpp"
#include "fuzz_support.hpp"
#include "http/metrics.hpp"
#include "http/request.hpp"
#include "http/server.hpp"
#include "migrate/migrator.hpp"
#include "store/database.hpp"

namespace {

using namespace usertasks;
namespace beast_http = boost::beast::http;

// At most this many requests per input: enough for create-then-use sequences.
constexpr int max_requests = 8;

std::filesystem::path make_temporary_directory() {
  std::string pattern = std::filesystem::temp_directory_path() / "usertasks-fuzz-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) fuzz::fail("cannot create a temporary directory");
  return pattern;
}

std::unique_ptr<store::Database> open_migrated(const std::filesystem::path& file) {
  auto db = store::open_database("sqlite:" + file.string(), 1);
  migrate::Migrator migrator(*db);
  app::run_sync(migrator.upgrade());
  return db;
}

// The service on a database file in a directory of its own, removed when the process exits.
class Service {
 public:
  Service()
      : dir_(make_temporary_directory()),
        db_(open_migrated(dir_ / "fuzz.db")),
        router_(app::build_router(*db_, app::Settings{}, [this] { return metrics_.render(); })) {}

  ~Service() {
    db_->close();
    db_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  http::Response answer(http::Request& req) {
    try {
      return app::run_sync(http::dispatch(*router_, req));
    } catch (const std::exception& e) {
      fuzz::fail("the service threw (the server would answer 500)", e.what());
    }
  }

  // Every input starts from an empty database, so that a crash replays from its input alone.
  void forget_writes() {
    if (!written_) return;
    app::run_sync(
        db_->run(store::Access::write, [](store::Connection& c) -> store::awaitable<void> {
          co_await c.execute_script("DELETE FROM tasks; DELETE FROM users");
        }));
    written_ = false;
  }

  void note_write() { written_ = true; }

  [[nodiscard]] const http::Router& router() const { return *router_; }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<store::Database> db_;
  http::Metrics metrics_;  // what GET /metrics renders
  const std::unique_ptr<const http::Router> router_;
  bool written_ = true;  // the first input clears whatever a previous process left
};

// The next whole request at the front of `bytes`, removed from it; nullopt when there is none: the
// server then answers 400, 413 or 431 by itself, or waits for more bytes.
std::optional<http::Request> next_request(std::string_view& bytes) {
  const http::ServerOptions limits;
  beast_http::request_parser<beast_http::string_body> parser;
  parser.header_limit(static_cast<std::uint32_t>(limits.header_limit));
  parser.body_limit(limits.body_limit);
  parser.eager(true);
  while (!parser.is_done() && !bytes.empty()) {
    boost::system::error_code ec;
    const std::size_t used = parser.put(boost::asio::buffer(bytes.data(), bytes.size()), ec);
    bytes.remove_prefix(used);
    if (ec || used == 0) return std::nullopt;
  }
  if (!parser.is_done()) return std::nullopt;
  return parser.release();
}

bool is_write(http::Verb method) {
  return method != http::Verb::get && method != http::Verb::head && method != http::Verb::options;
}

void check(const http::Router& router, const http::Request& req, const http::Response& res) {
  const unsigned status = res.result_int();
  const std::string context = std::string(req.method_string()) + " " + std::string(req.target()) +
                              "\n" + req.body() + "\n->\n" + fuzz::describe(res);
  fuzz::require(status >= 200 && status < 500, "no answer is a 5xx (nor 1xx)", context);
  if (status >= 400) {
    fuzz::require_problem(res);
    if (status == 405) fuzz::require(res.count(http::Field::allow) == 1, "405 has Allow", context);
    return;
  }
  if (status == 204) {
    fuzz::require(res.body().empty(), "204 has no body", context);
    return;
  }
  if (status == 304) {
    fuzz::require(res.body().empty(), "304 has no body", context);
    fuzz::require(res.count(http::Field::etag) == 1, "304 has ETag", context);
    return;
  }
  if (status == 201) {
    fuzz::require(res.count(http::Field::location) == 1, "201 has Location", context);
  }
  // A route whose answer the OpenAPI document says is JSON answers JSON; others, such as /metrics
  // (text/plain) and /docs, answer what they document.
  const http::Match match = router.match(req.method(), http::split_target(req.target()).path);
  const auto* matched = std::get_if<http::Matched>(&match);
  const bool api = matched != nullptr && !matched->route->response.empty() &&
                   matched->route->response_type == "application/json";
  if (!api && res[http::Field::content_type] != "application/json") return;
  fuzz::require(res[http::Field::content_type] == "application/json",
                "a success body is application/json", context);
  boost::system::error_code ec;
  (void)boost::json::parse(res.body(), ec);
  fuzz::require(!ec, "a success body is JSON", context);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static Service& service = []() -> Service& {
    spdlog::set_level(spdlog::level::err);
    static Service s;
    return s;
  }();
  // USERTASKS_FUZZ_TRACE=1 prints each request and its status, to see what an input does.
  static const bool trace = std::getenv("USERTASKS_FUZZ_TRACE") != nullptr;
  service.forget_writes();

  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  for (int i = 0; i < max_requests; ++i) {
    std::optional<http::Request> req = next_request(bytes);
    if (!req) break;
    // A head the server refuses is answered 400 and the connection closed, as the server does.
    std::string sent_target;
    std::optional<http::Response> refused = http::normalize_head(*req, sent_target);
    const std::string_view target = req->target();
    fuzz::require(refused || target.starts_with('/') || target == "*",
                  "an accepted target is routed in origin-form (or is *)", target);
    const http::Response res = refused ? std::move(*refused) : service.answer(*req);
    if (trace) {
      std::fprintf(stderr, "%s %s -> %u\n", std::string(req->method_string()).c_str(),
                   std::string(req->target()).c_str(), res.result_int());
    }
    check(service.router(), *req, res);
    if (is_write(req->method())) service.note_write();
    if (refused || !req->keep_alive()) break;  // the server closes the connection after this
  }
  return 0;
}
