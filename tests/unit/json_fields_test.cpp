#include "base/json_fields.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

namespace usertasks::base {
namespace {

namespace json = boost::json;

constexpr FieldWording strict{.unknown = "unknown",
                              .required = "required",
                              .null = "null",
                              .not_string = "not a string",
                              .not_boolean = "not a boolean",
                              .not_array = "not an array"};

FieldWording null_is_absent() {
  FieldWording wording = strict;
  wording.null = {};
  return wording;
}

TEST(JsonFields, CollectsEveryErrorWithItsPath) {
  const json::value body =
      json::parse(R"({"a": 1, "s": 2, "b": "x", "n": null, "arr": {}, "extra": 0, "more": 0})");
  FieldErrors errors;
  const JsonFields fields(body.as_object(), "tasks[3]", strict, errors);
  fields.reject_unknown({"a", "s", "b", "n", "arr", "absent"});
  EXPECT_FALSE(fields.string("s", Presence::required));
  EXPECT_FALSE(fields.boolean("b", Presence::optional));
  EXPECT_FALSE(fields.get("n", Presence::optional));
  EXPECT_FALSE(fields.array("arr", Presence::optional));
  EXPECT_FALSE(fields.get("absent", Presence::required));
  EXPECT_FALSE(fields.get("absent", Presence::optional));
  fields.add("a", "too big");
  EXPECT_EQ(errors, (FieldErrors{{"tasks[3].extra", "unknown"},
                                 {"tasks[3].more", "unknown"},
                                 {"tasks[3].s", "not a string"},
                                 {"tasks[3].b", "not a boolean"},
                                 {"tasks[3].n", "null"},
                                 {"tasks[3].arr", "not an array"},
                                 {"tasks[3].absent", "required"},
                                 {"tasks[3].a", "too big"}}));
}

TEST(JsonFields, ReturnsWhatIsThere) {
  const json::value body = json::parse(R"({"s": "text", "b": false, "arr": [1, 2], "v": 7})");
  FieldErrors errors;
  const JsonFields fields(body.as_object(), "", strict, errors);
  fields.reject_unknown({"s", "b", "arr", "v"});
  EXPECT_EQ(fields.string("s", Presence::required), "text");
  EXPECT_EQ(fields.boolean("b", Presence::required), false);
  ASSERT_NE(fields.array("arr", Presence::required), nullptr);
  EXPECT_EQ(fields.array("arr", Presence::required)->size(), 2U);
  ASSERT_NE(fields.get("v", Presence::optional), nullptr);
  EXPECT_EQ(fields.get("v", Presence::optional)->as_int64(), 7);
  EXPECT_EQ(fields.path("s"), "s");
  EXPECT_TRUE(errors.empty());
}

TEST(JsonFields, NullCountsAsAbsentWhenTheWordingHasNoMessageForIt) {
  const json::value body = json::parse(R"({"n": null})");
  FieldErrors errors;
  const JsonFields fields(body.as_object(), "", null_is_absent(), errors);
  EXPECT_TRUE(fields.contains("n"));
  EXPECT_FALSE(fields.contains("m"));
  EXPECT_FALSE(fields.string("n", Presence::optional));
  EXPECT_TRUE(errors.empty());
  EXPECT_FALSE(fields.string("n", Presence::required));
  EXPECT_EQ(errors, (FieldErrors{{"n", "required"}}));
}

TEST(JsonFields, ThrowsTheFirstErrorWhenItHasNoListToCollectInto) {
  const json::value body = json::parse(R"({"x": 1, "y": 2})");
  const JsonFields fields(body.as_object(), "operations[0]", strict);
  try {
    fields.reject_unknown({});
    FAIL() << "no error thrown";
  } catch (const InvalidField& e) {
    EXPECT_EQ(e.error(), (FieldError{"operations[0].x", "unknown"}));
    EXPECT_STREQ(e.what(), "operations[0].x: unknown");
  }
  EXPECT_THROW((void)fields.string("x", Presence::required), InvalidField);
  EXPECT_THROW((void)fields.get("z", Presence::required), InvalidField);
  EXPECT_NO_THROW((void)fields.get("z", Presence::optional));
}

TEST(JsonFields, AnErrorWithoutAPathIsItsMessage) {
  EXPECT_STREQ(InvalidField({"", "not valid JSON"}).what(), "not valid JSON");
}

TEST(JsonFields, ElementPaths) {
  EXPECT_EQ(element_path("tasks", 0), "tasks[0]");
  EXPECT_EQ(element_path("operations[1].columns", 12), "operations[1].columns[12]");
}

}  // namespace
}  // namespace usertasks::base
