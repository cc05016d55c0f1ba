// The tag= filter of the task lists (GET /tasks, GET /users/{id}/tasks, GET /tags/{id}/tasks), its
// paging, and the statement budgets of API.md with tagged tasks: reading a task's tags costs no
// statement of its own.

#include <fmt/format.h>

#include "tags_support.hpp"

namespace usertasks::testing {
namespace {

class TagFiltersTest : public TagsFixture {
 protected:
  void SetUp() override {
    TagsFixture::SetUp();
    if (IsSkipped()) return;
    ada_ = id_of(create_user("Ada"));
    bob_ = id_of(create_user("Bob"));
  }

  // Ada's t1 (home), t2 (home, urgent), t3 (urgent), t4 (none); Bob's t5 (Home, URGENT, Zürich),
  // which reuses Ada's tags under their stored spelling.
  void seed() {
    t1_ = id_of(create_tagged_task(ada_, {"home"}, "t1"));
    t2_ = id_of(create_tagged_task(ada_, {"home", "urgent"}, "t2"));
    t3_ = id_of(create_tagged_task(ada_, {"urgent"}, "t3"));
    t4_ = id_of(create_task(ada_, "t4"));
    t5_ = id_of(create_tagged_task(bob_, {"Home", "URGENT", "Zürich"}, "t5"));
  }

