#pragma once
// The HTTP/1.1 server: one io_context and thread per core, each connection a coroutine on one of
// them. It owns the socket's concerns and every response's; what a request means is the App's.

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "http/message.hpp"
#include "http/stream.hpp"

namespace usertasks::http {

class Metrics;

struct ServerOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 8080;
  unsigned threads = 0;  // 0: one per core
  std::size_t body_limit = 1024 * 1024;
  std::size_t header_limit = 16 * 1024;
  // One deadline for a request's whole header block, from its first byte (from the accept, for a
  // connection's first request) to its last header: a client trickling bytes is not kept alive
  // by each one.
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds body_timeout{30'000};   // to read a body, and to write a response
  std::chrono::milliseconds idle_timeout{60'000};   // a keep-alive connection with no request
  std::chrono::milliseconds drain_timeout{10'000};  // in-flight requests at shutdown
  // Connections served at once; one more is answered 503 and closed.
  std::size_t max_connections = 10'000;
  // A request's handling (the app, database included) past this is abandoned and answered 503.
  std::chrono::milliseconds request_timeout{30'000};
};

// The io threads a server with these options runs (threads, or one per core).
unsigned io_thread_count(const ServerOptions& options);

// What the app tells the server about a request it handled.
struct RequestContext {
  std::size_t route = 0;  // the Metrics route slot; preset to Metrics::unmatched()
  // Set by a streaming route (http/stream.hpp): what writes the body of a 200 after its head.
  StreamBody stream{};
};

class Server {
 public:
  // The app is cancelled (terminal cancellation of its coroutine) when request_timeout passes.
  using App = std::function<boost::asio::awaitable<Response>(Request&, RequestContext&)>;

  // `metrics`, when given, records every request and connection; it must outlive the server.
  Server(ServerOptions options, App app, Metrics* metrics = nullptr);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and listens; returns the port (useful with port 0). Throws std::runtime_error naming
  // the address and the system's reason when it cannot (e.g. the address is taken).
  unsigned short listen();
  // Serves until SIGINT/SIGTERM or stop(), then stops accepting, lets in-flight requests finish
  // (up to drain_timeout) and returns.
  void run();
  // Begins the graceful stop; callable from any thread.
  void stop();
  // The io threads' executors, the first also the accept loop's; valid until run() returns.
  [[nodiscard]] std::vector<boost::asio::any_io_executor> executors() const;
  // Called (on the first io thread) when the graceful stop begins: what else runs on the io
  // threads must end then, or run() does not return. Set before run().
  void on_stop(std::function<void()> hook);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace usertasks::http
