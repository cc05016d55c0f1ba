// The error table of API.md: 400, 404, 405, 409, 413, 415, 422 and 431, each a problem document
// (the Client checks on every answer that no error is anything else, and that none is a 500).

#include <fmt/format.h>

#include <set>
#include <sstream>

#include "harness.hpp"

namespace usertasks::testing {
namespace {

constexpr std::size_t mebibyte = 1024 * 1024;

std::set<std::string> split_list(const std::string& list) {
  std::set<std::string> out;
  std::istringstream in(list);
  for (std::string item; std::getline(in, item, ',');) {
    const auto begin = item.find_first_not_of(' ');
    const auto end = item.find_last_not_of(' ');
    if (begin != std::string::npos) out.insert(item.substr(begin, end - begin + 1));
  }
  return out;
}

// A JSON body of exactly `size` bytes: a user whose name fills it.
std::string user_body_of_size(std::size_t size) {
  const std::string head = R"({"email":"big@example.com","name":")";
  const std::string tail = R"("})";
  return head + std::string(size - head.size() - tail.size(), 'a') + tail;
}

std::string raw_post(std::string_view target, std::size_t content_length, std::string_view body) {
  return fmt::format(
      "POST {} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      "Content-Length: {}\r\n\r\n{}",
      target, content_length, body);
}

class ErrorsTest : public ApiTest {};

TEST_P(ErrorsTest, InvalidJsonIs400) {
  const json::object user = create_user();
  const std::string u = fmt::format("/users/{}", id_of(user));
  for (const char* body : {"{", R"({"name":"Ada",})", "{'name':'Ada'}", "nul", "{\"a\":1}}",
                           "\"\xff\xfe\"", "{\"name\":\"\xc3\"}"}) {
    EXPECT_TRUE(IsProblem(client_->request("POST", "/users", body), 400, "malformed-json")) << body;
    EXPECT_TRUE(IsProblem(client_->request("PUT", u, body), 400, "malformed-json")) << body;
    EXPECT_TRUE(IsProblem(client_->request("PATCH", u, body), 400, "malformed-json")) << body;
    EXPECT_TRUE(IsProblem(client_->request("POST", "/tasks", body), 400, "malformed-json")) << body;
    EXPECT_TRUE(IsProblem(client_->request("POST", u + "/tasks", body), 400, "malformed-json"))
        << body;
  }
  // An empty body is not JSON either.
  EXPECT_TRUE(
      IsProblem(client_->request("POST", "/users", "", {{"Content-Type", "application/json"}}), 400,
                "malformed-json"));
}

TEST_P(ErrorsTest, DeeplyNestedJsonIs400) {
  const std::string deep = std::string(10000, '[') + std::string(10000, ']');
  EXPECT_TRUE(IsProblem(client_->request("POST", "/users", deep), 400, "malformed-json"));
  EXPECT_EQ(client_->get("/healthz").status, 200U);
}

TEST_P(ErrorsTest, UnknownRoutesAre404) {
  for (const char* target : {"/", "/nope", "/users/1/nope", "/user", "/users/1/tasks/1",
                             "/tasks/1/user", "/USERS", "/healthz/x", "//users"}) {
    EXPECT_TRUE(IsProblem(client_->get(target), 404, "not-found")) << target;
    EXPECT_TRUE(IsProblem(client_->request("POST", target, "{}"), 404, "not-found")) << target;
  }
}

TEST_P(ErrorsTest, IdsThatAreNotPositiveIntegersAre404) {
  const json::object user = create_user();
  create_task(id_of(user));
  for (const char* id :
       {"abc", "0", "-1", "99999999999999999999", "1.0", "+1", "1e3", "0x1", "%31", "1%00", "00"}) {
    for (const char* collection : {"/users/", "/tasks/"}) {
      const std::string target = collection + std::string(id);
      EXPECT_TRUE(IsProblem(client_->get(target), 404, "not-found")) << target;
      EXPECT_TRUE(
          IsProblem(client_->patch(target, json::object{{"content", "x"}}), 404, "not-found"))
          << target;
      EXPECT_TRUE(IsProblem(client_->del(target), 404, "not-found")) << target;
    }
    EXPECT_TRUE(IsProblem(client_->get(fmt::format("/users/{}/tasks", id)), 404, "not-found"))
        << id;
  }
}

