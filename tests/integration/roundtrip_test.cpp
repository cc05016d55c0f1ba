// Text that is hard on SQL, JSON and UTF-8 handling comes back byte for byte, from every place it
// can be read.

#include <fmt/format.h>

#include "harness.hpp"

namespace usertasks::testing {
namespace {

// Each is valid as a name and as content (no surrounding white space, not blank).
const std::vector<std::string>& hard_texts() {
  static const std::vector<std::string> texts{
      "'; DROP TABLE users; --",
      "Robert'); DELETE FROM tasks WHERE ('1'='1",
      R"(quotes " and ' and `)",
      R"(back\slash \\ and \n not a newline)",
      "100% _wild_ %_ cards",
      "control \u0001\u0002\u001f chars",
      "emoji 😀👩‍👩‍👧‍👦 🇺🇳",
      "combining e\u0301 a\u0308 n\u0303",
      "RTL עברית العربية \u200f mixed",
      "zero\u200bwidth and \ufeff BOM",
      "line\nbreak\tand tab",
      "$1 $2 ? :name @p0",
      "<script>alert(1)</script>&amp;",
      "\u00ff\u0100\uffff \U0010ffff",
  };
  return texts;
}

// Local parts without white space or a second @.
const std::vector<std::string>& hard_local_parts() {
  static const std::vector<std::string> parts{
      "';DROP_TABLE_users;--",
      R"(quote"and'single)",
      R"(back\slash)",
      "100%_wild_",
      "emoji😀",
      "e\u0301t\u00e9",
      "עברית",
  };
  return parts;
}

class RoundTripTest : public ApiTest {};

TEST_P(RoundTripTest, NamesAndEmailsComeBackByteForByte) {
  const auto& names = hard_texts();
  const auto& locals = hard_local_parts();
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string email = locals[i % locals.size()] + fmt::format("+{}@example.com", i);
    const Response r = client_->post("/users", json::object{{"name", names[i]}, {"email", email}});
    ASSERT_EQ(r.status, 201U) << names[i] << '\n' << r.describe();
    const json::object created = r.object();
    EXPECT_EQ(created.at("name").as_string(), names[i]);
    EXPECT_EQ(created.at("email").as_string(), email);

    const json::value got = get_json(fmt::format("/users/{}", id_of(created)));
    EXPECT_EQ(got.at("name").as_string(), names[i]);
    EXPECT_EQ(got.at("email").as_string(), email);
  }
  // The list has them all, unchanged, and the tables are still there.
  const json::value list = get_json("/users?limit=1000");
  ASSERT_EQ(list.as_array().size(), names.size());
  for (std::size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(list.as_array()[i].at("name").as_string(), names[i]);
  }
}

// API.md forbids white space in an email, not other control characters: \u0001 is allowed.
// An address with a control character is not deliverable anywhere: it is refused, not stored.
TEST_P(RoundTripTest, EmailWithAControlCharacterIsRefused) {
  const Response r =
      client_->post("/users", json::object{{"name", "Ctl"}, {"email", "ctl\u0001x@example.com"}});
  EXPECT_TRUE(IsValidationProblem(r, {{"email", "must not contain control characters"}}));
}

TEST_P(RoundTripTest, ContentComesBackByteForByte) {
  const std::int64_t user = id_of(create_user("Ada"));
  std::vector<std::int64_t> ids;
  for (const std::string& text : hard_texts()) {
    const Response r =
        client_->post(fmt::format("/users/{}/tasks", user), json::object{{"content", text}});
    ASSERT_EQ(r.status, 201U) << text << '\n' << r.describe();
    EXPECT_EQ(r.object().at("content").as_string(), text);
    ids.push_back(id_of(r.json()));
  }
  for (std::size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(get_json(fmt::format("/tasks/{}", ids[i])).at("content").as_string(),
              hard_texts()[i]);
  }
  const json::value embedded = get_json(fmt::format("/users/{}", user));
  const json::value listed = get_json("/tasks?include=user");
  for (std::size_t i = 0; i < ids.size(); ++i) {
    EXPECT_EQ(embedded.at("tasks").as_array()[i].at("content").as_string(), hard_texts()[i]);
    EXPECT_EQ(listed.as_array()[i].at("content").as_string(), hard_texts()[i]);
  }
}

TEST_P(RoundTripTest, UpdatesKeepTheTextByteForByte) {
  const json::object user = create_user("Ada");
  const json::object task = create_task(id_of(user), "plain");
  for (const std::string& text : hard_texts()) {
    Response r =
        client_->patch(fmt::format("/users/{}", id_of(user)), json::object{{"name", text}});
    ASSERT_EQ(r.status, 200U) << r.describe();
    EXPECT_EQ(r.object().at("name").as_string(), text);
    r = client_->put(fmt::format("/tasks/{}", id_of(task)),
                     json::object{{"content", text}, {"user_id", id_of(user)}});
    ASSERT_EQ(r.status, 200U) << r.describe();
    const json::value got = get_json(fmt::format("/tasks/{}", id_of(task)));
    EXPECT_EQ(got.at("content").as_string(), text);
    EXPECT_EQ(got.at("user").at("name").as_string(), text);
  }
}

TEST_P(RoundTripTest, EscapedJsonInputIsDecoded) {
  // \u escapes (a surrogate pair among them) arrive as the characters they stand for.
  const Response r = client_->request(
      "POST", "/users",
      R"({"name":"caf\u00e9 \ud83d\ude00 \"q\" \\ \/","email":"esc@example.com"})");
  ASSERT_EQ(r.status, 201U) << r.describe();
  EXPECT_EQ(r.object().at("name").as_string(), "café 😀 \"q\" \\ /");
}

TEST_P(RoundTripTest, SqlInQueryParametersIsJustABadValue) {
  create_user();
  EXPECT_TRUE(IsBadQuery(client_->get("/users?after=0%3B%20DROP%20TABLE%20users"), "after"));
  EXPECT_TRUE(IsBadQuery(client_->get("/tasks?user_id=1%20OR%201%3D1"), "user_id"));
  EXPECT_TRUE(IsProblem(client_->get("/users/1%20OR%201=1"), 404, "not-found"));
  EXPECT_EQ(get_json("/users").as_array().size(), 1U);
}

USERTASKS_INSTANTIATE_FOR_ALL_BACKENDS(RoundTripTest);

}  // namespace
}  // namespace usertasks::testing
