// Idempotency keys under concurrency and failure: 20 clients sending one key at once create one
// record; a key in flight answers 409 with Retry-After; a request that times out keeps nothing;
// an expired key counts as absent and is purged; and a kill -9 in the middle of a stream of keyed
// writes never leaves an answer without its record or a record without its answer.

#include <fmt/format.h>

#include <atomic>
#include <latch>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "idempotency_support.hpp"

namespace usertasks::testing {
namespace {

using namespace std::chrono_literals;

class IdempotencyRaces : public DatabaseTest {
 protected:
  // A user of the database, whose tasks the tests create.
  static std::int64_t make_user(Client& client) {
    const Response r =
        client.post("/users", json::object{{"name", "Ada"}, {"email", "ada@example.com"}});
    EXPECT_EQ(r.status, 201U) << r.describe();
    return r.status == 201 ? id_of(r.json()) : 0;
  }
};

::testing::AssertionResult IsInFlight(const Response& r) {
  if (auto problem = IsProblem(r, 409, "idempotency-key-in-flight"); !problem) return problem;
  if (r.header("Retry-After") != "1") {
    return ::testing::AssertionFailure() << "no Retry-After: 1\n" << r.describe();
  }
  return ::testing::AssertionSuccess();
}

// Each round: 20 clients on connections of their own, released together, send one request with
// one key. One record is created; every client gets its answer (201, the same body; replayed for
// all but the one that made it) or a 409 that says to retry, and the retry gets the answer.
TEST_P(IdempotencyRaces, TwentyClientsSendingOneKeyAtOnceCreateOneRecord) {
  auto server = serve({"--pool", "8"}, 4);
  Client client(server->port());
  const std::int64_t user = make_user(client);
  constexpr int clients = 20;
  constexpr int rounds = 5;
  int conflicts = 0;
  for (int round = 0; round < rounds; ++round) {
    const std::string key = fmt::format("race-{}", round);
    const json::object body{{"content", key}, {"user_id", user}};
    std::vector<Response> answers(clients);
    std::latch start(clients);
    {
      std::vector<std::jthread> threads;
      for (int i = 0; i < clients; ++i) {
        threads.emplace_back([&, i] {
          Client mine(server->port());
          mine.set_timeout(30s);
          const bool connected = mine.get("/healthz").status == 200;
          start.arrive_and_wait();
          if (!connected) return;
          try {
            answers[static_cast<std::size_t>(i)] = keyed_post(mine, "/tasks", body, key);
          } catch (const std::exception& e) {
            answers[static_cast<std::size_t>(i)].body = e.what();
          }
        });
      }
    }
    std::set<std::string> bodies;
    int fresh = 0;
    for (const Response& r : answers) {
      if (r.status == 201) {
        bodies.insert(r.body);
        if (!replayed(r)) ++fresh;
      } else {
        EXPECT_TRUE(IsInFlight(r)) << r.describe();
        ++conflicts;
      }
    }
    EXPECT_EQ(fresh, 1) << "round " << round;
    EXPECT_LE(bodies.size(), 1U) << "round " << round;
    EXPECT_EQ(count_of(client, "/tasks"), round + 1) << "round " << round;
    // A client told to retry gets the record's answer.
    const Response retry = keyed_post(client, "/tasks", body, key);
    EXPECT_TRUE(replayed(retry)) << retry.describe();
    if (!bodies.empty()) {
      EXPECT_EQ(retry.body, *bodies.begin());
    }
  }
  RecordProperty("conflicts", conflicts);
}

// A keyed request holds one connection for its transaction, and its handler's units of work use
// that one: with a pool of one connection (SQLite: one worker thread) it does not wait for itself.
TEST_P(IdempotencyRaces, AKeyedRequestNeedsOneConnection) {
  auto server = serve({"--pool", "1", "--pool-timeout-ms", "2000"});
  Client client(server->port());
  client.set_timeout(10s);
  const json::object body{{"name", "Ada"},
                          {"email", "ada@example.com"},
                          {"tasks", json::array{json::object{{"content", "a"}}}}};
  const Response first = keyed_post(client, "/users", body, "one");
  EXPECT_EQ(first.status, 201U) << first.describe();
  const Response again = keyed_post(client, "/users", body, "one");
  EXPECT_TRUE(replayed(again)) << again.describe();
  EXPECT_EQ(again.body, first.body);
}

// A request kept in flight (its insert waits for a lock the test holds): another with its key is
// answered 409 at once, without waiting; once the first is answered, a retry is replayed.
TEST_P(IdempotencyRaces, AKeyInFlightIs409WithRetryAfter) {
  auto server = serve();
  Client client(server->port());
  const std::int64_t user = make_user(client);
  const json::object body{{"content", "slow"}, {"user_id", user}};
  ServiceDatabase db(GetParam(), url_);
  db.hold_task_inserts();

  Response first;
  std::jthread slow([&] {
    Client mine(server->port());
    first = keyed_post(mine, "/tasks", body, "slow");
  });
  // The first request holds its key: PostgreSQL, its insert waits for the lock (after its
  // advisory lock); SQLite, its worker waits for the write lock (after the process claimed the
  // key).
  const bool waiting = wait_until([&] {
    if (db.postgres()) return db.waiting_for_locks() > 0;
    return scrape(client)[R"(usertasks_db_pool_connections{state="in_use"})"] > 0;
  });
  EXPECT_TRUE(waiting) << "the first request never waited";

  const Response second = keyed_post(client, "/tasks", body, "slow");
  EXPECT_TRUE(IsInFlight(second)) << second.describe();
  // In flight, the key is not compared: another body is told to wait too.
  const Response other =
      keyed_post(client, "/tasks", json::object{{"content", "x"}, {"user_id", user}}, "slow");
  EXPECT_TRUE(IsInFlight(other)) << other.describe();
  db.release();
  slow.join();
  EXPECT_EQ(first.status, 201U) << first.describe();
  const Response retry = keyed_post(client, "/tasks", body, "slow");
  EXPECT_TRUE(replayed(retry)) << retry.describe();
  EXPECT_EQ(retry.body, first.body);
  EXPECT_EQ(count_of(client, "/tasks"), 1);
  EXPECT_EQ(scrape(client)[R"(usertasks_idempotency_requests_total{outcome="in_flight"})"], 2);
}

// A request that times out (503) keeps nothing: its retry with the key is processed.
TEST_P(IdempotencyRaces, ARequestThatTimesOutStoresNothing) {
  auto server = serve({"--request-timeout-ms", "300"});
  Client client(server->port());
  const std::int64_t user = make_user(client);
  const json::object body{{"content", "late"}, {"user_id", user}};
  ServiceDatabase db(GetParam(), url_);
  db.hold_task_inserts();
  const Response late = keyed_post(client, "/tasks", body, "late");
  EXPECT_TRUE(IsProblem(late, 503, "timeout")) << late.describe();
  // PostgreSQL ends the abandoned statement by its statement_timeout; its session, and the key's
  // lock with it, may outlive that a moment: a retry is then told it is in flight, as a client
  // retrying would be.
  if (db.postgres()) {
    EXPECT_TRUE(wait_until([&] { return db.waiting_for_locks() == 0; }));
  }
  db.release();
  EXPECT_EQ(db.stored_answers(), 0);
  Response retry;
  EXPECT_TRUE(wait_until([&] {
    retry = keyed_post(client, "/tasks", body, "late");
    return retry.status != 409;
  }));
  EXPECT_EQ(retry.status, 201U) << retry.describe();
  EXPECT_FALSE(replayed(retry));
  EXPECT_EQ(count_of(client, "/tasks"), 1);
}

// With --idempotency-ttl-s 1, a key a second old is a new key (its request is processed, and
// another body is no reuse), and expired answers are purged in the background: a keyed request
// starts a purge when one is due (at most once per second here).
TEST_P(IdempotencyRaces, AnExpiredKeyCountsAsAbsentAndIsPurged) {
  auto server = serve({"--idempotency-ttl-s", "1"});
  Client client(server->port());
  const std::int64_t user = make_user(client);
  const json::object body{{"content", "once"}, {"user_id", user}};
  ASSERT_EQ(keyed_post(client, "/tasks", body, "short").status, 201U);
  EXPECT_TRUE(replayed(keyed_post(client, "/tasks", body, "short")));
  std::this_thread::sleep_for(1100ms);
  const Response after =
      keyed_post(client, "/tasks", json::object{{"content", "later"}, {"user_id", user}}, "short");
  EXPECT_EQ(after.status, 201U) << after.describe();
  EXPECT_FALSE(replayed(after));
  EXPECT_EQ(count_of(client, "/tasks"), 2);

  // Once "short" has expired again, requests with other keys purge it.
  ServiceDatabase db(GetParam(), url_);
  std::this_thread::sleep_for(1100ms);
  int requests = 0;
  const auto purged = [&] {
    const Response r = keyed_post(client, "/tasks", body, fmt::format("other-{}", requests++));
    EXPECT_EQ(r.status, 201U) << r.describe();
    if (db.integer("SELECT count(*) FROM idempotency_keys WHERE key = 'short'") == 0) return true;
    std::this_thread::sleep_for(100ms);
    return false;
  };
  EXPECT_TRUE(wait_until(purged, 10s)) << "the expired answer is still stored";
  EXPECT_GE(scrape(client)["usertasks_idempotency_purged_total"], 1);
  EXPECT_EQ(count_of(client, "/tasks"), 2 + requests) << "the purge deletes answers, not records";
}

// kill -9 while 6 clients send keyed writes. After a restart on the same database, every key
// sent is sent again: an acknowledged one must replay its record (answer and record committed
// together); one in flight at the kill replays or is processed now. Then every key has exactly
// one record and every record one key: no answer without its record, no record without its key.
TEST_P(IdempotencyRaces, AKillNeverSeparatesAStoredAnswerFromItsRecord) {
  auto server = serve();
  std::int64_t user = 0;
  {
    Client client(server->port());
    user = make_user(client);
  }
  std::mutex mutex;
  std::vector<std::string> sent;                    // every key sent, answered or not
  std::map<std::string, std::string> acknowledged;  // key -> the 201's body
  std::atomic<int> answered{0};
  std::atomic<int> wrong{0};
  constexpr int writers = 6;
  auto write = [&](int index) {
    Client client(server->port());
    client.set_timeout(15s);
    for (int i = 0;; ++i) {
      const std::string key = fmt::format("w{}-{}", index, i);
      {
        std::lock_guard lock(mutex);
        sent.push_back(key);
      }
      Response r;
      try {
        r = keyed_post(client, fmt::format("/users/{}/tasks", user), json::object{{"content", key}},
                       key);
      } catch (const std::exception&) {
        return;  // the service is gone; this key was in flight
      }
      if (r.status != 201) {
        ++wrong;
        ADD_FAILURE() << r.describe();
        return;
      }
      std::lock_guard lock(mutex);
      acknowledged[key] = r.body;
      ++answered;
    }
  };
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < writers; ++i) threads.emplace_back(write, i);
    EXPECT_TRUE(wait_until([&] { return answered.load() >= 300 || wrong.load() > 0; }, 60s));
    const ServerProcess::Exit killed = server->kill();
    EXPECT_FALSE(killed.exited) << "the service had exited before the kill";
  }
  server = serve();
  Client client(server->port());
  int replays = 0;
  for (const std::string& key : sent) {
    const Response r = keyed_post(client, fmt::format("/users/{}/tasks", user),
                                  json::object{{"content", key}}, key);
    ASSERT_EQ(r.status, 201U) << key << '\n' << r.describe();
    const auto ack = acknowledged.find(key);
    if (ack != acknowledged.end()) {
      EXPECT_TRUE(replayed(r)) << "acknowledged " << key << " was not stored";
      EXPECT_EQ(r.body, ack->second) << key;
    }
    if (!replayed(r)) continue;
    ++replays;
    const Response record = client.get(r.header("Location"));
    EXPECT_EQ(record.status, 200U) << "the answer of " << key << " has no record\n"
                                   << record.describe();
  }
  // Each key made one task, whose content is the key: a record whose answer was lost would be
  // made again by the retry above, and show twice.
  std::map<std::string, int> contents;
  std::optional<std::string> target = fmt::format("/users/{}/tasks?limit=1000", user);
  while (target) {
    const Response page = client.get(*target);
    ASSERT_EQ(page.status, 200U) << page.describe();
    for (const json::value& t : page.array()) ++contents[std::string(t.at("content").as_string())];
    target = next_link(page);
  }
  EXPECT_EQ(contents.size(), sent.size());
  for (const auto& [content, times] : contents) EXPECT_EQ(times, 1) << content;
  ServiceDatabase db(GetParam(), url_);
  EXPECT_EQ(db.stored_answers(), static_cast<std::int64_t>(sent.size()));
  RecordProperty("acknowledged", static_cast<int>(acknowledged.size()));
  RecordProperty("in_flight", static_cast<int>(sent.size() - acknowledged.size()));
  RecordProperty("replayed", replays);
}

USERTASKS_INSTANTIATE_FOR_ALL_BACKENDS(IdempotencyRaces);

}  // namespace
}  // namespace usertasks::testing
