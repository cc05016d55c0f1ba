// The metrics registry: what it records and how it renders the Prometheus text format (0.0.4).

#include "http/metrics.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "app/measured_database.hpp"

namespace usertasks::http {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// The samples of a rendering: "name{labels}" -> value text.
std::map<std::string, std::string> samples(const std::string& text) {
  std::map<std::string, std::string> out;
  for (const std::string& line : lines_of(text)) {
    if (line.empty() || line.front() == '#') continue;
    const auto space = line.rfind(' ');
    out[line.substr(0, space)] = line.substr(space + 1);
  }
  return out;
}

class MetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    slots_ = metrics_.set_routes({"/users", "/users", "/users/{id}", "/users/{id}", "/healthz"});
  }
  Metrics metrics_;
  std::vector<std::size_t> slots_;
};

TEST_F(MetricsTest, EachTemplateGetsOneSlotWhateverItsMethods) {
  EXPECT_EQ(slots_, (std::vector<std::size_t>{0, 0, 1, 1, 2}));
  EXPECT_EQ(metrics_.unmatched(), 3U);
}

TEST_F(MetricsTest, RequestsAreCountedByMethodRouteTemplateAndStatus) {
  metrics_.observe_request(1, Verb::get, 200, 3ms);
  metrics_.observe_request(1, Verb::get, 200, 4ms);
  metrics_.observe_request(1, Verb::get, 404, 1ms);
  metrics_.observe_request(1, Verb::delete_, 204, 1ms);
  metrics_.observe_request(metrics_.unmatched(), Verb::post, 404, 100us);
  const auto s = samples(metrics_.render());
  EXPECT_EQ(s.at(R"(usertasks_http_requests_total{method="GET",route="/users/{id}",status="200"})"),
            "2");
  EXPECT_EQ(s.at(R"(usertasks_http_requests_total{method="GET",route="/users/{id}",status="404"})"),
            "1");
  EXPECT_EQ(
      s.at(R"(usertasks_http_requests_total{method="DELETE",route="/users/{id}",status="204"})"),
      "1");
  EXPECT_EQ(s.at(R"(usertasks_http_requests_total{method="POST",route="unmatched",status="404"})"),
            "1");
  // Series that saw no request are left out.
  EXPECT_FALSE(
      s.contains(R"(usertasks_http_requests_total{method="GET",route="/users",status="200"})"));
  EXPECT_EQ(metrics_.requests(1, Verb::get, 200), 2U);
}

TEST_F(MetricsTest, UnknownMethodsAndStatusesShareOneLabelValue) {
  metrics_.observe_request(0, Verb::propfind, 207, 1ms);
  metrics_.observe_request(0, Verb::trace, 299, 1ms);
  const auto s = samples(metrics_.render());
  EXPECT_EQ(s.at(R"(usertasks_http_requests_total{method="other",route="/users",status="other"})"),
            "2");
}

TEST_F(MetricsTest, AnOutOfRangeRouteSlotCountsAsUnmatched) {
  metrics_.observe_request(99, Verb::get, 404, 1ms);
  EXPECT_EQ(metrics_.requests(metrics_.unmatched(), Verb::get, 404), 1U);
}

TEST_F(MetricsTest, TheHistogramIsCumulativeWithSumAndCount) {
  metrics_.observe_request(2, Verb::get, 200, 400us);  // <= 0.0005
  metrics_.observe_request(2, Verb::get, 200, 500us);  // <= 0.0005 (le: less or equal)
  metrics_.observe_request(2, Verb::get, 200, 3ms);    // <= 0.005
  metrics_.observe_request(2, Verb::get, 200, 20s);    // +Inf only
  const auto s = samples(metrics_.render());
  const std::string series = R"(method="GET",route="/healthz")";
  auto bucket = [&](const std::string& le) {
    return s.at("usertasks_http_request_duration_seconds_bucket{" + series + ",le=\"" + le + "\"}");
  };
  EXPECT_EQ(bucket("0.0005"), "2");
  EXPECT_EQ(bucket("0.001"), "2");
  EXPECT_EQ(bucket("0.0025"), "2");
  EXPECT_EQ(bucket("0.005"), "3");
  EXPECT_EQ(bucket("10"), "3");
  EXPECT_EQ(bucket("+Inf"), "4");
  EXPECT_EQ(s.at("usertasks_http_request_duration_seconds_count{" + series + "}"), "4");
  EXPECT_EQ(s.at("usertasks_http_request_duration_seconds_sum{" + series + "}"), "20.0039");
}

TEST_F(MetricsTest, GaugesAndCountersAlwaysRender) {
  metrics_.connection_opened();
  metrics_.connection_opened();
  metrics_.connection_closed();
  metrics_.connection_refused();
  metrics_.request_timed_out();
  metrics_.request_timed_out();
  app::DbMetrics db;
  db.count(app::DbError::constraint);
  db.count(app::DbError::timeout);
  db.count(app::DbError::timeout);
  const auto s = samples(metrics_.render() + db.render({.in_use = 3, .idle = 1, .waiting = 7}));
  EXPECT_EQ(s.at("usertasks_http_connections_open"), "1");
  EXPECT_EQ(s.at("usertasks_http_connections_refused_total"), "1");
  EXPECT_EQ(s.at("usertasks_http_request_timeouts_total"), "2");
  EXPECT_EQ(s.at(R"(usertasks_db_pool_connections{state="in_use"})"), "3");
  EXPECT_EQ(s.at(R"(usertasks_db_pool_connections{state="idle"})"), "1");
  EXPECT_EQ(s.at("usertasks_db_pool_waiting"), "7");
  EXPECT_EQ(s.at(R"(usertasks_db_errors_total{kind="constraint"})"), "1");
  EXPECT_EQ(s.at(R"(usertasks_db_errors_total{kind="timeout"})"), "2");
  EXPECT_EQ(s.at(R"(usertasks_db_errors_total{kind="unavailable"})"), "0");
  EXPECT_EQ(s.at(R"(usertasks_db_errors_total{kind="other"})"), "0");
}

