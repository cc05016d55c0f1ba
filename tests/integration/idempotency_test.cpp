// Idempotency-Key on every POST (docs/api.md, "Idempotency keys"): a retry with the key gets the
// stored answer and creates nothing; the key of another request is a 422; a failed request keeps
// nothing; malformed keys are 400s; the keys of two API tokens never meet; and a POST without a
// key runs what it ran before. Races, expiry and kill -9: idempotency_races_test.cpp.

#include <fmt/format.h>

#include <string>
#include <vector>

#include "idempotency_support.hpp"

namespace usertasks::testing {
namespace {

class IdempotencyTest : public ApiTest {
 protected:
  void SetUp() override {
    Backend& b = backend_under_test();
    if (const std::string why = b.unavailable_reason(); !why.empty()) {
      GTEST_SKIP() << b.name() << " is not available: " << why;
    }
    url_ = b.fresh_database_url();
    server_ = std::make_unique<ServerProcess>(
        ServerConfig{.database_url = url_, .extra_args = {"--statement-count-header"}});
    client_ = std::make_unique<Client>(server_->port());
    user_ = id_of(create_user("Ada", "ada@example.com"));
  }

  [[nodiscard]] json::object task(std::string_view content) const {
    return {{"content", content}, {"user_id", user_}};
  }
  [[nodiscard]] bool postgres() const { return GetParam() == "postgresql"; }

