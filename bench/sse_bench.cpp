// The change feed's benchmark client (bench/feed.sh; docs/performance.md, "Change feed"): many
// `GET /events` subscribers on one epoll loop, one thread, non-blocking sockets. Each answer is
// read as it comes: the head, the chunked framing, then the SSE lines (`id:`, `retry:`, comments).
//
//   sse_bench fanout --port P [--subscribers 1000] [--changes 200] [--users 10000] [--pid PID]
//                    [--db-pid PID] [--timeout-s 10]
//     SUBSCRIBERS subscribers, then CHANGES single `POST /tasks` (a random user of 1..USERS), one
//     at a time: the next is sent once every subscriber has the event of the one before and its
//     answer has come. Latency of a (change, subscriber) pair: from just before the POST is
//     written to the return of the epoll_wait that brought the event's blank line (one time for
//     all the sockets it reports, so that reading the others does not count). CPU per change: of
//     PID (the service) and of DB-PID's children (the PostgreSQL backends), from /proc/PID/stat.
//     Prints "FANOUT subscribers=… ready=… changes=… pairs=… missing=… p50_ms=… p99_ms=… max_ms=…
//     service_cpu_us_per_change=… service_system_us_per_change=… db_cpu_us_per_change=…
//     client_cpu_us_per_change=… post_errors=… unexpected=… still_open=…" (system: the kernel's
//     part of the service's; client: this program's own CPU).
//   sse_bench idle --port P --pid PID [--subscribers 10000] [--settle-s 2]
//     The service's VmRSS idle, then holding SUBSCRIBERS subscribers that have all had their first
//     block (`retry:`), after SETTLE seconds, then again once they are closed. Prints "IDLE
//     subscribers=… ready=… rss_idle_kib=… rss_kib=… rss_closed_kib=… delta_mib=…
//     kib_per_subscriber=… gauge=… cpu_ms_held=…" (gauge: usertasks_events_subscribers from
//     /metrics while held).
//
// --batch N (256): connections opened but not yet answered at a time. The soft RLIMIT_NOFILE is
// raised to the hard one.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

[[noreturn]] void fail(const std::string& what) {
  std::fprintf(stderr, "sse_bench: %s\n", what.c_str());
  std::exit(1);
}

struct Options {
  std::string command;
  std::string host = "127.0.0.1";
  int port = 0;
  int pid = 0;
  int db_pid = 0;
  std::size_t subscribers = 0;
  std::size_t changes = 200;
  long users = 10'000;
  double timeout_s = 10;
  double settle_s = 2;
  std::size_t batch = 256;
};

// ---------------------------------------------------------------- /proc

long status_kib(int pid, std::string_view field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(status, line);) {
    if (line.starts_with(field)) return std::strtol(line.c_str() + field.size(), nullptr, 10);
  }
  fail("no " + std::string(field) + " for process " + std::to_string(pid));
}

// utime and stime of a process (clock ticks), and its parent.
struct Ticks {
  long long user = 0, system = 0;
  int ppid = 0;
};
Ticks stat_ticks(const std::string& pid) {
  std::ifstream stat("/proc/" + pid + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');
  if (close == std::string::npos) return {};
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  std::vector<std::string> values;
  while (fields >> field && values.size() < 13) values.push_back(field);
  if (values.size() < 13) return {};
  return {std::stoll(values[11]), std::stoll(values[12]), std::stoi(values[1])};
}

// This process's own CPU seconds.
double own_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// CPU seconds of PID, or of PID's children when `children` (a postmaster's backends and workers);
// `system`: the kernel's part only.
double cpu_seconds(int pid, bool children, bool system = false) {
  if (pid <= 0) return 0;
  const double hz = static_cast<double>(sysconf(_SC_CLK_TCK));
  const auto of = [system](const Ticks& t) { return t.system + (system ? 0 : t.user); };
  if (!children) return static_cast<double>(of(stat_ticks(std::to_string(pid)))) / hz;
  long long total = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const auto name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    const Ticks ticks = stat_ticks(name);
    if (ticks.ppid == pid) total += of(ticks);
  }
  return static_cast<double>(total) / hz;
}

// ---------------------------------------------------------------- one GET /events answer

// Read incrementally: the head, then chunks, then SSE lines. Calls on_event(id) at the blank line
// that ends an event with an `id:` and data.
class EventStream {
 public:
  enum class State { head, open, failed, ended };

