#include "http/server.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <optional>
#include <thread>
#include <unordered_set>

#include "http/access_log.hpp"
#include "http/metrics.hpp"
#include "http/request.hpp"
#include "http/request_id.hpp"
#include "http/server_support.hpp"
#include "http/stream_session.hpp"

namespace usertasks::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using asio::awaitable;
constexpr auto nothrow = asio::as_tuple(asio::use_awaitable);

namespace {

// After an early error answer (413, 431, 400) the client may still be sending: read and discard
// for a while before closing, so that the close does not reset the connection under the answer.
constexpr std::size_t linger_bytes = 64 * 1024 * 1024;
constexpr std::chrono::seconds linger_time{5};

constexpr std::string_view request_id_field = "X-Request-Id";

// A connection over --max-connections is answered 503 at once and gets this long to take the
// answer and hang up; what it sends meanwhile is read and dropped (up to refusal_bytes), so that
// the close does not reset the connection under the answer.
constexpr std::chrono::seconds refusal_time{1};
constexpr std::size_t refusal_bytes = 64 * 1024;
// Refused connections being answered at once; past this many, a refused connection is closed
// without an answer, so that a flood of them cannot hold many descriptors.
constexpr std::size_t max_refusing = 256;
// Descriptors the process needs besides its connections: refusals, database, log files.
constexpr std::size_t spare_descriptors = max_refusing + 64;
// accept() out of descriptors or memory fails again at once while the connection waits in the
// backlog: the accept loop pauses this long instead of spinning.
constexpr std::chrono::milliseconds accept_pause{100};

}  // namespace

unsigned io_thread_count(const ServerOptions& options) {
  return options.threads != 0 ? options.threads : std::max(1U, std::thread::hardware_concurrency());
}

struct Server::Impl {
  struct Connection {
    beast::tcp_stream* stream;
    bool busy = false;
    std::shared_ptr<StreamControl> streaming;  // while it streams an answer
  };
  // A connection's request timeout: its timer, and the signal that cancels the app's coroutine
  // (the session is spawned bound to this signal's slot). Shared with the timer's handler.
  struct Deadline {
    explicit Deadline(const asio::any_io_executor& executor) : timer(executor) {}
    asio::steady_timer timer;
    asio::cancellation_signal signal;
    bool armed = false;  // the app is running
    bool fired = false;  // the timeout cancelled it
    // Which request the timer is for: a wait that expired as its request ended must not cancel
    // the next one.
    std::uint64_t request = 0;
  };
  struct Worker {
    // Touched only on this worker's thread. Declared before the context, so that it outlives
    // the sessions the context destroys when it goes (their clean-up erases them from here).
    std::unordered_set<Connection*> connections;
    asio::io_context context{1};
    // Keeps run() going while no connection is open; released when the server stops.
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard{
        context.get_executor()};
  };

  ServerOptions options;
  App app;
  Metrics* metrics;
  const Response refusal = refusal_answer(options.max_connections);
  // Set when run() has returned and every io thread has ended. Sessions still suspended then
  // (past the drain timeout) are destroyed with their io_context, in whatever order the workers
  // go: their clean-up must not post to another worker's context, which may be gone already.
  std::atomic<bool> finished{false};
  std::vector<std::unique_ptr<Worker>> workers;
  tcp::acceptor acceptor;
  asio::signal_set signals;
  asio::steady_timer drain_timer;
  std::atomic<bool> stopping{false};
  std::function<void()> stop_hook;
  const bool log_requests = access_log_enabled();  // the log level is set before the server
  std::atomic<std::size_t> open{0};
  std::atomic<std::size_t> refusing{0};  // refused connections being answered
  RateLimitedWarning refusal_warning;    // these two: the accept loop's thread only
  RateLimitedWarning accept_warning;

