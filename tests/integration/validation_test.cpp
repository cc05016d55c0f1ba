// The body rules of API.md, one by one, with the exact problem document; and that no failing write
// changes anything.

#include <fmt/format.h>

#include "harness.hpp"

namespace usertasks::testing {
namespace {

class ValidationTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (IsSkipped()) return;
    user_ = id_of(create_user("Ada", "ada@example.com"));
    task_ = id_of(create_task(user_, "seed"));
  }

  Response post_user(json::value name, json::value email) {
    return client_->post("/users",
                         json::object{{"name", std::move(name)}, {"email", std::move(email)}});
  }
  Response post_task(json::value content) {
    return client_->post("/tasks",
                         json::object{{"content", std::move(content)}, {"user_id", user_}});
  }
  Response post_task_for(json::value user_id) {
    return client_->post("/tasks", json::object{{"content", "x"}, {"user_id", std::move(user_id)}});
  }

  std::int64_t user_ = 0;
  std::int64_t task_ = 0;
};

TEST_P(ValidationTest, ProblemDocumentShape) {
  const Response r = client_->post("/users", json::object{{"name", ""}, {"email", "nope"}});
  ASSERT_TRUE(IsValidationProblem(
      r, {{"name", "must not be empty"}, {"email", "must contain exactly one @"}}));
  const json::object body = r.object();
  EXPECT_EQ(keys_of(body),
            (std::vector<std::string>{"type", "title", "status", "detail", "errors"}));
  EXPECT_EQ(body.at("type"), "/problems/validation");
  EXPECT_EQ(body.at("title"), "Unprocessable Content");
  EXPECT_EQ(body.at("status"), 422);
  EXPECT_EQ(body.at("detail"), "2 fields are invalid");
}

TEST_P(ValidationTest, NameLengthIsCountedInCharactersAfterTrimming) {
  EXPECT_EQ(post_user(json::value(repeat("a", 255)), json::value(unique_email())).status, 201U);
  EXPECT_TRUE(IsValidationProblemFor(
      post_user(json::value(repeat("a", 256)), json::value(unique_email())), {"name"}));
  // 255 two-byte characters are 510 bytes and still a valid name; 256 are not.
  const Response accented = post_user(json::value(repeat("é", 255)), json::value(unique_email()));
  ASSERT_EQ(accented.status, 201U) << accented.describe();
  EXPECT_EQ(accented.object().at("name"), json::value(repeat("é", 255)));
  EXPECT_EQ(post_user(json::value(repeat("😀", 255)), json::value(unique_email())).status, 201U);
  EXPECT_TRUE(IsValidationProblemFor(
      post_user(json::value(repeat("é", 256)), json::value(unique_email())), {"name"}));
  // Surrounding white space does not count.
  const Response padded =
      post_user(json::value("  \t" + repeat("b", 255) + "\n "), json::value(unique_email()));
  ASSERT_EQ(padded.status, 201U) << padded.describe();
  EXPECT_EQ(padded.object().at("name"), json::value(repeat("b", 255)));
  EXPECT_EQ(post_user(json::value("x"), json::value(unique_email())).status, 201U);
}

TEST_P(ValidationTest, NameMustNotBeBlank) {
  for (const char* blank : {"", " ", " \t\r\n "}) {
    EXPECT_TRUE(IsValidationProblemFor(post_user(json::value(blank), json::value(unique_email())),
                                       {"name"}))
        << '"' << blank << '"';
  }
}

// Unicode white space (NO-BREAK SPACE, IDEOGRAPHIC SPACE, EM SPACE) is white space too.
TEST_P(ValidationTest, NameOfOnlyUnicodeWhiteSpaceIsBlank) {
  for (const char* blank : {"\u00a0", "\u3000", "\u2003 \u00a0"}) {
    EXPECT_TRUE(IsValidationProblemFor(post_user(json::value(blank), json::value(unique_email())),
                                       {"name"}))
        << blank;
  }
}

TEST_P(ValidationTest, NameMustBeAString) {
  for (const json::value& v : {json::value(42), json::value(true), json::value(json::array{"a"}),
                               json::value(json::object{{"a", 1}})}) {
    EXPECT_TRUE(IsValidationProblem(post_user(v, json::value(unique_email())),
                                    {{"name", "must be a string"}}))
        << to_text(v);
  }
}

