#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <regex>

#include "base/time.hpp"
#include "http/message.hpp"
#include "http/request.hpp"
#include "models/models.hpp"

namespace usertasks {
namespace {

namespace json = boost::json;

TEST(Json, UserKeysComeInTheContractsOrder) {
  const models::User user{7, "Ada", "ada@example.com", "2026-11-24T03:57:28.634676Z",
                          "2026-11-24T03:57:28.634676Z"};
  EXPECT_EQ(
      json::serialize(models::to_json(user)),
      R"({"id":7,"name":"Ada","email":"ada@example.com",)"
      R"("created_at":"2026-11-24T03:57:28.634676Z","updated_at":"2026-11-24T03:57:28.634676Z"})");
}

TEST(Json, TaskWithItsUserAndUserWithItsTasks) {
  const models::User user{7, "Ada", "a@b", "t1", "t2"};
  const models::Task task{3, "write report", false, 7, std::nullopt, {"home", "x"}, "t3", "t4"};
  EXPECT_EQ(json::serialize(models::to_json(models::TaskWithUser{task, user})),
            R"({"id":3,"content":"write report","done":false,"user_id":7,"due_at":null,)"
            R"("tags":["home","x"],"created_at":"t3",)"
            R"("updated_at":"t4",)"
            R"("user":{"id":7,"name":"Ada","email":"a@b","created_at":"t1","updated_at":"t2"}})");
  const auto with_tasks = models::to_json(models::UserWithTasks{user, {task, task}});
  EXPECT_EQ(with_tasks.at("tasks").as_array().size(), 2U);
  EXPECT_EQ(with_tasks.begin()->key(), "id");
}

// The bodies are written by models::append_json; boost::json's serializer is the reference.
TEST(Json, TheBodyWriterMatchesBoostJsonByteForByte) {
  std::string every_character;  // each ASCII character, then some UTF-8
  for (int c = 0; c < 0x80; ++c) every_character += static_cast<char>(c);
  every_character += "é ✓ 𝄞 \u2028";
  const models::User user{-42, every_character, "\"quoted\"@example.com", "", "t\\2"};
  const models::Task task{
      9'007'199'254'740'993, every_character, true, 1, "t5", {every_character, "b"}, "t3", "t4"};
  const models::Task undated{9, "c", false, 1, std::nullopt, {}, "t3", "t4"};
  const models::Tag tag{5, every_character, "t1", "t2"};
  EXPECT_EQ(models::json_text(user), json::serialize(models::to_json(user)));
  EXPECT_EQ(models::json_text(task), json::serialize(models::to_json(task)));
  EXPECT_EQ(models::json_text(undated), json::serialize(models::to_json(undated)));
  EXPECT_EQ(models::json_text(models::TaskWithUser{task, user}),
            json::serialize(models::to_json(models::TaskWithUser{task, user})));
  EXPECT_EQ(models::json_text(models::UserWithTasks{user, {task, task}}),
            json::serialize(models::to_json(models::UserWithTasks{user, {task, task}})));
  EXPECT_EQ(models::json_text(models::UserWithTasks{user, {}}),
            json::serialize(models::to_json(models::UserWithTasks{user, {}})));
  EXPECT_EQ(models::json_text(tag), json::serialize(models::to_json(tag)));
  EXPECT_EQ(models::json_text(models::TagWithTaskCount{tag, 12}),
            json::serialize(models::to_json(models::TagWithTaskCount{tag, 12})));
}

TEST(Json, NamesSortRegardlessOfCaseThenByBytes) {
  std::vector<std::string> ascii{"cherry", "Banana", "apple", "b", "B", "banana", "a_b", "A"};
  models::sort_names(ascii);
  EXPECT_EQ(ascii, (std::vector<std::string>{"A", "a_b", "apple", "B", "b", "Banana", "banana",
                                             "cherry"}));
  std::vector<std::string> names{"cherry", "Banana", "apple", "Élan", "zeta", "éclair"};
  models::sort_names(names);
  EXPECT_EQ(names,
            (std::vector<std::string>{"apple", "Banana", "cherry", "zeta", "éclair", "Élan"}));
}

TEST(Json, ArraysOfRecords) {
  const models::User ada{1, "Ada", "a@b", "t1", "t2"};
  const models::User bo{2, "Bo", "b@b", "t1", "t2"};
  EXPECT_EQ(models::json_array(std::vector<models::User>{}), "[]");
  EXPECT_EQ(models::json_array(std::vector<models::User>{ada, bo}),
            "[" + models::json_text(ada) + "," + models::json_text(bo) + "]");
  EXPECT_NO_THROW((void)json::parse(models::json_array(std::vector<models::User>{ada, bo})));
}

TEST(Json, TimestampsAreRfc3339WithMicroseconds) {
  EXPECT_TRUE(
      std::regex_match(base::utc_now(), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)")));
}

TEST(Json, ProblemDocuments) {
  const http::Response res = http::problem(http::Status::unprocessable_entity, "validation",
                                           "1 field is invalid", {{"errors", json::array{}}});
  EXPECT_EQ(res[http::Field::content_type], "application/problem+json");
  EXPECT_EQ(res.body(),
            R"({"type":"/problems/validation","title":"Unprocessable Content","status":422,)"
            R"("detail":"1 field is invalid","errors":[]})");
  EXPECT_EQ(
      json::parse(http::problem(http::Status::payload_too_large, "body-too-large", "x").body())
          .at("title"),
      "Content Too Large");
}

TEST(Json, BodiesMustBeDeclaredAndValidJson) {
  http::Request req{http::Verb::post, "/users", 11};
  req.body() = R"({"name": "Ada"})";
  EXPECT_TRUE(std::holds_alternative<http::Response>(http::json_body(req)));  // no Content-Type
  req.set(http::Field::content_type, "text/plain");
  EXPECT_EQ(std::get<http::Response>(http::json_body(req)).result(),
            http::Status::unsupported_media_type);
  req.set(http::Field::content_type, "Application/JSON; charset=utf-8");
  EXPECT_TRUE(std::holds_alternative<json::value>(http::json_body(req)));
  req.set(http::Field::content_type, "application/merge-patch+json");
  EXPECT_TRUE(std::holds_alternative<json::value>(http::json_body(req)));
  req.set(http::Field::content_type, "application/json");
  req.body() = R"({"name": )";
  EXPECT_EQ(std::get<http::Response>(http::json_body(req)).result(), http::Status::bad_request);
  req.body() = std::string(100, '[') + std::string(100, ']');
  EXPECT_EQ(std::get<http::Response>(http::json_body(req)).result(), http::Status::bad_request);
}

}  // namespace
}  // namespace usertasks