// Every line is a comment of the two kinds the format knows or a sample; every family is
// introduced by its HELP and TYPE before its samples, and appears once.
TEST_F(MetricsTest, TheRenderingFollowsTheTextFormat) {
  metrics_.observe_request(0, Verb::post, 201, 2ms);
  metrics_.observe_request(metrics_.unmatched(), Verb::get, 404, 2ms);
  const std::string text =
      metrics_.render() + app::DbMetrics().render({.in_use = 1, .idle = 2, .waiting = 0});
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(text.back(), '\n');
  const std::regex help(R"(# HELP ([a-z_]+) \S.*)");
  const std::regex type(R"(# TYPE ([a-z_]+) (counter|gauge|histogram))");
  const std::regex sample(
      R"(([a-z_]+)(\{[a-z_]+="[^"\\\n]*"(,[a-z_]+="[^"\\\n]*")*\})? ([0-9]+(\.[0-9]+)?(e[-+][0-9]+)?))");
  std::set<std::string> declared;
  std::string current;
  for (const std::string& line : lines_of(text)) {
    std::smatch m;
    if (std::regex_match(line, m, help)) {
      EXPECT_TRUE(declared.insert(m[1]).second) << "declared twice: " << line;
      current = m[1];
    } else if (std::regex_match(line, m, type)) {
      EXPECT_EQ(m[1], current) << line;
    } else if (std::regex_match(line, m, sample)) {
      const std::string name = m[1];
      EXPECT_TRUE(name == current || name == current + "_bucket" || name == current + "_sum" ||
                  name == current + "_count")
          << "a sample outside its family: " << line;
    } else {
      ADD_FAILURE() << "not a line of the text format: " << line;
    }
  }
  EXPECT_EQ(declared,
            (std::set<std::string>{
                "usertasks_http_requests_total", "usertasks_http_request_duration_seconds",
                "usertasks_http_connections_open", "usertasks_http_connections_refused_total",
                "usertasks_http_request_timeouts_total", "usertasks_db_pool_connections",
                "usertasks_db_pool_waiting", "usertasks_db_errors_total",
                "usertasks_db_groups_total", "usertasks_db_grouped_requests_total"}));
}

TEST(MetricsLabels, ValuesAreEscaped) {
  EXPECT_EQ(escape_label_value("/users/{id}"), "/users/{id}");
  EXPECT_EQ(escape_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
}

TEST(MetricsLabels, RouteNamesAreEscapedInTheRendering) {
  Metrics metrics;
  metrics.set_routes({"/odd\"name"});
  metrics.observe_request(0, Verb::get, 200, 1ms);
  EXPECT_NE(metrics.render().find(R"(route="/odd\"name")"), std::string::npos);
}

TEST(MetricsShards, ThreadsRecordingIntoTheirOwnShardsAddUp) {
  Metrics metrics(3);
  metrics.set_routes({"/healthz"});
  constexpr int per_thread = 10'000;
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < 4; ++t) {  // one more thread than shards: two share one
    threads.emplace_back([&metrics, t] {
      Metrics::bind_thread(t);
      for (int i = 0; i < per_thread; ++i) {
        metrics.observe_request(0, Verb::get, 200, 1ms);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(metrics.requests(0, Verb::get, 200), 4U * per_thread);
  const auto s = samples(metrics.render());
  EXPECT_EQ(s.at(R"(usertasks_http_request_duration_seconds_count{method="GET",route="/healthz"})"),
            std::to_string(4 * per_thread));
}

TEST(DbMetrics, FailuresCountedFromManyThreadsAddUp) {
  app::DbMetrics db;
  constexpr int per_thread = 10'000;
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < 4; ++t) {
    threads.emplace_back([&db] {
      for (int i = 0; i < per_thread; ++i) db.count(app::DbError::unavailable);
    });
  }
  for (auto& t : threads) t.join();
  const auto s = samples(db.render({}));
  EXPECT_EQ(s.at(R"(usertasks_db_errors_total{kind="unavailable"})"),
            std::to_string(4 * per_thread));
}

TEST(MetricsBeforeRoutes, EveryRequestIsUnmatchedUntilRoutesAreNamed) {
  Metrics metrics;
  EXPECT_EQ(metrics.unmatched(), 0U);
  metrics.observe_request(0, Verb::get, 200, 1ms);
  const auto s = samples(metrics.render());
  EXPECT_EQ(s.at(R"(usertasks_http_requests_total{method="GET",route="unmatched",status="200"})"),
            "1");
}

}  // namespace
}  // namespace usertasks::http