  std::string url_;
  std::int64_t user_ = 0;
};

struct Post {
  std::string target;
  json::value body;
  std::string collection;  // where what it creates is listed
};

TEST_P(IdempotencyTest, ARetryGetsTheStoredAnswerAndCreatesNothing) {
  const std::vector<Post> posts{
      {"/users", json::object{{"name", "Bob"}, {"email", "bob@example.com"}}, "/users"},
      {fmt::format("/users/{}/tasks", user_), json::object{{"content", "a"}}, "/tasks"},
      {"/tasks", task("b"), "/tasks"},
      {"/tasks", json::array{task("c"), task("d")}, "/tasks"},
      {"/tags", json::object{{"name", "home"}}, "/tags"},
  };
  for (std::size_t i = 0; i < posts.size(); ++i) {
    const Post& p = posts[i];
    const std::string key = fmt::format("retry-{}", i);
    const Response first = keyed_post(*client_, p.target, p.body, key);
    ASSERT_EQ(first.status, 201U) << p.target << '\n' << first.describe();
    EXPECT_FALSE(first.has_header("Idempotent-Replayed")) << p.target;
    const std::int64_t created = count_of(*client_, p.collection);

    // Bare or quoted, the key is the same.
    for (const std::string& form : {key, "\"" + key + "\""}) {
      const Response again = keyed_post(*client_, p.target, p.body, form);
      EXPECT_EQ(again.status, 201U) << p.target << '\n' << again.describe();
      EXPECT_TRUE(replayed(again)) << p.target << '\n' << again.describe();
      EXPECT_EQ(again.body, first.body) << p.target;
      EXPECT_EQ(again.header("Location"), first.header("Location")) << p.target;
      EXPECT_EQ(again.header("Content-Type"), first.header("Content-Type")) << p.target;
      EXPECT_EQ(count_of(*client_, p.collection), created) << p.target << " created again";
    }
  }
  // The array has no Location, replayed or not.
  EXPECT_FALSE(keyed_post(*client_, "/tasks", posts[3].body, "retry-3").has_header("Location"));
  ServiceDatabase db(GetParam(), url_);
  EXPECT_EQ(db.stored_answers(), static_cast<std::int64_t>(posts.size()));
}

TEST_P(IdempotencyTest, TheKeyOfAnotherRequestIs422AndChangesNothing) {
  const Response first = keyed_post(*client_, "/tasks", task("a"), "k");
  ASSERT_EQ(first.status, 201U) << first.describe();
  const std::string before = snapshot();

  const Response other_body = keyed_post(*client_, "/tasks", task("b"), "k");
  EXPECT_TRUE(IsProblem(other_body, 422, "idempotency-key-reused")) << other_body.describe();
  const Response other_path = keyed_post(*client_, fmt::format("/users/{}/tasks", user_),
                                         json::object{{"content", "a"}}, "k");
  EXPECT_TRUE(IsProblem(other_path, 422, "idempotency-key-reused")) << other_path.describe();
  const Response other_route =
      keyed_post(*client_, "/users", json::object{{"name", "B"}, {"email", "b@example.com"}}, "k");
  EXPECT_TRUE(IsProblem(other_route, 422, "idempotency-key-reused")) << other_route.describe();
  EXPECT_EQ(snapshot(), before);

  // The request the key was given for still gets its answer.
  const Response again = keyed_post(*client_, "/tasks", task("a"), "k");
  EXPECT_TRUE(replayed(again)) << again.describe();
  EXPECT_EQ(again.body, first.body);
}

// 4xx answers keep nothing: the same key then serves the corrected request, which is processed.
TEST_P(IdempotencyTest, AFailedRequestStoresNothingAndItsRetryIsProcessed) {
  ASSERT_EQ(client_->post("/tags", json::object{{"name", "home"}}).status, 201U);
  const auto fails_then_succeeds = [&](const std::string& key, const std::string& target,
                                       const json::value& failing, unsigned status,
                                       std::string_view problem, const json::value& corrected) {
    const Response failed = keyed_post(*client_, target, failing, key);
    EXPECT_TRUE(IsProblem(failed, status, problem)) << key << '\n' << failed.describe();
    const Response retried = keyed_post(*client_, target, corrected, key);
    EXPECT_EQ(retried.status, 201U) << key << '\n' << retried.describe();
    EXPECT_FALSE(replayed(retried)) << key;
  };
  // A user that does not exist (the insert's foreign key, caught in the request's transaction).
  fails_then_succeeds("no-such-user", "/tasks", json::object{{"content", "a"}, {"user_id", 999999}},
                      422, "validation", task("a"));
  fails_then_succeeds("invalid", "/tasks", json::object{{"content", ""}, {"user_id", user_}}, 422,
                      "validation", task("b"));
  // A unique violation: on PostgreSQL the request's transaction goes on after it (a savepoint).
  fails_then_succeeds("email-taken", "/users",
                      json::object{{"name", "Ada"}, {"email", "ADA@example.com"}}, 409,
                      "email-taken", json::object{{"name", "Ada"}, {"email", "ada2@example.com"}});
  fails_then_succeeds("tag-taken", "/tags", json::object{{"name", "Home"}}, 409, "tag-taken",
                      json::object{{"name", "work"}});
  fails_then_succeeds("not-an-object", "/tasks", json::string("a"), 422, "validation", task("c"));
  // A path that names no user: a 404 each time, never a replay.
  for (int i = 0; i < 2; ++i) {
    const Response r =
        keyed_post(*client_, "/users/999999/tasks", json::object{{"content", "x"}}, "no-user");
    EXPECT_TRUE(IsProblem(r, 404, "not-found")) << r.describe();
    EXPECT_FALSE(replayed(r));
  }
  ServiceDatabase db(GetParam(), url_);
  EXPECT_EQ(db.stored_answers(), 5);
  EXPECT_EQ(count_of(*client_, "/tasks"), 3);
}

TEST_P(IdempotencyTest, MalformedKeysAre400AndChangeNothing) {
  const std::string body = to_text(task("a"));
  const auto refused = [&](const Response& r, const std::string& what) {
    EXPECT_TRUE(IsProblem(r, 400, "bad-header")) << what << '\n' << r.describe();
    if (!IsProblem(r, 400, "bad-header")) return;
    const json::object problem = r.object();
    EXPECT_EQ(problem.at("errors").as_array().at(0).at("header"), "Idempotency-Key") << what;
  };
  for (const std::string& key :
       {std::string(256, 'k'), std::string("a b"), std::string(R"("abc)"), std::string(R"("a\b")"),
        std::string(R"("")"), std::string(R"("abc";p=1)"), std::string(R"("a b")")}) {
    refused(keyed_post(*client_, "/tasks", task("a"), key), key);
  }
  // Bytes the client would not send: an empty value, a tab, UTF-8, two fields.
  const auto raw = [&](const std::string& fields) {
    return raw_exchange(server_->port(),
                        fmt::format("POST /tasks HTTP/1.1\r\nHost: x\r\nContent-Type: "
                                    "application/json\r\nContent-Length: {}\r\n{}\r\n{}",
                                    body.size(), fields, body));
  };
  for (const std::string& fields :
       {std::string("Idempotency-Key:\r\n"), std::string("Idempotency-Key: a\tb\r\n"),
        std::string("Idempotency-Key: caf\xC3\xA9\r\n"),
        std::string("Idempotency-Key: a\r\nIdempotency-Key: a\r\n")}) {
    refused(raw(fields), fields);
  }
  // DEL is refused by the HTTP parser already, before any header is read.
  EXPECT_TRUE(IsProblem(raw("Idempotency-Key: a\x7F\r\n"), 400, "malformed-request"));
  EXPECT_EQ(count_of(*client_, "/tasks"), 0);

  // The longest key, and a quoted key with escapes, which is its unquoted text.
  const Response longest = keyed_post(*client_, "/tasks", task("a"), std::string(255, 'k'));
  EXPECT_EQ(longest.status, 201U) << longest.describe();
  const Response quoted = keyed_post(*client_, "/tasks", task("b"), R"("a\"b\\c")");
  EXPECT_EQ(quoted.status, 201U) << quoted.describe();
  const Response bare = keyed_post(*client_, "/tasks", task("b"), R"(a"b\c)");
  EXPECT_TRUE(replayed(bare)) << bare.describe();
  EXPECT_EQ(count_of(*client_, "/tasks"), 2);
}

// Keys are scoped to the API token: under another token the same key is another key.
TEST_P(IdempotencyTest, TheKeysOfTwoTokensNeverMeet) {
  server_.reset();
  const auto serve = [this](const char* token) {
    return std::make_unique<ServerProcess>(
        ServerConfig{.database_url = url_, .extra_args = {"--api-token", token}});
  };
  const Headers as_a{{"Authorization", "Bearer token-a"}};
  const Headers as_b{{"Authorization", "Bearer token-b"}};
  auto server = serve("token-a");
  Client a(server->port());
  const Response first = keyed_post(a, "/tasks", task("x"), "shared", as_a);
  ASSERT_EQ(first.status, 201U) << first.describe();

  server.reset();
  server = serve("token-b");
  Client b(server->port());
  // The same request under B is processed, and another body under B is not a reused key.
  const Response same = keyed_post(b, "/tasks", task("x"), "shared", as_b);
  EXPECT_EQ(same.status, 201U) << same.describe();
  EXPECT_FALSE(replayed(same));
  EXPECT_NE(same.header("Location"), first.header("Location"));
  EXPECT_EQ(count_of(b, "/tasks", as_b), 2);

  server.reset();
  server = serve("token-a");
  Client a_again(server->port());
  const Response back = keyed_post(a_again, "/tasks", task("x"), "shared", as_a);
  EXPECT_TRUE(replayed(back)) << back.describe();
  EXPECT_EQ(back.body, first.body);
  EXPECT_TRUE(IsProblem(keyed_post(a_again, "/tasks", task("y"), "shared", as_a), 422,
                        "idempotency-key-reused"));
  EXPECT_EQ(count_of(a_again, "/tasks", as_a), 2);
  EXPECT_EQ(server->log().find("token-a"), std::string::npos) << "the token must not be logged";
}

TEST_P(IdempotencyTest, CorsAllowsTheKeyAndExposesTheReplay) {
  const Response preflight = client_->request("OPTIONS", "/tasks");
  EXPECT_NE(preflight.header("Access-Control-Allow-Headers").find("Idempotency-Key"),
            std::string::npos)
      << preflight.describe();
  const Response created = keyed_post(*client_, "/tasks", task("a"), "cors");
  EXPECT_NE(created.header("Access-Control-Expose-Headers").find("Idempotent-Replayed"),
            std::string::npos)
      << created.describe();
}

// Without a key, a POST runs the statements it ran before keys existed; with one, the key's own
// statements are added: PostgreSQL's lock, the look-up, the store.
TEST_P(IdempotencyTest, StatementsAndMetricsOfKeyedRequests) {
  const int write = 1 + outbox_statements(GetParam());  // the insert, the events
  EXPECT_EQ(statement_count(client_->post("/tasks", task("plain"))), write);
  const int own = postgres() ? 2 : 1;  // (lock,) look-up
  EXPECT_EQ(statement_count(keyed_post(*client_, "/tasks", task("a"), "m")), own + write + 1);
  EXPECT_EQ(statement_count(keyed_post(*client_, "/tasks", task("a"), "m")), own);
  EXPECT_EQ(statement_count(keyed_post(*client_, "/tasks", task("b"), "m")), own);
  const json::object content{{"content", "c"}};
  EXPECT_TRUE(
      IsProblem(keyed_post(*client_, "/users/999999/tasks", content, "n"), 404, "not-found"));

  const MetricsText m = scrape(*client_);
  const auto outcome = [&m](const char* name) {
    return m[fmt::format(R"(usertasks_idempotency_requests_total{{outcome="{}"}})", name)];
  };
  EXPECT_EQ(outcome("stored"), 1);
  EXPECT_EQ(outcome("replayed"), 1);
  EXPECT_EQ(outcome("reused"), 1);
  EXPECT_EQ(outcome("not_stored"), 1);
  EXPECT_EQ(outcome("in_flight"), 0);
  // A keyed request that keeps nothing rolls back without being a database error.
  EXPECT_EQ(m[R"(usertasks_db_errors_total{kind="other"})"], 0);
  // The plain POST, the stored one and its replay.
  EXPECT_EQ(m[R"(usertasks_http_requests_total{method="POST",route="/tasks",status="201"})"], 3);
}

// The key is a POST's: the other methods are idempotent by their nature, and ignore it.
TEST_P(IdempotencyTest, OtherMethodsIgnoreTheKey) {
  const std::int64_t id = id_of(client_->post("/tasks", task("a")).json());
  const Headers key{{"Idempotency-Key", "delete"}};
  EXPECT_EQ(client_->request("DELETE", fmt::format("/tasks/{}", id), "", key).status, 204U);
  const Response again = client_->request("DELETE", fmt::format("/tasks/{}", id), "", key);
  EXPECT_TRUE(IsProblem(again, 404, "not-found")) << again.describe();
  EXPECT_EQ(client_->request("GET", "/tasks", "", {{"Idempotency-Key", "a b"}}).status, 200U);
}

USERTASKS_INSTANTIATE_FOR_ALL_BACKENDS(IdempotencyTest);

}  // namespace
}  // namespace usertasks::testing
