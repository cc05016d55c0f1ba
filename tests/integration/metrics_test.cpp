// GET /metrics on both databases: requests counted by method, route template (never the raw
// path) and status; the latency histogram; connections open; database errors by kind; the pool's
// gauges; the API token; and the endpoint's place in the route table and OpenAPI document.
// Refused connections and request timeouts are read back in limits_test.

#include <fmt/format.h>

#include <chrono>
#include <thread>

#include "harness.hpp"
#include "metrics_text.hpp"

namespace usertasks::testing {
namespace {

using namespace std::chrono_literals;

std::string requests(std::string_view method, std::string_view route, unsigned status) {
  return fmt::format(R"(usertasks_http_requests_total{{method="{}",route="{}",status="{}"}})",
                     method, route, status);
}

std::string latency(std::string_view what, std::string_view method, std::string_view route,
                    std::string_view le = "") {
  if (le.empty()) {
    return fmt::format(R"(usertasks_http_request_duration_seconds_{}{{method="{}",route="{}"}})",
                       what, method, route);
  }
  return fmt::format(
      R"(usertasks_http_request_duration_seconds_bucket{{method="{}",route="{}",le="{}"}})", method,
      route, le);
}

class MetricsEndpointTest : public ApiTest {};

TEST_P(MetricsEndpointTest, AnswersInTheTextFormat) {
  const Response r = client_->get("/metrics");
  ASSERT_EQ(r.status, 200U) << r.describe();
  EXPECT_EQ(r.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(r.body.find("# TYPE usertasks_http_requests_total counter\n"), std::string::npos);
  EXPECT_NE(r.body.find("# TYPE usertasks_http_request_duration_seconds histogram\n"),
            std::string::npos);
  for (const char* series :
       {"usertasks_http_connections_open", "usertasks_http_connections_refused_total",
        "usertasks_http_request_timeouts_total", R"(usertasks_db_pool_connections{state="in_use"})",
        R"(usertasks_db_pool_connections{state="idle"})", "usertasks_db_pool_waiting",
        R"(usertasks_db_errors_total{kind="constraint"})",
        R"(usertasks_db_errors_total{kind="unavailable"})",
        R"(usertasks_db_errors_total{kind="timeout"})",
        R"(usertasks_db_errors_total{kind="other"})"}) {
    EXPECT_TRUE(MetricsText(r.body).has(series)) << series << '\n' << r.body;
  }
}

TEST_P(MetricsEndpointTest, RequestsAreCountedByRouteTemplateNeverByPath) {
  const std::int64_t id = id_of(create_user("Ada"));
  const std::string user = fmt::format("/users/{}", id);
  EXPECT_EQ(client_->get(user).status, 200U);
  EXPECT_EQ(client_->get(user).status, 200U);
  EXPECT_EQ(client_->request("HEAD", user).status, 200U);
  EXPECT_EQ(client_->get("/users/987654321").status, 404U);
  EXPECT_EQ(client_->get("/no/such/place").status, 404U);
  EXPECT_EQ(client_->del("/healthz").status, 405U);
  EXPECT_EQ(client_->request("OPTIONS", "/users").status, 204U);

  const Response r = client_->get("/metrics");
  ASSERT_EQ(r.status, 200U);
  const MetricsText m(r.body);
  EXPECT_EQ(m[requests("POST", "/users", 201)], 1);
  EXPECT_EQ(m[requests("GET", "/users/{id}", 200)], 2);
  EXPECT_EQ(m[requests("HEAD", "/users/{id}", 200)], 1);
  EXPECT_EQ(m[requests("GET", "/users/{id}", 404)], 1);
  EXPECT_EQ(m[requests("GET", "unmatched", 404)], 1);
  EXPECT_EQ(m[requests("DELETE", "/healthz", 405)], 1);
  EXPECT_EQ(m[requests("OPTIONS", "/users", 204)], 1);
  // The scrape counts itself once answered: in the next one.
  EXPECT_FALSE(m.has(requests("GET", "/metrics", 200)));
  EXPECT_EQ(scrape(*client_)[requests("GET", "/metrics", 200)], 1);
  // No raw path is a label value.
  for (const std::string_view raw :
       {std::string_view(user), std::string_view("987654321"), std::string_view("/no/such")}) {
    EXPECT_EQ(r.body.find(raw), std::string::npos) << raw;
  }
}

TEST_P(MetricsEndpointTest, TheLatencyHistogramCountsEveryRequest) {
  constexpr int n = 25;
  for (int i = 0; i < n; ++i) ASSERT_EQ(client_->get("/healthz").status, 200U);
  const MetricsText m = scrape(*client_);
  EXPECT_EQ(m[latency("count", "GET", "/healthz")], n);
  EXPECT_EQ(m[latency("bucket", "GET", "/healthz", "+Inf")], n);
  EXPECT_GT(m[latency("sum", "GET", "/healthz")], 0);
  // Cumulative: each bucket holds at least the one below it.
  double below = 0;
  for (const char* le : {"0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1",
                         "0.25", "0.5", "1", "2.5", "5", "10", "+Inf"}) {
    const std::string series = latency("bucket", "GET", "/healthz", le);
    ASSERT_TRUE(m.has(series)) << series;
    EXPECT_GE(m[series], below) << le;
    below = m[series];
  }
}

TEST_P(MetricsEndpointTest, ConstraintViolationsAreCountedAsDatabaseErrors) {
  const std::string email = unique_email();
  create_user("Ada", email);
  EXPECT_EQ(client_->post("/users", json::object{{"name", "Bo"}, {"email", email}}).status, 409U);
  EXPECT_EQ(client_->post("/tasks", json::object{{"content", "x"}, {"user_id", 987654321}}).status,
            422U);
  const MetricsText m = scrape(*client_);
  EXPECT_EQ(m[R"(usertasks_db_errors_total{kind="constraint"})"], 2);
  EXPECT_EQ(m[R"(usertasks_db_errors_total{kind="unavailable"})"], 0);
  EXPECT_EQ(m[R"(usertasks_db_errors_total{kind="timeout"})"], 0);
  EXPECT_EQ(m[R"(usertasks_db_errors_total{kind="other"})"], 0);
}

TEST_P(MetricsEndpointTest, OpenConnectionsAreAGauge) {
  EXPECT_EQ(scrape(*client_)["usertasks_http_connections_open"], 1);
  {
    Client other(server_->port());
    ASSERT_EQ(other.get("/healthz").status, 200U);
    EXPECT_EQ(scrape(*client_)["usertasks_http_connections_open"], 2);
  }
  double open = 0;
  for (int i = 0; i < 250; ++i) {
    open = scrape(*client_)["usertasks_http_connections_open"];
    if (open == 1) break;
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(open, 1);
}

TEST_P(MetricsEndpointTest, ThePoolGaugesShowItAtRest) {
  create_user("Ada");
  const MetricsText m = scrape_at_rest(*client_);
  EXPECT_EQ(m[R"(usertasks_db_pool_connections{state="in_use"})"], 0);
  EXPECT_GE(m[R"(usertasks_db_pool_connections{state="idle"})"], 1);
  EXPECT_EQ(m["usertasks_db_pool_waiting"], 0);
}

TEST_P(MetricsEndpointTest, TheEndpointNeedsTheTokenWhenOneIsSet) {
  auto server = start_server({"--api-token", "s3cret-token"});
  Client client(server->port());
  const Response refused = client.get("/metrics");
  EXPECT_TRUE(IsProblem(refused, 401, "unauthorized")) << refused.describe();
  const MetricsText m = scrape(client, {{"Authorization", "Bearer s3cret-token"}});
  EXPECT_EQ(m[requests("GET", "/metrics", 401)], 1);
}

TEST_P(MetricsEndpointTest, TakesNoQueryParameters) {
  EXPECT_TRUE(IsBadQuery(client_->get("/metrics?format=json"), "format"));
}

TEST_P(MetricsEndpointTest, IsInTheOpenApiDocument) {
  const json::value doc = get_json("/openapi.json");
  const json::object& paths = doc.at("paths").as_object();
  ASSERT_TRUE(paths.contains("/metrics"));
  EXPECT_TRUE(paths.at("/metrics").as_object().contains("get"));
}

USERTASKS_INSTANTIATE_FOR_ALL_BACKENDS(MetricsEndpointTest);

}  // namespace
}  // namespace usertasks::testing
