#pragma once
// The access log: one line per request, in the same layout as every other log line
// ("2026-11-24T07:06:22.235571Z info 127.0.0.1:40312 "GET /users/5" 200 845 312us id=…"),
// buffered per io thread and written with one write(2) per round (docs/design.md, "Logging").

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

namespace usertasks::http {

struct AccessRecord {
  std::string_view peer;
  std::string_view method;
  std::string_view target;
  unsigned status = 0;
  std::size_t bytes = 0;
  std::chrono::microseconds duration{0};
  std::string_view request_id;
};

// Appends one line, ending in '\n', to `out`. `now` is the wall-clock time of the line.
void format_access_line(std::string& out, std::chrono::system_clock::time_point now,
                        const AccessRecord& record);

// Whether access lines are written at all: the log level is info or lower.
bool access_log_enabled();

// Buffers the line on the calling thread and posts its flush to `executor` (the io_context that
// runs the calling thread), unless one is pending already.
void log_access(const boost::asio::any_io_executor& executor, const AccessRecord& record);

// Writes what the calling thread has buffered. Io threads call it when their io_context stops.
void flush_access_log();

}  // namespace usertasks::http