TEST_P(ErrorsTest, AKnownPathWithAnotherMethodIs405WithAllow) {
  const std::vector<std::tuple<std::string, std::string, std::set<std::string>>> cases{
      {"DELETE", "/users", {"GET", "HEAD", "POST", "OPTIONS"}},
      {"PUT", "/users", {"GET", "HEAD", "POST", "OPTIONS"}},
      {"POST", "/users/1", {"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"}},
      {"DELETE", "/users/1/tasks", {"GET", "HEAD", "POST", "OPTIONS"}},
      {"PATCH", "/tasks", {"GET", "HEAD", "POST", "OPTIONS"}},
      {"POST", "/tasks/1", {"GET", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"}},
      {"POST", "/healthz", {"GET", "HEAD", "OPTIONS"}},
      {"DELETE", "/openapi.json", {"GET", "HEAD", "OPTIONS"}},
      {"BREW", "/users", {"GET", "HEAD", "POST", "OPTIONS"}},
  };
  for (const auto& [method, target, allow] : cases) {
    const Response r = client_->request(method, target, method == "POST" ? "{}" : "");
    EXPECT_TRUE(IsProblem(r, 405, "method-not-allowed")) << method << ' ' << target;
    EXPECT_EQ(split_list(r.header("Allow")), allow) << method << ' ' << target;
  }
}

TEST_P(ErrorsTest, ATakenEmailIs409) {
  create_user("Ada", "ada@example.com");
  EXPECT_TRUE(
      IsProblem(client_->post("/users", json::object{{"name", "A"}, {"email", "ada@example.com"}}),
                409, "email-taken"));
}

TEST_P(ErrorsTest, ABodyOverOneMebibyteIs413) {
  EXPECT_TRUE(IsProblem(client_->request("POST", "/users", user_body_of_size(mebibyte + 1)), 413,
                        "body-too-large"));
  // Exactly the limit is read and judged on its content (a 1 MiB name is too long).
  EXPECT_TRUE(IsValidationProblemFor(
      client_->request("POST", "/users", user_body_of_size(mebibyte)), {"name"}));
  EXPECT_EQ(client_->get("/users").body, "[]");
}

TEST_P(ErrorsTest, A16MebibyteBodyGets413ThatTheClientReads) {
  // The server answers before reading the body; the client, still sending, must get the answer
  // rather than a reset connection.
  const std::string body(16 * mebibyte, 'x');
  const Response r = raw_exchange(server_->port(), raw_post("/users", body.size(), body));
  EXPECT_TRUE(IsProblem(r, 413, "body-too-large"));
  EXPECT_FALSE(r.keep_alive);
  EXPECT_EQ(client_->get("/users").body, "[]");
}

TEST_P(ErrorsTest, AChunkedBodyOverTheLimitIs413) {
  std::string request =
      "POST /users HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n";
  const std::string chunk(64 * 1024, 'x');
  for (int i = 0; i < 20; ++i) request += fmt::format("{:x}\r\n{}\r\n", chunk.size(), chunk);
  request += "0\r\n\r\n";
  EXPECT_TRUE(IsProblem(raw_exchange(server_->port(), request), 413, "body-too-large"));
}

TEST_P(ErrorsTest, ASmallerBodyLimitIsHonoured) {
  const auto small = start_server({"--body-limit", "1000"});
  Client client(small->port());
  EXPECT_TRUE(
      IsProblem(client.request("POST", "/users", user_body_of_size(1001)), 413, "body-too-large"));
  EXPECT_TRUE(
      IsValidationProblemFor(client.request("POST", "/users", user_body_of_size(1000)), {"name"}))
      << "1000 bytes is within the limit";
  const std::string body(2 * mebibyte, 'x');
  EXPECT_TRUE(IsProblem(raw_exchange(small->port(), raw_post("/users", body.size(), body)), 413,
                        "body-too-large"));
  const Response ok = client.post("/users", json::object{{"name", "Ada"}, {"email", "a@b.c"}});
  EXPECT_EQ(ok.status, 201U) << ok.describe();
}

TEST_P(ErrorsTest, ABodyThatIsNotJsonIs415) {
  const std::string body = R"({"name":"Ada","email":"ada@example.com"})";
  for (const char* type : {"text/plain", "application/x-www-form-urlencoded", "application/xml",
                           "multipart/form-data; boundary=x", "application/jsonx", "json", ""}) {
    EXPECT_TRUE(IsProblem(client_->request("POST", "/users", body, {{"Content-Type", type}}), 415,
                          "unsupported-media-type"))
        << '"' << type << '"';
  }
  EXPECT_EQ(client_->get("/users").body, "[]");
  // JSON in its other spellings is welcome.
  for (const char* type :
       {"application/json; charset=utf-8", "Application/JSON", "application/merge-patch+json"}) {
    const std::string email = unique_email();
    const Response r =
        client_->request("POST", "/users", fmt::format(R"({{"name":"Ada","email":"{}"}})", email),
                         {{"Content-Type", type}});
    EXPECT_EQ(r.status, 201U) << type << '\n' << r.describe();
  }
}

TEST_P(ErrorsTest, HeadersOverTheLimitAre431) {
  // One 64 KiB header (raw: Beast's own fields refuse values that long).
  const std::string request =
      fmt::format("GET /users HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: {}\r\n\r\n",
                  std::string(64 * 1024, 'a'));
  EXPECT_TRUE(IsProblem(raw_exchange(server_->port(), request), 431, "headers-too-large"));
  EXPECT_TRUE(
      IsProblem(client_->request("GET", "/users", "", {{"X-Padding", std::string(60 * 1024, 'a')}}),
                431, "headers-too-large"));
  Headers many;
  for (int i = 0; i < 400; ++i) many.emplace_back(fmt::format("X-H{}", i), std::string(100, 'b'));
  EXPECT_TRUE(IsProblem(client_->request("GET", "/users", "", many), 431, "headers-too-large"));
  EXPECT_EQ(client_->get("/healthz").status, 200U);  // the client reconnects; the server is fine
}

TEST_P(ErrorsTest, ARequestLineOverTheHeaderLimitIsAnsweredNotDropped) {
  const std::string request = fmt::format("GET /users?x={} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
                                          std::string(64 * 1024, 'a'));
  const Response r = raw_exchange(server_->port(), request);
  EXPECT_TRUE(r.status == 431 || r.status == 414) << r.describe();
}

TEST_P(ErrorsTest, MalformedHttpIs400NotADroppedConnection) {
  for (const char* request : {"GARBAGE\r\n\r\n", "GET /users HTTP/9.9\r\nHost: x\r\n\r\n",
                              "GET /users HTTP/1.1\r\nBad Header\r\n\r\n",
                              "POST /users HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                              "Content-Length: 7\r\n\r\n{}"}) {
    const Response r = raw_exchange(server_->port(), request);
    EXPECT_TRUE(IsProblem(r, 400, "malformed-request")) << request;
  }
}

TEST_P(ErrorsTest, NoErrorLeaksInternals) {
  // Requests that reach the database with odd input: the answers name no SQL and no driver.
  const std::vector<std::string> targets{
      "/users?after=9223372036854775807", "/tasks?user_id=9223372036854775807",
      "/users/9223372036854775807/tasks", "/tasks/9223372036854775807"};
  for (const std::string& target : targets) {
    const Response r = client_->get(target);
    for (const char* secret : {"SQL", "sqlite", "SELECT", "constraint", "exception"}) {
      EXPECT_EQ(r.body.find(secret), std::string::npos) << target << '\n' << r.describe();
    }
  }
}

USERTASKS_INSTANTIATE_FOR_ALL_BACKENDS(ErrorsTest);

}  // namespace
}  // namespace usertasks::testing
