// The server's limits, on both databases: --max-connections (refused connections answered 503,
// counted and warned about at most once a second), the header deadline (a client trickling its
// headers is cut off, not kept alive by each byte), the idle keep-alive timeout, and
// --request-timeout-ms (503, the database work abandoned: nothing written, the pool intact).
//
// Small timeouts are passed as flags; no test measures how long anything took. Waits are bounded
// only so that a broken server fails the test instead of hanging it.

#include <arpa/inet.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <poll.h>
#include <sqlite3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "harness.hpp"
#include "metrics_text.hpp"

namespace usertasks::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A TCP connection driven byte by byte, for what Client will not do: trickle a request, send
// nothing, and watch for the server closing.
class RawConnection {
 public:
  explicit RawConnection(unsigned short port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
      ADD_FAILURE() << "cannot connect to port " << port;
    }
  }
  ~RawConnection() { ::close(fd_); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  // False when the server has closed (or reset) the connection.
  bool send(std::string_view bytes) {
    return ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }

  // Whether data or a close arrives within `wait`.
  bool readable(std::chrono::milliseconds wait) {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, static_cast<int>(wait.count())) > 0;
  }

  // Reads until the server closes the connection or `limit` passes; true when it closed. What
  // arrived before the close is appended to `received`.
  bool closed_within(std::chrono::seconds limit, std::string& received) {
    const auto deadline = Clock::now() + limit;
    while (Clock::now() < deadline) {
      if (!readable(100ms)) continue;
      char chunk[4096];
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return true;  // end of stream, or a reset
      received.append(chunk, static_cast<std::size_t>(n));
    }
    return false;
  }

  // One response: its head, then Content-Length bytes of body. nullopt when the connection
  // closes first or nothing complete arrives within 20 s.
  std::optional<Response> read_response() {
    const auto deadline = Clock::now() + 20s;
    std::string data;
    std::size_t head_end = std::string::npos;
    std::size_t length = 0;
    while (Clock::now() < deadline) {
      if (head_end == std::string::npos) {
        head_end = data.find("\r\n\r\n");
        if (head_end != std::string::npos) length = content_length(data.substr(0, head_end));
      }
      if (head_end != std::string::npos && data.size() >= head_end + 4 + length) break;
      if (!readable(100ms)) continue;
      char chunk[4096];
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return std::nullopt;
      data.append(chunk, static_cast<std::size_t>(n));
    }
    if (head_end == std::string::npos || data.size() < head_end + 4 + length) return std::nullopt;
    Response r;
    std::size_t at = data.find("\r\n");
    r.status = static_cast<unsigned>(std::stoul(data.substr(9, 3)));
    while (at < head_end) {
      const std::size_t next = data.find("\r\n", at + 2);
      const std::string line = data.substr(at + 2, next - at - 2);
      const std::size_t colon = line.find(':');
      if (colon != std::string::npos) {
        r.headers.emplace_back(line.substr(0, colon),
                               line.substr(line.find_first_not_of(' ', colon + 1)));
      }
      at = next;
    }
    r.body = data.substr(head_end + 4, length);
    r.keep_alive = r.header("Connection") != "close";
    return r;
  }

 private:
  static std::size_t content_length(const std::string& head) {
    const std::string name = "\r\nContent-Length: ";
    const std::size_t at = head.find(name);
    return at == std::string::npos ? 0 : std::stoul(head.substr(at + name.size()));
  }

  int fd_;
};

constexpr std::string_view healthz_request = "GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n";

// Sends `request` one byte at a time, a byte every 50 ms, until the server closes the connection
// (or the whole request is out). Returns how many bytes went out before the close was seen.
std::size_t trickle(RawConnection& c, std::string_view request) {
  std::size_t sent = 0;
  while (sent < request.size()) {
    if (!c.send(request.substr(sent, 1))) break;
    ++sent;
    if (c.readable(50ms)) break;  // the server answered or closed
  }
  return sent;
}

// A request whose headers take far longer than a second to trickle out (7 s at 50 ms a byte).
std::string slow_request() {
  return "GET /healthz HTTP/1.1\r\nHost: test\r\nX-Slow: " + std::string(100, 'a') + "\r\n\r\n";
}

class LimitsTest : public ApiTest {
 protected:
  // The number of lines of the server's log that contain `text`.
  static int log_lines_with(const ServerProcess& server, std::string_view text) {
    int n = 0;
    std::istringstream lines(server.log());
    for (std::string line; std::getline(lines, line);) n += line.find(text) != std::string::npos;
    return n;
  }
};

// ---- --max-connections -------------------------------------------------------------------------

