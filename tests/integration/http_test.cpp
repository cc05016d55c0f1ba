// The service as an HTTP server: health, the OpenAPI document against the route table, CORS,
// request ids, keep-alive, HEAD, concurrency, migrations before serving, and graceful stop.

#include <fmt/format.h>

#include <boost/json/parse.hpp>
#include <latch>
#include <set>
#include <sstream>
#include <thread>

#include "harness.hpp"

namespace usertasks::testing {
namespace {

using Operation = std::pair<std::string, std::string>;  // method (upper case), path template

// The METHOD and PATH columns of `usertasks routes`.
std::set<Operation> routes_of_the_binary() {
  const CommandResult routes = run_usertasks({"routes"});
  EXPECT_EQ(routes.exit_code, 0) << routes.output;
  std::set<Operation> out;
  std::istringstream lines(routes.output);
  std::string line;
  std::getline(lines, line);  // the heading
  EXPECT_EQ(line.rfind("METHOD", 0), 0U) << line;
  while (std::getline(lines, line)) {
    std::istringstream columns(line);
    std::string method;
    std::string path;
    if (columns >> method >> path) out.emplace(method, path);
  }
  return out;
}

class HttpTest : public ApiTest {};

TEST_P(HttpTest, HealthzIsOk) {
  const Response r = client_->get("/healthz");
  ASSERT_EQ(r.status, 200U);
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_EQ(to_text(r.json()), R"({"status":"ok"})");
}

TEST_P(HttpTest, RoutesAreExactlyTheEndpointsOfApiMd) {
  std::set<Operation> api_md{{"GET", "/users"},
                             {"POST", "/users"},
                             {"GET", "/users/{id}"},
                             {"PUT", "/users/{id}"},
                             {"PATCH", "/users/{id}"},
                             {"DELETE", "/users/{id}"},
                             {"GET", "/users/{id}/tasks"},
                             {"POST", "/users/{id}/tasks"},
                             {"GET", "/tasks"},
                             {"POST", "/tasks"},
                             {"GET", "/tasks/{id}"},
                             {"PUT", "/tasks/{id}"},
                             {"PATCH", "/tasks/{id}"},
                             {"DELETE", "/tasks/{id}"},
                             {"GET", "/tags"},
                             {"POST", "/tags"},
                             {"GET", "/tags/{id}"},
                             {"PATCH", "/tags/{id}"},
                             {"DELETE", "/tags/{id}"},
                             {"GET", "/tags/{id}/tasks"},
                             {"PUT", "/tasks/{id}/tags/{name}"},
                             {"DELETE", "/tasks/{id}/tags/{name}"},
                             {"GET", "/events"},
                             {"GET", "/healthz"},
                             {"GET", "/openapi.json"},
                             {"GET", "/metrics"},
                             {"GET", "/docs"},
                             {"GET", "/docs/"},
                             {"GET", "/docs/{asset}"}};
  if (USERTASKS_DOCS_BUILT == 0) {  // built with USERTASKS_DOCS=OFF: no documentation page
    std::erase_if(api_md, [](const Operation& o) { return o.second.starts_with("/docs"); });
  }
  EXPECT_EQ(routes_of_the_binary(), api_md);
}

TEST_P(HttpTest, OpenApiDocumentDescribesExactlyTheRoutes) {
  const Response r = client_->get("/openapi.json");
  ASSERT_EQ(r.status, 200U);
  const json::object doc = r.object();
  ASSERT_TRUE(doc.contains("openapi"));
  EXPECT_EQ(std::string(doc.at("openapi").as_string()).rfind("3.1", 0), 0U) << doc.at("openapi");
  ASSERT_TRUE(doc.contains("info") && doc.contains("paths"));
  const std::set<std::string> http_methods{"get",     "put",  "post",  "delete",
                                           "options", "head", "patch", "trace"};
  std::set<Operation> documented;
  for (const auto& [path, item] : doc.at("paths").as_object()) {
    for (const auto& [method, operation] : item.as_object()) {
      if (!http_methods.contains(method)) continue;  // "parameters", "summary", ...
      std::string upper(method);
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      documented.emplace(upper, path);
      EXPECT_TRUE(operation.as_object().contains("responses")) << method << ' ' << path;
    }
  }
  // Every route but the interactive page's own (/docs: a page, not API).
  std::set<Operation> api = routes_of_the_binary();
  std::erase_if(api, [](const Operation& op) { return op.second.starts_with("/docs"); });
  EXPECT_EQ(documented, api);
}

TEST_P(HttpTest, PreflightAnswers204WithTheAllowedMethods) {
  const Headers preflight{{"Origin", "https://example.com"},
                          {"Access-Control-Request-Method", "PATCH"},
                          {"Access-Control-Request-Headers", "content-type"}};
  const std::vector<std::pair<std::string, std::vector<std::string>>> cases{
      {"/users", {"GET", "POST"}},
      {"/users/1", {"GET", "PUT", "PATCH", "DELETE"}},
      {"/users/1/tasks", {"GET", "POST"}},
      {"/tasks", {"GET", "POST"}},
      {"/tasks/1", {"GET", "PUT", "PATCH", "DELETE"}},
      {"*", {"GET", "POST", "PUT", "PATCH", "DELETE"}},
      {"/events", {"GET"}},
  };
  for (const auto& [target, methods] : cases) {
    const Response r = client_->request("OPTIONS", target, "", preflight);
    EXPECT_EQ(r.status, 204U) << target << '\n' << r.describe();
    EXPECT_TRUE(r.body.empty()) << target;
    const std::string allowed = r.header("Access-Control-Allow-Methods");
    for (const std::string& m : methods) {
      EXPECT_NE(allowed.find(m), std::string::npos) << target << " allows " << allowed;
    }
    const std::string headers = r.header("Access-Control-Allow-Headers");
    // Last-Event-ID: a fetch() reader of GET /events on another origin resumes with it.
    for (const char* h : {"Content-Type", "Authorization", "X-Request-Id", "Prefer",
                          "Idempotency-Key", "Last-Event-ID"}) {
      EXPECT_NE(headers.find(h), std::string::npos) << target << " allows " << headers;
    }
  }
  EXPECT_EQ(client_->request("OPTIONS", "/nope").status, 404U);
}

TEST_P(HttpTest, OrdinaryAnswersCarryCors) {
  for (const Response& r :
       {client_->get("/users"), client_->get("/nope"),
        client_->post("/users", json::object{{"name", "A"}, {"email", "a@b.c"}})}) {
    EXPECT_EQ(r.header("Access-Control-Allow-Origin"), "*") << r.describe();
    const std::string exposed = r.header("Access-Control-Expose-Headers");
    for (const char* h : {"Location", "Link", "X-Request-Id", "Retry-After", "X-Total-Count",
                          "Preference-Applied", "Idempotent-Replayed"}) {
      EXPECT_NE(exposed.find(h), std::string::npos) << h << " in " << exposed;
    }
  }
}

TEST_P(HttpTest, RequestIdsAreGeneratedOrEchoed) {
  std::set<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.insert(client_->get("/healthz").header("X-Request-Id"));
  EXPECT_EQ(ids.size(), 5U) << "generated ids are distinct";

  for (const char* sane : {"abc-123", "trace.id:7_X", "0"}) {
    EXPECT_EQ(
        client_->request("GET", "/healthz", "", {{"X-Request-Id", sane}}).header("X-Request-Id"),
        sane);
  }
  // Ids that could forge log lines or are unreasonably long are replaced, not echoed.
  for (const std::string& insane : {std::string("has space"), std::string("<script>"),
                                    std::string(129, 'a'), std::string("naïve")}) {
    const std::string id =
        client_->request("GET", "/healthz", "", {{"X-Request-Id", insane}}).header("X-Request-Id");
    EXPECT_FALSE(id.empty());
    EXPECT_NE(id, insane);
  }
  // Error answers carry the echoed id too.
  EXPECT_EQ(
      client_->request("GET", "/nope", "", {{"X-Request-Id", "err-1"}}).header("X-Request-Id"),
      "err-1");
}

TEST_P(HttpTest, KeepAliveServesManyRequestsOnOneConnection) {
  const json::object user = create_user();
  for (int i = 0; i < 10; ++i) {
    const Response r = client_->get(fmt::format("/users/{}", id_of(user)));
    EXPECT_EQ(r.status, 200U);
    EXPECT_TRUE(r.keep_alive);
  }
  // Errors that need no closing keep the connection too.
  EXPECT_TRUE(client_->get("/nope").keep_alive);
  EXPECT_TRUE(client_->request("POST", "/users", "{").keep_alive);
  EXPECT_EQ(client_->get("/healthz").status, 200U);
  EXPECT_EQ(client_->connections_opened(), 1);

  Client fresh(server_->port(), /*fresh_connections=*/true);
  for (int i = 0; i < 3; ++i) EXPECT_FALSE(fresh.get("/healthz").keep_alive);
  EXPECT_EQ(fresh.connections_opened(), 3);
}

TEST_P(HttpTest, HeadDoesNotBreakTheConnection) {
  // RFC 9110: the answer to HEAD has no content, whatever its status; a body would be read as the
  // start of the next answer on a keep-alive connection.
  const Response head = client_->request("HEAD", "/healthz");
  EXPECT_TRUE(head.status == 200 || head.status == 405) << head.describe();
  try {
    const Response next = client_->get("/healthz");
    EXPECT_EQ(next.status, 200U) << next.describe();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "the answer after HEAD could not be read (" << e.what()
                  << "): the HEAD answer carried a body";
  }
  EXPECT_EQ(client_->connections_opened(), 1);
}

TEST_P(HttpTest, ChunkedAndExpectContinueBodiesAreRead) {
  const std::string json = R"({"name":"Chunky","email":"chunky@example.com"})";
  const std::string request = fmt::format(
      "POST /users HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\nConnection: "
      "close\r\n\r\n{:x}\r\n{}\r\n{:x}\r\n{}\r\n0\r\n\r\n",
      10, json.substr(0, 10), json.size() - 10, json.substr(10));
  const Response r = raw_exchange(server_->port(), request);
  EXPECT_EQ(r.status, 201U) << r.describe();
  const Response expect =
      client_->request("POST", "/users", R"({"name":"Expect","email":"expect@example.com"})",
                       {{"Expect", "100-continue"}});
  EXPECT_EQ(expect.status, 201U) << expect.describe();
  EXPECT_EQ(get_json("/users").as_array().size(), 2U);
}

TEST_P(HttpTest, ConcurrentCreatesAllLandWithDistinctIds) {
  const std::int64_t user = id_of(create_user());
  constexpr int writers = 64;
  std::vector<std::int64_t> ids(writers, 0);
  std::vector<unsigned> statuses(writers, 0);
  std::latch start(writers);
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < writers; ++i) {
      threads.emplace_back([&, i] {
        Client client(server_->port());  // each writer its own connection
        start.arrive_and_wait();
        const Response r = client.post(fmt::format("/users/{}/tasks", user),
                                       json::object{{"content", fmt::format("task {}", i)}});
        statuses[static_cast<std::size_t>(i)] = r.status;
        if (r.status == 201) ids[static_cast<std::size_t>(i)] = id_of(r.json());
      });
    }
  }
  for (unsigned status : statuses) EXPECT_EQ(status, 201U);
  const std::set<std::int64_t> distinct(ids.begin(), ids.end());
  EXPECT_EQ(distinct.size(), static_cast<std::size_t>(writers));