  template <class OnEvent>
  void feed(std::string_view bytes, OnEvent&& on_event) {
    if (state_ == State::head) {
      head_.append(bytes);
      const auto end = head_.find("\r\n\r\n");
      if (end == std::string::npos) return;
      std::string rest = head_.substr(end + 4);
      head_.resize(end + 2);
      code_ = head_.size() > 12 ? std::atoi(head_.c_str() + 9) : 0;
      std::string lower = head_;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      const bool chunked = lower.find("\r\ntransfer-encoding: chunked\r\n") != std::string::npos;
      state_ = code_ == 200 && chunked ? State::open : State::failed;
      if (state_ == State::open) unchunk(rest, on_event);
      return;
    }
    if (state_ == State::open) unchunk(bytes, on_event);
  }

  State state() const { return state_; }
  int code() const { return code_; }
  bool ready() const { return retry_seen_; }

 private:
  template <class OnEvent>
  void unchunk(std::string_view bytes, OnEvent& on_event) {
    while (!bytes.empty() && state_ == State::open) {
      if (chunk_left_ > 0) {  // chunk data, then its CRLF (counted in chunk_left_)
        const auto n = std::min(chunk_left_, bytes.size());
        const auto data = std::min(n, chunk_left_ > 2 ? chunk_left_ - 2 : 0);
        lines(bytes.substr(0, data), on_event);
        chunk_left_ -= n;
        bytes.remove_prefix(n);
        continue;
      }
      const auto newline = bytes.find('\n');
      size_line_.append(bytes.substr(0, newline));
      if (newline == std::string_view::npos) return;
      bytes.remove_prefix(newline + 1);
      const auto size = std::strtoull(size_line_.c_str(), nullptr, 16);
      size_line_.clear();
      if (size == 0) state_ = State::ended;  // the terminating chunk
      chunk_left_ = size + 2;
    }
  }

  template <class OnEvent>
  void lines(std::string_view data, OnEvent& on_event) {
    while (!data.empty()) {
      const auto newline = data.find('\n');
      line_.append(data.substr(0, newline));
      if (newline == std::string_view::npos) return;
      data.remove_prefix(newline + 1);
      if (!line_.empty() && line_.back() == '\r') line_.pop_back();
      if (line_.empty()) {  // a block without data (the first one's position) is no event
        if (id_ && has_data_) on_event(*id_);
        id_.reset();
        has_data_ = false;
      } else if (line_.starts_with("data:")) {
        has_data_ = true;
      } else if (line_.starts_with("id:")) {
        id_ = std::strtoull(line_.c_str() + 3, nullptr, 10);
      } else if (line_.starts_with("retry:")) {
        retry_seen_ = true;
      }
      line_.clear();
    }
  }

  State state_ = State::head;
  int code_ = 0;
  std::string head_, size_line_, line_;
  std::size_t chunk_left_ = 0;
  std::optional<std::uint64_t> id_;
  bool has_data_ = false;
  bool retry_seen_ = false;
};

// ---------------------------------------------------------------- connections and the loop

struct Connection {
  int fd = -1;
  std::string out;     // what is left to send
  EventStream stream;  // subscribers
  std::string in;      // the writer's answer so far
  std::size_t changes_seen = 0;
};

class Loop {
 public:
  explicit Loop(const Options& options) : options_(options), epoll_(epoll_create1(EPOLL_CLOEXEC)) {
    address_.sin_family = AF_INET;
    address_.sin_port = htons(static_cast<std::uint16_t>(options.port));
    if (inet_pton(AF_INET, options.host.c_str(), &address_.sin_addr) != 1) fail("bad --host");
    conns.reserve(options.subscribers + 1);  // the subscribers and the writer: never moved
  }