TEST_P(LimitsTest, AConnectionOverTheLimitIsAnswered503AndClosed) {
  auto server = start_server({"--max-connections", "2"});
  Client a(server->port());
  Client b(server->port());
  ASSERT_EQ(a.get("/healthz").status, 200U);
  ASSERT_EQ(b.get("/healthz").status, 200U);  // both are accepted and held open

  RawConnection third(server->port());
  ASSERT_TRUE(third.send(healthz_request));
  const auto refused = third.read_response();
  ASSERT_TRUE(refused);
  EXPECT_TRUE(IsProblem(*refused, 503, "too-many-connections")) << refused->describe();
  EXPECT_EQ(refused->header("Retry-After"), "1");
  EXPECT_EQ(refused->header("Connection"), "close");
  EXPECT_FALSE(refused->header("X-Request-Id").empty());
  std::string after;
  EXPECT_TRUE(third.closed_within(20s, after));
  EXPECT_EQ(after, "");

  const MetricsText m = scrape(b);
  EXPECT_EQ(m["usertasks_http_connections_refused_total"], 1);
  EXPECT_EQ(m["usertasks_http_connections_open"], 2);
  EXPECT_EQ(log_lines_with(*server, "refused 1 connections"), 1) << server->log();

  // Once a connection closes, a new one is served.
  a.close();
  unsigned status = 0;
  for (int i = 0; i < 250 && status != 200; ++i) {
    Client again(server->port(), /*fresh_connections=*/true);
    status = again.get("/healthz").status;
    if (status != 200) std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(status, 200U);
}

TEST_P(LimitsTest, AFloodOfRefusalsIsCountedButWarnedAboutAtMostOnceASecond) {
  auto server = start_server({"--max-connections", "1"});
  Client holder(server->port());
  ASSERT_EQ(holder.get("/healthz").status, 200U);
  constexpr int flood = 100;
  for (int i = 0; i < flood; ++i) {
    RawConnection c(server->port());
    const auto r = c.read_response();  // answered without a request
    ASSERT_TRUE(r) << "refusal " << i;
    EXPECT_EQ(r->status, 503U);
  }
  EXPECT_EQ(scrape(holder)["usertasks_http_connections_refused_total"], flood);
  const int warnings = log_lines_with(*server, "connections since the last warning");
  EXPECT_GE(warnings, 1);
  EXPECT_LT(warnings, flood / 2) << server->log();
}

// ---- header deadline and idle timeout ----------------------------------------------------------

TEST_P(LimitsTest, ATricklingClientIsCutOffAtTheHeaderDeadlineNotKeptAliveByEachByte) {
  auto server = start_server({"--header-timeout-ms", "1000"});
  RawConnection c(server->port());
  const std::string request = slow_request();
  const std::size_t sent = trickle(c, request);
  std::string received;
  EXPECT_TRUE(c.closed_within(20s, received));
  EXPECT_LT(sent, request.size()) << "the whole request went out: each byte kept it alive";
  EXPECT_EQ(received, "") << "a request cut off at the header deadline gets no answer";
  // The server itself is fine.
  Client client(server->port());
  EXPECT_EQ(client.get("/healthz").status, 200U);
}

// Sends GET /healthz on `c`: it must be answered 200 and the connection kept alive.
void expect_kept_alive(RawConnection& c) {
  ASSERT_TRUE(c.send(healthz_request));
  const auto answer = c.read_response();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 200U);
  EXPECT_TRUE(answer->keep_alive);
}

TEST_P(LimitsTest, ATrickledRequestOnAKeptAliveConnectionIsCutOffToo) {
  auto server = start_server({"--header-timeout-ms", "1000", "--idle-timeout-ms", "600000"});
  RawConnection c(server->port());
  ASSERT_NO_FATAL_FAILURE(expect_kept_alive(c));
  const std::string request = slow_request();
  const std::size_t sent = trickle(c, request);
  std::string received;
  EXPECT_TRUE(c.closed_within(20s, received));
  EXPECT_LT(sent, request.size());
  EXPECT_EQ(received, "");
}

TEST_P(LimitsTest, ANewConnectionThatSendsNothingIsDroppedAtTheHeaderDeadline) {
  // The idle timeout (for kept-alive connections) is ten minutes: only the header deadline can
  // close this connection within the test's wait.
  auto server = start_server({"--header-timeout-ms", "1000", "--idle-timeout-ms", "600000"});
  RawConnection c(server->port());
  std::string received;
  EXPECT_TRUE(c.closed_within(20s, received));
  EXPECT_EQ(received, "");
}

TEST_P(LimitsTest, AnIdleKeptAliveConnectionIsClosedAtTheIdleTimeout) {
  auto server = start_server({"--idle-timeout-ms", "1000", "--header-timeout-ms", "600000"});
  RawConnection c(server->port());
  ASSERT_NO_FATAL_FAILURE(expect_kept_alive(c));
  std::string received;
  EXPECT_TRUE(c.closed_within(20s, received));
  EXPECT_EQ(received, "") << "the idle close sends nothing";
}

// ---- --request-timeout-ms ----------------------------------------------------------------------

