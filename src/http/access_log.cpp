#include "http/access_log.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <cerrno>
#include <ctime>
#include <iterator>
#include <string>

#include "base/time.hpp"

namespace usertasks::http {

namespace {

using std::chrono::system_clock;

// A thread's lines not yet written, and the second its timestamp prefix was made for.
struct ThreadLog {
  std::string pending;
  bool flush_posted = false;
  std::time_t second = -1;
  std::string prefix;  // "2026-11-24T07:06:22."
};

thread_local ThreadLog this_thread_log;

// A buffer this large is written at once rather than at the end of the round.
constexpr std::size_t flush_threshold = 64 * 1024;

void write_all(std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(STDOUT_FILENO, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a closed or full log: the service goes on without it
    bytes.remove_prefix(static_cast<std::size_t>(n));
  }
}

void format_with(ThreadLog& log, std::string& out, system_clock::time_point now,
                 const AccessRecord& r) {
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  const std::time_t second = static_cast<std::time_t>(micros / 1'000'000);
  if (second != log.second) {
    // The timestamp up to its fraction, made once a second.
    log.prefix = base::format_utc(base::UtcTime(std::chrono::seconds(second)));
    log.prefix.resize(log.prefix.find('.') + 1);
    log.second = second;
  }
  fmt::format_to(std::back_inserter(out), "{}{:06}Z info {} \"{} {}\" {} {} {}us id={}\n",
                 log.prefix, micros % 1'000'000, r.peer, r.method, r.target, r.status, r.bytes,
                 r.duration.count(), r.request_id);
}

}  // namespace

void format_access_line(std::string& out, system_clock::time_point now,
                        const AccessRecord& record) {
  ThreadLog scratch;
  format_with(scratch, out, now, record);
}

bool access_log_enabled() {
  return spdlog::default_logger_raw()->should_log(spdlog::level::info);
}

void flush_access_log() {
  ThreadLog& log = this_thread_log;
  log.flush_posted = false;
  if (log.pending.empty()) return;
  write_all(log.pending);
  log.pending.clear();
}

void log_access(const boost::asio::any_io_executor& executor, const AccessRecord& record) {
  ThreadLog& log = this_thread_log;
  format_with(log, log.pending, system_clock::now(), record);
  if (log.pending.size() >= flush_threshold) {
    flush_access_log();
  } else if (!log.flush_posted) {
    log.flush_posted = true;
    boost::asio::post(executor, [] { flush_access_log(); });
  }
}

}  // namespace usertasks::http
