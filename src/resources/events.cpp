// GET /events: the subscription (its query, Last-Event-ID, 410) and the stream that follows.

#include "resources/events.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "base/integer.hpp"
#include "http/query.hpp"
#include "http/request.hpp"
#include "resources/resource.hpp"

namespace usertasks::resources {

namespace asio = boost::asio;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
constexpr std::string_view retry_advice = "retry: 2000\n";
constexpr std::string_view heartbeat = ": keep-alive\n\n";
constexpr std::int64_t catch_up_batch = 1000;

// A subscriber registered with the hub from the request on, until its stream is done with it.
struct Subscription {
  Subscription(EventHub& h, asio::any_io_executor ex, FeedFilter filter)
      : hub(h),
        executor(std::move(ex)),
        subscriber(executor, std::move(filter), h.options().buffer) {}
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;
  ~Subscription() {
    if (registered) hub.unsubscribe(subscriber, executor);
  }
  EventHub& hub;
  asio::any_io_executor executor;
  Subscriber subscriber;
  bool registered = false;
  std::int64_t live_from = 0;  // the queue receives every event after this id
};

// The 0 or positive integer of an event id; nullopt for anything else.
std::optional<std::int64_t> parse_event_id(std::string_view text) {
  if (text == "0") return 0;
  return base::parse_positive_id(text);
}

// The events of `events` that the subscriber takes, past `cursor`, as one write; moves the cursor
// past every event given.
std::string take(const FeedFilter& filter, const std::vector<FeedEvent>& events,
                 std::int64_t& cursor, std::size_t& count) {
  std::string text;
  for (const FeedEvent& e : events) {
    if (e.id <= cursor) continue;
    cursor = e.id;
    if (!filter.takes(e)) continue;
    text += e.text;
    ++count;
  }
  return text;
}

// From the outbox, the events after `cursor` up to what the queue holds from.
asio::awaitable<bool> catch_up(Subscription& sub, http::Stream& out, std::int64_t& cursor) {
  Subscriber& s = sub.subscriber;
  for (;;) {
    const std::int64_t target = std::max(sub.live_from, s.dropped_through);
    if (cursor >= target || out.ending()) break;
    const std::vector<FeedEvent> events = co_await sub.hub.read(cursor, catch_up_batch);
    if (events.empty()) break;  // purged meanwhile: nothing more to read
    std::size_t count = 0;
    const std::string text = take(s.filter, events, cursor, count);
    if (!text.empty() && !co_await out.write(text)) co_return false;
    sub.hub.sent(count);
  }
  s.live = true;
  co_return true;
}

// Counts a stream that ended because its client was too slow, and forgets the stream.
struct EndOfStream {
  Subscription& sub;
  ~EndOfStream() {
    sub.subscriber.on_slow = nullptr;
    if (sub.subscriber.slow) sub.hub.disconnected_slow();
  }
};

asio::awaitable<void> follow(Subscription& sub, http::Stream& out, std::int64_t cursor) {
  Subscriber& s = sub.subscriber;
  const EndOfStream end{sub};
  out.on_ending([&s] { s.wake(); });
  s.on_slow = [&out] { out.abort(); };
  // The position, at once: a client that reconnects before its first event resumes from here
  // (an id without data sets EventSource's last event id and dispatches nothing).
  if (!co_await out.write(fmt::format("{}id: {}\n\n", retry_advice, cursor))) co_return;
  if (!co_await catch_up(sub, out, cursor)) co_return;
  const auto heartbeat_every = sub.hub.options().heartbeat;
  for (;;) {
    if (out.ending()) co_return;  // what is queued, the client reads when it resumes
    if (s.slow) co_return;        // dropped by on_slow
    if (!s.queue.empty()) {
      std::string text;
      std::size_t count = 0;
      for (const FeedEvent* e : s.queue) {
        if (e->id <= cursor) continue;
        cursor = e->id;
        text += e->text;
        ++count;
      }
      s.queue.clear();
      s.held.clear();
      if (!text.empty() && !co_await out.write(text)) co_return;
      sub.hub.sent(count);
      continue;
    }
    s.timer.expires_after(heartbeat_every);
    auto [ec] = co_await s.timer.async_wait(nothrow);
    if (!ec && !co_await out.write(heartbeat)) co_return;
  }
}

// The filter of the query, or the 400 to answer.
std::variant<FeedFilter, http::Response> read_filter(const http::Query& query,
                                                     std::optional<std::int64_t>& after) {
  FeedFilter filter;
  const auto bad = [](std::string_view name, std::string_view message) {
    return bad_query(http::QueryProblem{std::string(name), std::string(message)});
  };
  for (const http::QueryParam& p : query) {
    if (p.name == "after") {
      after = parse_event_id(p.value);
      if (!after) return bad("after", "must be an event id: 0 or a positive integer");
    } else if (p.name == "user_id") {
      filter.user_id = base::parse_positive_id(p.value);
      if (!filter.user_id) return bad("user_id", "must be a positive integer");
    } else if (p.name == "types") {
      for (std::size_t at = 0; at <= p.value.size();) {
        const std::size_t end = std::min(p.value.find(',', at), p.value.size());
        const auto type =
            repository::parse_event_type(std::string_view(p.value).substr(at, end - at));
        if (!type) {
          return bad("types",
                     "must be event types separated by commas, such as "
                     "task.created,task.updated");
        }
        filter.types.set(static_cast<std::size_t>(*type));
        at = end + 1;
      }
    }
  }
  return filter;
}

http::Response expired(std::int64_t after) {
  return http::problem(
      http::Status::gone, "events-expired",
      fmt::format("the events after {} are no longer kept (or that id was never given); reload "
                  "the data and subscribe without it",
                  after));
}

asio::awaitable<http::Response> subscribe(EventHub* hub, http::Request& req,
                                          http::StreamBody& body) {
  if (hub == nullptr || !hub->options().enabled) {
    co_return http::problem(http::Status::not_found, "not-found",
                            "the change feed is off on this server (serve --no-change-feed)");
  }
  const auto parsed = http::parse_query(http::split_target(req.target()).query);
  if (!parsed) {
    co_return http::problem(http::Status::bad_request, "bad-query",
                            "the query string is malformed");
  }
  const std::vector<std::string> names{"after", "user_id", "types"};
  if (auto problem = http::check_names(*parsed, names, {})) co_return bad_query(*problem);
  std::optional<std::int64_t> after;
  auto filter = read_filter(*parsed, after);
  if (auto* problem = std::get_if<http::Response>(&filter)) co_return std::move(*problem);
  if (const auto last = req["Last-Event-ID"]; !last.empty()) {
    after = parse_event_id(last);
    if (!after)
      co_return http::bad_header("Last-Event-ID", "must be an event id: 0 or a positive integer");
  }
  const auto unavailable = [](std::string_view type, std::string_view detail) {
    http::Response res = http::problem(http::Status::service_unavailable, type, detail);
    res.set(http::Field::retry_after, "1");
    return res;
  };
  if (hub->subscribers() >= hub->options().max_subscribers) {
    co_return unavailable("too-many-subscribers",
                          "the server is serving its limit of change feed streams");
  }
  // The newest id tells where a stream without a position starts: at the newest event committed,
  // whatever the reader has read yet. With a position, whether it is still kept.
  {
    std::optional<repository::EventBounds> bounds;
    try {
      bounds = co_await hub->bounds();
    } catch (const store::Unavailable& e) {
      spdlog::warn("database unavailable: {}", e.what());
    }
    if (!bounds) co_return unavailable("unavailable", "the database cannot be reached");
    if (!after) {
      after = bounds->newest;
    } else {
      const bool kept = !bounds->oldest ? *after == bounds->newest : *bounds->oldest <= *after + 1;
      if (*after > bounds->newest || (*after < bounds->newest && !kept)) co_return expired(*after);
    }
  }
  const auto executor = co_await asio::this_coro::executor;
  auto sub =
      std::make_shared<Subscription>(*hub, executor, std::get<FeedFilter>(std::move(filter)));
  const auto live_from = hub->subscribe(sub->subscriber, executor);
  if (!live_from) co_return unavailable("unavailable", "the change feed is starting");
  sub->registered = true;
  sub->live_from = *live_from;
  body = [sub, cursor = after.value_or(*live_from)](http::Stream& out) -> asio::awaitable<void> {
    try {
      co_await follow(*sub, out, cursor);
    } catch (const store::Unavailable& e) {
      spdlog::warn("change feed stream ended: database unavailable: {}", e.what());
    }
  };
  http::Response res{http::Status::ok, 11};
  res.set(http::Field::content_type, "text/event-stream");
  res.set(http::Field::cache_control, "no-store");
  res.set("X-Accel-Buffering", "no");  // a proxy in front must not hold the events back
  co_return res;
}

}  // namespace

