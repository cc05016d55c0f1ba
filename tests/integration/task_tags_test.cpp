// A task's "tags" (migration 0004): [] until a write names some, sorted by their lower-case form,
// created or reused by name in the task's own write, at most 32; PUT and DELETE
// /tasks/{id}/tags/{name}; and when a task's updated_at moves because of its tags.

#include <fmt/format.h>

#include "tags_support.hpp"

namespace usertasks::testing {
namespace {

class TaskTagsTest : public TagsFixture {
 protected:
  void SetUp() override {
    TagsFixture::SetUp();
    if (IsSkipped()) return;
    ada_ = id_of(create_user("Ada"));
  }

  Response post_task_with_tags(json::value tags) {
    return client_->post(
        "/tasks", json::object{{"content", "c"}, {"user_id", ada_}, {"tags", std::move(tags)}});
  }

  std::int64_t ada_ = 0;
};

TEST_P(TaskTagsTest, TagsAreEmptyUntilAWriteNamesSome) {
  const json::object posted = create_task(ada_);  // POST /users/{id}/tasks
  ASSERT_TRUE(IsTask(posted));
  EXPECT_EQ(to_text(posted.at("tags")), "[]");
  const Response r = client_->post("/tasks", json::object{{"content", "c"}, {"user_id", ada_}});
  ASSERT_EQ(r.status, 201U) << r.describe();
  ASSERT_TRUE(IsTask(r.json()));
  EXPECT_EQ(to_text(r.object().at("tags")), "[]");
  const Response with_user = client_->post(
      "/users", json::object{{"name", "Bob"},
                             {"email", unique_email()},
                             {"tasks", json::array{json::object{{"content", "first"}}}}});
  ASSERT_EQ(with_user.status, 201U) << with_user.describe();
  ASSERT_TRUE(IsUser(with_user.json(), /*with_tasks=*/true));
  EXPECT_EQ(to_text(with_user.object().at("tasks").as_array().at(0).at("tags")), "[]");

  const json::value got = get_json(task_path(id_of(posted)));
  ASSERT_TRUE(IsTask(got, /*with_user=*/true));
  EXPECT_EQ(to_text(got.at("tags")), "[]");
  for (const std::string& target : {std::string("/tasks"), std::string("/tasks?include=user"),
                                    fmt::format("/users/{}/tasks", ada_)}) {
    const json::value list = get_json(target);
    for (const json::value& t : list.as_array()) {
      EXPECT_TRUE(IsTask(t, target.ends_with("include=user"))) << target;
      EXPECT_EQ(to_text(t.at("tags")), "[]") << target;
    }
  }
  json::array users = get_json("/users?include=tasks").as_array();  // Ada, Bob
  users.push_back(get_json(fmt::format("/users/{}", ada_)));
  ASSERT_EQ(users.size(), 3U);
  for (const json::value& u : users) {
    ASSERT_TRUE(IsUser(u, /*with_tasks=*/true));
    for (const json::value& t : u.at("tasks").as_array()) EXPECT_EQ(to_text(t.at("tags")), "[]");
  }
  EXPECT_EQ(client_->get("/tags").body, "[]");
}

TEST_P(TaskTagsTest, TagsAreAnsweredSortedByTheirLowerCaseForm) {
  Response r = post_task_with_tags(json::array{"urgent", "home"});
  ASSERT_EQ(r.status, 201U) << r.describe();
  ASSERT_TRUE(IsTask(r.json()));
  EXPECT_EQ(tags_of(r.json()), (Names{"home", "urgent"}));
  EXPECT_EQ(tags_of(get_json(r.header("Location"))), (Names{"home", "urgent"}));

  r = post_task_with_tags(json::array{"cherry", "Banana", "apple"});
  ASSERT_EQ(r.status, 201U) << r.describe();
  EXPECT_EQ(tags_of(r.json()), (Names{"apple", "Banana", "cherry"}));
  EXPECT_EQ(tags_of_task(id_of(r.json())), (Names{"apple", "Banana", "cherry"}));
  // Beyond ASCII too: "Élite" sorts as "élite", after "élan" (where its bytes come first).
  r = client_->post(
      fmt::format("/users/{}/tasks", ada_),
      json::object{{"content", "c"}, {"tags", json::array{"Élite", "apple", "élan"}}});
  ASSERT_EQ(r.status, 201U) << r.describe();
  EXPECT_EQ(tags_of(r.json()), (Names{"apple", "élan", "Élite"}));
  // The embeds sort them the same way.
  const json::value user = get_json(fmt::format("/users/{}", ada_));
  EXPECT_EQ(tags_of(user.at("tasks").as_array().at(1)), (Names{"apple", "Banana", "cherry"}));
  EXPECT_EQ(tags_of(get_json("/tasks?include=user").as_array().at(2)),
            (Names{"apple", "élan", "Élite"}));
}

TEST_P(TaskTagsTest, NewNamesCreateTagsAndKnownNamesReuseThem) {
  const std::int64_t home = id_of(create_tag("Home"));
  const json::object t = create_tagged_task(ada_, {"home", "new one", " Spaced  "});
  EXPECT_EQ(tags_of(t), (Names{"Home", "new one", "Spaced"}));  // the stored spelling
  EXPECT_EQ(tag_name_set(), (NameSet{"Home", "new one", "Spaced"}));
  EXPECT_EQ(tag_id("Home"), home);
  EXPECT_EQ(task_count(home), 1);
  EXPECT_EQ(task_count(tag_id("new one")), 1);
  const json::object other = create_tagged_task(ada_, {"NEW ONE"});
  EXPECT_EQ(tags_of(other), Names{"new one"});
  EXPECT_EQ(all_tags().size(), 3U);
  EXPECT_EQ(task_count(tag_id("new one")), 2);
}

TEST_P(TaskTagsTest, NamesOfOneTagCountOnce) {
  const Response r = post_task_with_tags(json::array{"home", "Home", " home", "HOME "});
  ASSERT_EQ(r.status, 201U) << r.describe();
  const Names tags = tags_of(r.json());
  ASSERT_EQ(tags.size(), 1U) << r.describe();
  EXPECT_TRUE(tags[0] == "home" || tags[0] == "Home" || tags[0] == "HOME") << tags[0];
  EXPECT_EQ(tag_names(), tags);
  EXPECT_EQ(task_count(tag_id(tags[0])), 1);
  // Non-ASCII names fold too.
  const json::object t = create_tagged_task(ada_, {"Été", "été", "ÉTÉ"});
  EXPECT_EQ(tags_of(t).size(), 1U) << to_text(t);
  EXPECT_EQ(all_tags().size(), 2U);
}

TEST_P(TaskTagsTest, ATaskCarries32TagsAtMost) {
  const Response r32 = post_task_with_tags(as_array(numbered(32)));
  ASSERT_EQ(r32.status, 201U) << r32.describe();
  EXPECT_EQ(tags_of(r32.json()), numbered(32));
  const std::string before = client_->get("/tags?limit=1000").body;

  EXPECT_TRUE(IsValidationProblemFor(post_task_with_tags(as_array(numbered(33, "n"))), {"tags"}));
  Names with_known = numbered(32);
  with_known.emplace_back("extra");  // 32 known and 1 new
  EXPECT_TRUE(IsValidationProblemFor(post_task_with_tags(as_array(with_known)), {"tags"}));
  EXPECT_TRUE(IsValidationProblemFor(
      client_->patch(task_path(id_of(r32.json())), json::object{{"tags", as_array(with_known)}}),
      {"tags"}));
  EXPECT_EQ(client_->get("/tags?limit=1000").body, before);  // the failures created no tag
  EXPECT_EQ(tags_of_task(id_of(r32.json())), numbered(32));

  // 33 names that are 32 tags once case is folded.
  Names folded = numbered(32, "f");
  folded.emplace_back("F07");
  const Response r = post_task_with_tags(as_array(folded));
  ASSERT_EQ(r.status, 201U) << r.describe();
  EXPECT_EQ(tags_of(r.json()).size(), 32U);
}

TEST_P(TaskTagsTest, ABadTagNameIsRejectedByItsPosition) {
  EXPECT_TRUE(
      IsValidationProblemFor(post_task_with_tags(json::array{"ok", "fine", "a  b"}), {"tags[2]"}));
  EXPECT_TRUE(
      IsValidationProblemFor(post_task_with_tags(json::array{"ok", "fine", "   "}), {"tags[2]"}));
  EXPECT_TRUE(
      IsValidationProblemFor(post_task_with_tags(json::array{"a\tb", "ok", std::string(65, 'x')}),
                             {"tags[0]", "tags[2]"}));
  EXPECT_TRUE(IsValidationProblemFor(post_task_with_tags(json::array{1}), {"tags[0]"}));
  EXPECT_TRUE(IsValidationProblemFor(post_task_with_tags(json::array{"a", nullptr}), {"tags[1]"}));
  for (const json::value& bad : {json::value(nullptr), json::value("x"), json::value(1),
                                 json::value(json::object{{"name", "x"}})}) {
    EXPECT_TRUE(IsValidationProblemFor(post_task_with_tags(bad), {"tags"})) << to_text(bad);
  }
  const std::int64_t task = id_of(create_task(ada_));
  EXPECT_TRUE(IsValidationProblemFor(
      client_->patch(task_path(task), json::object{{"tags", json::array{"x", "y", "to  do"}}}),
      {"tags[2]"}));
  EXPECT_TRUE(IsValidationProblemFor(
      client_->patch(task_path(task), json::object{{"tags", nullptr}}), {"tags"}));
  EXPECT_EQ(client_->get("/tags").body, "[]");
  EXPECT_EQ(ids("/tasks"), Ids{task});
}

TEST_P(TaskTagsTest, AFailedWriteCreatesNoTag) {
  const std::int64_t task = id_of(create_tagged_task(ada_, {"kept"}));
  const std::string tags_before = client_->get("/tags").body;
  const std::string before = snapshot();
  const json::array fresh{"brand new", "kept", "other new"};
  EXPECT_TRUE(IsValidationProblemFor(
      client_->post("/tasks", json::object{{"content", "c"}, {"user_id", 987}, {"tags", fresh}}),
      {"user_id"}));
  EXPECT_TRUE(IsValidationProblemFor(
      client_->post("/tasks", json::object{{"content", " "}, {"user_id", ada_}, {"tags", fresh}}),
      {"content"}));
  EXPECT_TRUE(
      IsProblem(client_->post("/users/987/tasks", json::object{{"content", "c"}, {"tags", fresh}}),
                404, "not-found"));
  EXPECT_TRUE(IsValidationProblemFor(
      client_->patch(task_path(task), json::object{{"done", "yes"}, {"tags", fresh}}), {"done"}));
  EXPECT_TRUE(IsValidationProblemFor(
      client_->put(task_path(task),
                   json::object{{"content", "c"}, {"user_id", 0}, {"tags", fresh}}),
      {"user_id"}));
  EXPECT_TRUE(
      IsProblem(client_->patch("/tasks/987", json::object{{"tags", fresh}}), 404, "not-found"));
  EXPECT_EQ(client_->get("/tags").body, tags_before);
  EXPECT_EQ(snapshot(), before);
}

TEST_P(TaskTagsTest, PutAndPatchWithoutTagsKeepThemAnEmptyListClearsThem) {
  const json::object created = create_tagged_task(ada_, {"home", "urgent"});
  const std::string target = task_path(id_of(created));
  const std::int64_t bob = id_of(create_user("Bob"));

  Response r = client_->put(target, json::object{{"content", "moved"}, {"user_id", bob}});
  ASSERT_EQ(r.status, 200U) << r.describe();
  EXPECT_EQ(tags_of(r.json()), (Names{"home", "urgent"}));
  r = client_->patch(target, json::object{{"done", true}});
  ASSERT_EQ(r.status, 200U) << r.describe();
  EXPECT_EQ(tags_of(r.json()), (Names{"home", "urgent"}));
  r = client_->patch(target, json::object{});
  EXPECT_EQ(tags_of(r.json()), (Names{"home", "urgent"}));
  EXPECT_EQ(tags_of_task(id_of(created)), (Names{"home", "urgent"}));

  r = client_->patch(target, json::object{{"tags", json::array{"urgent", "work"}}});  // replaces
  ASSERT_EQ(r.status, 200U) << r.describe();
  EXPECT_EQ(tags_of(r.json()), (Names{"urgent", "work"}));
  EXPECT_EQ(tags_of_task(id_of(created)), (Names{"urgent", "work"}));
  r = client_->put(target,
                   json::object{{"content", "c"}, {"user_id", ada_}, {"tags", json::array{"Zed"}}});
  ASSERT_EQ(r.status, 200U) << r.describe();
  EXPECT_EQ(tags_of(r.json()), Names{"Zed"});
  r = client_->patch(target, json::object{{"tags", json::array{}}});
  ASSERT_EQ(r.status, 200U) << r.describe();
  EXPECT_EQ(to_text(r.object().at("tags")), "[]");
  EXPECT_EQ(tags_of_task(id_of(created)), Names{});
  // The tags the task no longer carries remain.
  EXPECT_EQ(tag_name_set(), (NameSet{"home", "urgent", "work", "Zed"}));
}

TEST_P(TaskTagsTest, PutAddsATagCreatingItWhenNew) {
  const std::int64_t task = id_of(create_task(ada_));
  create_tag("Home");
  Response r = add_tag(task, "urgent");
  ASSERT_EQ(r.status, 204U) << r.describe();
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(tags_of_task(task), Names{"urgent"});
  EXPECT_EQ(tag_names(), (Names{"Home", "urgent"}));

  ASSERT_EQ(add_tag(task, "home").status, 204U);  // the tag "Home"
  ASSERT_EQ(add_tag(task, "to%20do").status, 204U);
  ASSERT_EQ(add_tag(task, "%20padded%09").status, 204U);  // trimmed
  ASSERT_EQ(add_tag(task, "Caf%C3%A9").status, 204U);
  EXPECT_EQ(tags_of_task(task), (Names{"Café", "Home", "padded", "to do", "urgent"}));
  EXPECT_EQ(tag_names(), (Names{"Home", "urgent", "to do", "padded", "Café"}));
  EXPECT_EQ(task_count(tag_id("Home")), 1);
}

TEST_P(TaskTagsTest, PuttingATagTheTaskHasChangesNothing) {
  const std::int64_t task = id_of(create_tagged_task(ada_, {"home"}));
  const std::string before = to_text(get_json(task_path(task)));
  let_the_clock_tick();
  for (const char* again : {"home", "HOME", "%20Home"}) {
    const Response r = add_tag(task, again);
    EXPECT_EQ(r.status, 204U) << again << "\n" << r.describe();
  }
  EXPECT_EQ(to_text(get_json(task_path(task))), before);  // updated_at included
  EXPECT_EQ(tag_names(), Names{"home"});
  EXPECT_EQ(task_count(tag_id("home")), 1);
}

TEST_P(TaskTagsTest, PutOnAMissingTaskIs404AndCreatesNoTag) {
  const std::int64_t task = id_of(create_task(ada_));
  for (const std::string& target :
       {task_tag_path(task + 1, "ghost"), std::string("/tasks/0/tags/ghost"),
        std::string("/tasks/abc/tags/ghost")}) {
    EXPECT_TRUE(IsProblem(client_->request("PUT", target), 404, "not-found")) << target;
  }
  EXPECT_EQ(client_->get("/tags").body, "[]");
}

TEST_P(TaskTagsTest, PutWithABadNameIs422NamingName) {
  const std::int64_t task = id_of(create_task(ada_));
  const std::string before = to_text(get_json(task_path(task)));
  const std::string long_name(65, 'x');
  for (const std::string& bad : {std::string("a%20%20b"), std::string("a%09b"), std::string("%20"),
                                 std::string("a%01b"), std::string("%C2%A0"), long_name}) {
    EXPECT_TRUE(IsValidationProblemFor(add_tag(task, bad), {"name"})) << bad;
  }
  EXPECT_EQ(client_->get("/tags").body, "[]");
  EXPECT_EQ(to_text(get_json(task_path(task))), before);
}

TEST_P(TaskTagsTest, PutBeyond32TagsIs422ButATagTheTaskHasIsStill204) {
  const std::int64_t task = id_of(create_tagged_task(ada_, numbered(32)));
  const std::string before = to_text(get_json(task_path(task)));
  EXPECT_TRUE(IsProblem(add_tag(task, "one%20more"), 422, "validation"));
  create_tag("existing");
  EXPECT_TRUE(IsProblem(add_tag(task, "existing"), 422, "validation"));
  EXPECT_EQ(add_tag(task, "T05").status, 204U);  // has it already, as "t05"
  EXPECT_EQ(to_text(get_json(task_path(task))), before);
  EXPECT_EQ(all_tags().size(), 33U);  // the 32 and "existing": "one more" was not created
  ASSERT_EQ(remove_tag(task, "t00").status, 204U);
  EXPECT_EQ(add_tag(task, "one%20more").status, 204U);
  EXPECT_EQ(tags_of_task(task).size(), 32U);
}

TEST_P(TaskTagsTest, DeleteRemovesATagCaseInsensitivelyAndKeepsTheTag) {
  const std::int64_t task = id_of(create_tagged_task(ada_, {"home", "Été", "work"}));
  Response r = remove_tag(task, "HOME");
  ASSERT_EQ(r.status, 204U) << r.describe();
  EXPECT_TRUE(r.body.empty());
  EXPECT_EQ(remove_tag(task, "%C3%A9t%C3%A9").status, 204U);
  EXPECT_EQ(tags_of_task(task), Names{"work"});
  EXPECT_EQ(tag_name_set(), (NameSet{"home", "Été", "work"}));
  EXPECT_EQ(task_count(tag_id("home")), 0);

  const std::int64_t other = id_of(create_task(ada_));
  EXPECT_TRUE(IsProblem(remove_tag(task, "home"), 404, "not-found"));       // removed already
  EXPECT_TRUE(IsProblem(remove_tag(other, "work"), 404, "not-found"));      // not this task's
  EXPECT_TRUE(IsProblem(remove_tag(task, "nowhere"), 404, "not-found"));    // no such tag
  EXPECT_TRUE(IsProblem(remove_tag(other + 1, "work"), 404, "not-found"));  // no such task
  EXPECT_TRUE(IsProblem(remove_tag(task, "%FF"), 404, "not-found"));        // not UTF-8
  EXPECT_TRUE(IsValidationProblemFor(remove_tag(task, "a%20%20b"), {"name"}));
  EXPECT_EQ(tags_of_task(task), Names{"work"});
  EXPECT_EQ(tag_name_set(), (NameSet{"home", "Été", "work"}));
}

TEST_P(TaskTagsTest, AddingOrRemovingATagMovesUpdatedAtAndOnlyThen) {
  const std::int64_t task = id_of(create_task(ada_));
  std::string last = updated_at(task);
  let_the_clock_tick();
  ASSERT_EQ(add_tag(task, "new").status, 204U);
  EXPECT_GT(updated_at(task), last) << "adding a tag";
  last = updated_at(task);
  let_the_clock_tick();
  ASSERT_EQ(add_tag(task, "NEW").status, 204U);
  EXPECT_EQ(updated_at(task), last) << "adding a tag the task has";
  create_tag("known");
  let_the_clock_tick();
  ASSERT_EQ(add_tag(task, "known").status, 204U);
  EXPECT_GT(updated_at(task), last) << "adding an existing tag";
  last = updated_at(task);
  let_the_clock_tick();
  ASSERT_EQ(remove_tag(task, "New").status, 204U);
  EXPECT_GT(updated_at(task), last) << "removing a tag";
  last = updated_at(task);
  let_the_clock_tick();
  ASSERT_EQ(remove_tag(task, "new").status, 404U);
  EXPECT_EQ(updated_at(task), last) << "removing a tag the task lacks";
  EXPECT_TRUE(IsValidationProblemFor(add_tag(task, "a%20%20b"), {"name"}));
  EXPECT_EQ(updated_at(task), last) << "a bad name";
}

// Tasks A (x), B (x, y), C (y) and D (none); deleting x moves A's and B's updated_at only.
TEST_P(TaskTagsTest, DeletingATagMovesTheTasksThatCarriedIt) {
  const std::int64_t a = id_of(create_tagged_task(ada_, {"x"}));
  const std::int64_t b = id_of(create_tagged_task(ada_, {"x", "y"}));
  const std::int64_t c = id_of(create_tagged_task(ada_, {"y"}));
  const std::int64_t d = id_of(create_task(ada_));
  const std::vector<std::string> before{updated_at(a), updated_at(b), updated_at(c), updated_at(d)};
  let_the_clock_tick();
  ASSERT_EQ(client_->del(tag_path(tag_id("x"))).status, 204U);
  EXPECT_GT(updated_at(a), before[0]);
  EXPECT_GT(updated_at(b), before[1]);
  EXPECT_EQ(updated_at(c), before[2]);
  EXPECT_EQ(updated_at(d), before[3]);
  EXPECT_EQ(tags_of_task(a), Names{});
  EXPECT_EQ(tags_of_task(b), Names{"y"});
  EXPECT_EQ(tags_of_task(c), Names{"y"});
}

TEST_P(TaskTagsTest, RenamingATagMovesTheTasksThatCarryIt) {
  const std::int64_t a = id_of(create_tagged_task(ada_, {"x"}));
  const std::int64_t b = id_of(create_tagged_task(ada_, {"x", "y"}));
  const std::int64_t c = id_of(create_tagged_task(ada_, {"y"}));
  const std::int64_t d = id_of(create_task(ada_));
  const std::vector<std::string> before{updated_at(a), updated_at(b), updated_at(c), updated_at(d)};
  let_the_clock_tick();
  const Response r = client_->patch(tag_path(tag_id("x")), json::object{{"name", "Zed"}});
  ASSERT_EQ(r.status, 200U) << r.describe();
  EXPECT_GT(updated_at(a), before[0]);
  EXPECT_GT(updated_at(b), before[1]);
  EXPECT_EQ(updated_at(c), before[2]);
  EXPECT_EQ(updated_at(d), before[3]);
  EXPECT_EQ(tags_of_task(a), Names{"Zed"});
  EXPECT_EQ(tags_of_task(b), (Names{"y", "Zed"}));  // sorted again under the new name
  EXPECT_EQ(ids("/tasks?tag=zed"), (Ids{a, b}));
  EXPECT_EQ(client_->get("/tasks?tag=x").body, "[]");
}

USERTASKS_INSTANTIATE_FOR_ALL_BACKENDS(TaskTagsTest);

}  // namespace
}  // namespace usertasks::testing
