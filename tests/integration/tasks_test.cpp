// The /tasks endpoints and /users/{id}/tasks of API.md: shapes, Location, user_id as a string,
// replace, patch, moving a task, delete.

#include <fmt/format.h>

#include <thread>

#include "harness.hpp"

namespace usertasks::testing {
namespace {

using namespace std::chrono_literals;

class TasksTest : public ApiTest {
 protected:
  void SetUp() override {
    ApiTest::SetUp();
    if (IsSkipped()) return;
    ada_ = id_of(create_user("Ada"));
    bob_ = id_of(create_user("Bob"));
  }
  static std::string task_path(std::int64_t id) { return fmt::format("/tasks/{}", id); }
  static void let_the_clock_tick() { std::this_thread::sleep_for(2ms); }

  std::int64_t ada_ = 0;
  std::int64_t bob_ = 0;
};

TEST_P(TasksTest, PostTasksAnswers201WithTheTaskAndItsLocation) {
  const Response r =
      client_->post("/tasks", json::object{{"content", "write report"}, {"user_id", ada_}});
  ASSERT_EQ(r.status, 201U) << r.describe();
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  const json::object task = r.object();
  ASSERT_TRUE(IsTask(task));  // exactly id, content, user_id, created_at, updated_at
  EXPECT_EQ(task.at("content"), "write report");
  EXPECT_EQ(task.at("user_id"), ada_);
  EXPECT_EQ(task.at("created_at"), task.at("updated_at"));
  EXPECT_EQ(r.header("Location"), task_path(id_of(task)));
}

TEST_P(TasksTest, PostTasksAcceptsUserIdAsADigitString) {
  // The original lab's clients send "user_id": "3".
  const Response r = client_->post(
      "/tasks", json::object{{"content", "from the lab"}, {"user_id", std::to_string(bob_)}});
  ASSERT_EQ(r.status, 201U) << r.describe();
  const json::object task = r.object();
  ASSERT_TRUE(IsTask(task));
  EXPECT_EQ(task.at("user_id"), bob_);  // answered as a number
}

TEST_P(TasksTest, PostUserTasksAnswers201WithTheTaskAndItsLocation) {
  const Response r =
      client_->post(fmt::format("/users/{}/tasks", ada_), json::object{{"content", "x"}});
  ASSERT_EQ(r.status, 201U) << r.describe();
  const json::object task = r.object();
  ASSERT_TRUE(IsTask(task));
  EXPECT_EQ(task.at("user_id"), ada_);
  EXPECT_EQ(r.header("Location"), task_path(id_of(task)));
}

TEST_P(TasksTest, PostUserTasksTakesTheUserFromThePathOnly) {
  const std::string before = snapshot();
  const Response r = client_->post(fmt::format("/users/{}/tasks", ada_),
                                   json::object{{"content", "x"}, {"user_id", bob_}});
  EXPECT_TRUE(IsValidationProblem(r, {{"user_id", "is not a known field"}}));
  EXPECT_EQ(snapshot(), before);
}

TEST_P(TasksTest, GetAnswersTheTaskWithItsUser) {
  const json::object task = create_task(ada_, "with user");
  const Response r = client_->get(task_path(id_of(task)));
  ASSERT_EQ(r.status, 200U) << r.describe();
  const json::object got = r.object();
  ASSERT_TRUE(IsTask(got, /*with_user=*/true));
  EXPECT_EQ(got.at("content"), "with user");
  // The embedded user is the User itself (without its tasks).
  json::object user = get_json(fmt::format("/users/{}", ada_)).as_object();
  user.erase("tasks");
  EXPECT_EQ(to_text(got.at("user")), to_text(user));
}

TEST_P(TasksTest, ListAnswersTasksOrderedById) {
  std::vector<std::int64_t> created;
  for (int i = 0; i < 3; ++i) {
    created.push_back(id_of(create_task(ada_, fmt::format("a{}", i))));
    created.push_back(id_of(create_task(bob_, fmt::format("b{}", i))));
  }
  const json::value list = get_json("/tasks");
  std::vector<std::int64_t> ids;
  for (const json::value& t : list.as_array()) {
    EXPECT_TRUE(IsTask(t));
    ids.push_back(id_of(t));
  }
  EXPECT_EQ(ids, created);
}

TEST_P(TasksTest, ListOfAUsersTasksAnswersOnlyThose) {
  const std::int64_t a1 = id_of(create_task(ada_, "a1"));
  create_task(bob_, "b1");
  const std::int64_t a2 = id_of(create_task(ada_, "a2"));
  for (const std::string& target :
       {fmt::format("/users/{}/tasks", ada_), fmt::format("/tasks?user_id={}", ada_)}) {
    const json::value list = get_json(target);
    std::vector<std::int64_t> ids;
    for (const json::value& t : list.as_array()) {
      EXPECT_TRUE(IsTask(t));
      ids.push_back(id_of(t));
    }
    EXPECT_EQ(ids, (std::vector<std::int64_t>{a1, a2})) << target;
  }
}

TEST_P(TasksTest, ListOfAUserWithoutTasksIsEmpty) {
  EXPECT_EQ(client_->get(fmt::format("/users/{}/tasks", ada_)).body, "[]");
  EXPECT_EQ(client_->get(fmt::format("/tasks?user_id={}", ada_)).body, "[]");
}

TEST_P(TasksTest, ListOfTheTasksOfNoUser) {
  // /users/{id}/tasks is about a resource that must exist; /tasks?user_id= is a filter.
  EXPECT_TRUE(IsProblem(client_->get("/users/987/tasks"), 404, "not-found"));
  EXPECT_EQ(client_->get("/tasks?user_id=987").body, "[]");
}

TEST_P(TasksTest, PutReplacesContentAndUser) {
  const json::object task = create_task(ada_, "old");
  let_the_clock_tick();
  const Response r =
      client_->put(task_path(id_of(task)), json::object{{"content", "new"}, {"user_id", bob_}});
  ASSERT_EQ(r.status, 200U) << r.describe();
  const json::object updated = r.object();
  ASSERT_TRUE(IsTask(updated));  // a Task, without its user
  EXPECT_EQ(updated.at("id"), task.at("id"));
  EXPECT_EQ(updated.at("content"), "new");
  EXPECT_EQ(updated.at("user_id"), bob_);
  EXPECT_EQ(updated.at("created_at"), task.at("created_at"));
  EXPECT_GT(updated.at("updated_at").get_string(), task.at("updated_at").get_string());
  // The task moved: it is among Bob's tasks and no longer among Ada's.
  EXPECT_EQ(get_json(fmt::format("/users/{}", ada_)).at("tasks").as_array().size(), 0U);
  EXPECT_EQ(get_json(fmt::format("/users/{}", bob_)).at("tasks").as_array().size(), 1U);
}

TEST_P(TasksTest, PutRequiresBothFields) {
  const json::object task = create_task(ada_);
  const std::string target = task_path(id_of(task));
  const std::string before = snapshot();
  EXPECT_TRUE(IsValidationProblem(client_->put(target, json::object{{"content", "x"}}),
                                  {{"user_id", "is required"}}));
  EXPECT_TRUE(IsValidationProblem(client_->put(target, json::object{{"user_id", ada_}}),
                                  {{"content", "is required"}}));
  EXPECT_EQ(snapshot(), before);
}

TEST_P(TasksTest, PatchChangesOnlyTheGivenFields) {
  const json::object task = create_task(ada_, "old");
  const std::string target = task_path(id_of(task));
  let_the_clock_tick();
  Response r = client_->patch(target, json::object{{"content", "new"}});
  ASSERT_EQ(r.status, 200U) << r.describe();
  const json::object first = r.object();
  ASSERT_TRUE(IsTask(first));
  EXPECT_EQ(first.at("content"), "new");
  EXPECT_EQ(first.at("user_id"), ada_);
  EXPECT_GT(first.at("updated_at").get_string(), task.at("updated_at").get_string());

  let_the_clock_tick();
  r = client_->patch(target, json::object{{"user_id", std::to_string(bob_)}});
  ASSERT_EQ(r.status, 200U) << r.describe();
  const json::object second = r.object();
  EXPECT_EQ(second.at("content"), "new");
  EXPECT_EQ(second.at("user_id"), bob_);
  EXPECT_EQ(second.at("created_at"), task.at("created_at"));
  EXPECT_GT(second.at("updated_at").get_string(), first.at("updated_at").get_string());
  EXPECT_EQ(get_json(target).at("user").at("name"), "Bob");
}

TEST_P(TasksTest, UpdateToAUserThatDoesNotExistIs422AndChangesNothing) {
  const json::object task = create_task(ada_);
  const std::string target = task_path(id_of(task));
  const std::string before = snapshot();
  const std::vector<std::pair<std::string, std::string>> expected{
      {"user_id", "user 987 does not exist"}};
  EXPECT_TRUE(
      IsValidationProblem(client_->patch(target, json::object{{"user_id", 987}}), expected));
  EXPECT_TRUE(IsValidationProblem(
      client_->put(target, json::object{{"content", "x"}, {"user_id", "987"}}), expected));
  EXPECT_EQ(snapshot(), before);
}

TEST_P(TasksTest, CreateForAUserThatDoesNotExistIs422AndCreatesNothing) {
  const std::string before = snapshot();
  const std::vector<std::pair<std::string, std::string>> expected{
      {"user_id", "user 987 does not exist"}};
  EXPECT_TRUE(IsValidationProblem(
      client_->post("/tasks", json::object{{"content", "x"}, {"user_id", 987}}), expected));
  EXPECT_TRUE(IsValidationProblem(
      client_->post("/tasks", json::object{{"content", "x"}, {"user_id", "987"}}), expected));
  EXPECT_EQ(snapshot(), before);
}

TEST_P(TasksTest, DeleteAnswers204AndKeepsTheUser) {
  const json::object task = create_task(ada_);
  const json::object other = create_task(ada_, "stays");
  const std::string target = task_path(id_of(task));
  const Response r = client_->del(target);
  EXPECT_EQ(r.status, 204U) << r.describe();
  EXPECT_TRUE(r.body.empty());
  EXPECT_TRUE(IsProblem(client_->get(target), 404, "not-found"));
  EXPECT_TRUE(IsProblem(client_->del(target), 404, "not-found"));
  const json::value user = get_json(fmt::format("/users/{}", ada_));
  ASSERT_EQ(user.at("tasks").as_array().size(), 1U);
  EXPECT_EQ(id_of(user.at("tasks").as_array()[0]), id_of(other));
}

TEST_P(TasksTest, UnknownTaskIs404ForEveryMethod) {
  for (const char* id : {"12345", "9223372036854775807"}) {
    const std::string target = fmt::format("/tasks/{}", id);
    EXPECT_TRUE(IsProblem(client_->get(target), 404, "not-found"));
    EXPECT_TRUE(IsProblem(client_->put(target, json::object{{"content", "x"}, {"user_id", ada_}}),
                          404, "not-found"));
    EXPECT_TRUE(
        IsProblem(client_->patch(target, json::object{{"content", "x"}}), 404, "not-found"));
    EXPECT_TRUE(IsProblem(client_->del(target), 404, "not-found"));
  }
}

USERTASKS_INSTANTIATE_FOR_ALL_BACKENDS(TasksTest);

}  // namespace
}  // namespace usertasks::testing