  Impl(ServerOptions o, App a, Metrics* m)
      : options(std::move(o)),
        app(std::move(a)),
        metrics(m),
        workers(make_workers(io_thread_count(options))),
        acceptor(workers.front()->context),
        signals(workers.front()->context, SIGINT, SIGTERM),
        drain_timer(workers.front()->context) {}

  static std::vector<std::unique_ptr<Worker>> make_workers(unsigned threads) {
    std::vector<std::unique_ptr<Worker>> out;
    for (unsigned i = 0; i < threads; ++i) out.push_back(std::make_unique<Worker>());
    return out;
  }

  awaitable<void> accept_loop() {
    std::size_t next = 0;
    asio::steady_timer pause(workers.front()->context);
    for (;;) {
      Worker& worker = *workers[next++ % workers.size()];
      auto [ec, socket] = co_await acceptor.async_accept(worker.context, nothrow);
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      if (ec) {
        if (std::uint64_t times = 0; accept_warning.due(times)) {
          spdlog::warn("accept failed ({} times since the last warning): {}", times, ec.message());
        }
        if (ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space ||
            ec == asio::error::no_memory || ec.value() == ENFILE) {
          pause.expires_after(accept_pause);
          co_await pause.async_wait(nothrow);
        }
        continue;
      }
      if (open.load() >= options.max_connections) {
        refuse(worker, std::move(socket));
        continue;
      }
      ++open;
      if (metrics != nullptr) metrics->connection_opened();
      auto deadline = std::make_shared<Deadline>(worker.context.get_executor());
      asio::cancellation_slot slot = deadline->signal.slot();
      asio::co_spawn(worker.context, session(worker, std::move(socket), deadline),
                     asio::bind_cancellation_slot(slot, [deadline](const std::exception_ptr& e) {
                       if (e) log_connection_failure(e);
                     }));
    }
  }

  // A connection over the limit: counted, warned about (at most once a second), answered 503
  // without reading its request, and closed. The accept loop does not wait for any of it.
  void refuse(Worker& worker, tcp::socket socket) {
    if (metrics != nullptr) metrics->connection_refused();
    if (std::uint64_t times = 0; refusal_warning.due(times)) {
      spdlog::warn("refused {} connections since the last warning: {} are open (--max-connections)",
                   times, options.max_connections);
    }
    if (refusing.load() >= max_refusing) {
      boost::system::error_code ignored;
      socket.close(ignored);
      return;
    }
    ++refusing;
    asio::co_spawn(worker.context, answer_refused(std::move(socket)), asio::detached);
  }

  awaitable<void> answer_refused(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    stream.expires_after(refusal_time);
    Response res = refusal;
    res.set(request_id_field, make_request_id({}));
    auto [ec, written] = co_await beast_http::async_write(stream, res, nothrow);
    if (!ec) {
      boost::system::error_code ignored;
      stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
      std::array<char, 4096> discard{};
      for (std::size_t drained = 0; drained < refusal_bytes;) {
        auto [read_ec, n] = co_await stream.async_read_some(asio::buffer(discard), nothrow);
        if (read_ec) break;
        drained += n;
      }
    }
    stream.close();
    --refusing;
  }

  // Runs on worker 0's thread.
  void begin_stop() {
    if (stopping.exchange(true)) return;
    spdlog::info("shutting down: no new connections, finishing requests in flight");
    if (stop_hook) stop_hook();
    boost::system::error_code ignored;
    acceptor.close(ignored);
    signals.cancel(ignored);
    for (auto& worker : workers) {
      asio::post(worker->context, [w = worker.get()] {
        w->guard.reset();
        for (Connection* c : w->connections) {
          if (c->streaming) {
            c->streaming->end(true);
          } else if (!c->busy) {
            c->stream->cancel();
          }
        }
      });
    }
    if (open.load() > 0) {
      drain_timer.expires_after(options.drain_timeout);
      drain_timer.async_wait([this](boost::system::error_code ec) {
        if (ec) return;  // every connection closed in time
        spdlog::warn("drain timeout: closing {} connections", open.load());
        for (auto& worker : workers) worker->context.stop();
      });
    }
  }