TEST_P(ValidationTest, MissingAndNullFieldsAreRejected) {
  EXPECT_TRUE(
      IsValidationProblemFor(client_->post("/users", json::object{{"email", "a@b.c"}}), {"name"}));
  EXPECT_TRUE(
      IsValidationProblemFor(client_->post("/users", json::object{{"name", "A"}}), {"email"}));
  EXPECT_TRUE(IsValidationProblemFor(client_->post("/users", json::object{}), {"name", "email"}));
  EXPECT_TRUE(IsValidationProblemFor(
      client_->post("/users", json::object{{"name", nullptr}, {"email", nullptr}}),
      {"name", "email"}));
  EXPECT_TRUE(
      IsValidationProblemFor(client_->post("/tasks", json::object{{"content", "x"}}), {"user_id"}));
  EXPECT_TRUE(IsValidationProblemFor(
      client_->post("/tasks", json::object{{"content", nullptr}, {"user_id", nullptr}}),
      {"content", "user_id"}));
  // null is not "leave as is" in a PATCH either.
  EXPECT_TRUE(IsValidationProblemFor(
      client_->patch(fmt::format("/users/{}", user_), json::object{{"name", nullptr}}), {"name"}));
  EXPECT_TRUE(IsValidationProblemFor(
      client_->patch(fmt::format("/tasks/{}", task_), json::object{{"user_id", nullptr}}),
      {"user_id"}));
}

TEST_P(ValidationTest, EmailRules) {
  const std::vector<std::pair<std::string, std::string>> bad{
      {"no-at.example.com", "must contain exactly one @"},
      {"two@@example.com", "must contain exactly one @"},
      {"a@b@example.com", "must contain exactly one @"},
      {"@example.com", ""},
      {"ada@", ""},
      {"@", ""},
      {"", ""},
      {"ada lovelace@example.com", ""},
      {" ada@example.com", ""},
      {"ada@example.com ", ""},
      {"ada\t@example.com", ""},
      {"ada@exa\nmple.com", ""},
      {repeat("a", 243) + "@example.com", ""},  // 255 characters
  };
  for (const auto& [email, message] : bad) {
    const Response r = post_user(json::value("Ada"), json::value(email));
    if (message.empty()) {
      EXPECT_TRUE(IsValidationProblemFor(r, {"email"})) << '"' << email << '"';
    } else {
      EXPECT_TRUE(IsValidationProblem(r, {{"email", message}})) << '"' << email << '"';
    }
  }
  EXPECT_TRUE(IsValidationProblemFor(post_user(json::value("Ada"), json::value(7)), {"email"}));
  // At most 254 characters, counted as characters.
  EXPECT_EQ(post_user(json::value("A"), json::value(repeat("a", 242) + "@example.com")).status,
            201U);
  EXPECT_EQ(post_user(json::value("B"), json::value(repeat("é", 242) + "@example.com")).status,
            201U);
  EXPECT_EQ(post_user(json::value("C"), json::value("x@y")).status, 201U);
}

TEST_P(ValidationTest, ContentRules) {
  EXPECT_EQ(post_task(json::value(repeat("a", 10000))).status, 201U);
  EXPECT_EQ(post_task(json::value(repeat("😀", 10000))).status, 201U);  // 40000 bytes
  EXPECT_EQ(post_task(json::value(" x ")).status, 201U);
  for (const json::value& bad :
       {json::value(""), json::value("   "), json::value("\t\r\n"), json::value(repeat("a", 10001)),
        json::value(repeat("é", 10001)), json::value(5), json::value(json::array{})}) {
    EXPECT_TRUE(IsValidationProblemFor(post_task(bad), {"content"})) << to_text(bad).substr(0, 40);
  }
  EXPECT_TRUE(IsValidationProblemFor(
      client_->post(fmt::format("/users/{}/tasks", user_), json::object{{"content", " "}}),
      {"content"}));
}