  std::int64_t ada_ = 0;
  std::int64_t bob_ = 0;
  std::int64_t t1_ = 0, t2_ = 0, t3_ = 0, t4_ = 0, t5_ = 0;
};

TEST_P(TagFiltersTest, TagKeepsTheTasksCarryingItComparedCaseInsensitively) {
  seed();
  EXPECT_EQ(ids("/tasks"), (Ids{t1_, t2_, t3_, t4_, t5_}));
  EXPECT_EQ(ids("/tasks?tag=home"), (Ids{t1_, t2_, t5_}));
  EXPECT_EQ(ids("/tasks?tag=HOME"), (Ids{t1_, t2_, t5_}));
  EXPECT_EQ(ids("/tasks?tag=urgent"), (Ids{t2_, t3_, t5_}));
  EXPECT_EQ(ids("/tasks?tag=z%C3%BCrich"), Ids{t5_});  // zürich
  EXPECT_EQ(ids("/tasks?tag=Z%C3%9CRICH"), Ids{t5_});  // ZÜRICH
  EXPECT_EQ(ids(fmt::format("/tasks?tag=home&user_id={}", bob_)), Ids{t5_});
  // The tasks a filter keeps carry all of their tags.
  const json::value urgent = get_json("/tasks?tag=urgent");
  EXPECT_EQ(tags_of(urgent.as_array().at(0)), (Names{"home", "urgent"}));
  EXPECT_EQ(tags_of(urgent.as_array().at(2)), (Names{"home", "urgent", "Zürich"}));
  const json::value with_users = get_json("/tasks?tag=home&include=user");
  ASSERT_EQ(with_users.as_array().size(), 3U);
  for (const json::value& t : with_users.as_array()) EXPECT_TRUE(IsTask(t, /*with_user=*/true));
  EXPECT_EQ(ids(fmt::format("/tasks?tag=urgent&include=user&user_id={}", ada_)), (Ids{t2_, t3_}));
  EXPECT_EQ(ids("/tasks?tag=urgent&tag=home&include=user"), (Ids{t2_, t5_}));
  // A user's own list filters the same way.
  EXPECT_EQ(ids(fmt::format("/users/{}/tasks?tag=home", ada_)), (Ids{t1_, t2_}));
  EXPECT_EQ(ids(fmt::format("/users/{}/tasks?tag=Urgent", bob_)), Ids{t5_});
  EXPECT_EQ(ids(fmt::format("/users/{}/tasks?tag=z%C3%BCrich", ada_)), Ids{});
}

TEST_P(TagFiltersTest, RepeatedTagKeepsTheTasksCarryingAllOfThem) {
  seed();
  EXPECT_EQ(ids("/tasks?tag=home&tag=urgent"), (Ids{t2_, t5_}));
  EXPECT_EQ(ids("/tasks?tag=URGENT&tag=Home"), (Ids{t2_, t5_}));
  EXPECT_EQ(ids("/tasks?tag=home&tag=urgent&tag=Z%C3%BCRICH"), Ids{t5_});
  EXPECT_EQ(ids("/tasks?tag=home&tag=HOME"), (Ids{t1_, t2_, t5_}));  // one tag, twice
  EXPECT_EQ(ids(fmt::format("/users/{}/tasks?tag=home&tag=urgent", ada_)), Ids{t2_});
  EXPECT_EQ(ids(fmt::format("/tags/{}/tasks?tag=urgent", tag_id("home"))), (Ids{t2_, t5_}));
}

TEST_P(TagFiltersTest, ANameNoTagHasMatchesNoTask) {
  seed();
  for (const std::string& target :
       {std::string("/tasks?tag=nothing"), std::string("/tasks?tag=home&tag=nothing"),
        std::string("/tasks?tag=nothing&tag=home"), std::string("/tasks?tag=nothing&include=user"),
        std::string("/tasks?tag=hom"), fmt::format("/users/{}/tasks?tag=nothing", ada_),
        fmt::format("/tags/{}/tasks?tag=nothing", tag_id("home"))}) {
    const Response r = client_->get(target);
    EXPECT_EQ(r.status, 200U) << target << "\n" << r.describe();
    EXPECT_EQ(r.body, "[]") << target;
    EXPECT_FALSE(r.has_header("Link")) << target;
  }
  // A tag no task carries is an empty list too.
  create_tag("unused");
  EXPECT_EQ(client_->get("/tasks?tag=unused").body, "[]");
  EXPECT_EQ(client_->get(fmt::format("/tags/{}/tasks", tag_id("unused"))).body, "[]");
}

TEST_P(TagFiltersTest, AnEmptyTagIsABadQuery) {
  seed();
  const std::int64_t home = tag_id("home");
  for (const std::string& target :
       {std::string("/tasks?tag="), std::string("/tasks?tag=home&tag="), std::string("/tasks?tag"),
        fmt::format("/users/{}/tasks?tag=", ada_), fmt::format("/tags/{}/tasks?tag=", home),
        fmt::format("/tags/{}/tasks?tag=&limit=2", home)}) {
    const Response r = client_->get(target);
    EXPECT_TRUE(IsProblem(r, 400, "bad-query")) << target;
    EXPECT_TRUE(IsBadQuery(r, "tag")) << target;
  }
}

TEST_P(TagFiltersTest, TagCombinesWithTheOtherFilters) {
  seed();
  ASSERT_EQ(client_->patch(task_path(t2_), json::object{{"done", true}}).status, 200U);
  ASSERT_EQ(client_->patch(task_path(t5_), json::object{{"due_at", "2026-12-01T09:00:00Z"}}).status,
            200U);
  const std::int64_t home = tag_id("home");
  EXPECT_EQ(ids("/tasks?tag=home&done=true"), Ids{t2_});
  EXPECT_EQ(ids("/tasks?done=false&tag=home"), (Ids{t1_, t5_}));
  EXPECT_EQ(ids("/tasks?tag=urgent&due_before=2027-01-01T00:00:00Z"), Ids{t5_});
  EXPECT_EQ(ids(fmt::format("/users/{}/tasks?done=false&tag=home", ada_)), Ids{t1_});
  EXPECT_EQ(ids(fmt::format("/users/{}/tasks?tag=urgent&done=true", ada_)), Ids{t2_});
  EXPECT_EQ(ids(fmt::format("/tags/{}/tasks?done=true", home)), Ids{t2_});
  EXPECT_EQ(ids(fmt::format("/tags/{}/tasks?done=false&tag=urgent", home)), Ids{t5_});
  EXPECT_EQ(ids(fmt::format("/tags/{}/tasks?due_after=2026-11-01T00:00:00Z", home)), Ids{t5_});
}

TEST_P(TagFiltersTest, TagTasksListsTheTasksCarryingTheTag) {
  seed();
  const std::int64_t home = tag_id("home");
  const Response r = client_->get(fmt::format("/tags/{}/tasks", home));
  ASSERT_EQ(r.status, 200U) << r.describe();
  const json::array tasks = r.array();
  ASSERT_EQ(tasks.size(), 3U);
  for (const json::value& t : tasks) EXPECT_TRUE(IsTask(t));
  EXPECT_EQ(ids(fmt::format("/tags/{}/tasks", home)), (Ids{t1_, t2_, t5_}));
  EXPECT_EQ(tags_of(tasks[1]), (Names{"home", "urgent"}));  // all of its tags, not only this one
  EXPECT_EQ(tags_of(tasks[2]), (Names{"home", "urgent", "Zürich"}));
  EXPECT_EQ(ids(fmt::format("/tags/{}/tasks", tag_id("Zürich"))), Ids{t5_});
  for (const std::string& missing : {fmt::format("/tags/{}/tasks", home + 1000),
                                     std::string("/tags/0/tasks"), std::string("/tags/x/tasks")}) {
    EXPECT_TRUE(IsProblem(client_->get(missing), 404, "not-found")) << missing;
  }
}

TEST_P(TagFiltersTest, PagingKeepsEveryTagParameter) {
  Ids both;
  for (int i = 0; i < 7; ++i) {
    both.push_back(id_of(create_tagged_task(ada_, {"a", "b"})));
    create_tagged_task(ada_, {"a"});
  }
  Response r = client_->get("/tasks?tag=a&tag=b&limit=3");
  ASSERT_EQ(r.status, 200U) << r.describe();
  EXPECT_EQ(r.header("Link"),
            fmt::format("</tasks?tag=a&tag=b&limit=3&after={}>; rel=\"next\"", both[2]));
  int pages = 0;
  Ids walked;
  for (const json::value& t : collect_pages("/tasks?tag=a&tag=b&limit=3", &pages)) {
    walked.push_back(id_of(t));
  }
  EXPECT_EQ(walked, both);
  EXPECT_EQ(pages, 3);

  r = client_->get("/tasks?done=false&tag=B&tag=a&limit=2");
  EXPECT_EQ(r.header("Link"),
            fmt::format("</tasks?done=false&tag=B&tag=a&limit=2&after={}>; rel=\"next\"", both[1]));
  r = client_->get(fmt::format("/users/{}/tasks?tag=a&tag=b&limit=3", ada_));
  EXPECT_EQ(r.header("Link"), fmt::format("</users/{}/tasks?tag=a&tag=b&limit=3&after={}>; "
                                          "rel=\"next\"",
                                          ada_, both[2]));
  const std::int64_t b = tag_id("b");
  r = client_->get(fmt::format("/tags/{}/tasks?limit=3", b));
  EXPECT_EQ(r.header("Link"),
            fmt::format("</tags/{}/tasks?limit=3&after={}>; rel=\"next\"", b, both[2]));
  walked.clear();
  for (const json::value& t : collect_pages(fmt::format("/tags/{}/tasks?limit=3", b))) {
    walked.push_back(id_of(t));
  }
  EXPECT_EQ(walked, both);
  walked.clear();
  for (const json::value& t :
       collect_pages(fmt::format("/tags/{}/tasks?tag=b&limit=4", tag_id("a")))) {
    walked.push_back(id_of(t));
  }
  EXPECT_EQ(walked, both);
}

TEST_P(TagFiltersTest, ARecordWithItsTaggedTasksIsOneStatement) {
  Ids tasks;
  for (int i = 0; i < 5; ++i) {
    tasks.push_back(id_of(create_tagged_task(ada_, {fmt::format("own {}", i), "shared", "x"})));
  }
  const Response posted = client_->post(
      "/tasks",
      json::object{{"content", "c"}, {"user_id", ada_}, {"tags", json::array{"new", "shared"}}});
  ASSERT_EQ(posted.status, 201U) << posted.describe();
  EXPECT_EQ(tags_of(posted.json()), (Names{"new", "shared"}));

  Response r = client_->get(task_path(tasks[2]));
  ASSERT_EQ(r.status, 200U) << r.describe();
  EXPECT_EQ(tags_of(r.json()), (Names{"own 2", "shared", "x"}));
  EXPECT_EQ(statement_count(r), 1) << "GET /tasks/{id}\n" << r.describe();
  r = client_->get(fmt::format("/users/{}", ada_));
  ASSERT_EQ(r.status, 200U) << r.describe();
  EXPECT_EQ(tags_of(r.object().at("tasks").as_array().at(4)), (Names{"own 4", "shared", "x"}));
  EXPECT_EQ(statement_count(r), 1) << "GET /users/{id}\n" << r.describe();
  r = client_->get(tag_path(tag_id("shared")));
  ASSERT_EQ(r.status, 200U) << r.describe();
  EXPECT_EQ(r.object().at("task_count"), 6);
  EXPECT_EQ(statement_count(r), 1) << "GET /tags/{id}\n" << r.describe();
}

TEST_P(TagFiltersTest, APageOfTaggedTasksCostsWhatItCostWithoutTags) {
  // 60 tasks of three users, each with three tags: an N+1 would show as ~50 statements.
  const std::int64_t carl = id_of(create_user("Carl"));
  const std::int64_t users[] = {ada_, bob_, carl};
  for (int i = 0; i < 60; ++i) {
    create_tagged_task(users[i % 3], {"a", fmt::format("b{}", i % 4), fmt::format("c{}", i % 7)});
  }
  const std::int64_t a = tag_id("a");
  const std::vector<std::pair<std::string, int>> budgets{
      {"/tasks?limit=50", 1},
      {"/tasks?include=user&limit=50", 1},
      {"/users?include=tasks", 2},
      {"/tasks?tag=a&tag=b1&limit=50", 1},
      {fmt::format("/tags/{}/tasks?limit=50", a), 1},
      {fmt::format("/tags/{}/tasks?tag=c3&limit=50", a), 1},
      {fmt::format("/users/{}/tasks?tag=a", bob_), 1},
  };
  for (const auto& [target, budget] : budgets) {
    const Response r = client_->get(target);
    ASSERT_EQ(r.status, 200U) << target << "\n" << r.describe();
    EXPECT_EQ(statement_count(r), budget) << target;
    const json::array items = r.array();
    ASSERT_FALSE(items.empty()) << target;
    const json::value& first =
        items[0].as_object().contains("tasks") ? items[0].at("tasks").as_array().at(0) : items[0];
    EXPECT_EQ(tags_of(first).size(), 3U) << target << "\n" << to_text(first);
  }
  EXPECT_EQ(get_json("/tasks?limit=50").as_array().size(), 50U);
  const json::value tagged = get_json("/tasks?tag=a&limit=1000");
  EXPECT_EQ(tagged.as_array().size(), 60U);
  for (const json::value& t : tagged.as_array()) {
    EXPECT_EQ(tags_of(t).size(), 3U) << to_text(t);
  }
}

USERTASKS_INSTANTIATE_FOR_ALL_BACKENDS(TagFiltersTest);

}  // namespace
}  // namespace usertasks::testing