  void connection_closed() {
    if (metrics != nullptr) metrics->connection_closed();
    if (--open == 0 && stopping.load() && !finished.load()) {
      asio::post(workers.front()->context, [this] { drain_timer.cancel(); });
    }
  }

  awaitable<void> linger(beast::tcp_stream& stream, beast::flat_buffer& buffer) {
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream.expires_after(linger_time);
    for (std::size_t drained = 0; drained < linger_bytes;) {
      buffer.clear();
      auto [ec, n] = co_await stream.async_read_some(buffer.prepare(64 * 1024), nothrow);
      if (ec) break;
      drained += n;
    }
  }

  // The answer to a HEAD request is the GET answer's head: its Content-Length, none of its body.
  static awaitable<std::tuple<boost::system::error_code, std::size_t>> write(
      beast::tcp_stream& stream, Response& res, bool head_only) {
    if (!head_only) co_return co_await beast_http::async_write(stream, res, nothrow);
    beast_http::response_serializer<beast_http::string_body> serializer(res);
    co_return co_await beast_http::async_write_header(stream, serializer, nothrow);
  }

  // The answer to a request whose headers could not be read, or nullopt when there is nobody to
  // answer (the peer closed, reset or stalled past the header timeout).
  [[nodiscard]] std::optional<Response> answer_to_header_error(boost::system::error_code ec) const {
    if (ec == beast_http::error::header_limit) {
      return problem(Status::request_header_fields_too_large, "headers-too-large",
                     fmt::format("request headers exceed {} bytes", options.header_limit));
    }
    // The parser compares Content-Length with the limit as soon as the headers are in.
    if (ec == beast_http::error::body_limit) return too_large();
    if (ec == beast::error::timeout || ec == beast_http::error::end_of_stream ||
        ec == asio::error::eof || ec == asio::error::operation_aborted ||
        ec == asio::error::connection_reset) {
      return std::nullopt;
    }
    return problem(Status::bad_request, "malformed-request", "the request is not valid HTTP/1.1");
  }

  [[nodiscard]] Response too_large() const {
    return problem(Status::payload_too_large, "body-too-large",
                   fmt::format("the body exceeds the limit of {} bytes", options.body_limit));
  }