TEST_P(ValidationTest, ContentOfOnlyUnicodeWhiteSpaceIsRejected) {
  EXPECT_TRUE(IsValidationProblemFor(post_task(json::value("\u3000\u00a0")), {"content"}));
}

TEST_P(ValidationTest, UserIdRules) {
  EXPECT_EQ(post_task_for(json::value(user_)).status, 201U);
  EXPECT_EQ(post_task_for(json::value(std::to_string(user_))).status, 201U);
  const std::vector<json::value> bad{json::value(0),
                                     json::value(-1),
                                     json::value("0"),
                                     json::value("-1"),
                                     json::value("abc"),
                                     json::value(""),
                                     json::value(" 1"),
                                     json::value("1 "),
                                     json::value("+1"),
                                     json::value("1.0"),
                                     json::value(1.5),
                                     json::value(1.0),
                                     json::value(true),
                                     json::value(json::array{1}),
                                     json::value(json::object{{"id", 1}}),
                                     json::value(std::uint64_t{18446744073709551615ULL})};
  for (const json::value& v : bad) {
    EXPECT_TRUE(IsValidationProblemFor(post_task_for(v), {"user_id"})) << to_text(v);
  }
  // Too large for any id: whether "not an id" or "no such user", it is the user_id's fault.
  EXPECT_TRUE(
      IsValidationProblemFor(post_task_for(json::value("99999999999999999999")), {"user_id"}));
  EXPECT_TRUE(IsValidationProblem(post_task_for(json::value(987)),
                                  {{"user_id", "user 987 does not exist"}}));
}

TEST_P(ValidationTest, UnknownFieldsAreRejectedByName) {
  const std::string u = fmt::format("/users/{}", user_);
  const std::string t = fmt::format("/tasks/{}", task_);
  const json::object user{{"name", "A"}, {"email", "a@b.c"}};
  auto with = [](json::object o, std::string_view key) {
    o[key] = 1;
    return o;
  };
  const std::pair<std::string, std::string> unknown_id{"id", "is not a known field"};
  EXPECT_TRUE(IsValidationProblem(client_->post("/users", with(user, "id")), {unknown_id}));
  EXPECT_TRUE(IsValidationProblem(client_->put(u, with(user, "created_at")),
                                  {{"created_at", "is not a known field"}}));
  EXPECT_TRUE(IsValidationProblem(client_->patch(u, json::object{{"Name", "A"}}),
                                  {{"Name", "is not a known field"}}));
  const json::object task{{"content", "x"}, {"user_id", user_}};
  EXPECT_TRUE(IsValidationProblem(client_->post("/tasks", with(task, "id")), {unknown_id}));
  EXPECT_TRUE(
      IsValidationProblem(client_->put(t, with(task, "user")), {{"user", "is not a known field"}}));
  EXPECT_TRUE(IsValidationProblem(client_->patch(t, json::object{{"priority", 1}}),
                                  {{"priority", "is not a known field"}}));
  EXPECT_TRUE(IsValidationProblemFor(
      client_->post("/users", json::object{{"name", "A"},
                                           {"email", unique_email()},
                                           {"tasks", json::array{json::object{{"content", "x"},
                                                                              {"user_id", 1}}}}}),
      {"tasks[0].user_id"}));
}

TEST_P(ValidationTest, TasksOfANewUserMustBeAnArrayOfObjects) {
  for (const json::value& tasks :
       {json::value("x"), json::value(json::object{}), json::value(nullptr)}) {
    EXPECT_TRUE(IsValidationProblemFor(
        client_->post("/users",
                      json::object{{"name", "A"}, {"email", unique_email()}, {"tasks", tasks}}),
        {"tasks"}))
        << to_text(tasks);
  }
  EXPECT_TRUE(IsValidationProblemFor(
      client_->post(
          "/users",
          json::object{{"name", "A"}, {"email", unique_email()}, {"tasks", json::array{"x"}}}),
      {"tasks[0]"}));
}

TEST_P(ValidationTest, ABodyThatIsNotAnObjectIs422) {
  for (const char* body : {"[]", "\"ada\"", "42", "null", "true"}) {
    EXPECT_TRUE(IsProblem(client_->request("POST", "/users", body), 422, "validation")) << body;
    EXPECT_TRUE(IsProblem(client_->request("PATCH", fmt::format("/tasks/{}", task_), body), 422,
                          "validation"))
        << body;
  }
}

