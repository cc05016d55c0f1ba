// Graceful shutdown under load. SIGTERM while clients keep sending, and a request held in flight
// (its body half sent): the request in flight is finished and answered, connections attempted
// after the listener closed are refused, no answer is ever cut in half (a connection the server
// closes carries whole answers or none), writes answered 201 during the drain are stored, and
// the process exits 0 by itself. A request stuck past the drain timeout does not keep the process
// alive: it still exits 0, without the harness's SIGKILL.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <functional>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "harness.hpp"

namespace usertasks::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// A bound on every wait for an answer, so that a hung request fails the test instead of hanging it.
constexpr auto client_timeout = 15s;

bool eventually(const std::function<bool()>& done, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

// Whether a new TCP connection to the port is refused (nothing listens there).
bool connection_refused(unsigned short port) {
  asio::io_context context;
  tcp::socket socket(context);
  boost::system::error_code ec;
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  return ec == asio::error::connection_refused;
}

// A POST whose body the test sends in two parts: from the first part on, the server is inside
// the request (reading its body) until the test sends the rest.
class HalfSentRequest {
 public:
  // With `wait_for_continue`, the headers go with `Expect: 100-continue` and the half body only
  // after the server's interim 100 answer: from then on the request is certainly in flight.
  HalfSentRequest(unsigned short port, std::string_view target, const std::string& body,
                  bool wait_for_continue = false)
      : socket_(context_), rest_(body.substr(body.size() / 2)) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    const std::string head = fmt::format(
        "POST {} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        "Content-Length: {}\r\n{}\r\n",
        target, body.size(), wait_for_continue ? "Expect: 100-continue\r\n" : "");
    if (wait_for_continue) {
      asio::write(socket_, asio::buffer(head));
      std::string interim;
      asio::read_until(socket_, asio::dynamic_buffer(interim), "\r\n\r\n");
      if (!interim.starts_with("HTTP/1.1 100")) throw std::runtime_error("no 100: " + interim);
      asio::write(socket_, asio::buffer(body.substr(0, body.size() / 2)));
    } else {
      asio::write(socket_, asio::buffer(head + body.substr(0, body.size() / 2)));
    }
  }

  void send_rest() { asio::write(socket_, asio::buffer(rest_)); }

  struct Outcome {
    boost::system::error_code error;  // why there is no answer
    Response response;
  };
  // Reads the answer, waiting at most client_timeout.
  Outcome read() {
    Outcome outcome;
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    bool done = false;
    http::async_read(socket_, buffer, parser, [&](boost::system::error_code ec, std::size_t) {
      outcome.error = ec;
      done = true;
    });
    context_.run_for(client_timeout);
    if (!done) {
      socket_.close();
      context_.restart();
      context_.run();
      outcome.error = asio::error::timed_out;
      return outcome;
    }
    if (outcome.error) return outcome;
    auto message = parser.release();
    outcome.response.status = message.result_int();
    for (const auto& field : message) {
      outcome.response.headers.emplace_back(std::string(field.name_string()),
                                            std::string(field.value()));
    }
    outcome.response.keep_alive = message.keep_alive();
    outcome.response.body = std::move(message.body());
    return outcome;
  }

 private:
  asio::io_context context_;
  tcp::socket socket_;
  std::string rest_;
};

// What the clients saw, counted; `wrong` describes what must not happen.
struct Observations {
  std::atomic<int> answered{0};
  std::atomic<int> refused{0};     // a new connection after the listener closed
  std::atomic<int> unanswered{0};  // a connection the server closed before reading the request
  std::mutex mutex;
  std::vector<std::string> wrong;
  std::set<std::int64_t> tasks;  // acknowledged (201) task ids

  void bad(std::string what) {
    std::lock_guard lock(mutex);
    if (wrong.size() < 20) wrong.push_back(std::move(what));
  }
};

class GracefulShutdown : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (const std::string why = backend(GetParam()).unavailable_reason(); !why.empty()) {
      GTEST_SKIP() << GetParam() << " is not available: " << why;
    }
  }
};

