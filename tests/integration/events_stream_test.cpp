// Streams under pressure: a consumer that stops reading is disconnected once its queue overflows
// (and resumes without a gap from the last id it read); SIGTERM ends every open stream with the
// terminating chunk and the process exits 0; two instances on one PostgreSQL database deliver
// each other's changes.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <thread>

#include "events_support.hpp"
#include "idempotency_support.hpp"
#include "metrics_text.hpp"
#include "pg_cluster.hpp"

namespace usertasks::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

class EventsStream : public EventsFixture {
 protected:
  // How the events reach the slow consumer: `per_post` tasks a POST, of `size` characters (a short
  // text when 0), `pause` after each POST, `events` of them and more (up to `at_most`) until it is
  // disconnected.
  struct Load {
    int per_post = 100;
    int size = 0;
    std::chrono::milliseconds pause{0};
    int events = 2000;
    int at_most = 50'000;
    std::vector<std::string> args;
  };
  std::size_t slow_consumer(const Load& load);

  // POST /tasks with `n` tasks of `user`; their ids in order.
  std::vector<std::int64_t> post_tasks(std::int64_t user, int n, int batch, int size = 0) {
    json::array body;
    for (int i = 0; i < n; ++i) {
      std::string content = fmt::format("batch {} task {}", batch, i);
      if (size > 0) content = repeat("x", size - static_cast<int>(content.size())) + content;
      body.push_back(json::object{{"content", content}, {"user_id", user}});
    }
    const Response r = client_->post("/tasks", body);
    EXPECT_EQ(r.status, 201U) << r.describe();
    std::vector<std::int64_t> ids;
    if (r.status == 201) {
      for (const json::value& t : r.array()) ids.push_back(id_of(t));
    }
    return ids;
  }
};

// --events-buffer 16 and a client with a tiny receive buffer that does not read, while events are
// made as `load` says: it is disconnected (the connection ends, the slow-consumer counter moves),
// and resuming from the last id it read (or where it started, when it read none) gets the rest,
// no gap. Returns how many events it read before the cut.
std::size_t EventsStream::slow_consumer(const Load& load) {
  std::vector<std::string> args{"--events-buffer", "16"};
  args.insert(args.end(), load.args.begin(), load.args.end());
  restart_with(args);
  const std::int64_t ada = id_of(create_user("Ada"));
  // It starts at the beginning: Ada's user.created, then the tasks' events.
  auto slow =
      open_stream(server_->port(), SseOptions().with_query(after(0)).with_receive_buffer(4096));
  std::vector<std::int64_t> tasks;
  for (int batch = 0; static_cast<int>(tasks.size()) < load.events ||
                      (metric("usertasks_events_slow_consumer_disconnects_total") == 0 &&
                       static_cast<int>(tasks.size()) < load.at_most);
       ++batch) {
    for (std::int64_t id : post_tasks(ada, load.per_post, batch, load.size)) tasks.push_back(id);
    if (load.pause.count() > 0) std::this_thread::sleep_for(load.pause);
  }
  EXPECT_TRUE(wait_until(
      [&] { return metric("usertasks_events_slow_consumer_disconnects_total") == 1; }, 20s))
      << "the slow consumer was never disconnected, after " << tasks.size() << " events";

  // What reached it before the server gave up, then the end of the connection.
  std::vector<SseMessage> read = slow->until_end(10s);
  EXPECT_NE(slow->end(), SseEnd::open) << "the slow consumer's connection did not end";
  EXPECT_TRUE(wait_until([&] { return metric("usertasks_events_subscribers") == 0; }));
  const std::size_t before = read.size();
  const std::string resume_from = read.empty() ? "0" : std::to_string(read.back().number());
  auto resumed = open_stream(server_->port(), SseOptions().with_last_event_id(resume_from));
  if (before < tasks.size() + 1) {
    for (SseMessage& e : resumed->events(tasks.size() + 1 - before, 30s)) read.push_back(e);
  }
  EXPECT_EQ(read.size(), tasks.size() + 1) << "events missing after the resumption";
  EXPECT_TRUE(Consecutive(read));
  if (read.empty()) return before;
  EXPECT_TRUE(IsEvent(read.front(), "user.created", user_now(ada)));
  int wrong = 0;
  for (std::size_t i = 1; i < read.size() && i <= tasks.size(); ++i) {
    if ((read[i].event != "task.created" || id_of(read[i].object()) != tasks[i - 1]) &&
        wrong++ < 5) {
      ADD_FAILURE() << "event " << i << " is not task " << tasks[i - 1] << "'s creation:\n"
                    << read[i].describe();
    }
  }
  EXPECT_EQ(metric("usertasks_events_slow_consumer_disconnects_total"), 1);
  std::cout << fmt::format("[{}] {} at a time: cut off after {} events were made, {} read\n",
                           GetParam(), load.per_post, tasks.size(), before);
  return before;
}

// Arrays of 100: a batch overflows the queue at once, maybe before the first event was written.
TEST_P(EventsStream, ASlowConsumerIsCutOffAndResumesWithoutAGap) {
  RecordProperty("read_before_the_cut", static_cast<int>(slow_consumer({.per_post = 100,
                                                                        .size = 0,
                                                                        .pause = 0ms,
                                                                        .events = 2000,
                                                                        .at_most = 50'000,
                                                                        .args = {}})));
}

