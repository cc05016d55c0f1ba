#pragma once
// What the server needs that is not the server itself: rate-limited warnings, descriptor limits,
// CORS and the fixed answers (a refusal, a timeout). Used by server.cpp only.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>

#include "http/message.hpp"

namespace usertasks::http {

// A warning that a flood could repeat thousands of times a second: given at once, then at most
// once a second, with the number of occurrences since the last one. Used by one thread.
class RateLimitedWarning {
 public:
  // Counts one occurrence; true when it is time to warn, `count` then being the occurrences the
  // warning covers.
  bool due(std::uint64_t& count);

 private:
  std::chrono::steady_clock::time_point last_{};
  std::uint64_t pending_ = 0;
};

// Raises the soft limit of open files, up to the hard limit, when it is below what
// `max_connections` and `spare` more need; warns when even the hard limit is below.
void ensure_descriptors(std::size_t max_connections, std::size_t spare);

void add_cors(Response& res);

// The answer to a connection over the limit, but for its request id.
Response refusal_answer(std::size_t max_connections);

// A session that ended with an exception: a bug, since every expected failure is answered.
void log_connection_failure(const std::exception_ptr& failure);

// The answer to a request whose handling passed the request timeout.
Response timed_out(std::chrono::milliseconds limit);

}  // namespace usertasks::http
