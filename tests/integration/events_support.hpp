#pragma once
// What the change feed's suites share: opening GET /events with the checks every stream must pass,
// the records as GET renders them now (minus embeds: what an event carries), and the check of a
// run of events against what was expected of it.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "metrics_text.hpp"
#include "sse_client.hpp"
#include "tags_support.hpp"

namespace usertasks::testing {

// The position a subscription asks for: Last-Event-ID, else after=; nullopt without either.
inline std::optional<std::int64_t> position_asked(const SseOptions& options) {
  if (options.last_event_id) return std::stoll(*options.last_event_id);
  static const std::regex after_parameter(R"((?:^\?|&)after=(\d+))");
  std::smatch m;
  if (std::regex_search(options.query, m, after_parameter)) return std::stoll(m[1].str());
  return std::nullopt;
}

// A stream's first block: `retry: 2000` and `id: N`, its position (`expected` when given), no
// data: it dispatches no event, but is the id an EventSource reconnecting before the first
// event sends back.
inline ::testing::AssertionResult IsPositionBlock(const SseMessage& block,
                                                  std::optional<std::int64_t> expected) {
  if (block.raw != fmt::format("retry: 2000\nid: {}\n\n", block.id) || block.number() < 0) {
    return ::testing::AssertionFailure() << "the first block is not retry: 2000 and an id:\n"
                                         << block.describe();
  }
  if (expected && block.number() != *expected) {
    return ::testing::AssertionFailure() << "the first block gives the position " << block.id
                                         << ", the subscription asked for " << *expected;
  }
  return ::testing::AssertionSuccess();
}

// GET /events on `port`, checked: 200, text/event-stream, no-store, a chunked body whose first
// block is `retry: 2000` with the stream's position. Once it returns, the subscription is in
// place.
//
// A server that has just started may answer 503 /problems/unavailable while its feed starts:
// that is retried here (for up to 10 s), so that each test checks its own rule; the rule that
// the feed serves as soon as the server does is TheFeedIsServedAsSoonAsTheServerIs's.
inline std::unique_ptr<SseClient> open_stream(unsigned short port, SseOptions options = {}) {
  auto stream = std::make_unique<SseClient>(port, options);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (stream->status() == 503 &&
         stream->response().body.find("/problems/unavailable") != std::string::npos &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    stream = std::make_unique<SseClient>(port, options);
  }
  EXPECT_EQ(stream->status(), 200U) << stream->response().describe();
  if (stream->status() != 200) return stream;
  EXPECT_EQ(stream->header("Content-Type"), "text/event-stream");
  EXPECT_EQ(stream->header("Cache-Control"), "no-store");
  EXPECT_TRUE(stream->chunked()) << stream->response().describe();
  const std::optional<SseMessage> first = stream->next(std::chrono::seconds(10));
  EXPECT_TRUE(first.has_value()) << "no first block";
  if (first) {
    EXPECT_TRUE(IsPositionBlock(*first, position_asked(options)));
  }
  return stream;
}

// The query of GET /events for `after`.
inline std::string after(std::int64_t id) {
  return fmt::format("?after={}", id);
}

// An event of `type` whose data is `data` (serialized alike: same keys, order and values).
inline ::testing::AssertionResult IsEvent(const SseMessage& e, std::string_view type,
                                          const json::object& data) {
  if (e.event != type) {
    return ::testing::AssertionFailure() << "a " << e.event << ", expected " << type << ":\n"
                                         << e.describe();
  }
  if (e.number() <= 0) {
    return ::testing::AssertionFailure() << "no positive id:\n" << e.describe();
  }
  if (e.data_lines != 1) {
    return ::testing::AssertionFailure() << e.data_lines << " data lines, expected one:\n"
                                         << e.describe();
  }
  const std::string expected = to_text(data);
  if (to_text(e.json()) != expected) {
    return ::testing::AssertionFailure() << "data " << e.data << "\nexpected " << expected;
  }
  return ::testing::AssertionSuccess();
}

// Ids strictly increasing by one from the first to the last.
inline ::testing::AssertionResult Consecutive(const std::vector<SseMessage>& events) {
  for (std::size_t i = 1; i < events.size(); ++i) {
    if (events[i].number() != events[i - 1].number() + 1) {
      return ::testing::AssertionFailure()
             << "id " << events[i].number() << " follows " << events[i - 1].number() << " (event "
             << i << ": " << events[i].event << ")";
    }
  }
  return ::testing::AssertionSuccess();
}

struct ExpectedEvent {
  std::string type;
  json::object data;
};

class EventsFixture : public TagsFixture {
 protected:
  // Restarts this test's server, on a new database, with `args`.
  void restart_with(std::vector<std::string> args) {
    client_.reset();
    server_ = start_server(std::move(args));
    client_ = std::make_unique<Client>(server_->port());
  }
  double metric(const std::string& series) { return scrape(*client_)[series]; }

