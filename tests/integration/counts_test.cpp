// Counts: `Prefer: count=exact` (RFC 7240) on a list adds X-Total-Count, the number of records the
// list's filters match whatever the page, and Preference-Applied; it costs one statement more, and
// nothing without the preference.

#include <fmt/format.h>

#include <optional>
#include <string>
#include <vector>

#include "tags_support.hpp"

namespace usertasks::testing {
namespace {

const Headers count_exact{{"Prefer", "count=exact"}};

class CountsTest : public TagsFixture {
 protected:
  void SetUp() override {
    TagsFixture::SetUp();
    if (IsSkipped()) return;
    ada_ = id_of(create_user("Ada"));
    bob_ = id_of(create_user("Bob"));
    cyd_ = id_of(create_user("Cyd"));
  }

  // Ada's t1 (home), t2 (home, urgent; done), t3 (urgent; due 2026-12-01), t4 (due 2027-06-01);
  // Bob's t5 (home, urgent; due 2026-11-01), t6 (done); Cyd has none. The tag "unused" is on no
  // task.
  void seed() {
    task(ada_, {"home"});
    task(ada_, {"home", "urgent"}, true);
    task(ada_, {"urgent"}, false, "2026-12-01T00:00:00Z");
    task(ada_, {}, false, "2027-06-01T00:00:00Z");
    task(bob_, {"home", "urgent"}, false, "2026-11-01T00:00:00Z");
    task(bob_, {}, true);
    create_tag("unused");
    home_ = tag_id("home");
  }

  void task(std::int64_t user, const std::vector<std::string>& tags, bool done = false,
            std::optional<std::string> due = std::nullopt) {
    json::object body{{"content", "c"}, {"user_id", user}, {"tags", as_array(tags)}};
    body["done"] = done;
    if (due) body["due_at"] = *due;
    const Response r = client_->post("/tasks", body);
    ASSERT_EQ(r.status, 201U) << r.describe();
  }

  Response counted(std::string_view target, const Headers& prefer = count_exact) {
    return client_->request("GET", target, "", prefer);
  }
  // X-Total-Count of a counted GET of `target`, which must answer 200; -1 when absent.
  std::int64_t total(std::string_view target) {
    const Response r = counted(target);
    EXPECT_EQ(r.status, 200U) << target << '\n' << r.describe();
    EXPECT_EQ(r.header("Preference-Applied"), "count=exact") << target;
    return r.has_header("X-Total-Count") ? std::stoll(r.header("X-Total-Count")) : -1;
  }

  std::string user_tasks(std::int64_t user, std::string_view query = "") const {
    return fmt::format("/users/{}/tasks{}", user, query);
  }
  std::string home_tasks(std::string_view query = "") const {
    return fmt::format("/tags/{}/tasks{}", home_, query);
  }

