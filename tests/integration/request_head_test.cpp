// RFC 9112's rules for a request's head, sent as raw bytes (the Client always sends one Host and an
// origin-form target): the Host header field (section 3.2) and the forms of the request target
// (sections 3.2.1 to 3.2.4).

#include <fmt/format.h>

#include <chrono>
#include <thread>

#include "harness.hpp"
#include "metrics_text.hpp"

namespace usertasks::testing {
namespace {

using namespace std::chrono_literals;

class RequestHeadTest : public ApiTest {
 protected:
  // One request, its head lines after the request line given as they are ("Name: value\r\n"…).
  Response send(std::string_view request_line, std::string_view fields) {
    return raw_exchange(server_->port(), fmt::format("{}\r\n{}\r\n", request_line, fields));
  }
  // "http://127.0.0.1:PORT" (or another scheme), the authority of this test's server.
  [[nodiscard]] std::string origin(std::string_view scheme = "http") const {
    return fmt::format("{}://127.0.0.1:{}", scheme, server_->port());
  }
  // Whether the server's log gets a line containing `text` within a few seconds (the access log
  // is written asynchronously).
  bool logged(std::string_view text) {
    for (int i = 0; i < 100; ++i) {
      if (server_->log().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }
};

// A 400 /problems/malformed-request whose detail contains `words`, on a closed connection.
::testing::AssertionResult IsRefusedHead(const Response& r, std::string_view words) {
  if (auto problem = IsProblem(r, 400, "malformed-request"); !problem) return problem;
  const std::string detail(r.object().at("detail").as_string());
  if (detail.find(words) == std::string::npos) {
    return ::testing::AssertionFailure() << "the detail does not say \"" << words << "\"\n"
                                         << r.describe();
  }
  if (r.keep_alive) return ::testing::AssertionFailure() << "kept alive\n" << r.describe();
  return ::testing::AssertionSuccess();
}

TEST_P(RequestHeadTest, Http11WithoutHostIs400) {
  const Response r = send("GET /healthz HTTP/1.1", "");
  EXPECT_TRUE(IsRefusedHead(r, "must have a Host header field"));
  EXPECT_EQ(r.header("Connection"), "close");
  // Whatever its target: the Host rule comes first.
  EXPECT_TRUE(IsRefusedHead(send(fmt::format("GET {}/healthz HTTP/1.1", origin()), ""), "Host"));
  EXPECT_TRUE(IsRefusedHead(send("POST /users HTTP/1.1", "Content-Length: 2\r\n"), "Host"));
}

TEST_P(RequestHeadTest, Http10WithoutHostIsServed) {
  const Response r = send("GET /healthz HTTP/1.0", "");
  EXPECT_EQ(r.status, 200U) << r.describe();
  EXPECT_EQ(to_text(r.json()), R"({"status":"ok"})");
}

TEST_P(RequestHeadTest, TwoHostFieldsAre400) {
  EXPECT_TRUE(
      IsRefusedHead(send("GET /healthz HTTP/1.1", "Host: a\r\nHost: a\r\n"), "more than one Host"));
  EXPECT_TRUE(IsRefusedHead(send("GET /healthz HTTP/1.1", "Host: a\r\nAccept: */*\r\nHost: b\r\n"),
                            "more than one Host"));
  EXPECT_TRUE(
      IsRefusedHead(send("GET /healthz HTTP/1.0", "Host: a\r\nHost: b\r\n"), "more than one Host"));
}

TEST_P(RequestHeadTest, AnInvalidHostIs400) {
  for (const char* host :
       {"bad host", "127.0.0.1:80x", "user@127.0.0.1", "[::1", "a/b", "a?b", "127.0.0.1:8080:1"}) {
    EXPECT_TRUE(IsRefusedHead(send("GET /healthz HTTP/1.1", fmt::format("Host: {}\r\n", host)),
                              "Host header field is not a host"))
        << host;
  }
  EXPECT_TRUE(IsRefusedHead(send("GET /healthz HTTP/1.0", "Host: bad host\r\n"), "Host"));
  // uri-host [":" port] in each of its forms, and the empty value RFC 9112 allows.
  for (const char* host : {"localhost", "127.0.0.1:8080", "[::1]:8080", "[::1]",
                           "example.com:", "xn--bcher-kva.example", "a%20b", ""}) {
    const Response r = send("GET /healthz HTTP/1.1", fmt::format("Host: {}\r\n", host));
    EXPECT_EQ(r.status, 200U) << host << '\n' << r.describe();
  }
}

TEST_P(RequestHeadTest, AbsoluteFormIsRoutedByItsPath) {
  const Response r = send(fmt::format("GET {}/healthz HTTP/1.1", origin()), "Host: 127.0.0.1\r\n");
  EXPECT_EQ(r.status, 200U) << r.describe();
  EXPECT_EQ(to_text(r.json()), R"({"status":"ok"})");
  // https, upper-case scheme and host, another port: only the path and query count.
  for (const std::string& target :
       {origin("https") + "/healthz", std::string("HTTP://EXAMPLE.COM/healthz"),
        std::string("http://example.com:1/healthz?")}) {
    const Response other = send(fmt::format("GET {} HTTP/1.1", target), "Host: example.com\r\n");
    EXPECT_EQ(other.status, 200U) << target << '\n' << other.describe();
  }
  // The target's authority counts, not Host's (RFC 9112, section 3.2.2).
  const Response elsewhere =
      send(fmt::format("GET {}/healthz HTTP/1.1", origin()), "Host: elsewhere.example\r\n");
  EXPECT_EQ(elsewhere.status, 200U) << elsewhere.describe();
  // An empty path is "/", which no route has.
  EXPECT_TRUE(
      IsProblem(send(fmt::format("GET {} HTTP/1.1", origin()), "Host: x\r\n"), 404, "not-found"));
}

TEST_P(RequestHeadTest, AbsoluteFormKeepsTheQueryAndLinksByPath) {
  const std::int64_t user = id_of(create_user());
  create_task(user, "one");
  create_task(user, "two");
  const Response r =
      send(fmt::format("GET {}/tasks?limit=1&done=false HTTP/1.1", origin()), "Host: x\r\n");
  ASSERT_EQ(r.status, 200U) << r.describe();
  EXPECT_EQ(r.array().size(), 1U);
  const auto next = next_link(r);
  ASSERT_TRUE(next.has_value()) << r.describe();
  EXPECT_EQ(*next, fmt::format("/tasks?done=false&limit=1&after={}", id_of(r.array().at(0))));
  EXPECT_EQ(get_json(*next).as_array().size(), 1U);
  // A query the endpoint refuses is refused as in the origin-form.
  EXPECT_TRUE(IsBadQuery(
      send(fmt::format("GET {}/tasks?limit=0 HTTP/1.1", origin()), "Host: x\r\n"), "limit"));
}

TEST_P(RequestHeadTest, AbsoluteFormToAnUnknownPathIs404) {
  const Response r = send(fmt::format("GET {}/nowhere HTTP/1.1", origin()), "Host: x\r\n");
  ASSERT_TRUE(IsProblem(r, 404, "not-found"));
  EXPECT_EQ(r.object().at("detail").as_string(), "no resource at /nowhere");
  EXPECT_TRUE(IsProblem(send(fmt::format("DELETE {}/healthz HTTP/1.1", origin()), "Host: x\r\n"),
                        405, "method-not-allowed"));
}

TEST_P(RequestHeadTest, AbsoluteFormIsMeasuredByRouteAndLoggedAsSent) {
  const std::string target = fmt::format("{}/users/7", origin());
  EXPECT_TRUE(
      IsProblem(send(fmt::format("GET {} HTTP/1.1", target), "Host: x\r\n"), 404, "not-found"));
  EXPECT_TRUE(logged(fmt::format("\"GET {}\" 404", target))) << server_->log();
  const MetricsText metrics = scrape(*client_);
  EXPECT_EQ(
      metrics[R"(usertasks_http_requests_total{method="GET",route="/users/{id}",status="404"})"],
      1);
}

TEST_P(RequestHeadTest, OtherTargetsAre400) {
  for (const std::string& target :
       {std::string("healthz"), std::string("ftp://127.0.0.1/healthz"), std::string("urn:x:y"),
        std::string("http:/healthz"), std::string("http:///healthz"),
        fmt::format("http://user@127.0.0.1:{}/healthz", server_->port()),
        fmt::format("{}/healthz#top", origin()), std::string("http://127.0.0.1:80x/healthz")}) {
    EXPECT_TRUE(IsRefusedHead(send(fmt::format("GET {} HTTP/1.1", target), "Host: x\r\n"),
                              "request target"))
        << target;
  }
}

TEST_P(RequestHeadTest, AsteriskFormStaysAndConnectIsRefused) {
  const Response options = send("OPTIONS * HTTP/1.1", "Host: x\r\n");
  EXPECT_EQ(options.status, 204U) << options.describe();
  EXPECT_FALSE(options.header("Allow").empty()) << options.describe();
  const Response connect =
      send(fmt::format("CONNECT 127.0.0.1:{} HTTP/1.1", server_->port()), "Host: x\r\n");
  EXPECT_TRUE(IsRefusedHead(connect, "CONNECT is not supported"));
  EXPECT_TRUE(IsRefusedHead(send("CONNECT example.com:443 HTTP/1.1", "Host: x\r\n"), "CONNECT"));
}

USERTASKS_INSTANTIATE_FOR_ALL_BACKENDS(RequestHeadTest);

}  // namespace
}  // namespace usertasks::testing