void add_event_routes(http::Router& router, EventHub* hub) {
  http::Route route{
      .method = http::Verb::get,
      .path = "/events",
      .name = "events.stream",
      .summary = "The change feed: every committed change, as Server-Sent Events",
      .query = {{"after", "Resume after this event id (Last-Event-ID, when sent, wins)",
                 boost::json::object{{"type", "integer"}, {"minimum", 0}}},
                {"user_id", "Only the events of this user and of its tasks",
                 boost::json::object{{"type", "integer"}, {"minimum", 1}}},
                {"types",
                 "Only these event types, separated by commas (user.created, user.updated, "
                 "user.deleted, task.created, task.updated, task.deleted, tag.created, "
                 "tag.updated, tag.deleted)",
                 boost::json::object{{"type", "string"}}}},
      .description =
          "A text/event-stream (WHATWG Server-sent events) that stays open. Each committed "
          "change is one event: `id` (strictly increasing in commit order, no "
          "gaps), `event` (user.created, user.updated, user.deleted, task.created, task.updated, "
          "task.deleted, tag.created, tag.updated, tag.deleted) and `data` (the record as GET "
          "renders it, without embeds; a deletion's id, and a task's user_id). Reconnect with "
          "Last-Event-ID (EventSource does it by itself) or after= to receive every event after "
          "that id, then the live ones, without a gap or a duplicate; 410 when they are no "
          "longer kept. The first block gives `retry:` and the stream's position as an `id:`; a "
          "`: keep-alive` comment comes when nothing else does, and a client that does not keep up "
          "is disconnected (it resumes and loses "
          "nothing).",
      .headers = {{"Last-Event-ID",
                   "Resume after this event id (what EventSource sends when it reconnects); wins "
                   "over after=",
                   boost::json::object{{"type", "string"}, {"pattern", "^[0-9]+$"}}}},
      .response = {"EventStream"},
      .response_type = "text/event-stream",
      .problems = {http::Status::bad_request, http::Status::not_found, http::Status::gone,
                   http::Status::service_unavailable}};
  route.stream = [hub](http::Request& req, const http::PathParams&,
                       http::StreamBody& body) -> asio::awaitable<http::Response> {
    co_return co_await subscribe(hub, req, body);
  };
  route.handler = [](http::Request&, const http::PathParams&) -> asio::awaitable<http::Response> {
    co_return http::empty_response(http::Status::not_found);  // never: the stream answers
  };
  router.add(std::move(route));
}

}  // namespace usertasks::resources