  // Opens connection `index` (its slot in conns) sending `request`.
  void open(std::size_t index, std::string request) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) fail(std::string("socket: ") + std::strerror(errno));
    const int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (::connect(fd, reinterpret_cast<const sockaddr*>(&address_), sizeof address_) < 0 &&
        errno != EINPROGRESS) {
      fail(std::string("connect: ") + std::strerror(errno));
    }
    if (conns.size() <= index) conns.resize(index + 1);
    conns[index] = Connection{};
    conns[index].fd = fd;
    conns[index].out = std::move(request);
    epoll_event event{};
    event.events = EPOLLIN | EPOLLOUT;
    event.data.u64 = index;
    epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &event);
  }

  void close(std::size_t index) {
    if (conns[index].fd < 0) return;
    epoll_ctl(epoll_, EPOLL_CTL_DEL, conns[index].fd, nullptr);
    ::close(conns[index].fd);
    conns[index].fd = -1;
  }

  // Sends a request on an open connection.
  void send(std::size_t index, std::string request) {
    conns[index].out = std::move(request);
    flush(index);
  }

  // Runs until done() or the deadline; on_read(index, bytes, when) for what arrives,
  // on_closed(index) for a connection the server closed.
  template <class Done, class OnRead, class OnClosed>
  bool run(Clock::time_point deadline, Done&& done, OnRead&& on_read, OnClosed&& on_closed) {
    static char buffer[65536];
    std::vector<epoll_event> events(1024);
    while (!done()) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() < 0) return false;
      const int n = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()),
                               static_cast<int>(std::min<long long>(left.count() + 1, 1000)));
      const auto when = Clock::now();
      for (int i = 0; i < n; ++i) {
        const auto index = static_cast<std::size_t>(events[static_cast<std::size_t>(i)].data.u64);
        if (conns[index].fd < 0) continue;
        if ((events[static_cast<std::size_t>(i)].events & EPOLLOUT) != 0) flush(index);
        for (;;) {
          const auto got = ::recv(conns[index].fd, buffer, sizeof buffer, 0);
          if (got > 0) {
            on_read(index, std::string_view(buffer, static_cast<std::size_t>(got)), when);
            if (conns[index].fd < 0 || static_cast<std::size_t>(got) < sizeof buffer) break;
          } else if (got < 0 && (errno == EAGAIN || errno == EINTR)) {
            break;
          } else {  // EOF or an error
            close(index);
            on_closed(index);
            break;
          }
        }
      }
    }
    return true;
  }

  std::vector<Connection> conns;

 private:
  void flush(std::size_t index) {
    auto& c = conns[index];
    while (!c.out.empty()) {
      const auto sent = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
      if (sent < 0) return;  // EAGAIN: EPOLLOUT comes again; an error: recv reports it
      c.out.erase(0, static_cast<std::size_t>(sent));
    }
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.u64 = index;
    epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &event);
  }

  const Options& options_;
  int epoll_;
  sockaddr_in address_{};
};

std::string events_request(const Options& o) {
  return "GET /events HTTP/1.1\r\nHost: " + o.host + ":" + std::to_string(o.port) +
         "\r\nAccept: text/event-stream\r\n\r\n";
}

Clock::time_point after(double seconds) {
  return Clock::now() + std::chrono::microseconds(static_cast<long long>(seconds * 1e6));
}

// Opens subscribers 0..n-1 (at most options.batch waiting for their first block at a time) and
// reads until each has its first block or failed; on_event is passed to every stream.
template <class OnEvent>
std::size_t subscribe(Loop& loop, const Options& o, std::size_t n, double timeout_s,
                      OnEvent&& on_event, std::map<int, std::size_t>& refused) {
  std::size_t opened = 0, settled = 0, ready = 0;
  const auto request = events_request(o);
  auto top_up = [&] {
    while (opened < n && opened - settled < o.batch) loop.open(opened++, request);
  };
  top_up();
  loop.run(
      after(timeout_s), [&] { return settled == n; },
      [&](std::size_t i, std::string_view bytes, Clock::time_point when) {
        auto& stream = loop.conns[i].stream;  // top_up() may move it: looked at before
        const bool was_ready = stream.ready();
        stream.feed(bytes, [&](std::uint64_t id) { on_event(i, id, when); });
        const bool now_ready = !was_ready && stream.ready();
        if (stream.state() == EventStream::State::failed) {
          ++refused[stream.code()], ++settled, loop.close(i), top_up();
        } else if (now_ready) {
          ++ready, ++settled, top_up();
        }
      },
      [&](std::size_t i) {
        if (!loop.conns[i].stream.ready()) ++refused[0], ++settled, top_up();
      });
  return ready;
}

std::string describe(const std::map<int, std::size_t>& refused) {
  std::string text;
  for (const auto& [code, count] : refused) {
    text += (text.empty() ? "" : ",") + std::to_string(code) + ":" + std::to_string(count);
  }
  return text.empty() ? "none" : text;
}

double percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const auto rank =
      static_cast<std::size_t>(p / 100.0 * static_cast<double>(sorted.size()) + 0.999999);
  return sorted[std::min(sorted.size(), std::max<std::size_t>(rank, 1)) - 1];
}

// ---------------------------------------------------------------- fanout

