#include "http/server_support.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <algorithm>
#include <utility>

namespace usertasks::http {

bool RateLimitedWarning::due(std::uint64_t& count) {
  ++pending_;
  const auto now = std::chrono::steady_clock::now();
  if (now - last_ < std::chrono::seconds(1)) return false;
  last_ = now;
  count = std::exchange(pending_, 0);
  return true;
}

void ensure_descriptors(std::size_t max_connections, std::size_t spare) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  const auto wanted = static_cast<rlim_t>(max_connections + spare);
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < wanted) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max == RLIM_INFINITY ? wanted : std::min(limit.rlim_max, wanted);
    if (raised.rlim_cur > limit.rlim_cur && setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < wanted) {
    spdlog::warn(
        "--max-connections {} needs about {} open files but the limit is {}: raise it "
        "(ulimit -n) or lower --max-connections",
        max_connections, wanted, limit.rlim_cur);
  }
}

void add_cors(Response& res) {
  res.set("Access-Control-Allow-Origin", "*");
  res.set("Access-Control-Expose-Headers",
          "Location, Link, X-Request-Id, Retry-After, X-Total-Count, Preference-Applied, "
          "Idempotent-Replayed, ETag, Last-Modified");
}

Response refusal_answer(std::size_t max_connections) {
  Response res = problem(Status::service_unavailable, "too-many-connections",
                         fmt::format("the server is serving its limit of {} connections; try "
                                     "again shortly",
                                     max_connections));
  res.set(Field::retry_after, "1");
  res.keep_alive(false);
  add_cors(res);
  return res;
}

void log_connection_failure(const std::exception_ptr& failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    spdlog::error("connection failed: {}", e.what());
  } catch (...) {
    spdlog::error("connection failed");
  }
}

Response timed_out(std::chrono::milliseconds limit) {
  Response res =
      problem(Status::service_unavailable, "timeout",
              fmt::format("the request was not handled within {} ms; try again", limit.count()));
  res.set(Field::retry_after, "1");
  return res;
}

}  // namespace usertasks::http