TEST_P(GracefulShutdown, SigtermUnderLoadDrainsInFlightRequestsRefusesNewOnesAndExits0) {
  const std::string url = backend(GetParam()).fresh_database_url();
  ServerProcess server(ServerConfig{.database_url = url,
                                    .extra_args = {"--drain-timeout-ms", "5000"},
                                    .migrate = Migrate::flag,
                                    .threads = 2});
  const unsigned short port = server.port();
  Client setup(port);
  const Response seeded =
      setup.post("/users", json::object{{"name", "Seed"}, {"email", "seed@example.com"}});
  ASSERT_EQ(seeded.status, 201U) << seeded.describe();
  const std::int64_t seed = id_of(seeded.json());
  setup.close();

  HalfSentRequest slow(port, "/users",
                       to_text(json::object{{"name", "Slow"}, {"email", "slow@example.com"}}));

  // 12 clients on keep-alive connections and 4 opening a connection per request, all sending
  // reads and writes until told to stop.
  constexpr int keep_alive_clients = 12;
  constexpr int fresh_clients = 4;
  std::atomic<bool> terminated{false};
  std::atomic<bool> stop{false};
  Observations seen;
  auto work = [&](int index, bool fresh) {
    Client client(port, fresh);
    client.set_timeout(client_timeout);
    for (int i = 0; !stop.load(); ++i) {
      std::string what;
      Response r;
      try {
        switch ((i + index) % 4) {
          case 0:
            what = fmt::format("GET /users/{}", seed);
            r = client.get(fmt::format("/users/{}", seed));
            break;
          case 1:
            what = "POST task";
            r = client.post(fmt::format("/users/{}/tasks", seed),
                            json::object{{"content", fmt::format("task {} of {}", i, index)}});
            break;
          case 2:
            what = "GET /tasks";
            r = client.get("/tasks?limit=10");
            break;
          default:
            what = "GET /healthz";
            r = client.get("/healthz");
        }
      } catch (const boost::system::system_error& e) {
        const auto ec = e.code();
        if (!terminated.load()) {
          seen.bad(fmt::format("{} failed before SIGTERM: {}", what, e.what()));
        } else if (client.answer_started()) {
          seen.bad(fmt::format("{}: an answer cut off: {}", what, e.what()));
        } else if (ec == asio::error::timed_out) {
          seen.bad(fmt::format("{}: no answer within {} s", what, client_timeout.count()));
        } else if (ec == asio::error::connection_refused) {
          ++seen.refused;
          std::this_thread::sleep_for(1ms);
        } else {
          // Closed with not one byte of an answer: an idle keep-alive connection closed as the
          // request went out, or a connection still in the listener's backlog when it closed
          // (reset, or aborted while connecting).
          ++seen.unanswered;
        }
        continue;
      }
      ++seen.answered;
      if (r.status < 200 || r.status >= 300) seen.bad(what + ":\n" + r.describe());
      if (r.status == 201) {
        const std::int64_t id = id_of(r.json());
        std::lock_guard lock(seen.mutex);
        seen.tasks.insert(id);
      }
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < keep_alive_clients + fresh_clients; ++i) {
    threads.emplace_back(work, i, i >= keep_alive_clients);
  }

  const bool loaded = eventually([&] { return seen.answered.load() >= 500; }, 60s);
  const int answered_before = seen.answered.load();
  terminated = true;
  server.terminate();
  // The listener closes right after the server logs that it is shutting down.
  const bool closing =
      eventually([&] { return server.log().find("shutting down") != std::string::npos; }, 10s);
  const bool refusing = eventually([&] { return connection_refused(port); }, 10s);
  int refused_in_a_row = 0;
  while (refused_in_a_row < 20 && connection_refused(port)) ++refused_in_a_row;
  // The request in flight holds the drain: the process is still there, and answers it.
  const bool held = server.running();
  slow.send_rest();
  const HalfSentRequest::Outcome last = slow.read();
  stop = true;
  for (auto& t : threads) t.join();
  const ServerProcess::Exit exit = server.stop();

  EXPECT_TRUE(loaded) << seen.answered << " answers before SIGTERM";
  EXPECT_TRUE(closing) << server.log();
  EXPECT_TRUE(refusing) << "new connections were still accepted";
  EXPECT_EQ(refused_in_a_row, 20) << "a connection was accepted after the first refusal";
  EXPECT_TRUE(held) << "the server exited with a request in flight\n" << server.log();
  EXPECT_FALSE(last.error) << "the request in flight got no answer: " << last.error.message();
  EXPECT_EQ(last.response.status, 201U) << last.response.describe();
  EXPECT_FALSE(last.response.keep_alive) << "an answer during the drain closes its connection";
  EXPECT_TRUE(exit.exited && exit.code == 0 && !exit.killed)
      << "exited=" << exit.exited << " code=" << exit.code << " killed=" << exit.killed << "\n"
      << server.log();
  EXPECT_TRUE(seen.wrong.empty()) << fmt::format("{}", fmt::join(seen.wrong, "\n"));
  EXPECT_GT(seen.refused.load(), 0) << "no client tried a new connection after the listener closed";
  RecordProperty("answered_before_sigterm", answered_before);
  RecordProperty("answered_after_sigterm", seen.answered.load() - answered_before);
  RecordProperty("refused", seen.refused.load());
  RecordProperty("closed_unanswered", seen.unanswered.load());

  // Everything answered 201, the request drained at the end included, was committed.
  ServerProcess again(
      ServerConfig{.database_url = url, .extra_args = {}, .migrate = Migrate::flag, .threads = 2});
  Client client(again.port());
  std::set<std::int64_t> stored;
  std::optional<std::string> target = fmt::format("/tasks?user_id={}&limit=1000", seed);
  while (target) {
    const Response page = client.get(*target);
    ASSERT_EQ(page.status, 200U) << page.describe();
    for (const json::value& task : page.array()) stored.insert(id_of(task));
    target = next_link(page);
  }
  EXPECT_EQ(stored, seen.tasks);
  if (!last.error && last.response.status == 201) {
    const Response slow_user = client.get(last.response.header("Location"));
    EXPECT_EQ(slow_user.status, 200U) << slow_user.describe();
  }
}

// A request still in flight when the drain timeout passes is dropped, and the process exits 0. The
// sessions still suspended then are destroyed with their io_contexts after run() returns; this
// test found that their clean-up posted to a worker's context already destroyed (SIGSEGV, 139).
TEST_P(GracefulShutdown, ARequestStuckPastTheDrainTimeoutDoesNotKeepTheProcessAlive) {
  ServerProcess server(ServerConfig{.database_url = backend(GetParam()).fresh_database_url(),
                                    .extra_args = {"--drain-timeout-ms", "300"},
                                    .migrate = Migrate::flag,
                                    .threads = 2});
  Client idle(server.port());
  ASSERT_EQ(idle.get("/healthz").status, 200U);  // a keep-alive connection, idle from now on
  HalfSentRequest stuck(server.port(), "/users",
                        to_text(json::object{{"name", "Stuck"}, {"email", "stuck@example.com"}}),
                        /*wait_for_continue=*/true);  // the server is reading the stuck body

  const ServerProcess::Exit exit = server.stop();
  EXPECT_TRUE(exit.exited && exit.code == 0)
      << "exited=" << exit.exited << " code=" << exit.code << "\n"
      << server.log();
  EXPECT_FALSE(exit.killed) << "SIGTERM did not end the process\n" << server.log();
  EXPECT_NE(server.log().find("drain timeout"), std::string::npos) << server.log();
  // The stuck request is dropped, not answered in part.
  const HalfSentRequest::Outcome outcome = stuck.read();
  EXPECT_TRUE(outcome.error == http::error::end_of_stream ||
              outcome.error == asio::error::connection_reset)
      << outcome.error.message() << "\n"
      << outcome.response.describe();
}

USERTASKS_INSTANTIATE_FOR_ALL_BACKENDS(GracefulShutdown);

}  // namespace
}  // namespace usertasks::testing
