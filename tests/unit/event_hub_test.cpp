// The change feed's pieces that need no server: event types, the SSE block, filters, and what a
// subscriber's queue does when it overflows.

#include "resources/event_hub.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

namespace usertasks::resources {
namespace {

using repository::EventType;

FeedEvent event(std::int64_t id, EventType type, std::optional<std::int64_t> user) {
  return FeedEvent{id, type, user, fmt::format("id: {}\n\n", id)};
}

FeedBatch batch(std::int64_t first, std::size_t n, EventType type = EventType::task_created,
                std::optional<std::int64_t> user = 1) {
  auto events = std::make_shared<std::vector<FeedEvent>>();
  for (std::size_t i = 0; i < n; ++i) {
    events->push_back(event(first + static_cast<std::int64_t>(i), type, user));
  }
  return events;
}

TEST(EventTypes, NamesParseBackAndNothingElseParses) {
  for (std::size_t i = 0; i < repository::event_type_count; ++i) {
    const auto type = static_cast<EventType>(i);
    EXPECT_EQ(repository::parse_event_type(repository::event_type_name(type)), type);
  }
  EXPECT_EQ(repository::event_type_name(EventType::tag_deleted), "tag.deleted");
  EXPECT_FALSE(repository::parse_event_type("task"));
  EXPECT_FALSE(repository::parse_event_type("Task.Created"));
  EXPECT_FALSE(repository::parse_event_type(""));
}

TEST(EventTypes, AnEventIsOneSseBlockWithOneDataLine) {
  const repository::Event e{42, EventType::task_updated, 3, R"({"id":7,"content":"a\nb"})"};
  EXPECT_EQ(render_event(e),
            "id: 42\nevent: task.updated\ndata: {\"id\":7,\"content\":\"a\\nb\"}\n\n");
}

TEST(FeedFilters, UserAndTypes) {
  FeedFilter all;
  EXPECT_TRUE(all.takes(event(1, EventType::tag_created, std::nullopt)));
  FeedFilter of_user{.user_id = 3, .types = {}};
  EXPECT_TRUE(of_user.takes(event(1, EventType::task_created, 3)));
  EXPECT_FALSE(of_user.takes(event(1, EventType::task_created, 4)));
  EXPECT_FALSE(of_user.takes(event(1, EventType::tag_created, std::nullopt)));
  FeedFilter types;
  types.types.set(static_cast<std::size_t>(EventType::user_deleted));
  EXPECT_TRUE(types.takes(event(1, EventType::user_deleted, 9)));
  EXPECT_FALSE(types.takes(event(1, EventType::user_updated, 9)));
}

TEST(Subscribers, QueueWhatTheirFilterTakes) {
  boost::asio::io_context io;
  Subscriber s(io.get_executor(), FeedFilter{.user_id = 2, .types = {}}, 10);
  s.offer(batch(1, 3, EventType::task_created, 1));
  EXPECT_TRUE(s.queue.empty());
  EXPECT_TRUE(s.held.empty()) << "a batch it takes nothing from is not held";
  s.offer(batch(4, 3, EventType::task_created, 2));
  ASSERT_EQ(s.queue.size(), 3U);
  EXPECT_EQ(s.queue.front()->id, 4);
}

TEST(Subscribers, OverflowingLiveIsSlowAndCatchingUpDropsAndRemembers) {
  boost::asio::io_context io;
  Subscriber live(io.get_executor(), FeedFilter{}, 10);
  live.live = true;
  live.offer(batch(1, 8));
  EXPECT_FALSE(live.slow);
  live.offer(batch(9, 3));
  EXPECT_TRUE(live.slow);
  EXPECT_TRUE(live.queue.empty());
  live.offer(batch(12, 1));
  EXPECT_TRUE(live.queue.empty()) << "a slow subscriber takes nothing more";

  Subscriber keeping_up(io.get_executor(), FeedFilter{}, 10);
  keeping_up.live = true;
  keeping_up.offer(batch(1, 25));
  EXPECT_FALSE(keeping_up.slow) << "one commit's batch, whatever its size, into an empty queue";
  EXPECT_EQ(keeping_up.queue.size(), 25U);

  Subscriber catching_up(io.get_executor(), FeedFilter{}, 10);
  catching_up.offer(batch(1, 11));
  EXPECT_FALSE(catching_up.slow);
  EXPECT_TRUE(catching_up.queue.empty());
  EXPECT_EQ(catching_up.dropped_through, 11);
  catching_up.offer(batch(12, 2));
  EXPECT_EQ(catching_up.queue.size(), 2U);
}

}  // namespace
}  // namespace usertasks::resources