// Holds locks on the service's database from another connection, as long as the test wants:
// PostgreSQL: ACCESS EXCLUSIVE on users and tasks (no read or write of them proceeds); SQLite: the
// write lock (BEGIN IMMEDIATE: writers wait, readers go on, as WAL lets them).
class LockHolder {
 public:
  LockHolder(const std::string& backend, const std::string& url) {
    if (backend == "postgresql") {
      pg_ = PQconnectdb(url.c_str());
      EXPECT_EQ(PQstatus(pg_), CONNECTION_OK) << PQerrorMessage(pg_);
      pg_exec("BEGIN; LOCK TABLE users, tasks IN ACCESS EXCLUSIVE MODE");
    } else {
      const std::string path = url.substr(std::string_view("sqlite:").size());
      EXPECT_EQ(sqlite3_open(path.c_str(), &sqlite_), SQLITE_OK);
      EXPECT_EQ(sqlite3_exec(sqlite_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
    }
  }
  ~LockHolder() { release(); }
  LockHolder(const LockHolder&) = delete;
  LockHolder& operator=(const LockHolder&) = delete;

  void release() {
    if (pg_ != nullptr) {
      pg_exec("ROLLBACK");
      PQfinish(pg_);
      pg_ = nullptr;
    }
    if (sqlite_ != nullptr) {
      EXPECT_EQ(sqlite3_exec(sqlite_, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
      sqlite3_close(sqlite_);
      sqlite_ = nullptr;
    }
  }

  // PostgreSQL: the backends other than this one that wait for a lock.
  int pg_waiting_for_locks() {
    PGresult* r = PQexec(pg_,
                         "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                         "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'");
    const int n = PQresultStatus(r) == PGRES_TUPLES_OK ? std::stoi(PQgetvalue(r, 0, 0)) : -1;
    PQclear(r);
    return n;
  }

 private:
  void pg_exec(const char* sql) {
    PGresult* r = PQexec(pg_, sql);
    EXPECT_EQ(PQresultStatus(r), PGRES_COMMAND_OK) << sql << ": " << PQerrorMessage(pg_);
    PQclear(r);
  }

  PGconn* pg_ = nullptr;
  sqlite3* sqlite_ = nullptr;
};

TEST_P(LimitsTest, ARequestPastTheRequestTimeoutGets503AndChangesNothing) {
  const std::string url = backend_under_test().fresh_database_url();
  ServerProcess server(ServerConfig{.database_url = url,
                                    .extra_args = {"--request-timeout-ms", "300"},
                                    .migrate = Migrate::flag,
                                    .threads = 2});
  Client client(server.port());
  const Response ada =
      client.post("/users", json::object{{"name", "Ada"}, {"email", "ada@example.com"}});
  ASSERT_EQ(ada.status, 201U) << ada.describe();
  const std::string ada_path = ada.header("Location");
  const bool postgres = GetParam() == "postgresql";

  LockHolder lock(GetParam(), url);
  const Response late =
      client.post("/users", json::object{{"name", "Late"}, {"email", "late@example.com"}});
  EXPECT_TRUE(IsProblem(late, 503, "timeout")) << late.describe();
  EXPECT_EQ(late.header("Retry-After"), "1");
  const Response read = client.get(ada_path);
  if (postgres) {
    EXPECT_TRUE(IsProblem(read, 503, "timeout")) << read.describe();
    // The server ends the abandoned statements too (statement_timeout), lock or no lock.
    int waiting = -1;
    for (int i = 0; i < 500 && waiting != 0; ++i) {
      waiting = lock.pg_waiting_for_locks();
      if (waiting != 0) std::this_thread::sleep_for(20ms);
    }
    EXPECT_EQ(waiting, 0) << "abandoned statements still wait for the lock";
  } else {
    EXPECT_EQ(read.status, 200U) << "SQLite readers do not wait for the writer\n"
                                 << read.describe();
  }
  lock.release();

  // Nothing was written, the pool serves again, and what the timed-out request tried now works.
  Client after(server.port());
  const Response list = after.get("/users");
  ASSERT_EQ(list.status, 200U) << list.describe();
  ASSERT_EQ(list.array().size(), 1U) << list.describe();
  EXPECT_EQ(list.array().front().at("email"), "ada@example.com");
  EXPECT_EQ(
      after.post("/users", json::object{{"name", "Late"}, {"email", "late@example.com"}}).status,
      201U);

  const MetricsText m = scrape_at_rest(after);
  const double timeouts = postgres ? 2 : 1;
  EXPECT_EQ(m["usertasks_http_request_timeouts_total"], timeouts);
  EXPECT_EQ(m[R"(usertasks_db_errors_total{kind="timeout"})"], timeouts);
  EXPECT_EQ(m[R"(usertasks_http_requests_total{method="POST",route="/users",status="503"})"], 1);
  EXPECT_EQ(m[R"(usertasks_db_pool_connections{state="in_use"})"], 0);
  EXPECT_EQ(m["usertasks_db_pool_waiting"], 0);
  EXPECT_EQ(server.stop().code, 0);
}

USERTASKS_INSTANTIATE_FOR_ALL_BACKENDS(LimitsTest);

}  // namespace
}  // namespace usertasks::testing
