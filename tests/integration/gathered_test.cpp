// Requests gathered into one unit of work (repository/gather.hpp): point reads coalesced into one
// statement (PostgreSQL), single-record writes committed together (both databases). With one
// connection (--pool 1) and many clients at once, groups are certain to form; each test checks
// that they did (/metrics) and that every request still got exactly its own answer.

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "events_support.hpp"
#include "harness.hpp"
#include "metrics_text.hpp"
#include "races.hpp"
#include "sse_client.hpp"

namespace usertasks::testing {
namespace {

using namespace std::chrono_literals;

class GatheredTest : public ApiTest {
 protected:
  // The fixture's server and client, on one database connection (--pool 1).
  void SetUp() override {
    ApiTest::SetUp();
    url_ = backend_under_test().fresh_database_url();
    serve();
  }
  // (Again, on the same database.)
  void serve() {
    server_ = std::make_unique<ServerProcess>(
        ServerConfig{.database_url = url_, .extra_args = {"--pool", "1"}});
    client_ = std::make_unique<Client>(server_->port());
  }

  // Requests served by groups, and groups, of `kind` (read, write), as /metrics counts them.
  static std::pair<double, double> grouped(Client& client, std::string_view kind) {
    const MetricsText m = scrape(client);
    const std::string labels = fmt::format("{{kind=\"{}\"}}", kind);
    return {m["usertasks_db_grouped_requests_total" + labels],
            m["usertasks_db_groups_total" + labels]};
  }