  const json::value stored = get_json(fmt::format("/users/{}", user));
  std::vector<std::int64_t> stored_ids;
  for (const json::value& t : stored.at("tasks").as_array()) stored_ids.push_back(id_of(t));
  EXPECT_EQ(stored_ids, std::vector<std::int64_t>(distinct.begin(), distinct.end()));
}

TEST_P(HttpTest, ConcurrentCreatesOfOneEmailLetExactlyOneWin) {
  constexpr int writers = 16;
  std::vector<unsigned> statuses(writers, 0);
  std::latch start(writers);
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < writers; ++i) {
      threads.emplace_back([&, i] {
        Client client(server_->port());
        start.arrive_and_wait();
        // The same address in different cases.
        const std::string email = i % 2 == 0 ? "race@example.com" : "RACE@example.com";
        statuses[static_cast<std::size_t>(i)] =
            client
                .post("/users",
                      json::object{{"name", fmt::format("racer {}", i)}, {"email", email}})
                .status;
      });
    }
  }
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 201U), 1);
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 409U), writers - 1);
  EXPECT_EQ(get_json("/users").as_array().size(), 1U);
}

TEST_P(HttpTest, DbUpgradeThenServe) {
  const auto migrated = start_server({}, Migrate::command);
  Client client(migrated->port());
  EXPECT_EQ(client.get("/healthz").status, 200U);
  EXPECT_EQ(client.post("/users", json::object{{"name", "A"}, {"email", "a@b.c"}}).status, 201U);
  client.close();
  const ServerProcess::Exit exit = migrated->stop();
  EXPECT_TRUE(exit.exited && exit.code == 0) << migrated->log();
}

