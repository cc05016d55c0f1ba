#pragma once
// The service's Prometheus metrics: relaxed atomic counters in one shard per io thread, summed by
// the text exposition (format 0.0.4). Labels come from fixed sets (docs/reliability.md, "Metrics").

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/message.hpp"

namespace usertasks::http {

class Metrics {
 public:
  // The latency histogram's upper bounds, in microseconds (0.5 ms .. 10 s), then +Inf.
  static constexpr std::array<std::uint64_t, 14> bucket_bounds_us = {
      500,     1'000,   2'500,   5'000,     10'000,    25'000,    50'000,
      100'000, 250'000, 500'000, 1'000'000, 2'500'000, 5'000'000, 10'000'000};
  // GET HEAD POST PUT PATCH DELETE OPTIONS, and "other" for any other method.
  static constexpr std::size_t method_count = 8;

  // `shards`: how many threads record (one shard each); see bind_thread.
  explicit Metrics(unsigned shards = 1);
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // Names the route label values. `templates` is the route table in order (a template may repeat,
  // once per method); returns the slot of each entry, for observe_request. Call once, before any
  // request is recorded. Until then every request is counted as "unmatched".
  std::vector<std::size_t> set_routes(const std::vector<std::string>& templates);
  // The slot of requests that matched no route, or were answered before routing.
  [[nodiscard]] std::size_t unmatched() const { return route_names_.size(); }

  // Makes the calling thread record into shard `index` (modulo the shard count). Threads that
  // never call it record into shard 0, which is still correct, only shared.
  static void bind_thread(unsigned index);

  // One answered request: `route` from set_routes (or unmatched()), `elapsed` from the end of its
  // headers to the end of its answer.
  void observe_request(std::size_t route, Verb method, unsigned status,
                       std::chrono::steady_clock::duration elapsed) noexcept;
  void connection_opened() noexcept { connections_open_.fetch_add(1, std::memory_order_relaxed); }
  void connection_closed() noexcept { connections_open_.fetch_sub(1, std::memory_order_relaxed); }
  void connection_refused() noexcept { refused_.fetch_add(1, std::memory_order_relaxed); }
  void request_timed_out() noexcept { timeouts_.fetch_add(1, std::memory_order_relaxed); }

  // The text exposition format, version 0.0.4.
  [[nodiscard]] std::string render() const;

  // For tests: a request counter's current value (summed over shards).
  [[nodiscard]] std::uint64_t requests(std::size_t route, Verb method, unsigned status) const;

 private:
  struct Shard;
  static constexpr std::size_t bucket_count = bucket_bounds_us.size() + 1;  // with +Inf

  [[nodiscard]] Shard& shard() const noexcept;
  [[nodiscard]] std::size_t series(std::size_t route, std::size_t method) const noexcept {
    return route * method_count + method;
  }

  std::vector<std::string> route_names_;  // one per slot; the unmatched slot follows them
  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<std::int64_t> connections_open_{0};
  std::atomic<std::uint64_t> refused_{0};
  std::atomic<std::uint64_t> timeouts_{0};
};

// Prometheus label-value escaping: backslash, double quote and line feed.
std::string escape_label_value(std::string_view value);

// The # HELP and # TYPE lines of a metric family.
void append_metric_header(std::string& out, std::string_view name, std::string_view type,
                          std::string_view help);

}  // namespace usertasks::http