// Arrays of 10, which the queue holds: the cut comes once the socket's buffers are full.
TEST_P(EventsStream, AConsumerIsCutOffOnceItsSocketIsFull) {
  // Whether any event was written before the cut depends on how the batches fall: not asserted.
  const std::size_t read = slow_consumer(
      {.per_post = 10, .size = 0, .pause = 0ms, .events = 2000, .at_most = 50'000, .args = {}});
  RecordProperty("read_before_the_cut", static_cast<int>(read));
}

// One event at a time, each of about 10 kB, a pause after each, so that the server writes each
// at once until the consumer's socket is full and its writes block; the 16 events queued next
// overflow the queue. It is disconnected as a slow consumer then, not when the blocked write
// gives up (--body-timeout-ms, raised to 60 s so that only the rule ends it within the wait).
TEST_P(EventsStream, AStalledConsumerIsCutOffWhenItsQueueOverflows) {
  const std::size_t read = slow_consumer({.per_post = 1,
                                          .size = 10'000,
                                          .pause = 1ms,
                                          .events = 1,
                                          .at_most = 2000,
                                          .args = {"--body-timeout-ms", "60000"}});
  RecordProperty("read_before_the_cut", static_cast<int>(read));
}

// SIGTERM while 3 streams are open: each ends with the terminating zero-length chunk, and the
// process exits 0 (before the harness's 10 s SIGKILL).
TEST_P(EventsStream, SigtermEndsEveryStreamCleanly) {
  restart_with({"--drain-timeout-ms", "5000"});
  std::vector<std::unique_ptr<SseClient>> streams;
  for (int i = 0; i < 3; ++i) streams.push_back(subscribe());
  const std::int64_t ada = id_of(create_user("Ada"));
  const json::object ada_now = user_now(ada);
  for (auto& stream : streams) {
    const std::vector<SseMessage> got = take(*stream, 1);
    ASSERT_EQ(got.size(), 1U);
    EXPECT_TRUE(IsEvent(got[0], "user.created", ada_now));
  }
  client_.reset();
  server_->terminate();
  for (auto& stream : streams) {
    const std::vector<SseMessage> more = stream->until_end(15s);
    EXPECT_TRUE(more.empty()) << more.size() << " events after the SIGTERM";
    EXPECT_EQ(stream->end(), SseEnd::clean)
        << (stream->end() == SseEnd::open ? "the stream did not end" : "the stream was cut");
  }
  const ServerProcess::Exit exit = server_->stop();
  EXPECT_FALSE(exit.killed) << "the server ignored SIGTERM";
  EXPECT_TRUE(exit.exited && exit.code == 0) << "exit code/signal " << exit.code;
}

USERTASKS_INSTANTIATE_FOR_ALL_BACKENDS(EventsStream);

// Two instances on one PostgreSQL database: a change made through one reaches the subscribers of
// the other (NOTIFY), and both feeds are the same events with the same ids.
TEST(EventsTwoInstances, AChangeOnOneReachesTheOthersSubscribers) {
  if (const std::string why = PgCluster::unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
  const std::string url = backend("postgresql").fresh_database_url();
  ServerProcess one(
      ServerConfig{.database_url = url, .extra_args = {}, .migrate = Migrate::flag, .threads = 2});
  ServerProcess two(
      ServerConfig{.database_url = url, .extra_args = {}, .migrate = Migrate::flag, .threads = 2});
  Client to_one(one.port());
  Client to_two(two.port());
  auto on_one = open_stream(one.port());
  auto on_two = open_stream(two.port());

  const auto sent = Clock::now();
  const Response ada =
      to_one.post("/users", json::object{{"name", "Ada"}, {"email", "ada@example.com"}});
  ASSERT_EQ(ada.status, 201U) << ada.describe();
  const auto answered = Clock::now();
  const std::optional<SseMessage> first = on_two->next_event(20s);
  const auto arrived = Clock::now();
  ASSERT_TRUE(first.has_value()) << "instance 2's subscriber never got instance 1's change";
  EXPECT_EQ(first->event, "user.created");
  EXPECT_EQ(to_text(first->json()), ada.body);

  // Writes through both, alternately: both feeds carry all of them, identically.
  for (int i = 0; i < 10; ++i) {
    Client& via = i % 2 == 0 ? to_one : to_two;
    const Response r = via.post(fmt::format("/users/{}/tasks", id_of(ada.json())),
                                json::object{{"content", fmt::format("task {}", i)}});
    ASSERT_EQ(r.status, 201U) << r.describe();
  }
  std::vector<SseMessage> feed_one = on_one->events(11, 20s);
  std::vector<SseMessage> feed_two = on_two->events(10, 20s);
  feed_two.insert(feed_two.begin(), *first);
  ASSERT_EQ(feed_one.size(), 11U);
  ASSERT_EQ(feed_two.size(), 11U);
  EXPECT_TRUE(Consecutive(feed_one));
  for (std::size_t i = 0; i < feed_one.size(); ++i) EXPECT_EQ(feed_one[i].raw, feed_two[i].raw);

  const auto ms = [](Clock::duration d) {
    return std::chrono::duration<double, std::milli>(d).count();
  };
  ::testing::Test::RecordProperty("delivery_after_answer_ms",
                                  fmt::format("{:.2f}", ms(arrived - answered)));
  std::cout << fmt::format(
      "instance 1 -> instance 2: the event arrived {:.2f} ms after the POST's answer ({:.2f} ms "
      "after it was sent)\n",
      ms(arrived - answered), ms(arrived - sent));
}

}  // namespace
}  // namespace usertasks::testing
