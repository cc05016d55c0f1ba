#include "models/validation.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "base/integer.hpp"
#include "models/rules.hpp"

namespace usertasks::models {
namespace {

namespace json = boost::json;

using base::parse_positive_id;

template <class Result>
FieldErrors errors_of(const Result& result) {
  auto* errors = std::get_if<FieldErrors>(&result);
  return errors != nullptr ? *errors : FieldErrors{};
}

FieldErrors user_errors(std::string_view body, Mode mode = Mode::create) {
  if (mode == Mode::create) return errors_of(validate_new_user(json::parse(body)));
  return errors_of(validate<User>(json::parse(body), mode));
}

FieldErrors task_errors(std::string_view body, Mode mode = Mode::create) {
  return errors_of(validate<Task>(json::parse(body), mode));
}

// Every rule of one field, as a body's value meets them.
std::optional<std::string> check_name(std::string_view text) {
  return check_text(field<User>("name"), text);
}
std::optional<std::string> email_rules(std::string_view text) {
  return check_text(field<User>("email"), text);
}
std::optional<std::string> check_content(std::string_view text) {
  return check_text(field<Task>("content"), text);
}

TEST(Validation, AcceptsAUserAndTrimsTheName) {
  auto result =
      validate_new_user(json::parse(R"({"name": "  Ada \t", "email": "ada@example.com"})"));
  ASSERT_TRUE(std::holds_alternative<NewUser>(result));
  EXPECT_EQ(std::get<NewUser>(result).user.text("name"), "Ada");
  EXPECT_FALSE(std::get<NewUser>(result).with_tasks);
}

TEST(Validation, ReportsEveryBadFieldOfAUser) {
  const FieldErrors errors = user_errors(R"({"name": "   ", "email": "a@b@c", "age": 3})");
  ASSERT_EQ(errors.size(), 3U);
  EXPECT_EQ(errors[0], (FieldError{"age", "is not a known field"}));
  EXPECT_EQ(errors[1], (FieldError{"name", "must not be empty"}));
  EXPECT_EQ(errors[2], (FieldError{"email", "must contain exactly one @"}));
}

TEST(Validation, RequiredFieldsAndNulls) {
  EXPECT_EQ(user_errors(R"({"name": "Ada"})"), (FieldErrors{{"email", "is required"}}));
  EXPECT_EQ(user_errors(R"({"name": null, "email": "a@b"})"),
            (FieldErrors{{"name", "must not be null"}}));
  EXPECT_EQ(user_errors(R"({"email": null})", Mode::patch),
            (FieldErrors{{"email", "must not be null"}}));
  EXPECT_TRUE(user_errors(R"({})", Mode::patch).empty());
  EXPECT_EQ(user_errors(R"({"name": "A"})", Mode::replace),
            (FieldErrors{{"email", "is required"}}));
}

TEST(Validation, BodyMustBeAnObject) {
  EXPECT_EQ(user_errors("[1]"), (FieldErrors{{"body", "must be a JSON object"}}));
  EXPECT_EQ(task_errors("\"x\""), (FieldErrors{{"body", "must be a JSON object"}}));
}

TEST(Validation, NameLengthCountsCharactersNotBytes) {
  std::string name;
  for (int i = 0; i < 255; ++i) name += "é";
  EXPECT_FALSE(check_name(name).has_value());
  name += "é";
  EXPECT_EQ(check_name(name), "must be at most 255 characters");
}

TEST(Validation, EmailRules) {
  EXPECT_FALSE(email_rules("ada@example.com").has_value());
  EXPECT_EQ(email_rules("ada.example.com"), "must contain exactly one @");
  EXPECT_EQ(email_rules("@example.com"), "must have text on both sides of the @");
  EXPECT_EQ(email_rules("ada@"), "must have text on both sides of the @");
  EXPECT_EQ(email_rules("a da@example.com"), "must not contain white space");
  EXPECT_EQ(email_rules(std::string(250, 'a') + "@b.cd"), "must be at most 254 characters");
}

TEST(Validation, ContentRules) {
  EXPECT_FALSE(check_content("write report").has_value());
  EXPECT_EQ(check_content(""), "must not be empty");
  EXPECT_EQ(check_content(" \n\t "), "must not be only white space");
  EXPECT_FALSE(check_content(std::string(10000, 'x')).has_value());
  EXPECT_EQ(check_content(std::string(10001, 'x')), "must be at most 10000 characters");
}

TEST(Validation, UserIdAcceptsIntegersAndDigitStrings) {
  auto result = validate<Task>(json::parse(R"({"content": "c", "user_id": "3"})"), Mode::create);
  ASSERT_TRUE(std::holds_alternative<Input<Task>>(result));
  EXPECT_EQ(std::get<Input<Task>>(result).integer("user_id"), 3);
  for (const char* bad : {"0", "-1", "1.5", "\"3a\"", "\"\"", "true", "[]", "18446744073709551615",
                          "\"99999999999999999999\"", "\"-3\""}) {
    EXPECT_EQ(task_errors(std::string(R"({"content": "c", "user_id": )") + bad + "}"),
              (FieldErrors{{"user_id", "must be a positive integer"}}))
        << bad;
  }
}

TEST(Validation, TasksCreatedWithAUserAreValidatedByPosition) {
  const FieldErrors errors = user_errors(
      R"({"name": "A", "email": "a@b", "tasks": [{"content": "ok"}, {"content": ""}, 3]})");
  EXPECT_EQ(errors, (FieldErrors{{"tasks[1].content", "must not be empty"},
                                 {"tasks[2]", "must be an object"}}));
  auto ok = validate_new_user(
      json::parse(R"({"name": "A", "email": "a@b", "tasks": [{"content": "x"}]})"));
  ASSERT_TRUE(std::holds_alternative<NewUser>(ok));
  EXPECT_TRUE(std::get<NewUser>(ok).with_tasks);
  EXPECT_EQ(std::get<NewUser>(ok).tasks, std::vector<std::string>{"x"});
}

TEST(Validation, TasksAreNotAcceptedOnUpdate) {
  EXPECT_EQ(user_errors(R"({"tasks": []})", Mode::patch),
            (FieldErrors{{"tasks", "is not a known field"}}));
}

TEST(Validation, PositiveIds) {
  EXPECT_EQ(parse_positive_id("42"), 42);
  EXPECT_EQ(parse_positive_id("9223372036854775807"), INT64_MAX);
  EXPECT_FALSE(parse_positive_id("9223372036854775808"));
  EXPECT_FALSE(parse_positive_id("0"));
  EXPECT_FALSE(parse_positive_id("+1"));
  EXPECT_FALSE(parse_positive_id(" 1"));
  EXPECT_FALSE(parse_positive_id(""));
}

TEST(Validation, UnicodeWhiteSpaceIsTrimmedAndIsNotContent) {
  const auto user = validate_new_user(
      json::parse(R"({"name": "\u00A0\u3000 Ada\u2003\n", "email": "ada@example.com"})"));
  ASSERT_TRUE(std::holds_alternative<NewUser>(user));
  EXPECT_EQ(std::get<NewUser>(user).user.text("name"), "Ada");
  EXPECT_EQ(user_errors(R"({"name": "\u2003\u00A0", "email": "ada@example.com"})"),
            (FieldErrors{{"name", "must not be empty"}}));
  EXPECT_EQ(check_content("\u3000\u00A0"), "must not be only white space");
  EXPECT_EQ(email_rules("a\u00A0b@example.com"), "must not contain white space");
  EXPECT_EQ(email_rules("a\u0001b@example.com"), "must not contain control characters");
}

}  // namespace
}  // namespace usertasks::models
