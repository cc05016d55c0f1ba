#include "http/server.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
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
#include "http/request_id.hpp"

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

void add_cors(Response& res) {
  res.set("Access-Control-Allow-Origin", "*");
  res.set("Access-Control-Expose-Headers", "Location, Link, X-Request-Id, Retry-After");
}

}  // namespace

struct Server::Impl {
  struct Connection {
    beast::tcp_stream* stream;
    bool busy = false;
  };
  struct Worker {
    asio::io_context context{1};
    // Keeps run() going while no connection is open; released when the server stops.
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> guard{
        context.get_executor()};
    std::unordered_set<Connection*> connections;  // touched only on this worker's thread
  };

  ServerOptions options;
  App app;
  std::vector<std::unique_ptr<Worker>> workers;
  tcp::acceptor acceptor;
  asio::signal_set signals;
  asio::steady_timer drain_timer;
  std::atomic<bool> stopping{false};
  const bool log_requests = access_log_enabled();  // the log level is set before the server
  std::atomic<std::size_t> open{0};

  Impl(ServerOptions o, App a)
      : options(std::move(o)),
        app(std::move(a)),
        workers(make_workers(options.threads)),
        acceptor(workers.front()->context),
        signals(workers.front()->context, SIGINT, SIGTERM),
        drain_timer(workers.front()->context) {}

  static std::vector<std::unique_ptr<Worker>> make_workers(unsigned threads) {
    if (threads == 0) threads = std::max(1U, std::thread::hardware_concurrency());
    std::vector<std::unique_ptr<Worker>> out;
    for (unsigned i = 0; i < threads; ++i) out.push_back(std::make_unique<Worker>());
    return out;
  }

  awaitable<void> accept_loop() {
    std::size_t next = 0;
    for (;;) {
      Worker& worker = *workers[next++ % workers.size()];
      auto [ec, socket] = co_await acceptor.async_accept(worker.context, nothrow);
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) co_return;
      if (ec) {
        spdlog::warn("accept failed: {}", ec.message());
        continue;
      }
      ++open;
      asio::co_spawn(worker.context, session(worker, std::move(socket)), asio::detached);
    }
  }

  // Runs on worker 0's thread.
  void begin_stop() {
    if (stopping.exchange(true)) return;
    spdlog::info("shutting down: no new connections, finishing requests in flight");
    boost::system::error_code ignored;
    acceptor.close(ignored);
    signals.cancel(ignored);
    for (auto& worker : workers) {
      asio::post(worker->context, [w = worker.get()] {
        w->guard.reset();
        for (Connection* c : w->connections) {
          if (!c->busy) c->stream->cancel();
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
    if (--open == 0 && stopping.load()) {
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

  awaitable<Response> respond(Request& req, const std::string& request_id) {
    try {
      co_return co_await app(req);
    } catch (const std::exception& e) {
      spdlog::error("request {} {} {} failed: {}", request_id, std::string(req.method_string()),
                    std::string(req.target()), e.what());
    }
    co_return problem(Status::internal_server_error, "internal",
                      "an unexpected error occurred; quote the X-Request-Id when reporting it");
  }

  awaitable<void> session(Worker& worker, tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    Connection self{&stream};
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

    for (;;) {
      self.busy = false;
      if (stopping.load()) break;
      if (buffer.size() == 0) {
        stream.expires_after(options.idle_timeout);
        auto [ec, n] = co_await stream.async_read_some(buffer.prepare(4096), nothrow);
        if (ec) break;
        buffer.commit(n);
      }
      self.busy = true;

      beast_http::request_parser<beast_http::string_body> parser;
      parser.header_limit(static_cast<std::uint32_t>(options.header_limit));
      parser.body_limit(options.body_limit);
      stream.expires_after(options.header_timeout);
      auto [read_ec, ignored_bytes] =
          co_await beast_http::async_read_header(stream, buffer, parser, nothrow);
      const auto started = std::chrono::steady_clock::now();
      std::string request_id = make_request_id({});

      std::optional<Response> early;
      if (read_ec) {
        early = answer_to_header_error(read_ec);
        if (!early) break;  // the peer went away or stalled: nobody to answer
      } else {
        request_id = make_request_id(parser.get()[request_id_field]);
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
      if (early) {
        // By name: a request line the parser did not understand has no known verb.
        req.method_string(parser.get().method_string());
        req.target(parser.get().target());
        res = std::move(*early);
      } else {
        req = parser.release();
        res = co_await respond(req, request_id);
      }
      const bool keep_alive = !early && req.keep_alive() && !stopping.load();
      res.keep_alive(keep_alive);
      add_cors(res);
      res.set(request_id_field, request_id);
      const std::size_t bytes = res.body().size();
      const unsigned status = res.result_int();

      stream.expires_after(options.body_timeout);
      auto [write_ec, written] = co_await write(stream, res, req.method() == Verb::head);
      const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                              std::chrono::steady_clock::now() - started)
                              .count();
      if (log_requests) {
        log_access(stream.get_executor(), {.peer = peer,
                                           .method = req.method_string(),
                                           .target = req.target(),
                                           .status = status,
                                           .bytes = bytes,
                                           .duration = std::chrono::microseconds(micros),
                                           .request_id = request_id});
      }
      if (write_ec) break;
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

Server::Server(ServerOptions options, App app)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(app))) {}

Server::~Server() = default;

unsigned short Server::listen() {
  Impl& s = *impl_;
  const tcp::endpoint endpoint(asio::ip::make_address(s.options.host), s.options.port);
  s.acceptor.open(endpoint.protocol());
  s.acceptor.set_option(tcp::acceptor::reuse_address(true));
  s.acceptor.bind(endpoint);
  s.acceptor.listen(asio::socket_base::max_listen_connections);
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
    threads.emplace_back([w = s.workers[i].get()] {
      w->context.run();
      flush_access_log();
    });
  }
  s.workers.front()->context.run();
  flush_access_log();
}

void Server::stop() {
  asio::post(impl_->workers.front()->context, [s = impl_.get()] { s->begin_stop(); });
}

}  // namespace usertasks::http
