#include "sse_client.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <stdexcept>

namespace usertasks::testing {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

// The non-negative decimal number `text` is, or -1.
std::int64_t decimal(std::string_view text) {
  std::int64_t value = -1;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0) return -1;
  return value;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t");
  return std::string(text.substr(first, last - first + 1));
}

// Applies one line of a block (WHATWG HTML, "event stream interpretation").
void apply_line(SseMessage& m, std::string_view line) {
  if (line.starts_with(':')) {
    m.comments.emplace_back(line.substr(1));
    return;
  }
  const auto colon = line.find(':');
  const std::string_view field = line.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
  if (value.starts_with(' ')) value.remove_prefix(1);
  if (field == "id") {
    m.id = value;
    m.has_id = true;
  } else if (field == "event") {
    m.event = value;
  } else if (field == "data") {
    if (m.data_lines++ > 0) m.data += '\n';
    m.data += value;
  } else if (field == "retry") {
    m.retry = value;
  }
}

}  // namespace

// ---- SseMessage ------------------------------------------------------------------------------

std::int64_t SseMessage::number() const {
  return has_id ? decimal(id) : -1;
}

json::value SseMessage::json() const {
  boost::system::error_code ec;
  json::value v = json::parse(data, ec);
  if (ec) {
    ADD_FAILURE() << "the event's data is not JSON (" << ec.message() << "):\n" << describe();
    return nullptr;
  }
  return v;
}

json::object SseMessage::object() const {
  const json::value v = json();
  if (!v.is_object()) {
    ADD_FAILURE() << "the event's data is not a JSON object:\n" << describe();
    return {};
  }
  return v.get_object();
}

std::string SseMessage::describe() const {
  return raw.size() > 2000 ? raw.substr(0, 2000) + "..." : raw;
}

std::vector<std::int64_t> ids_of(const std::vector<SseMessage>& events) {
  std::vector<std::int64_t> ids;
  for (const SseMessage& e : events) ids.push_back(e.number());
  return ids;
}

std::vector<std::string> types_of(const std::vector<SseMessage>& events) {
  std::vector<std::string> types;
  for (const SseMessage& e : events) types.push_back(e.event);
  return types;
}

// ---- SseClient -------------------------------------------------------------------------------

SseClient::SseClient(unsigned short port, SseOptions options) {
  send_request(port, options);
  read_head(options.head_timeout);
}

SseClient::~SseClient() {
  close();
}

void SseClient::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void SseClient::send_request(unsigned short port, const SseOptions& options) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
  if (options.receive_buffer > 0) {
    // Before connect, so that the window the server is offered is small from the start.
    setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &options.receive_buffer, sizeof options.receive_buffer);
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    const std::string why = std::strerror(errno);
    close();
    throw std::runtime_error(fmt::format("connect to 127.0.0.1:{}: {}", port, why));
  }
  std::string request =
      fmt::format("GET /events{} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nAccept: text/event-stream\r\n",
                  options.query, port);
  if (options.last_event_id)
    request += fmt::format("Last-Event-ID: {}\r\n", *options.last_event_id);
  if (options.token) request += fmt::format("Authorization: Bearer {}\r\n", *options.token);
  for (const auto& [name, value] : options.headers)
    request += fmt::format("{}: {}\r\n", name, value);
  request += "\r\n";
  std::size_t sent = 0;
  while (sent < request.size()) {
    const ssize_t n = ::send(fd_, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error("send: " + std::string(std::strerror(errno)));
    sent += static_cast<std::size_t>(n);
  }
}

bool SseClient::receive(Clock::time_point deadline) {
  if (fd_ < 0 || eof_) return false;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(std::max<std::int64_t>(left.count(), 0)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      timed_out_ = true;
      return false;
    }
    char buffer[16384];
    const ssize_t n = ::recv(fd_, buffer, sizeof buffer, MSG_DONTWAIT);
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0) {  // closed by the server, or reset
      eof_ = true;
      return false;
    }
    raw_.append(buffer, static_cast<std::size_t>(n));
    return true;
  }
}

void SseClient::read_head(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::size_t end = 0;
  while ((end = raw_.find("\r\n\r\n")) == std::string::npos) {
    if (!receive(deadline)) {
      throw std::runtime_error(fmt::format("no answer's head from GET /events ({}): {:?}",
                                           eof_ ? "the connection ended" : "timed out", raw_));
    }
  }
  const std::string head = raw_.substr(0, end);
  raw_.erase(0, end + 4);
  std::size_t line_end = head.find("\r\n");
  const std::string status_line = head.substr(0, line_end);
  if (!status_line.starts_with("HTTP/1.1 ") || status_line.size() < 12) {
    throw std::runtime_error("not an HTTP/1.1 status line: " + status_line);
  }
  response_.status = static_cast<unsigned>(decimal(status_line.substr(9, 3)));
  while (line_end != std::string::npos) {
    const std::size_t start = line_end + 2;
    line_end = head.find("\r\n", start);
    const std::string line = head.substr(start, line_end - start);
    const auto colon = line.find(':');
    if (colon == std::string::npos) throw std::runtime_error("a header line without ':': " + line);
    response_.headers.emplace_back(line.substr(0, colon), trim(line.substr(colon + 1)));
  }
  chunked_ = lower(response_.header("Transfer-Encoding")).find("chunked") != std::string::npos;
  response_.keep_alive = lower(response_.header("Connection")) != "close";
  if (chunked_) {
    decode_chunks();
    if (response_.status != 200) {  // an error in chunks: its whole body
      while (end_ == SseEnd::open && receive(deadline)) decode_chunks();
      response_.body = std::move(text_);
    }
  } else {
    read_plain_body(deadline);
  }
}

