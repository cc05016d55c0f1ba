#include "http/metrics.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <iterator>

namespace usertasks::http {

namespace {

constexpr std::array<std::string_view, Metrics::method_count> method_names = {
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"};

constexpr std::size_t method_index(Verb method) noexcept {
  switch (method) {
    case Verb::get:
      return 0;
    case Verb::head:
      return 1;
    case Verb::post:
      return 2;
    case Verb::put:
      return 3;
    case Verb::patch:
      return 4;
    case Verb::delete_:
      return 5;
    case Verb::options:
      return 6;
    default:
      return 7;
  }
}

// The statuses counted by number; any other is counted as status="other".
constexpr std::array<unsigned, 23> known_statuses = {200, 201, 204, 304, 400, 401, 403, 404,
                                                     405, 408, 409, 412, 413, 415, 422, 428,
                                                     429, 431, 500, 501, 502, 503, 504};
constexpr std::size_t status_count = known_statuses.size() + 1;
constexpr std::size_t other_status = known_statuses.size();

constexpr std::array<std::uint8_t, 600> status_table = [] {
  std::array<std::uint8_t, 600> table{};
  for (auto& entry : table) entry = static_cast<std::uint8_t>(other_status);
  for (std::size_t i = 0; i < known_statuses.size(); ++i) {
    table[known_statuses[i]] = static_cast<std::uint8_t>(i);
  }
  return table;
}();

constexpr std::size_t status_index(unsigned status) noexcept {
  return status < status_table.size() ? status_table[status] : other_status;
}

using Counter = std::atomic<std::uint64_t>;

std::unique_ptr<Counter[]> counters(std::size_t n) {
  return std::make_unique<Counter[]>(n);  // value-initialized: zero
}

void bump(Counter& c, std::uint64_t n = 1) noexcept {
  c.fetch_add(n, std::memory_order_relaxed);
}

thread_local unsigned bound_shard = 0;

// Seconds with up to microsecond precision, in the shortest form that reads back exactly.
std::string seconds(std::uint64_t micros) {
  return fmt::format("{}", static_cast<double>(micros) / 1e6);
}

}  // namespace

// One thread's counters. The arrays are indexed by series (route slot x method), then by status
// or bucket; they are allocated once, by set_routes.
struct alignas(64) Metrics::Shard {
  std::unique_ptr<Counter[]> requests;  // [series][status]
  std::unique_ptr<Counter[]> buckets;   // [series][bucket], not cumulative; the last is +Inf
  std::unique_ptr<Counter[]> micros;    // [series]: the histogram's sum

