#include "resources/event_hub.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/execution/context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/query.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "base/time.hpp"
#include "http/metrics.hpp"

namespace usertasks::resources {

namespace asio = boost::asio;
using asio::awaitable;

namespace {

constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);
// The reader reads this many events at a time; a subscriber catching up, as many.
constexpr std::int64_t read_batch = 1000;
// Without a wake-up (another process wrote the SQLite file; a notification was lost while the
// listening connection was down), the reader still looks this often.
constexpr std::chrono::milliseconds poll_interval{1000};
constexpr std::chrono::milliseconds retry_pause{1000};
constexpr std::int64_t purge_batch = 1000;

asio::execution_context* context_of(const asio::any_io_executor& ex) {
  return &asio::query(ex, asio::execution::context);
}

}  // namespace

// An io thread's subscribers, touched only on that thread.
struct EventHub::Shard {
  explicit Shard(asio::any_io_executor ex) : executor(std::move(ex)) {}
  asio::any_io_executor executor;
  std::int64_t delivered = -1;  // the last id offered here; -1 until the hub has read the head
  std::vector<Subscriber*> subscribers;
};

bool FeedFilter::takes(const FeedEvent& e) const {
  if (user_id && e.user_id != user_id) return false;
  return types.none() || types.test(static_cast<std::size_t>(e.type));
}

void Subscriber::offer(const FeedBatch& batch) {
  if (slow) return;
  const std::size_t before = queue.size();
  for (const FeedEvent& e : *batch) {
    if (filter.takes(e)) queue.push_back(&e);
  }
  if (queue.size() == before) return;
  // A live subscriber whose queue was empty keeps up, whatever one commit's batch holds (a user
  // deleted with thousands of tasks): it is slow when it has not taken the previous batch yet.
  if (queue.size() > limit_ && (!live || before > 0)) {
    // Live, it cannot keep up: it goes, and resumes from its last id. Catching up, it reads the
    // outbox until it has passed what it drops here.
    queue.clear();
    held.clear();
    if (live) {
      slow = true;
      if (on_slow) on_slow();
    }
    dropped_through = batch->back().id;
  } else {
    held.push_back(batch);
  }
  wake();
}

std::string render_event(const repository::Event& e) {
  return fmt::format("id: {}\nevent: {}\ndata: {}\n\n", e.id, repository::event_type_name(e.type),
                     e.data);
}

EventHub::EventHub(store::Database& db, FeedOptions options) : db_(db), options_(options) {}

// stop() has run when the server began to stop (app.cpp); after that the io threads are gone, and
// nothing may be posted to them.
EventHub::~EventHub() = default;

void EventHub::start(std::vector<asio::any_io_executor> io, store::Database* notifications) {
  for (auto& ex : io) shards_.push_back(std::make_unique<Shard>(ex));
  const asio::any_io_executor home = io.front();
  home_ = home;
  if (notifications != nullptr) {
    listening_ =
        notifications->listen(std::string(repository::event_channel), home, [this] { wake(); });
  }
  asio::co_spawn(home, run(), asio::detached);
}

void EventHub::prime(std::int64_t head) {
  published_ = head;
  for (auto& shard : shards_) shard->delivered = head;
}

void EventHub::stop() {
  if (stopped_.exchange(true)) return;
  listening_.reset();
  if (home_) {
    asio::post(home_, [this] {
      if (timer_ != nullptr) timer_->cancel();
    });
  }
}

void EventHub::wake() {
  if (wake_pending_.exchange(true) || !home_) return;
  asio::post(home_, [this] {
    if (timer_ != nullptr) timer_->cancel();
  });
}

EventHub::Shard* EventHub::shard_of(const asio::any_io_executor& ex) {
  const auto* context = context_of(ex);
  for (auto& shard : shards_) {
    if (context_of(shard->executor) == context) return shard.get();
  }
  return nullptr;
}

std::optional<std::int64_t> EventHub::subscribe(Subscriber& s, const asio::any_io_executor& ex) {
  Shard* shard = shard_of(ex);
  if (shard == nullptr || shard->delivered < 0) return std::nullopt;
  shard->subscribers.push_back(&s);
  ++subscribers_;
  return shard->delivered;
}

void EventHub::unsubscribe(Subscriber& s, const asio::any_io_executor& ex) {
  Shard* shard = shard_of(ex);
  if (shard == nullptr) return;
  auto& list = shard->subscribers;
  const auto it = std::find(list.begin(), list.end(), &s);
  if (it == list.end()) return;
  *it = list.back();
  list.pop_back();
  --subscribers_;
}