void SseClient::read_plain_body(Clock::time_point deadline) {
  const std::string length = response_.header("Content-Length");
  const std::int64_t expected = length.empty() ? -1 : decimal(length);
  // Without a length the body runs to the connection's end.
  while ((expected < 0 || raw_.size() < static_cast<std::size_t>(expected)) && receive(deadline)) {
  }
  if (expected >= 0 && raw_.size() > static_cast<std::size_t>(expected)) {
    raw_.resize(static_cast<std::size_t>(expected));
  }
  response_.body = std::move(raw_);
  raw_.clear();
  end_ = expected >= 0 && response_.body.size() == static_cast<std::size_t>(expected)
             ? SseEnd::clean
             : SseEnd::cut;
}

void SseClient::decode_chunks() {
  while (end_ == SseEnd::open) {
    const std::size_t size_end = raw_.find("\r\n");
    if (size_end == std::string::npos) return;
    std::string_view size_text(raw_.data(), size_end);
    if (const auto ext = size_text.find(';'); ext != std::string_view::npos) {
      size_text = size_text.substr(0, ext);
    }
    std::size_t size = 0;
    const auto [ptr, ec] =
        std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
    if (ec != std::errc() || ptr != size_text.data() + size_text.size() || size_text.empty()) {
      ADD_FAILURE() << "a malformed chunk size line: " << fmt::format("{:?}", raw_.substr(0, 80));
      end_ = SseEnd::cut;
      return;
    }
    if (size == 0) {
      // The last chunk, then trailer fields (none expected) and the final CRLF.
      const std::size_t trailer_end = raw_.find("\r\n\r\n", size_end);
      const bool bare_end = raw_.compare(size_end, 4, "\r\n\r\n") == 0;
      if (!bare_end && trailer_end == std::string::npos) return;
      raw_.clear();
      end_ = SseEnd::clean;
      return;
    }
    const std::size_t data_start = size_end + 2;
    if (raw_.size() < data_start + size + 2) return;  // not all of it yet
    if (raw_.compare(data_start + size, 2, "\r\n") != 0) {
      ADD_FAILURE() << "a chunk not followed by CRLF";
      end_ = SseEnd::cut;
      return;
    }
    text_.append(raw_, data_start, size);
    body_bytes_ += size;
    raw_.erase(0, data_start + size + 2);
  }
}

std::optional<SseMessage> SseClient::take_block() {
  // Lines end with LF (a CR before it is dropped); a blank line ends the block.
  std::size_t pos = 0;
  SseMessage m;
  bool any_line = false;
  for (;;) {
    const std::size_t lf = text_.find('\n', pos);
    if (lf == std::string::npos) return std::nullopt;
    std::string_view line(text_.data() + pos, lf - pos);
    if (line.ends_with('\r')) line.remove_suffix(1);
    pos = lf + 1;
    if (line.empty()) {
      if (!any_line) {  // a stray blank line before any field: nothing to hand out
        text_.erase(0, pos);
        pos = 0;
        continue;
      }
      m.raw = text_.substr(0, pos);
      text_.erase(0, pos);
      return m;
    }
    any_line = true;
    apply_line(m, line);
  }
}

std::optional<SseMessage> SseClient::next(std::chrono::milliseconds timeout) {
  timed_out_ = false;
  const auto deadline = Clock::now() + timeout;
  const auto handed = [this](std::optional<SseMessage> block) {
    if (block && !first_) first_ = block;
    return block;
  };
  for (;;) {
    if (auto block = take_block()) return handed(std::move(block));
    if (end_ != SseEnd::open || fd_ < 0) return std::nullopt;
    if (!receive(deadline)) {
      if (eof_) {
        decode_chunks();
        if (auto block = take_block()) return handed(std::move(block));
        if (end_ == SseEnd::open) end_ = SseEnd::cut;
      }
      return std::nullopt;
    }
    decode_chunks();
  }
}

std::optional<SseMessage> SseClient::next_event(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    std::optional<SseMessage> block = next(std::max(left, 0ms));
    if (!block || block->is_event()) return block;
    for (const std::string& c : block->comments) skipped_.push_back(c);
  }
}

std::vector<SseMessage> SseClient::events(std::size_t n, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::vector<SseMessage> out;
  while (out.size() < n) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    std::optional<SseMessage> e = next_event(std::max(left, 0ms));
    if (!e) break;
    out.push_back(std::move(*e));
  }
  return out;
}

std::vector<SseMessage> SseClient::until_end(std::chrono::milliseconds idle) {
  std::vector<SseMessage> out;
  while (std::optional<SseMessage> e = next_event(idle)) out.push_back(std::move(*e));
  return out;
}

}  // namespace usertasks::testing