  std::string url_;
};

TEST_P(GatheredTest, EveryCoalescedReadGetsItsOwnAnswer) {
  Client& setup = *client_;
  // Users with 0 to 3 tasks, and the answers GET gives one at a time.
  std::vector<std::string> targets;
  for (int u = 0; u < 12; ++u) {
    const Response user = setup.post(
        "/users", json::object{{"name", fmt::format("u{}", u)}, {"email", unique_email()}});
    ASSERT_EQ(user.status, 201U) << user.describe();
    targets.push_back(fmt::format("/users/{}", id_of(user.json())));
    for (int t = 0; t < u % 4; ++t) {
      const Response task = setup.post(
          "/tasks",
          json::object{{"content", fmt::format("t{}-{}", u, t)}, {"user_id", id_of(user.json())}});
      ASSERT_EQ(task.status, 201U) << task.describe();
      targets.push_back(fmt::format("/tasks/{}", id_of(task.json())));
    }
  }
  targets.emplace_back("/users/999999");
  targets.emplace_back("/tasks/999999");
  std::map<std::string, Response> expected;
  for (const std::string& target : targets) expected[target] = setup.get(target);
  const auto [served_before, groups_before] = grouped(setup, "read");

  constexpr int clients = 48;
  constexpr int rounds = 20;
  const std::vector<Response> answers = race(server_->port(), clients, [&](int i, Client& client) {
    Response last;
    for (int r = 0; r < rounds; ++r) {
      const std::string& target = targets[static_cast<std::size_t>(i * 7 + r) % targets.size()];
      last = client.get(target);
      const Response& want = expected[target];
      if (last.status != want.status || last.body != want.body) {
        last.body = fmt::format("{} answered {} {} instead of {} {}", target, last.status,
                                last.body, want.status, want.body);
        last.status = 0;
        return last;
      }
    }
    return last;
  });
  for (const Response& a : answers) EXPECT_NE(a.status, 0U) << a.body;

  const auto [served, groups] = grouped(setup, "read");
  if (GetParam() == "postgresql") {
    // Every request was in a group, and some group held more than one.
    EXPECT_EQ(served - served_before, clients * rounds);
    EXPECT_LT(groups - groups_before, served - served_before);
  } else {
    EXPECT_EQ(served, 0) << "SQLite reads run on their io thread: there is nothing to wait for";
  }
}

TEST_P(GatheredTest, AFailureInAGroupCommitFailsOnlyItsOwnRequest) {
  Client& setup = *client_;
  const std::int64_t user = id_of(create_user());
  const auto [served_before, groups_before] = grouped(setup, "write");

  // Every fourth names a user that does not exist: a foreign key failure inside the group.
  constexpr int clients = 40;
  constexpr int rounds = 5;
  std::mutex mutex;
  std::set<std::int64_t> created;
  const std::vector<Response> answers = race(server_->port(), clients, [&](int i, Client& client) {
    Response last;
    for (int r = 0; r < rounds; ++r) {
      const bool bad = i % 4 == 0;
      last = client.post("/tasks", json::object{{"content", fmt::format("c{}-{}", i, r)},
                                                {"user_id", bad ? user + 1000 : user}});
      const unsigned want = bad ? 422 : 201;
      if (last.status != want) {
        last.body = fmt::format("{}: {} instead of {}", last.body, last.status, want);
        last.status = 0;
        return last;
      }
      if (!bad) {
        std::lock_guard lock(mutex);
        created.insert(id_of(last.json()));
      }
    }
    return last;
  });
  for (const Response& a : answers) EXPECT_NE(a.status, 0U) << a.body;

  // Exactly the acknowledged tasks exist, each as its answer said.
  const json::array tasks = collect_pages("/tasks?limit=1000");
  std::set<std::int64_t> stored;
  for (const json::value& t : tasks) stored.insert(id_of(t));
  EXPECT_EQ(stored, created);
  EXPECT_EQ(created.size(), static_cast<std::size_t>(clients * 3 / 4 * rounds));

  // One event each, in id order, and none for a failed request.
  auto stream = open_stream(server_->port(), SseOptions().with_query("?after=0"));
  const std::vector<SseMessage> events = stream->events(created.size() + 1);
  std::set<std::int64_t> announced;
  for (const SseMessage& e : events) {
    if (e.event == "task.created") announced.insert(id_of(e.object()));
  }
  EXPECT_EQ(announced, created);
  EXPECT_TRUE(Consecutive(events));

  const auto [served, groups] = grouped(setup, "write");
  EXPECT_EQ(served - served_before, clients * rounds);
  EXPECT_LT(groups - groups_before, served - served_before) << "no group held two writes";
}

TEST_P(GatheredTest, NoWriteIsAcknowledgedBeforeItsCommit) {
  const std::int64_t user = id_of(create_user());
  std::mutex mutex;
  std::vector<std::int64_t> acknowledged;
  {
    std::atomic<bool> stop{false};
    std::vector<std::jthread> writers;
    for (int i = 0; i < 16; ++i) {
      writers.emplace_back([&, i] {
        Client client(server_->port());
        client.set_timeout(10s);
        for (int n = 0; !stop; ++n) {
          try {
            const Response r = client.post(
                "/tasks",
                json::object{{"content", fmt::format("w{}-{}", i, n)}, {"user_id", user}});
            if (r.status != 201) return;
            std::lock_guard lock(mutex);
            acknowledged.push_back(id_of(r.json()));
          } catch (const std::exception&) {
            return;  // the service is gone; this write was in flight
          }
        }
      });
    }
    const auto enough = [&] {
      std::lock_guard lock(mutex);
      return acknowledged.size() >= 300;
    };
    while (!enough()) std::this_thread::sleep_for(5ms);
    EXPECT_FALSE(server_->kill().exited) << "the service had exited before the kill";
    stop = true;
  }

  // The same database again: every write that was answered 201 is there.
  serve();
  std::set<std::int64_t> stored;
  for (const json::value& t : collect_pages("/tasks?limit=1000")) stored.insert(id_of(t));
  long missing = 0;
  for (const std::int64_t id : acknowledged) missing += stored.contains(id) ? 0 : 1;
  EXPECT_EQ(missing, 0) << "of " << acknowledged.size() << " acknowledged";
}

USERTASKS_INSTANTIATE_FOR_ALL_BACKENDS(GatheredTest);

}  // namespace
}  // namespace usertasks::testing
