// The /users endpoints of API.md: shapes, Location, create with tasks, replace, patch, delete and
// email uniqueness.

#include <fmt/format.h>

#include <thread>

#include "harness.hpp"

namespace usertasks::testing {
namespace {

using namespace std::chrono_literals;

class UsersTest : public ApiTest {
 protected:
  // Timestamps have microseconds; waiting a little guarantees that an update gets a later one.
  static void let_the_clock_tick() { std::this_thread::sleep_for(2ms); }
};

TEST_P(UsersTest, CreateAnswers201WithTheUserAndItsLocation) {
  const Response r =
      client_->post("/users", json::object{{"name", "Ada"}, {"email", "ada@example.com"}});
  ASSERT_EQ(r.status, 201U) << r.describe();
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  const json::object user = r.object();
  ASSERT_TRUE(IsUser(user));  // exactly id, name, email, created_at, updated_at: no "tasks"
  EXPECT_EQ(user.at("name"), "Ada");
  EXPECT_EQ(user.at("email"), "ada@example.com");
  EXPECT_EQ(user.at("created_at"), user.at("updated_at"));
  EXPECT_EQ(r.header("Location"), fmt::format("/users/{}", id_of(user)));
}

TEST_P(UsersTest, NameIsStoredTrimmed) {
  const json::object user = create_user(" \t Ada Lovelace \n ");
  EXPECT_EQ(user.at("name"), "Ada Lovelace");
  EXPECT_EQ(get_json(fmt::format("/users/{}", id_of(user))).at("name"), "Ada Lovelace");
}

TEST_P(UsersTest, GetAnswersTheUserWithItsTasksOrderedById) {
  const json::object ada = create_user("Ada");
  const json::object bob = create_user("Bob");
  // Interleave the two users' tasks so that "ordered by id" and "only its own" both matter.
  std::vector<std::int64_t> ada_tasks;
  for (int i = 0; i < 3; ++i) {
    ada_tasks.push_back(id_of(create_task(id_of(ada), fmt::format("ada {}", i))));
    create_task(id_of(bob), fmt::format("bob {}", i));
  }
  const Response r = client_->get(fmt::format("/users/{}", id_of(ada)));
  ASSERT_EQ(r.status, 200U) << r.describe();
  const json::object got = r.object();
  ASSERT_TRUE(IsUser(got, /*with_tasks=*/true));
  std::vector<std::int64_t> ids;
  for (const json::value& t : got.at("tasks").get_array()) ids.push_back(id_of(t));
  EXPECT_EQ(ids, ada_tasks);
  EXPECT_EQ(got.at("tasks").get_array()[0].at("content"), "ada 0");
}

TEST_P(UsersTest, GetOfAUserWithoutTasksEmbedsAnEmptyArray) {
  const json::object ada = create_user();
  const json::value got = get_json(fmt::format("/users/{}", id_of(ada)));
  ASSERT_TRUE(IsUser(got, /*with_tasks=*/true));
  EXPECT_TRUE(got.at("tasks").get_array().empty());
}

TEST_P(UsersTest, ListAnswersUsersOrderedByIdWithoutTasks) {
  std::vector<std::int64_t> created;
  for (int i = 0; i < 5; ++i) created.push_back(id_of(create_user(fmt::format("user {}", i))));
  const json::value list = get_json("/users");
  ASSERT_TRUE(list.is_array());
  std::vector<std::int64_t> ids;
  for (const json::value& u : list.get_array()) {
    EXPECT_TRUE(IsUser(u));
    ids.push_back(id_of(u));
  }
  EXPECT_EQ(ids, created);
}

TEST_P(UsersTest, ListOfAnEmptyDatabaseIsAnEmptyArrayWithoutLink) {
  const Response r = client_->get("/users");
  ASSERT_EQ(r.status, 200U);
  EXPECT_EQ(r.body, "[]");
  EXPECT_FALSE(r.has_header("Link"));
}

TEST_P(UsersTest, CreateWithTasksCreatesAllAndEmbedsThem) {
  const Response r = client_->post(
      "/users", json::object{{"name", "Ada"},
                             {"email", "ada@example.com"},
                             {"tasks", json::array{json::object{{"content", "first"}},
                                                   json::object{{"content", "second"}}}}});
  ASSERT_EQ(r.status, 201U) << r.describe();
  const json::object user = r.object();
  ASSERT_TRUE(IsUser(user, /*with_tasks=*/true));
  const json::array& tasks = user.at("tasks").get_array();
  ASSERT_EQ(tasks.size(), 2U);
  EXPECT_EQ(tasks[0].at("content"), "first");
  EXPECT_EQ(tasks[1].at("content"), "second");
  EXPECT_LT(id_of(tasks[0]), id_of(tasks[1]));
  EXPECT_EQ(r.header("Location"), fmt::format("/users/{}", id_of(user)));
  // What the answer embeds is what is stored.
  EXPECT_EQ(to_text(get_json(fmt::format("/users/{}", id_of(user)))), to_text(user));
}

TEST_P(UsersTest, CreateWithAnEmptyTaskListEmbedsAnEmptyArray) {
  const Response r = client_->post(
      "/users",
      json::object{{"name", "Ada"}, {"email", "ada@example.com"}, {"tasks", json::array{}}});
  ASSERT_EQ(r.status, 201U) << r.describe();
  const json::object user = r.object();
  ASSERT_TRUE(IsUser(user, /*with_tasks=*/true));
  EXPECT_TRUE(user.at("tasks").get_array().empty());
}

TEST_P(UsersTest, CreateWithOneInvalidTaskCreatesNothing) {
  create_user("Existing");
  const std::string before = snapshot();
  const Response r = client_->post(
      "/users", json::object{{"name", "Ada"},
                             {"email", "ada@example.com"},
                             {"tasks", json::array{json::object{{"content", "fine"}},
                                                   json::object{{"content", "   "}},
                                                   json::object{{"content", "fine too"}}}}});
  EXPECT_TRUE(IsValidationProblemFor(r, {"tasks[1].content"}));
  EXPECT_EQ(snapshot(), before);
}

TEST_P(UsersTest, CreateWithTasksAndATakenEmailCreatesNoTask) {
  create_user("Ada", "ada@example.com");
  const std::string before = snapshot();
  const Response r = client_->post(
      "/users", json::object{{"name", "Ada again"},
                             {"email", "ADA@example.com"},
                             {"tasks", json::array{json::object{{"content", "orphan?"}}}}});
  EXPECT_TRUE(IsProblem(r, 409, "email-taken"));
  EXPECT_EQ(snapshot(), before);
}

TEST_P(UsersTest, PutReplacesNameAndEmailAndTouchesUpdatedAt) {
  const json::object user = create_user("Ada", "ada@example.com");
  create_task(id_of(user));
  let_the_clock_tick();
  const std::string target = fmt::format("/users/{}", id_of(user));
  const Response r =
      client_->put(target, json::object{{"name", "  Grace  "}, {"email", "grace@example.com"}});
  ASSERT_EQ(r.status, 200U) << r.describe();
  const json::object updated = r.object();
  ASSERT_TRUE(IsUser(updated));  // a User, without tasks
  EXPECT_EQ(updated.at("id"), user.at("id"));
  EXPECT_EQ(updated.at("name"), "Grace");
  EXPECT_EQ(updated.at("email"), "grace@example.com");
  EXPECT_EQ(updated.at("created_at"), user.at("created_at"));
  EXPECT_GT(updated.at("updated_at").get_string(), user.at("updated_at").get_string());

  const json::value stored = get_json(target);
  EXPECT_EQ(stored.at("name"), "Grace");
  EXPECT_EQ(stored.at("updated_at"), updated.at("updated_at"));
  EXPECT_EQ(stored.at("tasks").get_array().size(), 1U);  // the tasks stay
}

TEST_P(UsersTest, PutRequiresBothFields) {
  const json::object user = create_user("Ada", "ada@example.com");
  const std::string target = fmt::format("/users/{}", id_of(user));
  const std::string before = snapshot();
  EXPECT_TRUE(IsValidationProblem(client_->put(target, json::object{{"name", "Grace"}}),
                                  {{"email", "is required"}}));
  EXPECT_TRUE(IsValidationProblem(client_->put(target, json::object{{"email", "g@example.com"}}),
                                  {{"name", "is required"}}));
  EXPECT_TRUE(IsValidationProblemFor(client_->put(target, json::object{}), {"name", "email"}));
  EXPECT_EQ(snapshot(), before);
}

TEST_P(UsersTest, PatchChangesOnlyTheGivenFields) {
  const json::object user = create_user("Ada", "ada@example.com");
  const std::string target = fmt::format("/users/{}", id_of(user));
  let_the_clock_tick();

  Response r = client_->patch(target, json::object{{"name", "Grace"}});
  ASSERT_EQ(r.status, 200U) << r.describe();
  json::object patched = r.object();
  ASSERT_TRUE(IsUser(patched));
  EXPECT_EQ(patched.at("name"), "Grace");
  EXPECT_EQ(patched.at("email"), "ada@example.com");
  EXPECT_EQ(patched.at("created_at"), user.at("created_at"));
  EXPECT_GT(patched.at("updated_at").get_string(), user.at("updated_at").get_string());

  let_the_clock_tick();
  r = client_->patch(target, json::object{{"email", "grace@example.com"}});
  ASSERT_EQ(r.status, 200U) << r.describe();
  const json::object second = r.object();
  EXPECT_EQ(second.at("name"), "Grace");
  EXPECT_EQ(second.at("email"), "grace@example.com");
  EXPECT_EQ(second.at("created_at"), user.at("created_at"));
  EXPECT_GT(second.at("updated_at").get_string(), patched.at("updated_at").get_string());
}

TEST_P(UsersTest, PatchWithNoFieldsKeepsTheValues) {
  const json::object user = create_user("Ada", "ada@example.com");
  const Response r = client_->patch(fmt::format("/users/{}", id_of(user)), json::object{});
  ASSERT_EQ(r.status, 200U) << r.describe();
  const json::object same = r.object();
  ASSERT_TRUE(IsUser(same));
  EXPECT_EQ(same.at("name"), "Ada");
  EXPECT_EQ(same.at("email"), "ada@example.com");
  EXPECT_EQ(same.at("created_at"), user.at("created_at"));
}

TEST_P(UsersTest, PatchAndPutRejectTasks) {
  const json::object user = create_user();
  const std::string target = fmt::format("/users/{}", id_of(user));
  const json::array tasks{json::object{{"content", "x"}}};
  EXPECT_TRUE(IsValidationProblem(client_->patch(target, json::object{{"tasks", tasks}}),
                                  {{"tasks", "is not a known field"}}));
  EXPECT_TRUE(IsValidationProblemFor(
      client_->put(target, json::object{{"name", "A"}, {"email", "a@b.c"}, {"tasks", tasks}}),
      {"tasks"}));
}

TEST_P(UsersTest, DeleteAnswers204AndTheUserIsGone) {
  const json::object user = create_user();
  const std::string target = fmt::format("/users/{}", id_of(user));
  const Response r = client_->del(target);
  EXPECT_EQ(r.status, 204U) << r.describe();
  EXPECT_TRUE(r.body.empty());
  EXPECT_TRUE(IsProblem(client_->get(target), 404, "not-found"));
  EXPECT_TRUE(IsProblem(client_->del(target), 404, "not-found"));
  EXPECT_EQ(client_->get("/users").body, "[]");
}

TEST_P(UsersTest, EmailIsUniqueIgnoringCaseOnCreate) {
  create_user("Ada", "Ada.Lovelace@Example.com");
  const std::string before = snapshot();
  for (const char* email :
       {"Ada.Lovelace@Example.com", "ada.lovelace@example.com", "ADA.LOVELACE@EXAMPLE.COM"}) {
    EXPECT_TRUE(IsProblem(client_->post("/users", json::object{{"name", "B"}, {"email", email}}),
                          409, "email-taken"))
        << email;
  }
  EXPECT_EQ(snapshot(), before);
}

TEST_P(UsersTest, EmailIsUniqueIgnoringCaseOnUpdate) {
  create_user("Ada", "ada@example.com");
  const json::object bob = create_user("Bob", "bob@example.com");
  const std::string target = fmt::format("/users/{}", id_of(bob));
  const std::string before = snapshot();
  EXPECT_TRUE(
      IsProblem(client_->put(target, json::object{{"name", "Bob"}, {"email", "ADA@example.com"}}),
                409, "email-taken"));
  EXPECT_TRUE(IsProblem(client_->patch(target, json::object{{"email", "Ada@Example.COM"}}), 409,
                        "email-taken"));
  EXPECT_EQ(snapshot(), before);
  // A user may change the case of its own email: that is no conflict.
  const Response own = client_->patch(target, json::object{{"email", "BOB@example.com"}});
  EXPECT_EQ(own.status, 200U) << own.describe();
}

// API.md: "compared case-insensitively" — not only for ASCII letters.
TEST_P(UsersTest, EmailIsUniqueIgnoringCaseBeyondAscii) {
  create_user("Élodie", "Élodie@example.com");
  const Response r =
      client_->post("/users", json::object{{"name", "Elodie"}, {"email", "élodie@example.com"}});
  EXPECT_TRUE(IsProblem(r, 409, "email-taken"));
}

TEST_P(UsersTest, UnknownUserIs404ForEveryMethod) {
  for (const char* id : {"12345", "9223372036854775807"}) {
    const std::string target = fmt::format("/users/{}", id);
    EXPECT_TRUE(IsProblem(client_->get(target), 404, "not-found"));
    EXPECT_TRUE(IsProblem(client_->put(target, json::object{{"name", "A"}, {"email", "a@b.c"}}),
                          404, "not-found"));
    EXPECT_TRUE(IsProblem(client_->patch(target, json::object{{"name", "A"}}), 404, "not-found"));
    EXPECT_TRUE(IsProblem(client_->del(target), 404, "not-found"));
    EXPECT_TRUE(IsProblem(client_->get(target + "/tasks"), 404, "not-found"));
    EXPECT_TRUE(IsProblem(client_->post(target + "/tasks", json::object{{"content", "x"}}), 404,
                          "not-found"));
  }
  EXPECT_EQ(client_->get("/tasks").body, "[]");  // the POST above created nothing
}

USERTASKS_INSTANTIATE_FOR_ALL_BACKENDS(UsersTest);

}  // namespace
}  // namespace usertasks::testing