  // Runs the app under the request timeout: when it passes, the app's coroutine is cancelled
  // (terminal), which makes what it awaits (a database call) give up.
  awaitable<Response> respond(Request& req, RequestContext& context, const std::string& request_id,
                              const std::shared_ptr<Deadline>& deadline) {
    Deadline& d = *deadline;
    d.armed = true;
    d.fired = false;
    d.timer.expires_after(options.request_timeout);
    d.timer.async_wait([deadline, request = ++d.request](boost::system::error_code ec) {
      if (ec || !deadline->armed || deadline->request != request) return;
      deadline->fired = true;
      deadline->signal.emit(asio::cancellation_type::terminal);
    });
    std::optional<Response> res;
    std::exception_ptr failure;
    try {
      res.emplace(co_await app(req, context));
    } catch (...) {
      failure = std::current_exception();
    }
    d.armed = false;
    d.timer.cancel();
    if (d.fired) {
      // The connection's next requests must not start out cancelled.
      co_await asio::this_coro::reset_cancellation_state();
      // An answer the app completed stands: its work was done. One it could not complete, because
      // it was cancelled, is the timeout's.
      if (failure || res->result_int() >= 500) {
        if (metrics != nullptr) metrics->request_timed_out();
        co_return timed_out(options.request_timeout);
      }
    }
    if (!failure) co_return std::move(*res);
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      spdlog::error("request {} {} {} failed: {}", request_id, std::string(req.method_string()),
                    std::string(req.target()), e.what());
    } catch (...) {
      spdlog::error("request {} {} {} failed", request_id, std::string(req.method_string()),
                    std::string(req.target()));
    }
    co_return problem(Status::internal_server_error, "internal",
                      "an unexpected error occurred; quote the X-Request-Id when reporting it");
  }

  // The body of a streamed answer, for as long as it lasts; the connection's buffers are given
  // back first, since a stream may stay open for hours.
  awaitable<void> stream_answer(Connection& self, beast::tcp_stream& stream,
                                beast::flat_buffer& buffer, StreamBody body) {
    buffer.clear();
    buffer.shrink_to_fit();
    auto control = std::make_shared<StreamControl>();
    control->stopping = stopping.load();
    self.streaming = control;
    co_await serve_stream(stream, body, options.body_timeout, control);
    self.streaming = nullptr;
  }

  awaitable<void> session(Worker& worker, tcp::socket socket, std::shared_ptr<Deadline> deadline) {
    beast::tcp_stream stream(std::move(socket));
    Connection self{&stream, false, nullptr};
    worker.connections.insert(&self);
    struct Leave {
      Impl* impl;
      Worker& w;
      Connection* c;
      ~Leave() {
        w.connections.erase(c);
        impl->connection_closed();
      }
    } leave{this, worker, &self};

    const std::string peer = [&] {
      boost::system::error_code ec;
      auto ep = stream.socket().remote_endpoint(ec);
      return ec ? std::string("-") : ep.address().to_string();
    }();
    beast::flat_buffer buffer;

    // The first request's header deadline runs from the accept, so that a connection that sends
    // nothing is dropped as soon as one that sends too slowly. Later requests may keep the
    // connection idle up to the idle timeout; their header deadline runs from their first byte.
    stream.expires_after(options.header_timeout);
    for (bool first = true;; first = false) {
      self.busy = false;
      if (stopping.load()) break;
      if (buffer.size() == 0) {
        if (!first) stream.expires_after(options.idle_timeout);
        auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), nothrow);
        if (ec) break;
        buffer.commit(n);
      }
      self.busy = true;

      beast_http::request_parser<beast_http::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(options.header_limit));
      parser.body_limit(options.body_limit);
      // One deadline for the whole header block: the stream's timer is absolute, so the reads
      // below share it however many there are.
      if (!first) stream.expires_after(options.header_timeout);
      auto [read_ec, ignored_bytes] =
          co_await beast_http::async_read_header(stream, buffer, parser, nothrow);
      const auto started = std::chrono::steady_clock::now();
      std::string request_id = make_request_id({});

      std::optional<Response> early;
      std::string sent_target;  // an absolute-form target as sent, for the access log
      if (read_ec) {
        early = answer_to_header_error(read_ec);
        if (!early) break;  // the peer went away or stalled: nobody to answer
      } else {
        request_id = make_request_id(parser.get()[request_id_field]);
        early = normalize_head(parser.get(), sent_target);
      }

      if (!early) {
        if (parser.get()[beast_http::field::expect] == "100-continue" && !parser.is_done()) {
          beast_http::response<beast_http::empty_body> go_on{Status::continue_, 11};
          stream.expires_after(options.body_timeout);
          auto [ec, n] = co_await beast_http::async_write(stream, go_on, nothrow);
          if (ec) break;
        }
        stream.expires_after(options.body_timeout);
        auto [ec, n] = co_await beast_http::async_read(stream, buffer, parser, nothrow);
        if (ec == beast_http::error::body_limit) {
          early = too_large();  // a chunked body that grew past the limit
        } else if (ec) {
          break;
        }
      }

      Request req;
      Response res;
      RequestContext context{.route = metrics != nullptr ? metrics->unmatched() : 0};
      if (early) {
        // By name: a request line the parser did not understand has no known verb.
        req.method_string(parser.get().method_string());
        req.target(parser.get().target());
        res = std::move(*early);
      } else {
        req = parser.release();
        res = co_await respond(req, context, request_id, deadline);
      }
      const bool keep_alive = !early && req.keep_alive() && !stopping.load();
      res.keep_alive(keep_alive);
      add_cors(res);
      res.set(request_id_field, request_id);
      const std::size_t bytes = res.body().size();
      const unsigned status = res.result_int();

      // A streamed answer: its head now, chunked; its body after the request is logged.
      const bool streams = context.stream && status == 200 && req.method() == Verb::get;
      if (streams) {
        res.keep_alive(false);  // a stream ends with its connection
        res.chunked(true);
      }
      stream.expires_after(options.body_timeout);
      auto [write_ec, written] = co_await write(stream, res, streams || req.method() == Verb::head);
      const auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::steady_clock::now() - started);
      if (log_requests) {
        log_access(stream.get_executor(),
                   {.peer = peer,
                    .method = req.method_string(),
                    .target = sent_target.empty() ? std::string_view(req.target()) : sent_target,
                    .status = status,
                    .bytes = bytes,
                    .duration = elapsed,
                    .request_id = request_id});
      }
      if (metrics != nullptr)
        metrics->observe_request(context.route, req.method(), status, elapsed);
      if (write_ec) break;
      if (streams) {
        co_await stream_answer(self, stream, buffer, std::move(context.stream));
        break;
      }
      if (early) {
        co_await linger(stream, buffer);
        break;
      }
      if (!keep_alive) break;
    }
    boost::system::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream.socket().close(ignored);
  }
};