  void allocate(std::size_t series) {
    requests = counters(series * status_count);
    buckets = counters(series * bucket_count);
    micros = counters(series);
  }
};

Metrics::Metrics(unsigned shards) {
  for (unsigned i = 0; i < std::max(1U, shards); ++i) {
    shards_.push_back(std::make_unique<Shard>());
    shards_.back()->allocate(method_count);  // the unmatched slot only, until set_routes
  }
}

Metrics::~Metrics() = default;

std::vector<std::size_t> Metrics::set_routes(const std::vector<std::string>& templates) {
  route_names_.clear();
  std::vector<std::size_t> slots;
  slots.reserve(templates.size());
  for (const std::string& t : templates) {
    const auto found = std::ranges::find(route_names_, t);
    slots.push_back(static_cast<std::size_t>(std::distance(route_names_.begin(), found)));
    if (found == route_names_.end()) route_names_.push_back(t);
  }
  for (auto& s : shards_) s->allocate((route_names_.size() + 1) * method_count);
  return slots;
}

void Metrics::bind_thread(unsigned index) {
  bound_shard = index;
}

Metrics::Shard& Metrics::shard() const noexcept {
  return *shards_[bound_shard % shards_.size()];
}

void Metrics::observe_request(std::size_t route, Verb method, unsigned status,
                              std::chrono::steady_clock::duration elapsed) noexcept {
  if (route > unmatched()) route = unmatched();
  const std::size_t s = series(route, method_index(method));
  const auto micros = static_cast<std::uint64_t>(std::max<std::int64_t>(
      0, std::chrono::duration_cast<std::chrono::microseconds>(elapsed).count()));
  const std::size_t bucket = static_cast<std::size_t>(
      std::ranges::lower_bound(bucket_bounds_us, micros) - bucket_bounds_us.begin());
  Shard& shard_ = shard();
  bump(shard_.requests[s * status_count + status_index(status)]);
  bump(shard_.buckets[s * bucket_count + bucket]);
  bump(shard_.micros[s], micros);
}

std::uint64_t Metrics::requests(std::size_t route, Verb method, unsigned status) const {
  if (route > unmatched()) return 0;
  const std::size_t at = series(route, method_index(method)) * status_count + status_index(status);
  std::uint64_t total = 0;
  for (const auto& s : shards_) total += s->requests[at].load(std::memory_order_relaxed);
  return total;
}

std::string escape_label_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

void append_metric_header(std::string& out, std::string_view name, std::string_view type,
                          std::string_view help) {
  fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

std::string Metrics::render() const {
  const std::size_t slots = unmatched() + 1;
  const std::size_t series_count = slots * method_count;
  auto sum = [this](auto member, std::size_t index) {
    std::uint64_t total = 0;
    for (const auto& s : shards_) total += ((*s).*member)[index].load(std::memory_order_relaxed);
    return total;
  };
  auto labels = [this](std::size_t s) {
    const std::size_t route = s / method_count;
    const std::string_view name =
        route < route_names_.size() ? std::string_view(route_names_[route]) : "unmatched";
    return fmt::format(R"(method="{}",route="{}")", method_names[s % method_count],
                       escape_label_value(name));
  };

  std::string out;
  auto line = [&out](std::string_view text) {
    out += text;
    out += '\n';
  };
  auto header = [&out](std::string_view name, std::string_view type, std::string_view help) {
    append_metric_header(out, name, type, help);
  };

  header("usertasks_http_requests_total", "counter",
         "HTTP requests answered, by method, route template and status.");
  for (std::size_t s = 0; s < series_count; ++s) {
    for (std::size_t st = 0; st < status_count; ++st) {
      const std::uint64_t n = sum(&Shard::requests, s * status_count + st);
      if (n == 0) continue;
      const std::string status =
          st == other_status ? std::string("other") : std::to_string(known_statuses[st]);
      line(fmt::format(R"(usertasks_http_requests_total{{{},status="{}"}} {})", labels(s), status,
                       n));
    }
  }

  header("usertasks_http_request_duration_seconds", "histogram",
         "Time from the end of a request's headers to the end of its answer.");
  for (std::size_t s = 0; s < series_count; ++s) {
    std::array<std::uint64_t, bucket_count> counts{};
    std::uint64_t count = 0;
    for (std::size_t b = 0; b < bucket_count; ++b) {
      counts[b] = sum(&Shard::buckets, s * bucket_count + b);
      count += counts[b];
    }
    if (count == 0) continue;
    const std::string l = labels(s);
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b < bucket_count; ++b) {
      cumulative += counts[b];
      const std::string le = b < bucket_bounds_us.size() ? seconds(bucket_bounds_us[b]) : "+Inf";
      line(fmt::format(R"(usertasks_http_request_duration_seconds_bucket{{{},le="{}"}} {})", l, le,
                       cumulative));
    }
    line(fmt::format("usertasks_http_request_duration_seconds_sum{{{}}} {}", l,
                     seconds(sum(&Shard::micros, s))));
    line(fmt::format("usertasks_http_request_duration_seconds_count{{{}}} {}", l, count));
  }

  header("usertasks_http_connections_open", "gauge", "HTTP connections open now.");
  line(fmt::format("usertasks_http_connections_open {}",
                   connections_open_.load(std::memory_order_relaxed)));
  header("usertasks_http_connections_refused_total", "counter",
         "Connections answered 503 and closed because --max-connections were open.");
  line(fmt::format("usertasks_http_connections_refused_total {}",
                   refused_.load(std::memory_order_relaxed)));
  header("usertasks_http_request_timeouts_total", "counter",
         "Requests answered 503 because their handling passed --request-timeout-ms.");
  line(fmt::format("usertasks_http_request_timeouts_total {}",
                   timeouts_.load(std::memory_order_relaxed)));

  return out;
}

}  // namespace usertasks::http