TEST_P(HttpTest, DbUpgradeIsIdempotent) {
  const std::string url = backend_under_test().fresh_database_url();
  const CommandResult first = run_usertasks({"--database", url, "db", "upgrade"});
  EXPECT_EQ(first.exit_code, 0) << first.output;
  const CommandResult second = run_usertasks({"--database", url, "db", "upgrade"});
  EXPECT_EQ(second.exit_code, 0) << second.output;
  // And --migrate on an up-to-date database is harmless.
  ServerProcess server(
      ServerConfig{.database_url = url, .extra_args = {}, .migrate = Migrate::flag, .threads = 2});
  Client client(server.port());
  EXPECT_EQ(client.get("/users").body, "[]");
}

TEST_P(HttpTest, SigtermStopsGracefullyWithExitCodeZero) {
  const json::object user = create_user();
  // An idle keep-alive connection must not keep the server from stopping.
  EXPECT_EQ(client_->get(fmt::format("/users/{}", id_of(user))).status, 200U);
  const ServerProcess::Exit exit = server_->stop();
  EXPECT_FALSE(exit.killed) << server_->log();
  EXPECT_TRUE(exit.exited) << server_->log();
  EXPECT_EQ(exit.code, 0) << server_->log();
  // The data survives the stop: a new server over the same database sees it.
}

TEST_P(HttpTest, DataSurvivesARestart) {
  const std::string url = backend_under_test().fresh_database_url();
  std::string before;
  {
    ServerProcess first(ServerConfig{
        .database_url = url, .extra_args = {}, .migrate = Migrate::flag, .threads = 2});
    Client client(first.port());
    ASSERT_EQ(
        client
            .post("/users", json::object{{"name", "Ada"},
                                         {"email", "ada@example.com"},
                                         {"tasks", json::array{json::object{{"content", "x"}}}}})
            .status,
        201U);
    before = client.get("/users?include=tasks").body;
  }
  ServerProcess second(
      ServerConfig{.database_url = url, .extra_args = {}, .migrate = Migrate::none, .threads = 2});
  Client client(second.port());
  EXPECT_EQ(client.get("/users?include=tasks").body, before);
}

USERTASKS_INSTANTIATE_FOR_ALL_BACKENDS(HttpTest);

}  // namespace
}  // namespace usertasks::testing