int fanout(const Options& o) {
  Loop loop(o);
  const std::size_t writer = o.subscribers;  // the POST connection's slot
  std::size_t current = 0;                   // changes sent so far; the one in flight is current
  std::optional<std::uint64_t> current_id;
  std::size_t received = 0, unexpected = 0;
  Clock::time_point sent_at;
  std::vector<double> latencies_ms;
  latencies_ms.reserve(o.subscribers * o.changes);

  auto on_event = [&](std::size_t i, std::uint64_t id, Clock::time_point when) {
    auto& c = loop.conns[i];
    if (current == 0 || c.changes_seen >= current || (current_id && *current_id != id)) {
      ++unexpected;
      return;
    }
    current_id = id;
    c.changes_seen = current;
    ++received;
    latencies_ms.push_back(std::chrono::duration<double, std::milli>(when - sent_at).count());
  };
  std::map<int, std::size_t> refused;
  const auto ready = subscribe(loop, o, o.subscribers, 60, on_event, refused);
  loop.run(  // let it settle
      after(0.5), [] { return false; },
      [&](std::size_t i, std::string_view bytes, Clock::time_point when) {
        loop.conns[i].stream.feed(bytes, [&](std::uint64_t id) { on_event(i, id, when); });
      },
      [](std::size_t) {});

  std::mt19937 random(42);
  std::uniform_int_distribution<long> user(1, o.users);
  std::size_t post_errors = 0, missing = 0, live = ready;
  bool answered = false;
  const double service_before = cpu_seconds(o.pid, false), db_before = cpu_seconds(o.db_pid, true);
  const double own_before = own_cpu_seconds(), system_before = cpu_seconds(o.pid, false, true);
  for (std::size_t change = 0; change < o.changes; ++change) {
    const std::string body =
        R"({"content": "feed benchmark", "user_id": )" + std::to_string(user(random)) + "}";
    const std::string request =
        "POST /tasks HTTP/1.1\r\nHost: " + o.host +
        "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
        "\r\n\r\n" + body;
    if (loop.conns.size() <= writer || loop.conns[writer].fd < 0) loop.open(writer, "");
    loop.conns[writer].in.clear();
    answered = false, received = 0, current_id.reset(), ++current;
    sent_at = Clock::now();
    loop.send(writer, request);
    loop.run(
        after(o.timeout_s), [&] { return answered && received >= live; },
        [&](std::size_t i, std::string_view bytes, Clock::time_point when) {
          if (i != writer) {
            loop.conns[i].stream.feed(bytes, [&](std::uint64_t id) { on_event(i, id, when); });
            return;
          }
          auto& in = loop.conns[i].in;
          in.append(bytes);
          const auto end = in.find("\r\n\r\n");
          if (end == std::string::npos) return;
          const auto length = in.find("\r\nContent-Length: ");  // the service's spelling
          const auto size = length < end ? std::strtoul(in.c_str() + length + 18, nullptr, 10) : 0;
          if (in.size() < end + 4 + size) return;
          if (!in.starts_with("HTTP/1.1 201")) ++post_errors;
          answered = true;
        },
        [&](std::size_t i) {
          if (i == writer) answered = true, ++post_errors;
          if (i != writer && loop.conns[i].stream.ready()) --live;  // a subscriber dropped
        });
    if (!answered) ++post_errors;
    missing += ready - std::min(received, ready);
  }
  const double service_cpu = cpu_seconds(o.pid, false) - service_before;
  const double db_cpu = cpu_seconds(o.db_pid, true) - db_before;
  const double own_cpu = own_cpu_seconds() - own_before;
  const double system_cpu = cpu_seconds(o.pid, false, true) - system_before;
  std::sort(latencies_ms.begin(), latencies_ms.end());
  const double changes = static_cast<double>(std::max<std::size_t>(o.changes, 1));
  std::printf(
      "FANOUT subscribers=%zu ready=%zu refused=%s changes=%zu pairs=%zu missing=%zu "
      "p50_ms=%.3f p99_ms=%.3f max_ms=%.3f service_cpu_us_per_change=%.0f "
      "service_system_us_per_change=%.0f db_cpu_us_per_change=%.0f client_cpu_us_per_change=%.0f "
      "post_errors=%zu unexpected=%zu "
      "still_open=%zu\n",
      o.subscribers, ready, describe(refused).c_str(), o.changes, latencies_ms.size(), missing,
      percentile(latencies_ms, 50), percentile(latencies_ms, 99),
      latencies_ms.empty() ? 0.0 : latencies_ms.back(), service_cpu * 1e6 / changes,
      system_cpu * 1e6 / changes, db_cpu * 1e6 / changes, own_cpu * 1e6 / changes, post_errors,
      unexpected, live);
  return ready == o.subscribers && missing == 0 && post_errors == 0 ? 0 : 1;
}