TEST_P(ValidationTest, AllErrorsAreReportedAtOnce) {
  const Response r = client_->post(
      "/users",
      json::object{
          {"name", " "}, {"email", "x"}, {"extra", 1}, {"tasks", json::array{json::object{}}}});
  EXPECT_TRUE(IsValidationProblemFor(r, {"extra", "name", "email", "tasks[0].content"}));
}

// A failing POST, PUT or PATCH leaves the data byte for byte as it was.
TEST_P(ValidationTest, AFailedWriteChangesNothing) {
  const std::int64_t bob = id_of(create_user("Bob", "bob@example.com"));
  create_task(bob, "bob's");
  const std::string u = fmt::format("/users/{}", user_);
  const std::string t = fmt::format("/tasks/{}", task_);
  struct Case {
    const char* method;
    std::string target;
    std::string body;
    unsigned status;
  };
  const std::vector<Case> cases{
      {"POST", "/users", R"({"name":"","email":"new@example.com"})", 422},
      {"POST", "/users", R"({"name":"New","email":"BOB@example.com"})", 409},
      {"POST", "/users", R"({"name":"New","email":"new@example.com","tasks":[{"content":"a"},{}]})",
       422},
      {"POST", "/users", R"({"name":"New","email":"bob@EXAMPLE.com","tasks":[{"content":"a"}]})",
       409},
      {"POST", "/users", R"({"name":"New","email":"new@example.com","admin":true})", 422},
      {"POST", "/users", R"({"name":"New",)", 400},
      {"POST", "/tasks", R"({"content":"x","user_id":987})", 422},
      {"POST", "/tasks", R"({"content":"","user_id":1})", 422},
      {"POST", u + "/tasks", R"({"content":"  "})", 422},
      {"POST", "/users/987/tasks", R"({"content":"x"})", 404},
      {"PUT", u, R"({"name":"Changed"})", 422},
      {"PUT", u, R"({"name":"Changed","email":"Bob@Example.com"})", 409},
      {"PUT", u, R"({"name":"Changed","email":"bad"})", 422},
      {"PUT", "/users/987", R"({"name":"Changed","email":"c@example.com"})", 404},
      {"PATCH", u, R"({"email":"bob@example.com"})", 409},
      {"PATCH", u, R"({"name":"Changed","email":"no at"})", 422},
      {"PATCH", u, R"({"name":"Changed","unknown":1})", 422},
      {"PATCH", u, R"({"name":null})", 422},
      {"PUT", t, R"({"content":"changed"})", 422},
      {"PUT", t, R"({"content":"changed","user_id":987})", 422},
      {"PATCH", t, R"({"content":"changed","user_id":"987"})", 422},
      {"PATCH", t, R"({"content":"changed","user_id":0})", 422},
      {"PATCH", t, R"({"content":""})", 422},
      {"PATCH", t, R"({"content":"changed")", 400},
      {"DELETE", "/users/987", "", 404},
      {"DELETE", "/tasks/987", "", 404},
  };
  for (const Case& c : cases) {
    const std::string before = snapshot();
    const Response r = client_->request(c.method, c.target, c.body);
    EXPECT_EQ(r.status, c.status) << c.method << ' ' << c.target << ' ' << c.body << '\n'
                                  << r.describe();
    EXPECT_EQ(snapshot(), before) << c.method << ' ' << c.target << ' ' << c.body;
  }
  // Wrong media type and oversized bodies fail before any work.
  const std::string before = snapshot();
  EXPECT_EQ(client_->request("PATCH", u, R"({"name":"Changed"})", {{"Content-Type", "text/plain"}})
                .status,
            415U);
  EXPECT_EQ(client_->request("PUT", u, "{\"name\":\"" + repeat("a", 1024 * 1024) + "\"}").status,
            413U);
  EXPECT_EQ(snapshot(), before);
}

USERTASKS_INSTANTIATE_FOR_ALL_BACKENDS(ValidationTest);

}  // namespace
}  // namespace usertasks::testing
