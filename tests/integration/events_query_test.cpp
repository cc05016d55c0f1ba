// What a subscription asks for: `after=` and `Last-Event-ID` (which wins) to resume, the filters
// `user_id=` and `types=`, their bad values (400, nothing changed, no subscriber), and 410
// /problems/events-expired for an id the database never assigned or whose successors retention
// has purged.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <thread>

#include "events_support.hpp"
#include "idempotency_support.hpp"
#include "metrics_text.hpp"

namespace usertasks::testing {
namespace {

using namespace std::chrono_literals;

class EventsQueryTest : public EventsFixture {
 protected:
  // Three users: their user.created events, read back from the start of the feed.
  std::vector<SseMessage> three_events() {
    for (const char* name : {"Ada", "Bob", "Cy"}) create_user(name);
    auto stream = subscribe(after(0));
    std::vector<SseMessage> got = take(*stream, 3);
    EXPECT_TRUE(Consecutive(got));
    return got;
  }

  SseClient get_events(std::string query, std::optional<std::string> last_event_id = {}) {
    SseOptions options;
    options.query = std::move(query);
    options.last_event_id = std::move(last_event_id);
    return SseClient(server_->port(), options);
  }
};

// The events of `all` that a subscription with user_id=`user` gets: user.* of that user, task.*
// of tasks whose user_id (after the change) is that user; no tag event.
std::vector<std::string> for_user(const std::vector<SseMessage>& all, std::int64_t user) {
  std::vector<std::string> kept;
  for (const SseMessage& e : all) {
    const json::object data = e.object();
    const bool mine = (e.event.starts_with("user.") && id_of(data) == user) ||
                      (e.event.starts_with("task.") && data.at("user_id") == user);
    if (mine) kept.push_back(e.raw);
  }
  return kept;
}

std::vector<std::string> raws(const std::vector<SseMessage>& events) {
  std::vector<std::string> out;
  for (const SseMessage& e : events) out.push_back(e.raw);
  return out;
}

TEST_P(EventsQueryTest, AfterReplaysTheEventsPastItThenGoesLive) {
  const std::vector<SseMessage> first = three_events();
  ASSERT_EQ(first.size(), 3U);
  auto stream = subscribe(after(first[0].number()));
  const std::vector<SseMessage> replayed = take(*stream, 2);
  EXPECT_EQ(raws(replayed), raws({first[1], first[2]}));
  const std::int64_t dan = id_of(create_user("Dan"));
  const std::vector<SseMessage> live = take(*stream, 1);
  ASSERT_EQ(live.size(), 1U);
  EXPECT_TRUE(IsEvent(live[0], "user.created", user_now(dan)));
  EXPECT_EQ(live[0].number(), first[2].number() + 1);
}

// A subscription made once a write has been answered does not get that write's event: its first
// event is the next write's, and its position (the first block's id) is the id before that.
// Raced: each round subscribes at once after the write's answer.
TEST_P(EventsQueryTest, WithoutAfterOnlyLaterEventsCome) {
  const std::vector<SseMessage> first = three_events();
  for (int round = 0; round < 20; ++round) {
    const std::int64_t ada = id_of(create_user("Ada"));
    const std::int64_t task = id_of(create_task(ada));
    auto stream = subscribe();
    const std::int64_t marker = write_marker();
    const std::vector<SseMessage> got = take(*stream, 1);
    ASSERT_EQ(got.size(), 1U);
    ASSERT_TRUE(IsEvent(got[0], "user.created", user_now(marker)))
        << "round " << round << ": an event committed before the subscription (task " << task
        << " was the last)";
    // Its position, in its first block, is the newest id then: the marker's is the next.
    ASSERT_TRUE(stream->first_block().has_value());
    ASSERT_EQ(stream->first_block()->number(), got[0].number() - 1) << "round " << round;
  }
}

TEST_P(EventsQueryTest, LastEventIdWinsOverAfter) {
  const std::vector<SseMessage> first = three_events();
  ASSERT_EQ(first.size(), 3U);
  auto resumed =
      subscribe(after(0), SseOptions().with_last_event_id(std::to_string(first[1].number())));
  EXPECT_EQ(raws(take(*resumed, 1)), raws({first[2]}));
  auto earlier = subscribe(after(first[1].number()),
                           SseOptions().with_last_event_id(std::to_string(first[0].number())));
  EXPECT_EQ(raws(take(*earlier, 2)), raws({first[1], first[2]}));
  auto from_zero = subscribe(after(first[2].number()), SseOptions().with_last_event_id("0"));
  EXPECT_EQ(raws(take(*from_zero, 3)), raws(first));
}

TEST_P(EventsQueryTest, UserIdKeepsTheEventsOfOneUser) {
  const std::int64_t ada = id_of(create_user("Ada"));
  const std::int64_t bob = id_of(create_user("Bob"));
  const std::int64_t bobs = id_of(create_task(bob, "Bob's"));
  const std::int64_t now = position();
  auto everything = subscribe(after(now));
  auto adas = subscribe(after(now) + fmt::format("&user_id={}", ada));

  const std::int64_t mine = id_of(create_task(ada, "Ada's"));
  create_task(bob, "Bob's too");
  ASSERT_EQ(client_->patch(fmt::format("/users/{}", bob), json::object{{"name", "B"}}).status,
            200U);
  ASSERT_EQ(add_tag(mine, "home").status, 204U);  // tag.created: no user
  ASSERT_EQ(client_->patch(task_path(bobs), json::object{{"user_id", ada}}).status, 200U);  // in
  ASSERT_EQ(client_->patch(task_path(mine), json::object{{"user_id", bob}}).status, 200U);  // out
  ASSERT_EQ(client_->del(task_path(bobs)).status, 204U);
  ASSERT_EQ(client_->patch(fmt::format("/users/{}", ada), json::object{{"name", "A"}}).status,
            200U);

  const std::vector<SseMessage> all = take(*everything, 9);
  const std::vector<SseMessage> got = take(*adas, 5);
  // Created, tagged, moved in (moved out is Bob's now), deleted; Ada renamed.
  EXPECT_EQ(types_of(got), (std::vector<std::string>{"task.created", "task.updated", "task.updated",
                                                     "task.deleted", "user.updated"}));
  EXPECT_EQ(raws(got), for_user(all, ada));
  // Nothing more came to Ada's stream: the next event it gets is the next of Ada's.
  create_user("Cy");
  ASSERT_EQ(client_->del(fmt::format("/users/{}", ada)).status, 204U);
  const std::vector<SseMessage> last = take(*adas, 1);
  ASSERT_EQ(last.size(), 1U);
  EXPECT_TRUE(IsEvent(last[0], "user.deleted", deleted(ada)));
}

TEST_P(EventsQueryTest, TypesKeepsTheEventsOfThoseTypes) {
  const std::int64_t ada = id_of(create_user("Ada"));
  auto some = subscribe_now("&types=task.created,user.deleted,tag.updated");
  const std::int64_t task = id_of(create_tagged_task(ada, {"home"}));
  ASSERT_EQ(client_->patch(task_path(task), json::object{{"done", true}}).status, 200U);
  ASSERT_EQ(client_->patch(tag_path(tag_id("home")), json::object{{"name", "house"}}).status, 200U);
  const std::int64_t bob = id_of(create_user("Bob"));
  ASSERT_EQ(client_->del(fmt::format("/users/{}", bob)).status, 204U);
  ASSERT_EQ(client_->del(fmt::format("/users/{}", ada)).status, 204U);
  const std::vector<SseMessage> got = take(*some, 4);
  EXPECT_EQ(types_of(got), (std::vector<std::string>{"task.created", "tag.updated", "user.deleted",
                                                     "user.deleted"}));
  ASSERT_EQ(got.size(), 4U);
  EXPECT_EQ(id_of(got[2].object()), bob);
  // Combined with user_id: both apply.
  const std::int64_t cy = id_of(create_user("Cy"));
  auto both = subscribe_now(fmt::format("&types=task.created&user_id={}", cy));
  create_task(cy, "first");
  const std::int64_t dan = id_of(create_user("Dan"));
  create_task(dan, "not Cy's");
  const std::int64_t last = id_of(create_task(cy, "second"));
  const std::vector<SseMessage> cys = take(*both, 2);
  ASSERT_EQ(cys.size(), 2U);
  EXPECT_TRUE(IsEvent(cys[1], "task.created", task_now(last)));
}

// Bad parameters and headers: 400 naming them; no subscriber, no change, no event.
TEST_P(EventsQueryTest, BadInputIs400AndChangesNothing) {
  const std::vector<SseMessage> first = three_events();
  ASSERT_EQ(first.size(), 3U);
  const std::string before = snapshot();
  const std::vector<std::pair<std::string, std::string>> bad_queries{
      {"?foo=1", "foo"},
      {"?after=-1", "after"},
      {"?after=x", "after"},
      {"?after=", "after"},
      {"?after=1.5", "after"},
      {"?after=99999999999999999999", "after"},
      {"?user_id=0", "user_id"},
      {"?user_id=-3", "user_id"},
      {"?user_id=abc", "user_id"},
      {"?user_id=", "user_id"},
      {"?types=task.exploded", "types"},
      {"?types=task.created,nope", "types"},
      {"?types=Task.Created", "types"},
      {"?after=1&limit=10", "limit"},
      {"?after=1&after=2", "after"},
  };
  for (const auto& [query, parameter] : bad_queries) {
    const SseClient r = get_events(query);
    EXPECT_TRUE(IsProblem(r.response(), 400, "bad-query")) << query;
    EXPECT_TRUE(IsBadQuery(r.response(), parameter)) << query;
  }
  for (const std::string id : {"abc", "-1", "1.5", "0x10", "1e3", "99999999999999999999"}) {
    const SseClient r = get_events("", id);
    EXPECT_TRUE(IsProblem(r.response(), 400, "bad-header")) << "Last-Event-ID: " << id;
    EXPECT_NE(r.response().body.find("Last-Event-I"), std::string::npos)
        << "the problem should name the header\n"
        << r.response().describe();
  }
  EXPECT_EQ(snapshot(), before);
  EXPECT_EQ(scrape(*client_)["usertasks_events_subscribers"], 0);
  auto stream = subscribe(after(first.back().number()));
  expect_run(*stream, {});
}

// An id past the newest the database has assigned: 410, as after=, as Last-Event-ID, and on a
// database that has no event yet. The newest itself is fine.
TEST_P(EventsQueryTest, AnIdNewerThanTheNewestIs410) {
  EXPECT_TRUE(IsProblem(get_events(after(1)).response(), 410, "events-expired")) << "no event yet";
  {
    auto empty = subscribe(after(0));
    expect_run(*empty, {});  // the marker: the first event
  }
  create_user("Ada");
  const std::vector<SseMessage> all = subscribe(after(0))->events(2, 10s);
  ASSERT_EQ(all.size(), 2U);
  const std::int64_t last = all.back().number();
  EXPECT_TRUE(IsProblem(get_events(after(last + 1)).response(), 410, "events-expired"));
  EXPECT_TRUE(IsProblem(get_events(after(last + 1000)).response(), 410, "events-expired"));
  EXPECT_TRUE(
      IsProblem(get_events("", std::to_string(last + 1)).response(), 410, "events-expired"));
  auto at_newest = subscribe(after(last));
  expect_run(*at_newest, {});
}

// With --events-retention-s 1, events are purged after about a second: resuming from before them
// is 410; the ids go on where they were, and a subscriber at the newest gets what comes next.
TEST_P(EventsQueryTest, AnIdWhoseSuccessorsWerePurgedIs410) {
  server_ = start_server({"--events-retention-s", "1"});
  client_ = std::make_unique<Client>(server_->port());
  const std::vector<SseMessage> first = three_events();
  ASSERT_EQ(first.size(), 3U);
  std::this_thread::sleep_for(3s);
  // The purge runs at least every second; give it some slack before calling it missing.
  const bool purged = wait_until(
      [&] {
        if (get_events(after(0)).status() == 410) return true;
        std::this_thread::sleep_for(200ms);
        return false;
      },
      10s);
  ASSERT_TRUE(purged) << "events made 3 s ago with a retention of 1 s are still served";
  const SseClient from_zero = get_events(after(0));
  EXPECT_TRUE(IsProblem(from_zero.response(), 410, "events-expired"));
  EXPECT_TRUE(IsProblem(get_events(after(first[0].number())).response(), 410, "events-expired"));
  EXPECT_TRUE(IsProblem(get_events("", std::to_string(first[1].number())).response(), 410,
                        "events-expired"));

  auto live = subscribe();  // 3 s after the last write
  const std::int64_t dan = id_of(create_user("Dan"));
  const std::vector<SseMessage> next = take(*live, 1);
  ASSERT_EQ(next.size(), 1U);
  EXPECT_TRUE(IsEvent(next[0], "user.created", user_now(dan)));
  EXPECT_EQ(next[0].number(), first.back().number() + 1) << "ids go on after a purge";
  auto at_newest = subscribe(after(next[0].number()));
  expect_run(*at_newest, {});
}

USERTASKS_INSTANTIATE_FOR_ALL_BACKENDS(EventsQueryTest);

}  // namespace
}  // namespace usertasks::testing
