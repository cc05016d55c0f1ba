// Resuming under load. 8 writers create, change and delete users and tasks for a few seconds while
// one subscriber keeps hanging up and coming back with Last-Event-ID after a random handful of
// events: it ends up with every acknowledged change exactly once, ids strictly increasing and
// dense. And a kill -9 of the server in the middle of such writes: after a restart, every
// acknowledged write has its events, and the feed replayed from its start rebuilds exactly what
// the database holds (no event of a write that was not committed, no record without its event).

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>

#include "events_load.hpp"
#include "events_support.hpp"
#include "idempotency_support.hpp"

namespace usertasks::testing {
namespace {

using namespace std::chrono_literals;

class EventsResumeTest : public DatabaseTest {
 protected:
  std::unique_ptr<ServerProcess> serve() { return DatabaseTest::serve({"--pool", "8"}, 4); }
};

// The subscriber that keeps hanging up: what it received, in order, and how its resumptions went.
struct Resumer {
  std::vector<SseMessage> received;
  int connections = 0;
  long gaps = 0;  // events whose id is not the previous one's plus one
  std::string first_gap;

  // Reads until `owed` events have come once the writers are done (or nothing comes for 20 s).
  void run(unsigned short port, const std::atomic<bool>& writers_done,
           const std::atomic<long>& owed) {
    std::mt19937 rng(20261124);
    auto progress = std::chrono::steady_clock::now();
    while (!(writers_done && static_cast<long>(received.size()) >= owed.load())) {
      if (std::chrono::steady_clock::now() - progress > 20s) return;
      SseOptions options;
      if (received.empty()) {
        options.query = "?after=0";
      } else {
        options.last_event_id = std::to_string(received.back().number());
      }
      std::unique_ptr<SseClient> stream;
      try {
        stream = open_stream(port, options);
      } catch (const std::exception& e) {
        ADD_FAILURE() << "resuming: " << e.what();
        return;
      }
      ++connections;
      if (stream->status() != 200) return;
      // A random handful, now and then many (to keep up), now and then none.
      const auto dice = rng() % 10;
      const std::size_t wanted = dice == 0 ? 0 : dice == 1 ? 300 : rng() % 25;
      for (std::size_t i = 0; i < wanted; ++i) {
        std::optional<SseMessage> e = stream->next_event(writers_done ? 2s : 300ms);
        if (!e) break;
        const std::int64_t expected = received.empty() ? e->number() : received.back().number() + 1;
        if (e->number() != expected && gaps++ == 0) {
          first_gap =
              fmt::format("id {} after {} (connection {})", e->number(), expected - 1, connections);
        }
        received.push_back(std::move(*e));
        progress = std::chrono::steady_clock::now();
      }
    }
  }
};

TEST_P(EventsResumeTest, AResumingSubscriberGetsEveryChangeExactlyOnce) {
  auto server = serve();
  Ledger ledger;
  std::atomic<bool> writers_done{false};
  std::atomic<long> owed{0};
  Resumer resumer;
  std::jthread subscriber([&] { resumer.run(server->port(), writers_done, owed); });
  {
    // Before the writers, which read it until they are joined at the end of the block.
    const auto until = std::chrono::steady_clock::now() + 4s;
    std::vector<std::jthread> writers;
    for (int i = 0; i < 8; ++i) {
      writers.emplace_back([&, i] {
        try {
          Writer writer(server->port(), i, ledger);
          while (std::chrono::steady_clock::now() < until) writer.step();
        } catch (const std::exception& e) {
          ADD_FAILURE() << "writer " << i << ": " << e.what();
        }
      });
    }
  }
  owed = ledger.events;
  writers_done = true;
  subscriber.join();

  EXPECT_EQ(ledger.failures, 0);
  EXPECT_EQ(static_cast<long>(resumer.received.size()), ledger.events)
      << "events received, events owed by acknowledged writes";
  EXPECT_EQ(resumer.gaps, 0) << "ids not dense or not increasing: first " << resumer.first_gap;
  const std::map<EventKey, int> got = keys_of(resumer.received);
  int missing = 0;
  int extra = 0;
  for (const auto& [key, times] : ledger.owed) {
    const auto it = got.find(key);
    const int seen = it == got.end() ? 0 : it->second;
    if (seen < times && missing++ < 5) {
      ADD_FAILURE() << key.first << " " << key.second << ": " << seen << " of " << times;
    }
  }
  for (const auto& [key, times] : got) {
    const auto it = ledger.owed.find(key);
    if (times > (it == ledger.owed.end() ? 0 : it->second) && extra++ < 5) {
      ADD_FAILURE() << key.first << " " << key.second << " came " << times << " times, owed "
                    << (it == ledger.owed.end() ? 0 : it->second);
    }
  }
  EXPECT_EQ(missing, 0) << "acknowledged changes without their event";
  EXPECT_EQ(extra, 0) << "events received more often than owed";
  Client client(server->port());
  const Replayed feed = replay(resumer.received);
  const Replayed service = listed(client);
  EXPECT_TRUE(feed.users == service.users && feed.tasks == service.tasks)
      << differences(feed, service);

  for (const auto& [kind, n] : ledger.writes) RecordProperty(kind, n);
  RecordProperty("events", static_cast<int>(ledger.events));
  RecordProperty("connections", resumer.connections);
  std::cout << fmt::format("[{}] {} events over {} connections of one subscriber\n", GetParam(),
                           ledger.events, resumer.connections);
}

TEST_P(EventsResumeTest, AKillLeavesNoEventWithoutItsWriteNorAWriteWithoutItsEvent) {
  auto server = serve();
  Ledger ledger;
  std::atomic<long> acknowledged{0};
  {
    std::vector<std::jthread> writers;
    std::atomic<bool> stop{false};
    for (int i = 0; i < 6; ++i) {
      writers.emplace_back([&, i] {
        Writer writer(server->port(), i, ledger);
        while (!stop) {
          try {
            writer.step();
          } catch (const std::exception&) {
            return;  // the service is gone; this write was in flight
          }
          ++acknowledged;
        }
      });
    }
    EXPECT_TRUE(wait_until([&] { return acknowledged.load() >= 400 || ledger.failures > 0; }, 60s));
    const ServerProcess::Exit killed = server->kill();
    EXPECT_FALSE(killed.exited) << "the service had exited before the kill";
    stop = true;
  }
  EXPECT_EQ(ledger.failures, 0);

  server = serve();
  Client client(server->port());
  auto stream = open_stream(server->port(), SseOptions().with_query("?after=0"));
  const Response marker =
      client.post("/users", json::object{{"name", "marker"}, {"email", "marker@example.com"}});
  ASSERT_EQ(marker.status, 201U) << marker.describe();
  std::vector<SseMessage> events;
  while (std::optional<SseMessage> e = stream->next_event(10s)) {
    events.push_back(std::move(*e));
    if (events.back().event == "user.created" &&
        id_of(events.back().object()) == id_of(marker.json())) {
      break;
    }
  }
  ASSERT_FALSE(events.empty());
  ASSERT_EQ(events.back().event, "user.created") << "the marker's event never came";
  EXPECT_TRUE(Consecutive(events));

  // Every acknowledged write has its events.
  const std::map<EventKey, int> got = keys_of(events);
  int missing = 0;
  for (const auto& [key, times] : ledger.owed) {
    const auto it = got.find(key);
    if ((it == got.end() ? 0 : it->second) < times && missing++ < 5) {
      ADD_FAILURE() << "acknowledged, no event: " << key.first << " " << key.second;
    }
  }
  EXPECT_EQ(missing, 0);
  // Replayed from its start, the feed is the database: every record has its created event (and
  // its last change's data), no event tells of a record or a change that was not committed.
  const Replayed feed = replay(events);
  const Replayed service = listed(client);
  EXPECT_TRUE(feed.users == service.users && feed.tasks == service.tasks)
      << differences(feed, service);
  EXPECT_EQ(feed.users.size(), service.users.size());
  EXPECT_EQ(feed.tasks.size(), service.tasks.size());
  RecordProperty("acknowledged", static_cast<int>(acknowledged.load()));
  RecordProperty("events", static_cast<int>(events.size()));
}

USERTASKS_INSTANTIATE_FOR_ALL_BACKENDS(EventsResumeTest);

}  // namespace
}  // namespace usertasks::testing