// ---------------------------------------------------------------- idle

// The value of usertasks_events_subscribers on /metrics (a connection of its own), or -1.
long subscribers_gauge(const Options& o) {
  Loop loop(o);
  loop.open(0, "GET /metrics HTTP/1.1\r\nHost: " + o.host + "\r\nConnection: close\r\n\r\n");
  std::string text;
  bool closed = false;
  loop.run(
      after(5), [&] { return closed; },
      [&](std::size_t, std::string_view bytes, Clock::time_point) { text.append(bytes); },
      [&](std::size_t) { closed = true; });
  loop.close(0);
  const auto at = text.find("\nusertasks_events_subscribers ");
  return at == std::string::npos ? -1 : std::strtol(text.c_str() + at + 30, nullptr, 10);
}

int idle(const Options& o) {
  if (o.pid <= 0) fail("idle needs --pid");
  const long rss_idle = status_kib(o.pid, "VmRSS:");
  Loop loop(o);
  std::map<int, std::size_t> refused;
  const auto ready = subscribe(
      loop, o, o.subscribers, 120, [](auto...) {}, refused);
  const double cpu_before = cpu_seconds(o.pid, false);
  std::size_t dropped = 0;
  loop.run(
      after(o.settle_s), [] { return false; },
      [&](std::size_t i, std::string_view bytes, Clock::time_point) {
        loop.conns[i].stream.feed(bytes, [](std::uint64_t) {});
      },
      [&](std::size_t) { ++dropped; });
  const double cpu_held = cpu_seconds(o.pid, false) - cpu_before;
  const long rss = status_kib(o.pid, "VmRSS:");
  const long gauge = subscribers_gauge(o);
  for (std::size_t i = 0; i < loop.conns.size(); ++i) loop.close(i);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const long rss_closed = status_kib(o.pid, "VmRSS:");
  const double delta = static_cast<double>(rss - rss_idle);
  std::printf(
      "IDLE subscribers=%zu ready=%zu refused=%s dropped=%zu rss_idle_kib=%ld rss_kib=%ld "
      "rss_closed_kib=%ld delta_mib=%.1f kib_per_subscriber=%.2f gauge=%ld cpu_ms_held=%.0f "
      "settle_s=%.1f\n",
      o.subscribers, ready, describe(refused).c_str(), dropped, rss_idle, rss, rss_closed,
      delta / 1024, ready > 0 ? delta / static_cast<double>(ready) : 0.0, gauge, cpu_held * 1e3,
      o.settle_s);
  return ready == o.subscribers && dropped == 0 ? 0 : 1;
}

Options parse(int argc, char** argv) {
  if (argc < 2) fail("usage: sse_bench fanout|idle --port P [options] (see bench/sse_bench.cpp)");
  Options o;
  o.command = argv[1];
  o.subscribers = o.command == "idle" ? 10'000 : 1'000;
  for (int i = 2; i < argc; i += 2) {
    const std::string name = argv[i];
    if (i + 1 >= argc) fail(name + " wants a value");
    const char* value = argv[i + 1];
    if (name == "--host")
      o.host = value;
    else if (name == "--port")
      o.port = std::atoi(value);
    else if (name == "--pid")
      o.pid = std::atoi(value);
    else if (name == "--db-pid")
      o.db_pid = std::atoi(value);
    else if (name == "--subscribers")
      o.subscribers = std::strtoul(value, nullptr, 10);
    else if (name == "--changes")
      o.changes = std::strtoul(value, nullptr, 10);
    else if (name == "--users")
      o.users = std::atol(value);
    else if (name == "--timeout-s")
      o.timeout_s = std::atof(value);
    else if (name == "--settle-s")
      o.settle_s = std::atof(value);
    else if (name == "--batch")
      o.batch = std::max<std::size_t>(1, std::strtoul(value, nullptr, 10));
    else
      fail("unknown option " + name);
  }
  if (o.port <= 0) fail("--port is required");
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse(argc, argv);
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
  if (options.command == "fanout") return fanout(options);
  if (options.command == "idle") return idle(options);
  fail("unknown command " + options.command + " (fanout or idle)");
}