  std::unique_ptr<SseClient> subscribe(std::string query = "", SseOptions options = {}) {
    options.query = std::move(query);
    return open_stream(server_->port(), std::move(options));
  }

  // The newest event id, found through a write of its own ("position"): its event is read from
  // the start of the feed.
  std::int64_t position() {
    const std::int64_t user = id_of(create_user("position"));
    auto from_start = subscribe(after(0));
    while (std::optional<SseMessage> e = from_start->next_event(std::chrono::seconds(10))) {
      if (e->event == "user.created" && id_of(e->object()) == user) return e->number();
    }
    ADD_FAILURE() << "the position's event never came";
    return 0;
  }
  // A stream that starts after every event committed so far: after=position() with `filters`
  // ("&user_id=3"). A subscription without after= should start there by itself; the query tests
  // check that rule on its own (WithoutAfterOnlyLaterEventsCome), the others start here.
  std::unique_ptr<SseClient> subscribe_now(const std::string& filters = "") {
    return subscribe(after(position()) + filters);
  }

  // The records as GET renders them now, without what GET embeds.
  json::object task_now(std::int64_t id) { return without(task_path(id), "user"); }
  json::object user_now(std::int64_t id) { return without(fmt::format("/users/{}", id), "tasks"); }
  json::object tag_now(std::int64_t id) { return without(tag_path(id), "task_count"); }
  static json::object deleted_task(std::int64_t id, std::int64_t user) {
    return json::object{{"id", id}, {"user_id", user}};
  }
  static json::object deleted(std::int64_t id) { return json::object{{"id", id}}; }

  // `n` events from `stream`; a test failure when fewer come within 10 s.
  static std::vector<SseMessage> take(SseClient& stream, std::size_t n) {
    std::vector<SseMessage> got = stream.events(n, std::chrono::seconds(10));
    EXPECT_EQ(got.size(), n) << "events expected, not received (end: "
                             << static_cast<int>(stream.end()) << ")";
    return got;
  }

  // A write whose one event ends a run: a new user named "marker".
  std::int64_t write_marker() { return id_of(create_user("marker")); }

  // The next events of `stream` are `expected`, in order and with consecutive ids, followed by
  // the marker's user.created: no event more came between them. Returns the events read.
  std::vector<SseMessage> expect_run(SseClient& stream,
                                     const std::vector<ExpectedEvent>& expected) {
    const std::int64_t marker = write_marker();
    std::vector<SseMessage> got = take(stream, expected.size() + 1);
    for (std::size_t i = 0; i < got.size() && i < expected.size(); ++i) {
      EXPECT_TRUE(IsEvent(got[i], expected[i].type, expected[i].data)) << "event " << i;
    }
    if (got.size() == expected.size() + 1) {
      EXPECT_TRUE(IsEvent(got.back(), "user.created", user_now(marker)))
          << "an event more than expected, or the marker's missing";
    }
    EXPECT_TRUE(Consecutive(got));
    if (!got.empty()) got.pop_back();
    return got;
  }

 private:
  json::object without(const std::string& target, std::string_view embed) {
    json::value got = get_json(target);
    if (!got.is_object()) return {};
    json::object record = std::move(got.get_object());
    EXPECT_TRUE(record.erase(embed) == 1) << target << " did not embed " << embed;
    return record;
  }
};

}  // namespace usertasks::testing
