// sort= and cursor= on the lists (docs/api.md, "Sorting and cursors"): each field in each
// direction orders as documented (text in byte order, a null due_at after every time, ties by
// id), mixed directions page correctly, every list form takes them, and bad values are 400s that
// name the parameter and change nothing.

#include <fmt/format.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "sort_support.hpp"
#include "tags_support.hpp"

namespace usertasks::testing {
namespace {

class SortTest : public TagsFixture {
 protected:
  // Tasks whose fields exercise every rule: contents in byte order ("B" before "a", "é" after
  // "z"), two contents alike in their first 255 characters, repeated values (ties), null and set
  // due dates, done and not; a batch (one created_at for all of them) and single creations.
  void seed() {
    ada_ = id_of(create_user("Ada"));
    bob_ = id_of(create_user("bob"));
    const std::string long_a = repeat("x", 255) + "b";
    const std::string long_b = repeat("x", 255) + "a";
    json::array batch;
    const auto add = [&](std::string content, std::int64_t user, bool done, json::value due,
                         std::vector<std::string> tags) {
      json::object t{
          {"content", content}, {"user_id", user}, {"done", done}, {"tags", as_array(tags)}};
      t["due_at"] = due;
      batch.push_back(std::move(t));
    };
    add("a", ada_, false, nullptr, {"home"});
    add("B", bob_, true, json::value("2026-12-24T18:00:00Z"), {"home", "work"});
    add("é", ada_, false, json::value("2026-01-01T00:00:00Z"), {});
    add("z", bob_, false, nullptr, {"home"});
    add("a", ada_, true, json::value("2026-12-24T18:00:00Z"), {"work"});
    add(long_a, bob_, false, json::value("2025-06-01T00:00:00Z"), {"home"});
    add(long_b, ada_, true, nullptr, {});
    const Response r = client_->post("/tasks", batch);
    ASSERT_EQ(r.status, 201U) << r.describe();
    for (int i = 0; i < 3; ++i) {
      let_the_clock_tick();
      json::object t{{"content", fmt::format("later {}", i)}, {"user_id", i == 1 ? bob_ : ada_}};
      if (i == 2) t["due_at"] = "2026-12-24T18:00:00Z";
      ASSERT_EQ(client_->post("/tasks", t).status, 201U);
    }
    // updated_at in an order of its own: the first task written last.
    for (const std::int64_t id : {4, 2, 1}) {
      let_the_clock_tick();
      ASSERT_EQ(client_->patch(task_path(id), json::object{{"done", id == 2}}).status, 200U);
    }
    create_user("Cyd");
    create_user("ada");
    create_tag("Zeta");
    create_tag("alpha");
  }

  // Every page of `target` (which has its sort=) with limit=`limit`, by the next links.
  json::array walk(const std::string& target, int limit) {
    const char sep = target.find('?') == std::string::npos ? '?' : '&';
    return collect_pages(fmt::format("{}{}limit={}", target, sep, limit));
  }

  // The list `target` sorted by `sort`, against `all` in that order, in one page and in pages of
  // 1 and 3 records by the next links.
  void expect_order(const std::string& target, std::string_view sort, const json::array& all,
                    std::string_view member = {}) {
    const json::array expected = sorted(all, sort, member);
    const char sep = target.find('?') == std::string::npos ? '?' : '&';
    const std::string with_sort = fmt::format("{}{}sort={}", target, sep, sort);
    EXPECT_EQ(to_text(get_json(with_sort + "&limit=1000")), to_text(expected)) << with_sort;
    for (const int limit : {1, 3}) {
      EXPECT_EQ(to_text(walk(with_sort, limit)), to_text(expected)) << with_sort << " by " << limit;
    }
  }

  json::array all(const std::string& target) {
    const char sep = target.find('?') == std::string::npos ? '?' : '&';
    return get_json(fmt::format("{}{}limit=1000", target, sep)).as_array();
  }

