#pragma once
// The server's side of a streamed answer (http/stream.hpp): the chunked body, the watch on the
// peer, and the shutdown hook. Used by server.cpp only.

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <chrono>
#include <functional>
#include <memory>

#include "http/message.hpp"
#include "http/stream.hpp"

namespace usertasks::http {

// What ends a stream from outside: the server stopping, the peer closing. Shared with the
// handlers that watch for either, which may outlive the stream.
struct StreamControl {
  bool stopping = false;
  bool peer_gone = false;
  std::function<void()> wake;  // the stream's, set through Stream::on_ending
  void end(bool stop) {
    (stop ? stopping : peer_gone) = true;
    if (wake) wake();
  }
};

// After the head of a chunked answer: runs `body` (each write under `write_timeout`), then ends
// the body with the last chunk unless the peer is gone. False when the connection failed.
boost::asio::awaitable<bool> serve_stream(boost::beast::tcp_stream& stream, const StreamBody& body,
                                          std::chrono::milliseconds write_timeout,
                                          const std::shared_ptr<StreamControl>& control);

}  // namespace usertasks::http