Server::Server(ServerOptions options, App app, Metrics* metrics)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(app), metrics)) {}

Server::~Server() = default;

unsigned short Server::listen() {
  Impl& s = *impl_;
  // One line for a person: the address and the system's reason, not Asio's source location.
  const auto fail = [&s](std::string_view reason) {
    const bool v6 = s.options.host.find(':') != std::string::npos;
    throw std::runtime_error(fmt::format("cannot listen on {}{}{}:{}: {}", v6 ? "[" : "",
                                         s.options.host, v6 ? "]" : "", s.options.port, reason));
  };
  boost::system::error_code ec;
  const asio::ip::address address = asio::ip::make_address(s.options.host, ec);
  if (ec) fail("--host is not an IP address");
  const tcp::endpoint endpoint(address, s.options.port);
  s.acceptor.open(endpoint.protocol(), ec);
  if (!ec) s.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) s.acceptor.bind(endpoint, ec);
  if (!ec) s.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) fail(ec.message());
  ensure_descriptors(s.options.max_connections, spare_descriptors);
  return s.acceptor.local_endpoint().port();
}

void Server::run() {
  Impl& s = *impl_;
  s.signals.async_wait([&s](boost::system::error_code ec, int) {
    if (!ec) s.begin_stop();
  });
  asio::co_spawn(s.workers.front()->context, s.accept_loop(), asio::detached);
  std::vector<std::jthread> threads;
  for (std::size_t i = 1; i < s.workers.size(); ++i) {
    threads.emplace_back([w = s.workers[i].get(), i] {
      Metrics::bind_thread(static_cast<unsigned>(i));
      w->context.run();
      flush_access_log();
    });
  }
  Metrics::bind_thread(0);
  s.workers.front()->context.run();
  flush_access_log();
  threads.clear();  // joins
  s.finished = true;
}

void Server::stop() {
  asio::post(impl_->workers.front()->context, [s = impl_.get()] { s->begin_stop(); });
}

std::vector<asio::any_io_executor> Server::executors() const {
  std::vector<asio::any_io_executor> out;
  for (const auto& worker : impl_->workers) out.emplace_back(worker->context.get_executor());
  return out;
}

void Server::on_stop(std::function<void()> hook) {
  impl_->stop_hook = std::move(hook);
}

}  // namespace usertasks::http
