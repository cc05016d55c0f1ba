// POST /tasks with an array: every task or none, in at most two statements (five with tags),
// each failing element named by its position.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tags_support.hpp"

namespace usertasks::testing {
namespace {

class BatchTest : public TagsFixture {
 protected:
  void SetUp() override {
    TagsFixture::SetUp();
    ada_ = id_of(create_user("Ada"));
    bob_ = id_of(create_user("Bob", "bob@example.com"));
  }

  static json::array contents(std::size_t n, std::int64_t user) {
    json::array tasks;
    for (std::size_t i = 0; i < n; ++i) {
      tasks.push_back(json::object{{"content", fmt::format("task {}", i)}, {"user_id", user}});
    }
    return tasks;
  }

  std::size_t stored_tasks() { return get_json("/tasks?limit=1000").as_array().size(); }

  std::int64_t ada_ = 0;
  std::int64_t bob_ = 0;
};

TEST_P(BatchTest, AnArrayCreatesEveryTaskInOrder) {
  const json::array body{json::object{{"content", "first"}, {"user_id", ada_}},
                         json::object{{"content", "second"}, {"user_id", bob_}, {"done", true}},
                         json::object{{"content", "third"},
                                      {"user_id", std::to_string(ada_)},
                                      {"due_at", "2026-12-24T19:00:00+01:00"}}};
  const Response r = client_->post("/tasks", body);
  ASSERT_EQ(r.status, 201U) << r.describe();
  EXPECT_EQ(statement_count(r), 2 + outbox_statements(GetParam()))
      << "the users, one insert, the events";
  const json::array& created = r.array();
  ASSERT_EQ(created.size(), 3U);
  for (const json::value& t : created) EXPECT_TRUE(IsTask(t)) << to_text(t);
  EXPECT_EQ(created[0].at("content"), "first");
  EXPECT_EQ(created[1].at("done"), true);
  EXPECT_EQ(created[1].at("user_id"), bob_);
  EXPECT_EQ(created[2].at("due_at"), "2026-12-24T18:00:00.000000Z");
  EXPECT_LT(id_of(created[0]), id_of(created[1]));
  EXPECT_LT(id_of(created[1]), id_of(created[2]));
  // What was answered is what is stored.
  for (const json::value& t : created) {
    json::object stored = get_task(id_of(t));
    stored.erase("user");
    EXPECT_EQ(to_text(stored), to_text(t));
  }
}

TEST_P(BatchTest, AThousandAtOnceInTwoStatementsAndTheEvents) {
  const Response r = client_->post("/tasks", contents(1000, ada_));
  ASSERT_EQ(r.status, 201U) << r.describe();
  EXPECT_EQ(r.array().size(), 1000U);
  EXPECT_EQ(statement_count(r), 2 + outbox_statements(GetParam()));
  EXPECT_EQ(stored_tasks(), 1000U);
  EXPECT_TRUE(IsValidationProblemFor(client_->post("/tasks", contents(1001, ada_)), {"body"}));
  EXPECT_TRUE(IsValidationProblemFor(client_->post("/tasks", json::array{}), {"body"}));
  EXPECT_EQ(stored_tasks(), 1000U);
}

TEST_P(BatchTest, EveryBadElementIsNamedAndNothingIsCreated) {
  const json::array body{json::object{{"content", "fine"}, {"user_id", ada_}},
                         json::object{{"content", ""}, {"user_id", ada_}},
                         json::string("not an object"),
                         json::object{{"user_id", ada_}, {"colour", "red"}},
                         json::object{{"content", "x"}, {"user_id", ada_}, {"tags", {"a  b"}}}};
  EXPECT_TRUE(
      IsValidationProblemFor(client_->post("/tasks", body),
                             {"[1].content", "[2]", "[3].colour", "[3].content", "[4].tags[0]"}));
  EXPECT_EQ(stored_tasks(), 0U);
}

TEST_P(BatchTest, AnUnknownUserFailsItsElementsAndCreatesNothing) {
  json::array body = contents(4, ada_);
  body[1].as_object()["user_id"] = 987;
  body[3].as_object()["user_id"] = 988;
  const Response r = client_->post("/tasks", body);
  EXPECT_TRUE(IsValidationProblemFor(r, {"[1].user_id", "[3].user_id"})) << r.describe();
  EXPECT_NE(r.body.find("user 987 does not exist"), std::string::npos) << r.body;
  EXPECT_EQ(stored_tasks(), 0U);
}

TEST_P(BatchTest, TagsAreCreatedOnceAndLinkedInAtMostFiveStatementsAndTheEvents) {
  json::array body = contents(50, ada_);
  for (std::size_t i = 0; i < body.size(); ++i) {
    body[i].as_object()["tags"] =
        i % 2 == 0 ? json::array{"Home", "batch"} : json::array{"BATCH", fmt::format("n{}", i)};
  }
  create_tag("home");
  const Response r = client_->post("/tasks", body);
  ASSERT_EQ(r.status, 201U) << r.describe();
  EXPECT_LE(statement_count(r), 5 + outbox_statements(GetParam()));
  const json::array& created = r.array();
  EXPECT_EQ(tags_of(created[0]), (Names{"batch", "home"}));  // the stored spellings
  EXPECT_EQ(tags_of(created[1]), (Names{"batch", "n1"}));
  json::object stored = get_task(id_of(created[1]));
  stored.erase("user");
  EXPECT_EQ(to_text(stored), to_text(created[1]));
  EXPECT_EQ(task_count(tag_id("batch")), 50);
  EXPECT_EQ(all_tags().size(), 2U + 25U);  // home, batch and the 25 n<i>
}

TEST_P(BatchTest, AnObjectIsStillOneTask) {
  const Response r = client_->post("/tasks", json::object{{"content", "one"}, {"user_id", ada_}});
  ASSERT_EQ(r.status, 201U) << r.describe();
  EXPECT_TRUE(IsTask(r.json()));
  EXPECT_FALSE(r.header("Location").empty());
  EXPECT_TRUE(
      IsProblem(client_->request("POST", "/tasks", "[{", {{"Content-Type", "application/json"}}),
                400, "malformed-json"));
}

USERTASKS_INSTANTIATE_FOR_ALL_BACKENDS(BatchTest);

}  // namespace
}  // namespace usertasks::testing
