#pragma once
// A blocking client of GET /events (text/event-stream, WHATWG server-sent events) on a raw TCP
// socket to 127.0.0.1: it sends the request, reads the answer's head, decodes the HTTP/1.1
// chunked body and hands out the stream's blocks one at a time. Every read is bounded (poll), so
// that no test hangs on a stream that never ends by itself. A client that stops calling next()
// plays a slow consumer; with a small receive buffer (set before connecting) the server soon
// cannot write to it.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "harness.hpp"

namespace usertasks::testing {

// One block of the stream, up to the blank line that ends it.
struct SseMessage {
  std::string id;  // the `id:` field ("" when absent; see has_id)
  bool has_id = false;
  std::string event;  // the `event:` field
  std::string data;   // the `data:` lines, joined by '\n'
  int data_lines = 0;
  std::string retry;                  // the `retry:` field
  std::vector<std::string> comments;  // comment lines, without their leading ':'
  std::string raw;                    // the block's bytes, its blank line included

  // An event (data or an event type), rather than a comment or a bare `retry:`.
  [[nodiscard]] bool is_event() const { return data_lines > 0 || !event.empty(); }
  // The id as a number; -1 when there is none or it is not one.
  [[nodiscard]] std::int64_t number() const;
  // The data parsed as JSON; a test failure (and null) when it is not.
  [[nodiscard]] json::value json() const;
  [[nodiscard]] json::object object() const;
  // For failure messages.
  [[nodiscard]] std::string describe() const;
};

struct SseOptions {
  std::string query;  // appended to /events as it is: "?after=3&types=task.created"
  std::optional<std::string> last_event_id;
  std::optional<std::string> token;  // Authorization: Bearer TOKEN
  Headers headers;                   // any others
  int receive_buffer = 0;            // SO_RCVBUF (bytes) before connecting, when > 0
  std::chrono::milliseconds head_timeout{10'000};

  // Chained: SseOptions().with_query("?after=0").with_receive_buffer(4096).
  SseOptions& with_query(std::string q) {
    query = std::move(q);
    return *this;
  }
  SseOptions& with_last_event_id(std::string id) {
    last_event_id = std::move(id);
    return *this;
  }
  SseOptions& with_token(std::string t) {
    token = std::move(t);
    return *this;
  }
  SseOptions& with_header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
    return *this;
  }
  SseOptions& with_receive_buffer(int bytes) {
    receive_buffer = bytes;
    return *this;
  }
};

// How the stream stands.
enum class SseEnd {
  open,   // nothing has ended it yet
  clean,  // the terminating zero-length chunk arrived
  cut,    // the connection ended (closed, reset) without it, or the chunked body was malformed
};

class SseClient {
 public:
  // Connects, sends the request and reads the answer's head (and, when it is not a stream, its
  // whole body). Throws std::runtime_error when it cannot connect or no head arrives in time.
  explicit SseClient(unsigned short port, SseOptions options = {});
  ~SseClient();
  SseClient(const SseClient&) = delete;
  SseClient& operator=(const SseClient&) = delete;

  [[nodiscard]] unsigned status() const { return response_.status; }
  [[nodiscard]] std::string header(std::string_view name) const { return response_.header(name); }
  // The answer as the harness's Response (the body only when it is not a stream), for IsProblem.
  [[nodiscard]] const Response& response() const { return response_; }
  [[nodiscard]] bool chunked() const { return chunked_; }

  // The next block, waiting at most `timeout`; nullopt when none came in time (timed_out()) or
  // the stream ended (end()).
  std::optional<SseMessage> next(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // The next event, skipping comments and bare `retry:` blocks (they are counted).
  std::optional<SseMessage> next_event(
      std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Up to `n` events within `timeout` in all; fewer when the time runs out or the stream ends.
  std::vector<SseMessage> events(std::size_t n,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Every event until the stream ends, or until `idle` passes without an event arriving.
  std::vector<SseMessage> until_end(std::chrono::milliseconds idle = std::chrono::seconds(10));

  // The first block handed out, once there is one.
  [[nodiscard]] const std::optional<SseMessage>& first_block() const { return first_; }
  [[nodiscard]] SseEnd end() const { return end_; }
  [[nodiscard]] bool timed_out() const { return timed_out_; }
  // Comments seen by next_event() and events() while skipping them.
  [[nodiscard]] const std::vector<std::string>& skipped_comments() const { return skipped_; }
  // Bytes of decoded body received so far.
  [[nodiscard]] std::size_t body_bytes() const { return body_bytes_; }
  // Closes the connection (the client hangs up); further reads answer nothing.
  void close();

 private:
  void send_request(unsigned short port, const SseOptions& options);
  void read_head(std::chrono::milliseconds timeout);
  void read_plain_body(std::chrono::steady_clock::time_point deadline);
  // Reads what the socket has (waiting until `deadline`); false when nothing more will come.
  bool receive(std::chrono::steady_clock::time_point deadline);
  // Moves whole chunks from raw_ to text_; notes the terminating chunk and malformed framing.
  void decode_chunks();
  // The first whole block of text_, removed from it.
  std::optional<SseMessage> take_block();

  int fd_ = -1;
  Response response_;
  bool chunked_ = false;
  std::string raw_;   // received, not yet decoded
  std::string text_;  // decoded body, not yet handed out
  std::size_t body_bytes_ = 0;
  SseEnd end_ = SseEnd::open;
  bool eof_ = false;
  bool timed_out_ = false;
  std::vector<std::string> skipped_;
  std::optional<SseMessage> first_;
};

// The events' ids, in order.
std::vector<std::int64_t> ids_of(const std::vector<SseMessage>& events);
// The events' types, in order.
std::vector<std::string> types_of(const std::vector<SseMessage>& events);

}  // namespace usertasks::testing
