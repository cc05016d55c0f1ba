#pragma once
// An answer whose body goes on after its head: the server writes the head, then hands the
// connection's writing side to the route's stream (text/event-stream) until it returns.

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <string_view>

namespace usertasks::http {

class Stream {
 public:
  virtual ~Stream() = default;
  // Sends `bytes` at once (one chunk); false when the peer is gone or did not take them within
  // the body timeout: the stream should then return.
  virtual boost::asio::awaitable<bool> write(std::string_view bytes) = 0;
  // True once the stream must end: the server is stopping, or the peer closed or sent anything.
  [[nodiscard]] virtual bool ending() const = 0;
  // `wake` is called on the stream's thread when ending() becomes true (to end a wait).
  virtual void on_ending(std::function<void()> wake) = 0;
  // Drops the connection at once, without the body's end: for a peer that does not keep up.
  virtual void abort() = 0;
};

using StreamBody = std::function<boost::asio::awaitable<void>(Stream&)>;

}  // namespace usertasks::http
