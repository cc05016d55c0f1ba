#pragma once
// The change feed's fan-out (docs/design.md, "The change feed"): one reader per instance follows
// the outbox in id order, woken by local commits and by PostgreSQL notifications, and hands each
// batch to every io thread, where the subscribers of that thread queue what their filters take.

#include <atomic>
#include <bitset>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "repository/events.hpp"
#include "store/database.hpp"

namespace usertasks::resources {

struct FeedOptions {
  bool enabled = true;  // false: serve --no-change-feed
  std::chrono::seconds heartbeat{15};
  std::chrono::seconds retention{7 * 24 * 3600};
  std::size_t buffer = 1024;  // events queued per subscriber
  std::size_t max_subscribers = 8000;
};

// An event as the stream sends it: its SSE block, rendered once for every subscriber.
struct FeedEvent {
  std::int64_t id = 0;
  repository::EventType type{};
  std::optional<std::int64_t> user_id;
  std::string text;
};
using FeedBatch = std::shared_ptr<const std::vector<FeedEvent>>;

// What a subscriber takes: all events, or those of one user, of some types.
struct FeedFilter {
  std::optional<std::int64_t> user_id;
  std::bitset<repository::event_type_count> types;  // none set: every type
  [[nodiscard]] bool takes(const FeedEvent& e) const;
};

// One stream's queue, on its io thread. The hub's batches are offered to it there.
class Subscriber {
 public:
  Subscriber(const boost::asio::any_io_executor& executor, FeedFilter taking, std::size_t limit)
      : filter(std::move(taking)), timer(executor), limit_(limit) {}
  void offer(const FeedBatch& batch);
  void wake() { timer.cancel(); }

  FeedFilter filter;
  boost::asio::steady_timer timer;  // waited on between batches; cancelled to wake
  std::vector<const FeedEvent*> queue;
  std::vector<FeedBatch> held;  // the batches `queue` points into
  bool live = false;            // caught up: an overflow now means too slow
  bool slow = false;
  std::int64_t dropped_through = 0;  // catching up, the queue overflowed: it dropped up to here
  // Called when it turns slow: its stream is dropped at once, even in the middle of a write that
  // the client does not take.
  std::function<void()> on_slow;

 private:
  std::size_t limit_;
};

class EventHub {
 public:
  EventHub(store::Database& db, FeedOptions options);
  EventHub(const EventHub&) = delete;
  EventHub& operator=(const EventHub&) = delete;
  ~EventHub();

  // Starts the reader on `io.front()`; `io` are the server's io threads, one shard each. The
  // reader listens on `notifications` when it gives them (PostgreSQL).
  void start(std::vector<boost::asio::any_io_executor> io, store::Database* notifications);
  // Ends the reader and the listening; before the io threads end (http::Server::on_stop).
  void stop();
  // Sets the head the reader starts from, before the io threads run: so that the feed serves from
  // the first request on. Without it the reader reads the head itself (the database was down).
  void prime(std::int64_t head);
  // A write committed through this instance: read the outbox now. Any thread.
  void wake();

  [[nodiscard]] const FeedOptions& options() const { return options_; }
  // Adds a subscriber on the calling thread's io thread; nullopt when the hub has not read the
  // outbox's head yet, else the id after which its queue receives every event.
  std::optional<std::int64_t> subscribe(Subscriber& s, const boost::asio::any_io_executor& ex);
  void unsubscribe(Subscriber& s, const boost::asio::any_io_executor& ex);
  // At most `limit` events after `after` from the outbox, rendered.
  boost::asio::awaitable<std::vector<FeedEvent>> read(std::int64_t after, std::int64_t limit);
  boost::asio::awaitable<repository::EventBounds> bounds();

  // Metrics.
  [[nodiscard]] std::size_t subscribers() const { return subscribers_.load(); }
  void sent(std::size_t n) { sent_.fetch_add(n, std::memory_order_relaxed); }
  void disconnected_slow() { slow_.fetch_add(1, std::memory_order_relaxed); }
  [[nodiscard]] std::string render_metrics() const;

 private:
  struct Shard;
  boost::asio::awaitable<void> run();
  boost::asio::awaitable<void> publish_new();
  boost::asio::awaitable<void> purge_if_due();
  Shard* shard_of(const boost::asio::any_io_executor& ex);

  store::Database& db_;
  FeedOptions options_;
  std::vector<std::unique_ptr<Shard>> shards_;
  boost::asio::any_io_executor home_;  // io.front(): the reader's thread
  // The reader's timer, which lives in its coroutine's frame, so that it goes before its io thread
  // does; null when the reader is not running. Touched on home_ only.
  boost::asio::steady_timer* timer_ = nullptr;
  std::shared_ptr<void> listening_;
  std::atomic<bool> wake_pending_{false};
  std::atomic<bool> stopped_{false};
  std::int64_t published_ = 0;  // the reader's
  std::chrono::steady_clock::time_point next_purge_{};
  std::atomic<std::size_t> subscribers_{0};
  std::atomic<std::uint64_t> sent_{0};
  std::atomic<std::uint64_t> slow_{0};
};

// The SSE block of an event.
std::string render_event(const repository::Event& e);

}  // namespace usertasks::resources