  std::int64_t ada_ = 0, bob_ = 0, cyd_ = 0, home_ = 0;
};

struct Listed {
  std::string target;
  std::int64_t total;
  int statements;  // without the preference, as before counts existed
};

// Each list, with and without the preference: the same page; the count and Preference-Applied
// with it only; one statement more with it, none without.
TEST_P(CountsTest, EveryListCountsWhenAskedAndOnlyThen) {
  seed();
  const std::vector<Listed> lists{
      {"/users?limit=1", 3, 1},
      {"/users?include=tasks&limit=1", 3, 2},
      {"/tasks?limit=1", 6, 1},
      {"/tasks?include=user&limit=1", 6, 1},
      {fmt::format("/tasks?user_id={}&limit=1", ada_), 4, 1},
      {"/tasks?tag=home&limit=1", 3, 1},
      {"/tasks?tag=home&include=user&limit=1", 3, 1},
      {user_tasks(ada_, "?limit=1"), 4, 1},
      {"/tags?limit=1", 3, 1},
      {home_tasks("?limit=1"), 3, 1},
  };
  for (const Listed& list : lists) {
    const Response plain = client_->get(list.target);
    ASSERT_EQ(plain.status, 200U) << list.target << '\n' << plain.describe();
    EXPECT_FALSE(plain.has_header("X-Total-Count")) << list.target;
    EXPECT_FALSE(plain.has_header("Preference-Applied")) << list.target;
    EXPECT_EQ(statement_count(plain), list.statements) << list.target;
    EXPECT_EQ(plain.header("Vary"), "Prefer") << list.target;

    const Response r = counted(list.target);
    ASSERT_EQ(r.status, 200U) << list.target << '\n' << r.describe();
    EXPECT_EQ(r.body, plain.body) << list.target;
    EXPECT_EQ(r.header("Link"), plain.header("Link")) << list.target;
    EXPECT_EQ(r.header("X-Total-Count"), std::to_string(list.total)) << list.target;
    EXPECT_EQ(r.header("Preference-Applied"), "count=exact") << list.target;
    EXPECT_EQ(statement_count(r), list.statements + 1) << list.target;
  }
}

// Empty lists count 0, and a list of a record that has no tasks counts too.
TEST_P(CountsTest, EmptyListsCountZero) {
  EXPECT_EQ(total("/tasks"), 0);
  EXPECT_EQ(total("/tags"), 0);
  EXPECT_EQ(total("/users?include=tasks"), 3);
  seed();
  EXPECT_EQ(total(user_tasks(cyd_)), 0);
  EXPECT_EQ(total(fmt::format("/tags/{}/tasks", tag_id("unused"))), 0);
  EXPECT_EQ(total("/tasks?tag=nothing"), 0);
  EXPECT_EQ(total(user_tasks(ada_, "?after=1000000")), 4);
}

// Paging through a list, every page carries the same total: the count is not the page's.
TEST_P(CountsTest, TheCountIgnoresLimitAndAfter) {
  seed();
  for (const std::string& first :
       {std::string("/tasks?limit=2"), std::string("/users?limit=1&include=tasks"),
        user_tasks(ada_, "?limit=3"), home_tasks("?limit=1"), std::string("/tags?limit=2")}) {
    std::optional<std::string> target = first;
    std::size_t items = 0;
    std::string expected;
    int pages = 0;
    while (target) {
      const Response r = counted(*target);
      ASSERT_EQ(r.status, 200U) << *target << '\n' << r.describe();
      if (expected.empty()) expected = r.header("X-Total-Count");
      EXPECT_EQ(r.header("X-Total-Count"), expected) << *target;
      items += r.array().size();
      target = next_link(r);
      ++pages;
    }
    EXPECT_GT(pages, 1) << first;
    EXPECT_EQ(expected, std::to_string(items)) << first;
  }
  const std::int64_t last = id_of(get_json("/tasks").as_array().back());
  EXPECT_EQ(total(fmt::format("/tasks?after={}", last)), 6);
  EXPECT_EQ(total(fmt::format("/tasks?after={}&limit=1", last - 2)), 6);
}

// The count follows every filter the list takes, as the pages do.
TEST_P(CountsTest, TheCountFollowsEachFilter) {
  seed();
  const std::vector<std::pair<std::string, std::int64_t>> cases{
      {"/tasks?done=true", 2},
      {"/tasks?done=false", 4},
      {fmt::format("/tasks?user_id={}", bob_), 2},
      {fmt::format("/tasks?user_id={}&done=true", bob_), 1},
      {"/tasks?tag=HOME", 3},
      {"/tasks?tag=home&tag=urgent", 2},
      {"/tasks?tag=urgent&tag=home&tag=nothing", 0},
      {fmt::format("/tasks?tag=urgent&tag=home&user_id={}", ada_), 1},
      {"/tasks?tag=urgent&include=user&done=false", 2},
      {"/tasks?due_before=2027-01-01T00:00:00Z", 2},
      {"/tasks?due_after=2026-11-15T00:00:00Z", 2},
      {"/tasks?due_after=2026-11-15T00:00:00Z&due_before=2027-01-01T00:00:00Z", 1},
      {user_tasks(ada_, "?done=false"), 3},
      {user_tasks(ada_, "?tag=urgent"), 2},
      {user_tasks(ada_, "?tag=urgent&tag=home"), 1},
      {user_tasks(ada_, "?due_before=2027-01-01T00:00:00Z"), 1},
      {home_tasks("?done=true"), 1},
      {home_tasks("?tag=urgent"), 2},
      {home_tasks("?due_before=2027-01-01T00:00:00Z"), 1},
  };
  for (const auto& [target, expected] : cases) {
    EXPECT_EQ(total(target), expected) << target;
    // The same number as the list's own pages hold.
    EXPECT_EQ(collect_pages(target + "&limit=1").size(), static_cast<std::size_t>(expected))
        << target;
  }
}

// A list of a record that does not exist is a 404 with or without the preference, uncounted.
TEST_P(CountsTest, NotFoundListsStayNotFound) {
  seed();
  for (const std::string& target : {user_tasks(ada_ + 1000), fmt::format("/tags/{}/tasks", 999999),
                                    user_tasks(ada_ + 1000, "?tag=home")}) {
    const Response plain = client_->get(target);
    const Response r = counted(target);
    EXPECT_TRUE(IsProblem(r, 404, "not-found")) << target;
    EXPECT_FALSE(r.has_header("X-Total-Count")) << target;
    EXPECT_FALSE(r.has_header("Preference-Applied")) << target;
    EXPECT_EQ(statement_count(r), statement_count(plain)) << target;
    EXPECT_EQ(statement_count(r), 1) << target;
  }
  const Response bad = counted("/tasks?done=maybe");
  EXPECT_TRUE(IsBadQuery(bad, "done"));
  EXPECT_FALSE(bad.has_header("X-Total-Count"));
  EXPECT_EQ(statement_count(bad), 0);
}

// Prefer is read as RFC 7240 says: a list, several fields, names regardless of case, the value
// exactly; what the service does not know is ignored, not refused.
TEST_P(CountsTest, PreferIsReadAsTheRfcSays) {
  seed();
  const std::vector<Headers> applied{
      {{"Prefer", "return=minimal, COUNT=exact"}},
      {{"Prefer", "  respond-async ,count = exact ; foo=bar,wait=5"}},
      {{"Prefer", "return=minimal"}, {"Prefer", "count=exact"}},
      {{"prefer", R"(count="exact")"}},
  };
  for (const Headers& prefer : applied) {
    const Response r = counted("/tasks?limit=2", prefer);
    EXPECT_EQ(r.header("X-Total-Count"), "6") << prefer.front().second;
    EXPECT_EQ(r.header("Preference-Applied"), "count=exact") << prefer.front().second;
    EXPECT_EQ(statement_count(r), 2) << prefer.front().second;
  }
  const std::vector<Headers> ignored{
      {{"Prefer", "count=estimated"}}, {{"Prefer", "count=planned, count=exact"}},
      {{"Prefer", "count=EXACT"}},     {{"Prefer", "count"}},
      {{"Prefer", "return=minimal"}},  {{"Prefer", "counts=exact"}},
      {{"Prefer", "count=exact!"}},    {{"X-Prefer", "count=exact"}},
  };
  for (const Headers& prefer : ignored) {
    const Response r = counted("/tasks?limit=2", prefer);
    EXPECT_EQ(r.status, 200U) << prefer.front().second << '\n' << r.describe();
    EXPECT_EQ(r.array().size(), 2U) << prefer.front().second;
    EXPECT_FALSE(r.has_header("X-Total-Count")) << prefer.front().second;
    EXPECT_FALSE(r.has_header("Preference-Applied")) << prefer.front().second;
    EXPECT_EQ(statement_count(r), 1) << prefer.front().second;
  }
}

// The count is read at each request: writes move it.
TEST_P(CountsTest, TheCountFollowsInsertsAndDeletes) {
  seed();
  EXPECT_EQ(total("/users"), 3);
  EXPECT_EQ(total("/tasks?tag=home"), 3);
  task(cyd_, {"home"});
  task(cyd_, {});
  EXPECT_EQ(total("/tasks"), 8);
  EXPECT_EQ(total("/tasks?tag=home"), 4);
  EXPECT_EQ(total(home_tasks()), 4);
  EXPECT_EQ(total(user_tasks(cyd_)), 2);

  ASSERT_EQ(client_->del(fmt::format("/users/{}", ada_)).status, 204U);  // and her 4 tasks
  EXPECT_EQ(total("/users?include=tasks"), 2);
  EXPECT_EQ(total("/tasks"), 4);
  EXPECT_EQ(total("/tasks?done=true"), 1);
  EXPECT_EQ(total(home_tasks()), 2);

  ASSERT_EQ(client_->del(tag_path(home_)).status, 204U);
  EXPECT_EQ(total("/tags"), 2);
  EXPECT_EQ(total("/tasks?tag=home"), 0);
  EXPECT_EQ(total("/tasks"), 4);  // a tag's deletion deletes no task
  create_tag("new");
  EXPECT_EQ(total("/tags"), 3);
}

USERTASKS_INSTANTIATE_FOR_ALL_BACKENDS(CountsTest);

}  // namespace
}  // namespace usertasks::testing
