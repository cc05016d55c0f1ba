// Tasks' "done" flag (migration 0002): its default, every way to set it, and the done= filter.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "harness.hpp"

namespace usertasks::testing {
namespace {

class DoneTest : public ApiTest {};

TEST_P(DoneTest, ANewTaskIsNotDoneUnlessTheBodySaysSo) {
  const std::int64_t ada = id_of(create_user("Ada"));
  EXPECT_EQ(create_task(ada).at("done"), false);

  Response r =
      client_->post("/tasks", json::object{{"content", "c"}, {"user_id", ada}, {"done", true}});
  ASSERT_EQ(r.status, 201U) << r.describe();
  EXPECT_TRUE(IsTask(r.json()));
  EXPECT_EQ(r.object().at("done"), true);

  r = client_->post(fmt::format("/users/{}/tasks", ada),
                    json::object{{"content", "c"}, {"done", true}});
  ASSERT_EQ(r.status, 201U) << r.describe();
  EXPECT_EQ(get_json(r.header("Location")).at("done"), true);
}

TEST_P(DoneTest, PatchAndPutSetItAndPutWithoutItKeepsIt) {
  const std::int64_t ada = id_of(create_user("Ada"));
  const std::string task = fmt::format("/tasks/{}", id_of(create_task(ada)));

  Response r = client_->patch(task, json::object{{"done", true}});
  ASSERT_EQ(r.status, 200U) << r.describe();
  EXPECT_EQ(r.object().at("done"), true);
  r = client_->put(task, json::object{{"content", "again"}, {"user_id", ada}});
  ASSERT_EQ(r.status, 200U) << r.describe();
  EXPECT_EQ(r.object().at("done"), true);
  r = client_->put(task, json::object{{"content", "again"}, {"user_id", ada}, {"done", false}});
  EXPECT_EQ(r.object().at("done"), false);
}

TEST_P(DoneTest, OnlyBooleansAreAccepted) {
  const std::int64_t ada = id_of(create_user("Ada"));
  const std::string task = fmt::format("/tasks/{}", id_of(create_task(ada)));
  const std::string before = snapshot();
  for (const json::value& bad : {json::value("true"), json::value(1), json::value(nullptr)}) {
    const Response r = client_->patch(task, json::object{{"done", bad}});
    EXPECT_EQ(r.status, 422U) << r.describe();
  }
  EXPECT_TRUE(IsValidationProblem(client_->patch(task, json::object{{"done", 1}}),
                                  {{"done", "must be true or false"}}));
  EXPECT_EQ(snapshot(), before);
}

TEST_P(DoneTest, ListsFilterOnDone) {
  const std::int64_t ada = id_of(create_user("Ada"));
  const std::int64_t bob = id_of(create_user("Bob"));
  for (const std::int64_t user : {ada, bob}) {
    for (int i = 0; i < 3; ++i) {
      client_->post("/tasks", json::object{{"content", fmt::format("t{}", i)},
                                           {"user_id", user},
                                           {"done", i % 2 == 0}});
    }
  }
  EXPECT_EQ(get_json("/tasks?done=true").as_array().size(), 4U);
  EXPECT_EQ(get_json("/tasks?done=false").as_array().size(), 2U);
  EXPECT_EQ(get_json("/tasks").as_array().size(), 6U);
  const json::value mine = get_json(fmt::format("/tasks?user_id={}&done=true&include=user", ada));
  ASSERT_EQ(mine.as_array().size(), 2U);
  for (const json::value& t : mine.as_array()) {
    EXPECT_EQ(t.at("done"), true);
    EXPECT_EQ(t.at("user").at("name"), "Ada");
  }
  const Response page = client_->get("/tasks?done=true&limit=1");
  EXPECT_EQ(next_link(page).value_or(""),
            fmt::format("/tasks?done=true&limit=1&after={}", id_of(page.array()[0])));
  EXPECT_TRUE(IsBadQuery(client_->get("/tasks?done=maybe"), "done"));
  EXPECT_TRUE(IsBadQuery(client_->get("/tasks?done=1"), "done"));
}

USERTASKS_INSTANTIATE_FOR_ALL_BACKENDS(DoneTest);

}  // namespace
}  // namespace usertasks::testing