  std::int64_t ada_ = 0, bob_ = 0;
};

const std::vector<std::string> task_fields{"id",     "content",    "done",
                                           "due_at", "created_at", "updated_at"};

TEST_P(SortTest, EachTaskFieldOrdersAsDocumentedInBothDirections) {
  seed();
  const json::array tasks = all("/tasks");
  ASSERT_EQ(tasks.size(), 10U);
  for (const std::string& field : task_fields) {
    expect_order("/tasks", field, tasks);
    expect_order("/tasks", "-" + field, tasks);
  }
  // The promises spelled out on this data: byte order ("B" < "a" < "z" < "é"), content by its
  // first 255 characters (6 and 7 tie there, so their ids decide), nulls after every time, ties
  // by id.
  EXPECT_EQ(ids_of(get_json("/tasks?sort=content").as_array()),
            (std::vector<std::int64_t>{2, 1, 5, 8, 9, 10, 6, 7, 4, 3}));
  EXPECT_EQ(ids_of(get_json("/tasks?sort=-due_at,id").as_array()),
            (std::vector<std::int64_t>{1, 4, 7, 8, 9, 2, 5, 10, 3, 6}));
  EXPECT_EQ(ids_of(get_json("/tasks?sort=created_at&limit=3").as_array()),
            (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(ids_of(get_json("/tasks?sort=-created_at&limit=4").as_array()),
            (std::vector<std::int64_t>{10, 9, 8, 7}));
  EXPECT_EQ(ids_of(get_json("/tasks?sort=-updated_at&limit=3").as_array()),
            (std::vector<std::int64_t>{1, 2, 4}));
}

TEST_P(SortTest, UsersAndTagsSortByTheirFields) {
  seed();
  const json::array users = all("/users");
  for (const std::string field : {"id", "name", "email", "created_at", "updated_at"}) {
    expect_order("/users", field, users);
    expect_order("/users", "-" + field, users);
  }
  const json::array tags = all("/tags");
  for (const std::string field : {"id", "name", "created_at", "updated_at"}) {
    expect_order("/tags", field, tags);
    expect_order("/tags", "-" + field, tags);
  }
  // "Ada" before "Cyd" before "ada" before "bob": bytes, not letters.
  std::vector<std::string> names;
  const json::value by_name = get_json("/users?sort=name");
  for (const json::value& u : by_name.as_array()) {
    names.emplace_back(u.at("name").as_string());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"Ada", "Cyd", "ada", "bob"}));
}

TEST_P(SortTest, MixedDirectionsPageInOrder) {
  seed();
  const json::array tasks = all("/tasks");
  for (const std::string sort : {"-done,created_at", "done,-due_at", "-due_at,content",
                                 "content,-id", "-done,-content,id", "due_at,-updated_at"}) {
    expect_order("/tasks", sort, tasks);
  }
}

// Every form of a list of tasks takes sort=: with include=user, user_id=, tag=, the filters; a
// user's tasks and a tag's; and GET /users?include=tasks sorts the users.
TEST_P(SortTest, EveryListOfTasksSorts) {
  seed();
  const std::int64_t home = tag_id("home");
  const std::vector<std::string> lists{
      "/tasks?include=user",
      fmt::format("/tasks?user_id={}", ada_),
      fmt::format("/tasks?user_id={}&include=user", bob_),
      "/tasks?tag=home",
      "/tasks?tag=home&tag=work&include=user",
      "/tasks?done=false&due_after=2025-01-01T00:00:00Z",
      fmt::format("/users/{}/tasks", ada_),
      fmt::format("/users/{}/tasks?done=true", bob_),
      fmt::format("/tags/{}/tasks", home),
      fmt::format("/tags/{}/tasks?done=false", home),
  };
  for (const std::string& list : lists) {
    const json::array records = all(list);
    EXPECT_FALSE(records.empty()) << list;
    for (const std::string sort : {"-created_at", "due_at", "-done,content"}) {
      expect_order(list, sort, records);
    }
  }
  const json::array users = all("/users?include=tasks");
  expect_order("/users?include=tasks", "-name", users);
  expect_order("/users?include=tasks", "email", users);
  // The embedded tasks are each user's, whatever the order of the users.
  const json::value embedded = get_json("/users?include=tasks&sort=-name");
  for (const json::value& u : embedded.as_array()) {
    for (const json::value& t : u.at("tasks").as_array()) {
      EXPECT_EQ(t.at("user_id"), u.at("id"));
    }
  }
}

// A sorted page is one statement, as the id order's is; with Prefer: count=exact the total is the
// same in any order and on every page.
TEST_P(SortTest, SortedPagesCostOneStatementAndCount) {
  seed();
  const Response first =
      client_->request("GET", "/tasks?sort=-created_at&limit=3", "", {{"Prefer", "count=exact"}});
  ASSERT_EQ(first.status, 200U) << first.describe();
  EXPECT_EQ(first.header("X-Total-Count"), "10");
  EXPECT_EQ(statement_count(first), 2);
  const auto next = next_link(first);
  ASSERT_TRUE(next);
  EXPECT_NE(next->find("cursor="), std::string::npos);
  EXPECT_EQ(next->find("after="), std::string::npos);
  const Response second = client_->request("GET", *next, "", {{"Prefer", "count=exact"}});
  ASSERT_EQ(second.status, 200U) << second.describe();
  EXPECT_EQ(second.header("X-Total-Count"), "10");
  EXPECT_EQ(statement_count(client_->get(*next)), 1);
  // The id order keeps after=.
  const auto by_id = next_link(client_->get("/tasks?sort=id&limit=3"));
  ASSERT_TRUE(by_id);
  EXPECT_NE(by_id->find("after=3"), std::string::npos);
  EXPECT_EQ(by_id->find("cursor="), std::string::npos);
}

// The next link carries the cursor; changing any character of it, or giving it to another order,
// is refused.
TEST_P(SortTest, BadSortsAndCursorsAre400sThatChangeNothing) {
  seed();
  const std::string before = snapshot();
  const std::vector<std::pair<std::string, std::string>> bad{
      {"/tasks?sort=nope", "sort"},
      {"/tasks?sort=-", "sort"},
      {"/tasks?sort=", "sort"},
      {"/tasks?sort=content,", "sort"},
      {"/tasks?sort=done,-done", "sort"},
      {"/tasks?sort=id,done", "sort"},
      {"/tasks?sort=done,content,due_at", "sort"},
      {"/tasks?sort=user_id", "sort"},
      {"/tasks?sort=name", "sort"},
      {"/users?sort=content", "sort"},
      {"/tags?sort=email", "sort"},
      {"/tasks?sort=-created_at&sort=id", "sort"},
      {"/tasks?sort=-created_at&after=3", "after"},
      {"/tasks?cursor=nonsense", "cursor"},
      {"/tasks?sort=-created_at&cursor=", "cursor"},
      {"/tasks?sort=-created_at&cursor=%2F%2F", "cursor"},
  };
  for (const auto& [target, parameter] : bad) {
    EXPECT_TRUE(IsBadQuery(client_->get(target), parameter)) << target;
  }
  const auto next = next_link(client_->get("/tasks?sort=-created_at&limit=2"));
  ASSERT_TRUE(next);
  const std::string cursor = next->substr(next->find("cursor=") + 7);
  // Another order's, the id order's, with after=, on another list: 400 naming cursor.
  for (const std::string& target :
       {"/tasks?sort=created_at&cursor=" + cursor, "/tasks?cursor=" + cursor,
        "/tasks?sort=-updated_at&cursor=" + cursor, "/users?sort=-created_at&cursor=" + cursor,
        "/tasks?sort=-created_at&after=1&cursor=" + cursor}) {
    const Response r = client_->get(target);
    EXPECT_TRUE(IsBadQuery(r, "cursor")) << target;
  }
  EXPECT_NE(client_->get("/tasks?sort=created_at&cursor=" + cursor)
                .body.find("was made for sort=-created_at"),
            std::string::npos);
  // The same order spelled otherwise takes it.
  EXPECT_EQ(client_->get("/tasks?sort=-created_at,-id&limit=2&cursor=" + cursor).status, 200U);
  // A tampered cursor: each character changed in turn.
  const std::string alphabet = "AZaz09-_";
  for (std::size_t i = 0; i < cursor.size(); ++i) {
    std::string changed = cursor;
    changed[i] = alphabet[i % alphabet.size()] == cursor[i] ? alphabet[(i + 1) % alphabet.size()]
                                                            : alphabet[i % alphabet.size()];
    const Response r = client_->get("/tasks?sort=-created_at&cursor=" + changed);
    EXPECT_TRUE(IsBadQuery(r, "cursor")) << i << ' ' << changed;
  }
  EXPECT_EQ(snapshot(), before);
}

USERTASKS_INSTANTIATE_FOR_ALL_BACKENDS(SortTest);

}  // namespace
}  // namespace usertasks::testing