awaitable<std::vector<FeedEvent>> EventHub::read(std::int64_t after, std::int64_t limit) {
  std::vector<repository::Event> rows;
  co_await db_.run(store::Access::read, [&](store::Connection& c) -> awaitable<void> {
    rows = co_await repository::read_events(c, after, limit);
  });
  std::vector<FeedEvent> events;
  events.reserve(rows.size());
  for (const repository::Event& e : rows) {
    events.push_back(FeedEvent{e.id, e.type, e.user_id, render_event(e)});
  }
  co_return events;
}

awaitable<repository::EventBounds> EventHub::bounds() {
  repository::EventBounds result;
  co_await db_.run(store::Access::read, [&](store::Connection& c) -> awaitable<void> {
    result = co_await repository::event_bounds(c);
  });
  co_return result;
}

// Reads what the outbox has past the last id published, and offers it to every io thread.
awaitable<void> EventHub::publish_new() {
  for (;;) {
    auto events = std::make_shared<std::vector<FeedEvent>>(co_await read(published_, read_batch));
    if (events->empty()) co_return;
    const bool full = static_cast<std::int64_t>(events->size()) == read_batch;
    published_ = events->back().id;
    FeedBatch batch = std::move(events);
    for (auto& shard : shards_) {
      asio::post(shard->executor, [s = shard.get(), batch] {
        for (Subscriber* sub : s->subscribers) sub->offer(batch);
        s->delivered = batch->back().id;
      });
    }
    if (!full) co_return;
  }
}

awaitable<void> EventHub::purge_if_due() {
  const auto now = std::chrono::steady_clock::now();
  if (now < next_purge_) co_return;
  const auto interval = std::clamp<std::chrono::seconds>(
      options_.retention / 2, std::chrono::seconds(1), std::chrono::seconds(60));
  next_purge_ = now + interval;
  const auto utc =
      std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  const std::string cutoff = base::format_utc(utc - options_.retention);
  bool due = false;
  co_await db_.run(store::Access::read, [&](store::Connection& c) -> awaitable<void> {
    due = co_await repository::events_expired(c, cutoff);
  });
  if (!due) co_return;
  std::size_t deleted = 0;
  do {
    co_await db_.run(store::Access::write, [&](store::Connection& c) -> awaitable<void> {
      deleted = co_await repository::purge_events(c, cutoff, purge_batch);
    });
  } while (deleted > 0 && !stopped_.load());
}

awaitable<void> EventHub::run() {
  asio::steady_timer timer(home_);
  timer_ = &timer;
  struct Forget {
    asio::steady_timer*& timer;
    ~Forget() { timer = nullptr; }
  } forget{timer_};
  std::uint64_t failures = 0;
  while (!stopped_.load()) {
    try {
      if (shards_.front()->delivered < 0) {
        // The head first: a subscriber without a position starts there.
        published_ = (co_await bounds()).newest;
        for (auto& shard : shards_) {
          asio::post(shard->executor,
                     [s = shard.get(), head = published_] { s->delivered = head; });
        }
      }
      wake_pending_ = false;
      co_await publish_new();
      co_await purge_if_due();
      failures = 0;
      if (wake_pending_.load()) continue;
      timer_->expires_after(poll_interval);
    } catch (const std::exception& e) {
      if (failures++ == 0) spdlog::warn("change feed: cannot read the outbox: {}", e.what());
      timer_->expires_after(retry_pause);
    }
    co_await timer_->async_wait(nothrow);
  }
}

std::string EventHub::render_metrics() const {
  std::string out;
  http::append_metric_header(out, "usertasks_events_subscribers", "gauge",
                             "Change feed streams open (GET /events).");
  out += fmt::format("usertasks_events_subscribers {}\n", subscribers_.load());
  http::append_metric_header(out, "usertasks_events_sent_total", "counter",
                             "Events written to change feed streams.");
  out += fmt::format("usertasks_events_sent_total {}\n", sent_.load());
  http::append_metric_header(out, "usertasks_events_slow_consumer_disconnects_total", "counter",
                             "Streams ended because their subscriber could not keep up.");
  out += fmt::format("usertasks_events_slow_consumer_disconnects_total {}\n", slow_.load());
  return out;
}

}  // namespace usertasks::resources
