#include "http/query.hpp"

#include <gtest/gtest.h>

#include "http/request.hpp"

namespace usertasks::http {
namespace {

TEST(Query, DecodesPercentEscapesAndPlus) {
  auto q = parse_query("a=1&b=x%20y+z&c&d=");
  ASSERT_TRUE(q);
  ASSERT_EQ(q->size(), 4U);
  EXPECT_EQ((*q)[1].value, "x y z");
  EXPECT_EQ((*q)[2].name, "c");
  EXPECT_EQ((*q)[2].value, "");
  EXPECT_FALSE(parse_query("a=%zz"));
}

TEST(Query, NamesMustBeKnownAndUnique) {
  const Query q = *parse_query("limit=5&bogus=1");
  auto problem = check_names(q, {"limit", "after"});
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->parameter, "bogus");
  problem = check_names(*parse_query("limit=5&limit=6"), {"limit"});
  ASSERT_TRUE(problem);
  EXPECT_EQ(problem->message, "is given more than once");
  EXPECT_FALSE(check_names(*parse_query("after=3&limit=5"), {"limit", "after"}));
}

TEST(Query, ReadsIntegersWithinBounds) {
  const Query q = *parse_query("limit=50&after=x&user_id=0");
  QueryReader reader(q);
  EXPECT_EQ(reader.integer("limit", 1, 1000, 100), 50);
  EXPECT_EQ(reader.integer("missing", 1, 1000, 100), 100);
  EXPECT_FALSE(reader.problem());
  EXPECT_EQ(reader.integer("after", 0, 10, 0), 0);
  ASSERT_TRUE(reader.problem());
  EXPECT_EQ(reader.problem()->parameter, "after");
  EXPECT_FALSE(reader.id("user_id"));
  EXPECT_EQ(reader.problem()->parameter, "after");  // the first problem is the one reported
}

TEST(Query, RejectsOutOfRangeLimits) {
  for (const char* bad :
       {"limit=0", "limit=1001", "limit=-1", "limit=1e3", "limit=", "limit=%201"}) {
    const Query q = *parse_query(bad);
    QueryReader reader(q);
    reader.integer("limit", 1, 1000, 100);
    EXPECT_TRUE(reader.problem()) << bad;
  }
}

TEST(Query, EqualsAcceptsOnlyTheOneValue) {
  const Query q = *parse_query("include=tasks");
  QueryReader ok(q);
  EXPECT_TRUE(ok.equals("include", "tasks"));
  EXPECT_FALSE(ok.problem());
  QueryReader wrong(q);
  EXPECT_FALSE(wrong.equals("include", "user"));
  EXPECT_TRUE(wrong.problem());
}

TEST(Query, NextPageKeepsTheOtherParametersInOrder) {
  const Query q = *parse_query("user_id=3&limit=2&include=user&after=9");
  EXPECT_EQ(next_page_target("/tasks", q, 2, 11), "/tasks?user_id=3&include=user&limit=2&after=11");
  EXPECT_EQ(next_page_target("/users", {}, 100, 5), "/users?limit=100&after=5");
  const Query odd = *parse_query("x=a%26b");
  EXPECT_EQ(next_page_target("/t", odd, 1, 1), "/t?x=a%26b&limit=1&after=1");
}

TEST(Target, SplitsPathAndQuery) {
  EXPECT_EQ(split_target("/users?limit=1").path, "/users");
  EXPECT_EQ(split_target("/users?limit=1").query, "limit=1");
  EXPECT_EQ(split_target("/users").query, "");
}

}  // namespace
}  // namespace usertasks::http
