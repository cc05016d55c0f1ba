#pragma once
// Reading back GET /metrics in tests: the samples of the Prometheus text format by their exact
// "name{labels}" text.

#include <chrono>
#include <map>
#include <sstream>
#include <string>
#include <thread>

#include "harness.hpp"

namespace usertasks::testing {

class MetricsText {
 public:
  explicit MetricsText(const std::string& text) {
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      if (line.empty() || line.front() == '#') continue;
      const auto space = line.rfind(' ');
      samples_[line.substr(0, space)] = std::stod(line.substr(space + 1));
    }
  }
  // The sample's value; 0 when absent (counters of series that saw nothing are not rendered).
  [[nodiscard]] double operator[](const std::string& series) const {
    const auto it = samples_.find(series);
    return it == samples_.end() ? 0 : it->second;
  }
  [[nodiscard]] bool has(const std::string& series) const { return samples_.contains(series); }
  [[nodiscard]] const std::map<std::string, double>& samples() const { return samples_; }

 private:
  std::map<std::string, double> samples_;
};

// GET /metrics on `client`; a test failure when it does not answer 200.
inline MetricsText scrape(Client& client, const Headers& headers = {}) {
  const Response r = client.request("GET", "/metrics", "", headers);
  EXPECT_EQ(r.status, 200U) << r.describe();
  return MetricsText(r.body);
}

// The same once no database connection is in use or waited for: after a write, the change feed
// reads the outbox on a connection of the pool for a moment. Waits up to 5 s.
inline MetricsText scrape_at_rest(Client& client) {
  MetricsText m = scrape(client);
  const auto busy = [](MetricsText& t) {
    return t[R"(usertasks_db_pool_connections{state="in_use"})"] != 0 ||
           t["usertasks_db_pool_waiting"] != 0;
  };
  for (int i = 0; i < 250 && busy(m); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    m = scrape(client);
  }
  return m;
}

}  // namespace usertasks::testing
