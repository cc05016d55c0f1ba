// Tasks' "due_at" (migration 0003): null by default, set and cleared by every write, written back
// in the API's UTC form, and the due_before= / due_after= filters of both task lists.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "harness.hpp"

namespace usertasks::testing {
namespace {

class DueAtTest : public ApiTest {
 protected:
  // A task of `user` due at `due` (null: never).
  std::int64_t task_due(std::int64_t user, json::value due) {
    const Response r = client_->post(
        "/tasks", json::object{{"content", "c"}, {"user_id", user}, {"due_at", std::move(due)}});
    EXPECT_EQ(r.status, 201U) << r.describe();
    return id_of(r.json());
  }

  std::vector<std::int64_t> ids(const std::string& target) {
    const Response r = client_->get(target);
    EXPECT_EQ(r.status, 200U) << r.describe();
    std::vector<std::int64_t> out;
    for (const json::value& t : r.array()) out.push_back(id_of(t));
    return out;
  }
};

TEST_P(DueAtTest, ANewTaskIsDueNeverUnlessTheBodySaysWhen) {
  const std::int64_t ada = id_of(create_user("Ada"));
  const json::object plain = create_task(ada);
  EXPECT_TRUE(IsTask(plain));
  EXPECT_TRUE(plain.at("due_at").is_null());

  Response r = client_->post(
      "/tasks",
      json::object{{"content", "c"}, {"user_id", ada}, {"due_at", "2026-12-24T18:00:00Z"}});
  ASSERT_EQ(r.status, 201U) << r.describe();
  EXPECT_EQ(r.object().at("due_at"), "2026-12-24T18:00:00.000000Z");
  EXPECT_EQ(get_json(r.header("Location")).at("due_at"), "2026-12-24T18:00:00.000000Z");

  // An offset is applied, the fraction kept to the microsecond; lower-case t and z are RFC 3339.
  r = client_->post(
      fmt::format("/users/{}/tasks", ada),
      json::object{{"content", "c"}, {"due_at", "2026-12-25t01:30:00.1234567+02:00"}});
  ASSERT_EQ(r.status, 201U) << r.describe();
  EXPECT_EQ(r.object().at("due_at"), "2026-12-24T23:30:00.123456Z");
  r = client_->post(
      "/tasks",
      json::object{{"content", "c"}, {"user_id", ada}, {"due_at", "2026-12-24t18:00:00z"}});
  EXPECT_EQ(r.object().at("due_at"), "2026-12-24T18:00:00.000000Z");
  // The user's own view embeds it.
  const json::value user = get_json(fmt::format("/users/{}", ada));
  EXPECT_TRUE(user.at("tasks").as_array().at(0).at("due_at").is_null());
  EXPECT_EQ(user.at("tasks").as_array().at(1).at("due_at"), "2026-12-24T18:00:00.000000Z");
}

TEST_P(DueAtTest, PatchSetsAndNullClearsPutWithoutItKeepsIt) {
  const std::int64_t ada = id_of(create_user("Ada"));
  const std::string task = fmt::format("/tasks/{}", id_of(create_task(ada)));

  Response r = client_->patch(task, json::object{{"due_at", "2027-01-01T00:00:00Z"}});
  ASSERT_EQ(r.status, 200U) << r.describe();
  EXPECT_EQ(r.object().at("due_at"), "2027-01-01T00:00:00.000000Z");
  r = client_->patch(task, json::object{{"content", "other"}});
  EXPECT_EQ(r.object().at("due_at"), "2027-01-01T00:00:00.000000Z");
  r = client_->put(task, json::object{{"content", "again"}, {"user_id", ada}});
  ASSERT_EQ(r.status, 200U) << r.describe();
  EXPECT_EQ(r.object().at("due_at"), "2027-01-01T00:00:00.000000Z");
  r = client_->patch(task, json::object{{"due_at", nullptr}});
  ASSERT_EQ(r.status, 200U) << r.describe();
  EXPECT_TRUE(r.object().at("due_at").is_null());
  EXPECT_TRUE(get_json(task).at("due_at").is_null());
  r = client_->put(
      task, json::object{{"content", "c"}, {"user_id", ada}, {"due_at", "2027-02-01T08:00:00Z"}});
  EXPECT_EQ(r.object().at("due_at"), "2027-02-01T08:00:00.000000Z");
  r = client_->put(task, json::object{{"content", "c"}, {"user_id", ada}, {"due_at", nullptr}});
  EXPECT_TRUE(r.object().at("due_at").is_null());
}

TEST_P(DueAtTest, TheFirstAndLastInstantsRoundTripOnEveryDatabase) {
  const std::int64_t ada = id_of(create_user("Ada"));
  const std::string task = fmt::format("/tasks/{}", id_of(create_task(ada)));
  for (const char* at : {"0001-01-01T00:00:00.000000Z", "9999-12-31T23:59:59.999999Z",
                         "1969-12-31T23:59:59.999999Z"}) {
    const Response r = client_->patch(task, json::object{{"due_at", at}});
    ASSERT_EQ(r.status, 200U) << r.describe();
    EXPECT_EQ(r.object().at("due_at"), at);
    EXPECT_EQ(get_json(task).at("due_at"), at);
  }
}

TEST_P(DueAtTest, OnlyRfc3339DateTimesAreAcceptedAndABadOneChangesNothing) {
  const std::int64_t ada = id_of(create_user("Ada"));
  const std::string task = fmt::format("/tasks/{}", id_of(create_task(ada)));
  const std::string before = snapshot();
  for (const json::value& bad :
       {json::value("2026-12-24"), json::value("2026-12-24 18:00:00Z"),
        json::value("2026-12-24T18:00:00"), json::value("2026-02-30T00:00:00Z"),
        json::value("2026-12-24T24:00:00Z"), json::value("tomorrow"), json::value(""),
        json::value("0000-06-01T00:00:00Z"), json::value(1767225600), json::value(true)}) {
    const Response r = client_->patch(task, json::object{{"due_at", bad}});
    EXPECT_TRUE(IsValidationProblem(
        r, {{"due_at", "must be an RFC 3339 date-time, such as 2026-12-01T09:30:00Z"}}))
        << to_text(bad) << " " << r.describe();
  }
  const Response r =
      client_->post("/tasks", json::object{{"content", "c"}, {"user_id", ada}, {"due_at", "soon"}});
  EXPECT_EQ(r.status, 422U) << r.describe();
  EXPECT_EQ(snapshot(), before);
}

TEST_P(DueAtTest, ListsFilterOnDueBeforeAndDueAfter) {
  const std::int64_t ada = id_of(create_user("Ada"));
  const std::int64_t bob = id_of(create_user("Bob"));
  const std::int64_t early = task_due(ada, "2026-12-01T09:00:00Z");
  const std::int64_t late = task_due(ada, "2026-12-31T09:00:00Z");
  const std::int64_t never = task_due(ada, nullptr);
  const std::int64_t bobs = task_due(bob, "2026-12-15T00:00:00+01:00");  // 14th, 23:00 UTC

  using Ids = std::vector<std::int64_t>;
  EXPECT_EQ(ids("/tasks"), (Ids{early, late, never, bobs}));
  EXPECT_EQ(ids("/tasks?due_before=2026-12-15T00:00:00Z"), (Ids{early, bobs}));
  EXPECT_EQ(ids("/tasks?due_after=2026-12-14T23:00:00Z"), (Ids{late}));  // strictly after
  EXPECT_EQ(ids("/tasks?due_after=2026-12-14T22:59:59.999999Z"), (Ids{late, bobs}));
  // An offset in the query is applied too (%2B is "+").
  EXPECT_EQ(ids("/tasks?due_before=2026-12-15T00:00:00%2B01:00"), (Ids{early}));
  EXPECT_EQ(ids("/tasks?due_after=2026-12-01T00:00:00Z&due_before=2026-12-20T00:00:00Z"),
            (Ids{early, bobs}));
  EXPECT_EQ(ids(fmt::format("/tasks?user_id={}&due_after=2026-12-02T00:00:00Z", ada)), (Ids{late}));
  EXPECT_EQ(ids("/tasks?include=user&due_before=2026-12-02T00:00:00Z"), (Ids{early}));
  // A user's own list takes the same filters.
  EXPECT_EQ(ids(fmt::format("/users/{}/tasks?due_before=2026-12-30T00:00:00Z", ada)), (Ids{early}));
  EXPECT_EQ(ids(fmt::format("/users/{}/tasks?due_after=2026-12-30T00:00:00Z", bob)), (Ids{}));
  EXPECT_EQ(ids(fmt::format("/users/{}/tasks?done=false&due_after=2026-01-01T00:00:00Z", ada)),
            (Ids{early, late}));
  // The next page keeps the filter.
  const Response page = client_->get("/tasks?due_before=2027-01-01T00:00:00Z&limit=1");
  EXPECT_EQ(next_link(page).value_or(""),
            fmt::format("/tasks?due_before=2027-01-01T00%3A00%3A00Z&limit=1&after={}", early));
}

TEST_P(DueAtTest, ABadFilterIsA400NamingTheParameter) {
  const std::int64_t ada = id_of(create_user("Ada"));
  for (const char* bad : {"yesterday", "2026-12-24", "2026-13-01T00:00:00Z", ""}) {
    EXPECT_TRUE(IsBadQuery(client_->get(fmt::format("/tasks?due_before={}", bad)), "due_before"))
        << bad;
    EXPECT_TRUE(IsBadQuery(client_->get(fmt::format("/users/{}/tasks?due_after={}", ada, bad)),
                           "due_after"))
        << bad;
  }
  EXPECT_TRUE(IsBadQuery(
      client_->get("/tasks?due_after=2026-12-24T00:00:00Z&due_after=2026-12-25T00:00:00Z"),
      "due_after"));
}

USERTASKS_INSTANTIATE_FOR_ALL_BACKENDS(DueAtTest);

}  // namespace
}  // namespace usertasks::testing
