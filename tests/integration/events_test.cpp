// The change feed's events: every type, its data as GET renders the record at that moment (minus
// embeds), and the events of writes that change several records (a user's deletion, a user with
// tasks, an array of tasks, tagging, a tag renamed or deleted), with consecutive ids. A write that
// fails, or changes nothing, has no event and takes no id.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <set>

#include "events_support.hpp"
#include "idempotency_support.hpp"

namespace usertasks::testing {
namespace {

class EventsTest : public EventsFixture {};

TEST_P(EventsTest, EveryTypeCarriesTheRecordAsGetRendersIt) {
  auto stream = subscribe_now();
  std::vector<ExpectedEvent> expected;
  const std::int64_t ada = id_of(create_user("Ada"));
  expected.push_back({"user.created", user_now(ada)});
  ASSERT_EQ(client_->patch(fmt::format("/users/{}", ada), json::object{{"name", "Ada L"}}).status,
            200U);
  expected.push_back({"user.updated", user_now(ada)});
  ASSERT_EQ(client_
                ->put(fmt::format("/users/{}", ada),
                      json::object{{"name", "Ada Lovelace"}, {"email", "ada@example.org"}})
                .status,
            200U);
  expected.push_back({"user.updated", user_now(ada)});

  const std::int64_t one = id_of(create_task(ada, "one"));
  expected.push_back({"task.created", task_now(one)});
  const Response two =
      client_->post("/tasks", json::object{{"content", "two"},
                                           {"user_id", ada},
                                           {"done", true},
                                           {"due_at", "2026-12-24T19:00:00.5+01:00"}});
  ASSERT_EQ(two.status, 201U) << two.describe();
  expected.push_back({"task.created", task_now(id_of(two.json()))});
  ASSERT_EQ(client_->patch(task_path(one), json::object{{"done", true}}).status, 200U);
  expected.push_back({"task.updated", task_now(one)});
  ASSERT_EQ(client_
                ->put(task_path(one), json::object{{"content", "one, again"},
                                                   {"user_id", ada},
                                                   {"due_at", "2027-01-01T00:00:00Z"}})
                .status,
            200U);
  expected.push_back({"task.updated", task_now(one)});

  const std::int64_t home = id_of(create_tag("home"));
  expected.push_back({"tag.created", tag_now(home)});
  ASSERT_EQ(client_->patch(tag_path(home), json::object{{"name", "house"}}).status, 200U);
  expected.push_back({"tag.updated", tag_now(home)});
  ASSERT_EQ(client_->del(tag_path(home)).status, 204U);
  expected.push_back({"tag.deleted", deleted(home)});

  ASSERT_EQ(client_->del(task_path(id_of(two.json()))).status, 204U);
  expected.push_back({"task.deleted", deleted_task(id_of(two.json()), ada)});
  const std::int64_t bob = id_of(create_user("Bob"));
  expected.push_back({"user.created", user_now(bob)});
  ASSERT_EQ(client_->del(fmt::format("/users/{}", bob)).status, 204U);
  expected.push_back({"user.deleted", deleted(bob)});

  const std::vector<SseMessage> got = expect_run(*stream, expected);
  std::set<std::string> types;
  for (const SseMessage& e : got) types.insert(e.event);
  EXPECT_EQ(types.size(), 9U) << "every type once at least";
}

// DELETE /users/{id}: a task.deleted for each of its tasks, then the user.deleted.
TEST_P(EventsTest, DeletingAUserDeletesItsTasksFirst) {
  const std::int64_t ada = id_of(create_user("Ada"));
  const std::int64_t bob = id_of(create_user("Bob"));
  std::set<std::int64_t> tasks;
  for (int i = 0; i < 3; ++i) tasks.insert(id_of(create_task(ada, fmt::format("task {}", i))));
  tasks.insert(id_of(create_tagged_task(ada, {"home"})));
  create_task(bob, "Bob's");
  auto stream = subscribe_now();
  ASSERT_EQ(client_->del(fmt::format("/users/{}", ada)).status, 204U);
  const std::int64_t marker = write_marker();

  const std::vector<SseMessage> got = take(*stream, tasks.size() + 2);
  ASSERT_EQ(got.size(), tasks.size() + 2);
  std::set<std::int64_t> deleted_tasks;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    const json::object data = got[i].object();
    EXPECT_TRUE(IsEvent(got[i], "task.deleted", deleted_task(id_of(data), ada)));
    deleted_tasks.insert(id_of(data));
  }
  EXPECT_EQ(deleted_tasks, tasks);
  EXPECT_TRUE(IsEvent(got[tasks.size()], "user.deleted", deleted(ada)));
  EXPECT_TRUE(IsEvent(got.back(), "user.created", user_now(marker)));
  EXPECT_TRUE(Consecutive(got));
}

// POST /users with tasks: the user.created, then each task.created in the body's order.
TEST_P(EventsTest, AUserWithTasksIsCreatedBeforeItsTasks) {
  auto stream = subscribe_now();
  const Response r = client_->post(
      "/users", json::object{{"name", "Ada"},
                             {"email", "ada@example.com"},
                             {"tasks", json::array{json::object{{"content", "first"}},
                                                   json::object{{"content", "second"}},
                                                   json::object{{"content", "third"}}}}});
  ASSERT_EQ(r.status, 201U) << r.describe();
  const json::object user = r.object();
  std::vector<ExpectedEvent> expected{{"user.created", user_now(id_of(user))}};
  for (const json::value& task : user.at("tasks").as_array()) {
    expected.push_back({"task.created", task_now(id_of(task))});
  }
  ASSERT_EQ(expected.size(), 4U);
  EXPECT_EQ(expected[1].data.at("content"), "first");
  expect_run(*stream, expected);
}

// POST /tasks with an array: a task.created per task, in the array's order.
TEST_P(EventsTest, AnArrayOfTasksIsOneEventPerTaskInOrder) {
  const std::int64_t ada = id_of(create_user("Ada"));
  const std::int64_t bob = id_of(create_user("Bob"));
  auto stream = subscribe_now();
  const Response r = client_->post(
      "/tasks", json::array{json::object{{"content", "c"}, {"user_id", bob}},
                            json::object{{"content", "a"}, {"user_id", ada}, {"done", true}},
                            json::object{{"content", "b"}, {"user_id", bob}}});
  ASSERT_EQ(r.status, 201U) << r.describe();
  std::vector<ExpectedEvent> expected;
  for (const json::value& task : r.array()) {
    expected.push_back({"task.created", task_now(id_of(task))});
  }
  ASSERT_EQ(expected.size(), 3U);
  EXPECT_EQ(expected[0].data.at("content"), "c");
  expect_run(*stream, expected);
}

// Tagging and untagging are task.updated; a tag made by it comes first, as a tag.created.
TEST_P(EventsTest, TaggingIsATaskUpdatedAfterTheTagsCreation) {
  const std::int64_t ada = id_of(create_user("Ada"));
  const std::int64_t task = id_of(create_task(ada));
  const std::int64_t work = id_of(create_tag("work"));
  auto stream = subscribe_now();
  std::vector<ExpectedEvent> expected;
  ASSERT_EQ(add_tag(task, "home").status, 204U);  // a new tag
  expected.push_back({"tag.created", tag_now(tag_id("home"))});
  expected.push_back({"task.updated", task_now(task)});
  ASSERT_EQ(add_tag(task, "work").status, 204U);  // a tag that exists
  expected.push_back({"task.updated", task_now(task)});
  ASSERT_EQ(remove_tag(task, "home").status, 204U);
  expected.push_back({"task.updated", task_now(task)});
  ASSERT_EQ(
      client_->patch(task_path(task), json::object{{"tags", json::array{"work", "garden"}}}).status,
      200U);
  expected.push_back({"tag.created", tag_now(tag_id("garden"))});
  expected.push_back({"task.updated", task_now(task)});
  ASSERT_EQ(client_
                ->put(task_path(task),
                      json::object{{"content", "x"}, {"user_id", ada}, {"tags", json::array{}}})
                .status,
            200U);
  expected.push_back({"task.updated", task_now(task)});
  const std::vector<SseMessage> got = expect_run(*stream, expected);
  ASSERT_EQ(got.size(), expected.size());
  EXPECT_EQ(got[1].object().at("tags"), (json::array{"home"}));
  EXPECT_NE(work, 0);
}

// A task posted with tags: a tag.created for each tag it creates, then the task.created.
TEST_P(EventsTest, ATaskPostedWithNewTagsComesAfterTheirCreation) {
  const std::int64_t ada = id_of(create_user("Ada"));
  create_tag("work");
  auto stream = subscribe_now();
  const std::int64_t task = id_of(create_tagged_task(ada, {"work", "home", "garden"}));
  const std::int64_t marker = write_marker();
  const std::vector<SseMessage> got = take(*stream, 4);
  ASSERT_EQ(got.size(), 4U);
  std::set<std::string> created;  // the two new tags, in either order
  for (std::size_t i = 0; i < 2; ++i) {
    const json::object data = got[i].object();
    EXPECT_TRUE(IsEvent(got[i], "tag.created", tag_now(id_of(data))));
    if (const json::value* name = data.if_contains("name")) created.emplace(name->as_string());
  }
  EXPECT_EQ(created, (std::set<std::string>{"home", "garden"}));
  EXPECT_TRUE(IsEvent(got[2], "task.created", task_now(task)));
  EXPECT_TRUE(IsEvent(got[3], "user.created", user_now(marker)));
  EXPECT_TRUE(Consecutive(got));
}

// A tag the task already has changes nothing (API: "adding a tag the task has changes nothing"):
// no event.
TEST_P(EventsTest, AddingATagTheTaskHasIsNoEvent) {
  const std::int64_t ada = id_of(create_user("Ada"));
  const std::int64_t task = id_of(create_tagged_task(ada, {"home"}));
  auto stream = subscribe_now();
  const std::string before = snapshot();
  ASSERT_EQ(add_tag(task, "home").status, 204U);
  ASSERT_EQ(snapshot(), before);
  expect_run(*stream, {});
}

// Renaming a tag: a task.updated for each task carrying it (their "tags" show the new name), then
// the tag.updated. Deleting it: a task.updated for each, then the tag.deleted.
TEST_P(EventsTest, ARenamedOrDeletedTagUpdatesItsTasks) {
  const std::int64_t ada = id_of(create_user("Ada"));
  const std::int64_t t1 = id_of(create_tagged_task(ada, {"home", "work"}));
  const std::int64_t t2 = id_of(create_tagged_task(ada, {"home"}));
  create_tagged_task(ada, {"work"});
  const std::int64_t home = tag_id("home");
  auto stream = subscribe_now();

  ASSERT_EQ(client_->patch(tag_path(home), json::object{{"name", "house"}}).status, 200U);
  const json::object renamed = tag_now(home);
  const json::object t1_renamed = task_now(t1);
  const json::object t2_renamed = task_now(t2);
  ASSERT_EQ(client_->del(tag_path(home)).status, 204U);
  const std::int64_t marker = write_marker();

  const std::vector<SseMessage> got = take(*stream, 7);
  ASSERT_EQ(got.size(), 7U);
  EXPECT_TRUE(Consecutive(got));
  // The rename: the tasks' task.updated (their "tags" show the new name), then the tag.updated.
  std::set<std::int64_t> updated;
  for (std::size_t i = 0; i < 2; ++i) {
    const std::int64_t id = id_of(got[i].object());
    updated.insert(id);
    EXPECT_TRUE(IsEvent(got[i], "task.updated", id == t1 ? t1_renamed : t2_renamed));
  }
  EXPECT_EQ(updated, (std::set<std::int64_t>{t1, t2}));
  EXPECT_TRUE(IsEvent(got[2], "tag.updated", renamed));
  // The deletion: the tasks first (without the tag), then the tag.
  updated.clear();
  for (std::size_t i = 3; i < 5; ++i) {
    const std::int64_t id = id_of(got[i].object());
    updated.insert(id);
    EXPECT_TRUE(IsEvent(got[i], "task.updated", task_now(id)));
  }
  EXPECT_EQ(updated, (std::set<std::int64_t>{t1, t2}));
  EXPECT_TRUE(IsEvent(got[5], "tag.deleted", deleted(home)));
  EXPECT_TRUE(IsEvent(got[6], "user.created", user_now(marker)));
}

// Writes that fail keep nothing, events included; the ids stay dense: the next event's id follows
// the last one made before them.
TEST_P(EventsTest, AFailedWriteHasNoEventAndTakesNoId) {
  const std::int64_t ada = id_of(create_user("Ada", "ada@example.com"));
  const std::int64_t task = id_of(create_task(ada));
  auto stream = subscribe(after(0));
  const std::vector<SseMessage> earlier = take(*stream, 2);
  ASSERT_EQ(earlier.size(), 2U);
  const std::string before = snapshot();

  EXPECT_EQ(client_->post("/users", json::object{{"name", "X"}, {"email", "nope"}}).status, 422U);
  EXPECT_EQ(
      client_
          ->post("/users", json::object{{"name", "X"},
                                        {"email", "x@example.com"},
                                        {"tasks", json::array{json::object{{"content", "a"}},
                                                              json::object{{"content", ""}}}}})
          .status,
      422U);
  EXPECT_EQ(client_
                ->post("/tasks", json::array{json::object{{"content", "ok"}, {"user_id", ada}},
                                             json::object{{"content", "x"}, {"user_id", 99999}}})
                .status,
            422U);
  EXPECT_EQ(
      client_->post("/users", json::object{{"name", "Y"}, {"email", "ADA@example.com"}}).status,
      409U);
  EXPECT_EQ(client_->patch(task_path(task), json::object{{"user_id", 99999}}).status, 422U);
  const Headers stale{{"If-Match", "\"stale\""}};
  EXPECT_EQ(client_->request("PATCH", task_path(task), R"({"done": true})", stale).status, 412U);
  EXPECT_EQ(client_->request("DELETE", fmt::format("/users/{}", ada), "", stale).status, 412U);
  EXPECT_EQ(client_->request("DELETE", task_path(task), "", stale).status, 412U);
  EXPECT_EQ(client_->patch(task_path(task), json::object{{"tags", json::array{"ok", " "}}}).status,
            422U);
  ASSERT_EQ(snapshot(), before);

  const std::int64_t marker = write_marker();
  const std::vector<SseMessage> next = take(*stream, 1);
  ASSERT_EQ(next.size(), 1U);
  EXPECT_TRUE(IsEvent(next[0], "user.created", user_now(marker))) << "a failed write left an event";
  EXPECT_EQ(next[0].number(), earlier.back().number() + 1) << "a failed write took an id";
}

// A POST replayed from its Idempotency-Key creates nothing: no event.
TEST_P(EventsTest, AReplayedPostHasNoEvent) {
  const std::int64_t ada = id_of(create_user("Ada"));
  const json::object body{{"content", "once"}, {"user_id", ada}};
  auto stream = subscribe_now();
  const Response first = keyed_post(*client_, "/tasks", body, "k1");
  ASSERT_EQ(first.status, 201U) << first.describe();
  const Response again = keyed_post(*client_, "/tasks", body, "k1");
  ASSERT_TRUE(replayed(again)) << again.describe();
  expect_run(*stream, {{"task.created", task_now(id_of(first.json()))}});
}

USERTASKS_INSTANTIATE_FOR_ALL_BACKENDS(EventsTest);

}  // namespace
}  // namespace usertasks::testing
