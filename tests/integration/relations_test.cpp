// Users and their tasks together: the original lab's flow, cascading deletes, embeds, and the
// statement budgets of API.md (one round trip for a record with its relation, two for a page with
// embeds, whatever its size).

#include <fmt/format.h>

#include <map>

#include "harness.hpp"

namespace usertasks::testing {
namespace {

class RelationsTest : public ApiTest {
 protected:
  // A user with `tasks` tasks, created in one request.
  json::object create_user_with_tasks(std::string_view name, int tasks) {
    json::array list;
    for (int i = 0; i < tasks; ++i)
      list.push_back(json::object{{"content", fmt::format("{} {}", name, i)}});
    const Response r = client_->post(
        "/users",
        json::object{{"name", name}, {"email", unique_email()}, {"tasks", std::move(list)}});
    EXPECT_EQ(r.status, 201U) << r.describe();
    return r.object();
  }
};

// The flow of the original lab, as its clients drive it.
TEST_P(RelationsTest, OriginalLabFlow) {
  const json::object user = create_user("Ada", "ada@example.com");
  const std::int64_t user_id = id_of(user);

  Response r = client_->post("/tasks", json::object{{"content", "first"}, {"user_id", user_id}});
  ASSERT_EQ(r.status, 201U) << r.describe();
  const std::int64_t first = id_of(r.json());
  r = client_->post("/tasks",
                    json::object{{"content", "second"}, {"user_id", std::to_string(user_id)}});
  ASSERT_EQ(r.status, 201U) << r.describe();
  const std::int64_t second = id_of(r.json());

  const json::value with_tasks = get_json(fmt::format("/users/{}", user_id));
  ASSERT_TRUE(IsUser(with_tasks, /*with_tasks=*/true));
  const json::array& tasks = with_tasks.at("tasks").as_array();
  ASSERT_EQ(tasks.size(), 2U);
  EXPECT_EQ(id_of(tasks[0]), first);
  EXPECT_EQ(id_of(tasks[1]), second);
  EXPECT_EQ(tasks[1].at("content"), "second");

  const json::value task = get_json(fmt::format("/tasks/{}", second));
  ASSERT_TRUE(IsTask(task, /*with_user=*/true));
  EXPECT_EQ(task.at("user").at("email"), "ada@example.com");

  ASSERT_EQ(client_->del(fmt::format("/users/{}", user_id)).status, 204U);
  EXPECT_TRUE(IsProblem(client_->get(fmt::format("/tasks/{}", first)), 404, "not-found"));
  EXPECT_TRUE(IsProblem(client_->get(fmt::format("/tasks/{}", second)), 404, "not-found"));
  EXPECT_EQ(client_->get(fmt::format("/tasks?user_id={}", user_id)).body, "[]");
}

TEST_P(RelationsTest, DeletingAUserDeletesOnlyItsTasks) {
  const json::object ada = create_user_with_tasks("ada", 3);
  const json::object bob = create_user_with_tasks("bob", 2);
  ASSERT_EQ(client_->del(fmt::format("/users/{}", id_of(ada))).status, 204U);
  const json::value all = get_json("/tasks");
  ASSERT_EQ(all.as_array().size(), 2U);
  for (const json::value& t : all.as_array()) EXPECT_EQ(t.at("user_id"), bob.at("id"));
  EXPECT_EQ(get_json(fmt::format("/users/{}", id_of(bob))).at("tasks").as_array().size(), 2U);
  // The deleted user's tasks cannot be reached, changed or deleted either.
  for (const json::value& t : ada.at("tasks").as_array()) {
    const std::string target = fmt::format("/tasks/{}", id_of(t));
    EXPECT_TRUE(IsProblem(client_->get(target), 404, "not-found"));
    EXPECT_TRUE(
        IsProblem(client_->patch(target, json::object{{"content", "x"}}), 404, "not-found"));
  }
}

TEST_P(RelationsTest, IncludeTasksEmbedsEachUsersOwnTasks) {
  std::map<std::int64_t, std::string> expected;  // user id -> its tasks, serialized
  for (int i = 0; i < 4; ++i) {
    const json::object user = create_user_with_tasks(fmt::format("u{}", i), i);  // u0 has none
    expected[id_of(user)] = to_text(user.at("tasks"));
  }
  // Tasks created later, interleaved, still land with their users in id order.
  const std::int64_t first = expected.begin()->first;
  create_task(first, "late");
  expected[first] = to_text(get_json(fmt::format("/users/{}", first)).at("tasks"));

  const json::value list = get_json("/users?include=tasks");
  ASSERT_EQ(list.as_array().size(), expected.size());
  for (const json::value& u : list.as_array()) {
    EXPECT_TRUE(IsUser(u, /*with_tasks=*/true));
    EXPECT_EQ(to_text(u.at("tasks")), expected[id_of(u)]);
  }
}

TEST_P(RelationsTest, IncludeUserEmbedsEachTasksUser) {
  const json::object ada = create_user_with_tasks("ada", 2);
  const json::object bob = create_user_with_tasks("bob", 2);
  const json::value list = get_json("/tasks?include=user");
  ASSERT_EQ(list.as_array().size(), 4U);
  for (const json::value& t : list.as_array()) {
    ASSERT_TRUE(IsTask(t, /*with_user=*/true));
    const json::object& owner = t.at("user_id") == ada.at("id") ? ada : bob;
    EXPECT_EQ(t.at("user").at("name"), owner.at("name"));
    EXPECT_EQ(t.at("user").at("email"), owner.at("email"));
  }
  const json::value filtered = get_json(fmt::format("/tasks?user_id={}&include=user", id_of(bob)));
  ASSERT_EQ(filtered.as_array().size(), 2U);
  for (const json::value& t : filtered.as_array()) {
    EXPECT_TRUE(IsTask(t, /*with_user=*/true));
    EXPECT_EQ(t.at("user").at("name"), "bob");
  }
}

TEST_P(RelationsTest, ARecordWithItsRelationIsOneStatement) {
  const json::object user = create_user_with_tasks("ada", 5);
  Response r = client_->get(fmt::format("/users/{}", id_of(user)));
  ASSERT_EQ(r.status, 200U);
  EXPECT_EQ(statement_count(r), 1) << r.describe();
  r = client_->get(fmt::format("/tasks/{}", id_of(user.at("tasks").as_array()[2])));
  ASSERT_EQ(r.status, 200U);
  EXPECT_EQ(statement_count(r), 1) << r.describe();
}

TEST_P(RelationsTest, AUserCreatedWithTasksIsTwoStatementsAndTheEventsWhateverTheirNumber) {
  json::array tasks;
  for (int i = 0; i < 40; ++i)
    tasks.push_back(json::object{{"content", fmt::format("task {}", i)}});
  const Response r = client_->post(
      "/users", json::object{{"name", "Many"}, {"email", "many@example.com"}, {"tasks", tasks}});
  ASSERT_EQ(r.status, 201U) << r.describe();
  EXPECT_EQ(statement_count(r), 2 + outbox_statements(GetParam())) << r.describe();
  const json::object body = r.object();
  const json::array& created = body.at("tasks").as_array();
  ASSERT_EQ(created.size(), 40U);
  for (std::size_t i = 0; i < created.size(); ++i) {
    EXPECT_EQ(created[i].at("content").as_string(), fmt::format("task {}", i));
    if (i > 0) {
      EXPECT_GT(id_of(created[i]), id_of(created[i - 1]));
    }
  }
}

TEST_P(RelationsTest, APageWithEmbedsIsTwoStatementsAtMost) {
  // More users than the page holds, each with tasks: an N+1 would show as ~50 statements.
  for (int i = 0; i < 55; ++i) create_user_with_tasks(fmt::format("u{}", i), 2);
  Response r = client_->get("/users?include=tasks&limit=50");
  ASSERT_EQ(r.status, 200U);
  EXPECT_EQ(r.array().size(), 50U);
  EXPECT_EQ(statement_count(r), 2) << "GET /users?include=tasks&limit=50";
  for (const json::value& u : r.array()) EXPECT_EQ(u.at("tasks").as_array().size(), 2U);

  r = client_->get("/users?include=tasks&limit=1000");
  EXPECT_LE(statement_count(r), 2) << "GET /users?include=tasks&limit=1000";
  r = client_->get("/tasks?include=user&limit=50");
  ASSERT_EQ(r.status, 200U);
  EXPECT_EQ(r.array().size(), 50U);
  EXPECT_LE(statement_count(r), 2) << "GET /tasks?include=user&limit=50";
  r = client_->get("/tasks?include=user&limit=1000");
  EXPECT_LE(statement_count(r), 2) << "GET /tasks?include=user&limit=1000";
}

TEST_P(RelationsTest, EveryResponseReportsItsStatementCount) {
  const json::object user = create_user();
  for (const std::string& target :
       {std::string("/users"), std::string("/tasks"), fmt::format("/users/{}/tasks", id_of(user)),
        std::string("/healthz")}) {
    const Response r = client_->get(target);
    EXPECT_GE(statement_count(r), 1) << target << "\n" << r.describe();
  }
}

USERTASKS_INSTANTIATE_FOR_ALL_BACKENDS(RelationsTest);

}  // namespace
}  // namespace usertasks::testing
