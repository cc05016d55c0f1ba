// The feed as a route: its answer's head and first block, the API token, the heartbeat comment,
// the metrics (subscribers, events sent), the subscriber limit, and --no-change-feed.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "events_support.hpp"
#include "idempotency_support.hpp"
#include "metrics_text.hpp"

namespace usertasks::testing {
namespace {

using namespace std::chrono_literals;

class EventsFeedTest : public EventsFixture {};

// The head every answer carries (CORS, a request id), the stream's own, and `retry:` first, with
// the stream's position.
TEST_P(EventsFeedTest, TheStreamsHeadAndFirstBlock) {
  subscribe()->close();  // once the feed has started (TheFeedIsServedAsSoonAsTheServerIs)
  SseClient stream(server_->port(), SseOptions().with_header("X-Request-Id", "feed-1"));
  ASSERT_EQ(stream.status(), 200U) << stream.response().describe();
  EXPECT_EQ(stream.header("Content-Type"), "text/event-stream");
  EXPECT_EQ(stream.header("Cache-Control"), "no-store");
  EXPECT_TRUE(stream.chunked());
  EXPECT_FALSE(stream.response().has_header("Content-Length"));
  EXPECT_EQ(stream.header("Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(stream.header("X-Request-Id"), "feed-1");
  const std::optional<SseMessage> first = stream.next();
  ASSERT_TRUE(first.has_value());
  // No event yet: the position is 0.
  EXPECT_EQ(first->raw, "retry: 2000\nid: 0\n\n");
  EXPECT_EQ(first->retry, "2000");
  EXPECT_FALSE(first->is_event());
}

// Once the server says it serves, so does the feed: a 503 would end an EventSource for good (it
// reconnects after a dropped stream, not after an error status), and clients reconnect exactly
// when a server has just restarted. Raced: GET /events as soon as each of 8 servers serves.
TEST_P(EventsFeedTest, TheFeedIsServedAsSoonAsTheServerIs) {
  int refused = 0;
  for (int i = 0; i < 8; ++i) {
    auto server = start_server({});
    const SseClient stream(server->port());
    if (stream.status() != 200) {
      ++refused;
      ADD_FAILURE() << "server " << i << ":\n" << stream.response().describe();
    }
  }
  EXPECT_EQ(refused, 0);
}

// --api-token applies: 401 without the token (or with another), the stream with it.
TEST_P(EventsFeedTest, TheApiTokenApplies) {
  restart_with({"--api-token", "s3cret"});
  const SseClient without(server_->port());
  EXPECT_TRUE(IsProblem(without.response(), 401, "unauthorized"));
  EXPECT_EQ(without.header("WWW-Authenticate"), R"(Bearer realm="usertasks")");
  const SseClient wrong(server_->port(), SseOptions().with_token("nope"));
  EXPECT_TRUE(IsProblem(wrong.response(), 401, "unauthorized"));

  auto stream = open_stream(server_->port(), SseOptions().with_token("s3cret"));
  const Response created =
      client_->request("POST", "/users", R"({"name": "Ada", "email": "ada@example.com"})",
                       {{"Authorization", "Bearer s3cret"}});
  ASSERT_EQ(created.status, 201U) << created.describe();
  const std::vector<SseMessage> got = take(*stream, 1);
  ASSERT_EQ(got.size(), 1U);
  EXPECT_EQ(got[0].event, "user.created");
  EXPECT_EQ(to_text(got[0].json()), created.body);
}

// --events-heartbeat-s 1: the comment `: keep-alive` comes while nothing happens.
TEST_P(EventsFeedTest, AHeartbeatCommentKeepsTheStreamAlive) {
  restart_with({"--events-heartbeat-s", "1"});
  auto stream = subscribe();
  for (int i = 0; i < 2; ++i) {
    const std::optional<SseMessage> beat = stream->next(5s);
    ASSERT_TRUE(beat.has_value()) << "no heartbeat within 5 s";
    EXPECT_EQ(beat->raw, ": keep-alive\n\n");
    EXPECT_FALSE(beat->is_event());
  }
  // Events still come between heartbeats.
  const std::int64_t ada = id_of(create_user("Ada"));
  const std::vector<SseMessage> got = take(*stream, 1);
  ASSERT_EQ(got.size(), 1U);
  EXPECT_TRUE(IsEvent(got[0], "user.created", user_now(ada)));
}

// usertasks_events_subscribers counts the open streams; usertasks_events_sent_total the events
// written to them. A stream whose client hung up is dropped (at the latest when a heartbeat
// cannot be written).
TEST_P(EventsFeedTest, MetricsCountSubscribersAndEventsSent) {
  restart_with({"--events-heartbeat-s", "1"});
  EXPECT_EQ(metric("usertasks_events_subscribers"), 0);
  EXPECT_EQ(metric("usertasks_events_sent_total"), 0);
  EXPECT_EQ(metric("usertasks_events_slow_consumer_disconnects_total"), 0);
  auto one = subscribe();
  auto two = subscribe("?types=user.created");
  EXPECT_TRUE(wait_until([&] { return metric("usertasks_events_subscribers") == 2; }))
      << metric("usertasks_events_subscribers");
  const std::int64_t ada = id_of(create_user("Ada"));
  create_task(ada);
  create_user("Bob");
  EXPECT_EQ(take(*one, 3).size(), 3U);
  EXPECT_EQ(take(*two, 2).size(), 2U);
  // Written to a subscriber: 3 + 2 (a filtered-out event is not sent).
  EXPECT_TRUE(wait_until([&] { return metric("usertasks_events_sent_total") == 5; }))
      << metric("usertasks_events_sent_total");
  two->close();
  EXPECT_TRUE(wait_until([&] { return metric("usertasks_events_subscribers") == 1; }))
      << metric("usertasks_events_subscribers");
  one->close();
  EXPECT_TRUE(wait_until([&] { return metric("usertasks_events_subscribers") == 0; }))
      << metric("usertasks_events_subscribers");
  EXPECT_EQ(metric("usertasks_events_sent_total"), 5);
  EXPECT_EQ(metric("usertasks_events_slow_consumer_disconnects_total"), 0);
}

// Past --events-max-subscribers: 503 /problems/too-many-subscribers with Retry-After; once a
// stream has gone, a new one is served.
TEST_P(EventsFeedTest, TooManySubscribersIs503) {
  restart_with({"--events-max-subscribers", "2", "--events-heartbeat-s", "1"});
  auto one = subscribe();
  auto two = subscribe();
  const SseClient third(server_->port());
  EXPECT_TRUE(IsProblem(third.response(), 503, "too-many-subscribers"));
  EXPECT_FALSE(third.header("Retry-After").empty()) << third.response().describe();
  one->close();
  EXPECT_TRUE(wait_until([&] { return metric("usertasks_events_subscribers") == 1; }));
  auto again = subscribe();
  const std::int64_t ada = id_of(create_user("Ada"));
  for (SseClient* s : {two.get(), again.get()}) {
    const std::vector<SseMessage> got = take(*s, 1);
    ASSERT_EQ(got.size(), 1U);
    EXPECT_TRUE(IsEvent(got[0], "user.created", user_now(ada)));
  }
}

// --no-change-feed: GET /events is 404 and writes record no event.
TEST_P(EventsFeedTest, WithoutTheFeedThereIsNoRouteAndNoEvent) {
  const std::string url = backend_under_test().fresh_database_url();
  client_.reset();
  server_ = std::make_unique<ServerProcess>(
      ServerConfig{.database_url = url, .extra_args = {"--no-change-feed"}});
  client_ = std::make_unique<Client>(server_->port());
  const SseClient refused(server_->port());
  EXPECT_TRUE(IsProblem(refused.response(), 404, "not-found"));
  const std::int64_t ada = id_of(create_user("Ada"));
  create_task(ada);
  ASSERT_EQ(client_->del(fmt::format("/users/{}", ada)).status, 204U);
  ServiceDatabase db(GetParam(), url);
  EXPECT_EQ(db.integer("SELECT count(*) FROM events"), 0);
}

USERTASKS_INSTANTIATE_FOR_ALL_BACKENDS(EventsFeedTest);

}  // namespace
}  // namespace usertasks::testing
