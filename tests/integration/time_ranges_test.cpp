// created_after=, created_before=, updated_after=, updated_before= on every list: strict bounds,
// windows, offsets applied, the Link of the next page keeping them, bad values a 400.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "tags_support.hpp"

namespace usertasks::testing {
namespace {

// `+` in a query is a space: an offset is written %2B.
std::string in_query(std::string_view at) {
  std::string out;
  for (char c : at) out += c == '+' ? std::string("%2B") : std::string(1, c);
  return out;
}

class TimeRangesTest : public TagsFixture {
 protected:
  // Three records of each kind, created one after another; the middle user is written again last.
  void seed() {
    for (int i = 0; i < 3; ++i) {
      const json::object user = create_user(fmt::format("user{}", i));
      users_.push_back(id_of(user));
      created_.push_back(std::string(user.at("created_at").as_string()));
      tasks_.push_back(id_of(create_tagged_task(users_.front(), {"shared"}, "t")));
      tags_.push_back(id_of(create_tag(fmt::format("tag{}", i))));
      let_the_clock_tick();
    }
    const Response r = client_->patch(fmt::format("/users/{}", users_[1]),
                                      json::object{{"name", "written again"}});
    ASSERT_EQ(r.status, 200U) << r.describe();
    rewritten_ = std::string(r.object().at("updated_at").as_string());
  }

  // `target` with `parameter=at` appended.
  static std::string with(std::string target, std::string_view parameter, std::string_view at) {
    target += target.find('?') == std::string::npos ? '?' : '&';
    return fmt::format("{}{}={}", target, parameter, in_query(at));
  }

  Ids users_, tasks_, tags_;
  std::vector<std::string> created_;  // of the users
  std::string rewritten_;             // the middle user's updated_at after its PATCH
};

TEST_P(TimeRangesTest, CreatedBoundsAreStrictAndMakeAWindow) {
  seed();
  EXPECT_EQ(ids(with("/users", "created_after", created_[0])), (Ids{users_[1], users_[2]}));
  EXPECT_EQ(ids(with("/users", "created_before", created_[2])), (Ids{users_[0], users_[1]}));
  EXPECT_EQ(ids(with(with("/users", "created_after", created_[0]), "created_before", created_[2])),
            Ids{users_[1]});
  EXPECT_EQ(ids(with("/users", "created_after", created_[2])), Ids{});
  // The same bounds on the tasks and the tags, created in the same rounds.
  const std::string task_after = std::string(get_task(tasks_[0]).at("created_at").as_string());
  EXPECT_EQ(ids(with("/tasks", "created_after", task_after)), (Ids{tasks_[1], tasks_[2]}));
  EXPECT_EQ(ids(with(fmt::format("/users/{}/tasks", users_[0]), "created_after", task_after)),
            (Ids{tasks_[1], tasks_[2]}));
  EXPECT_EQ(ids(with(fmt::format("/tags/{}/tasks", tag_id("shared")), "created_after", task_after)),
            (Ids{tasks_[1], tasks_[2]}));
  EXPECT_EQ(ids(with("/tasks?include=user", "created_after", task_after)),
            (Ids{tasks_[1], tasks_[2]}));
  const std::string tag_after =
      std::string(get_json(tag_path(tags_[1])).at("created_at").as_string());
  EXPECT_EQ(ids(with("/tags", "created_before", tag_after)), (Ids{tag_id("shared"), tags_[0]}));
}

TEST_P(TimeRangesTest, UpdatedBoundsFollowTheLastWrite) {
  seed();
  EXPECT_EQ(ids(with("/users", "updated_after", created_[2])), Ids{users_[1]});
  EXPECT_EQ(ids(with("/users", "updated_before", rewritten_)), (Ids{users_[0], users_[2]}));
  // Tagging a task is a write of it: it moves updated_at, and the range sees it.
  let_the_clock_tick();
  const std::string before = std::string(get_task(tasks_[2]).at("updated_at").as_string());
  ASSERT_EQ(add_tag(tasks_[0], "late").status, 204U);
  EXPECT_EQ(ids(with("/tasks", "updated_after", before)), Ids{tasks_[0]});
  // On GET /users?include=tasks the range is the users'; each embeds all of its tasks.
  const json::value embedded = get_json(with("/users?include=tasks", "updated_after", created_[2]));
  ASSERT_EQ(embedded.as_array().size(), 1U);
  EXPECT_EQ(id_of(embedded.as_array().at(0)), users_[1]);
}

TEST_P(TimeRangesTest, AnOffsetIsAppliedAndAFractionKept) {
  seed();
  // created_[1] written one hour ahead with +01:00 is the same instant.
  std::string shifted = created_[1];
  const int hour = std::stoi(shifted.substr(11, 2));
  if (hour == 23) GTEST_SKIP() << "the hour would roll over the date";
  shifted.replace(11, 2, fmt::format("{:02}", hour + 1));
  shifted.replace(shifted.size() - 1, 1, "+01:00");
  EXPECT_EQ(ids(with("/users", "created_after", shifted)), Ids{users_[2]});
  EXPECT_EQ(ids(with("/users", "created_before", shifted)), Ids{users_[0]});
}

TEST_P(TimeRangesTest, BadTimesAreABadQueryNamingTheParameter) {
  seed();
  for (const std::string_view parameter :
       {"created_after", "created_before", "updated_after", "updated_before"}) {
    for (const std::string& list :
         {std::string("/users"), std::string("/tasks"), std::string("/tags"),
          fmt::format("/users/{}/tasks", users_[0]), fmt::format("/tags/{}/tasks", tags_[0])}) {
      for (const std::string_view bad : {"yesterday", "2026-12-01", "2026-02-30T00:00:00Z", ""}) {
        const std::string target = fmt::format("{}?{}={}", list, parameter, bad);
        EXPECT_TRUE(IsBadQuery(client_->get(target), parameter)) << target;
      }
    }
  }
  EXPECT_TRUE(IsBadQuery(client_->get("/users?created_after=2026-01-01T00:00:00Z&created_after="
                                      "2026-01-02T00:00:00Z"),
                         "created_after"));
}

TEST_P(TimeRangesTest, TheNextPageKeepsTheRange) {
  seed();
  const std::string target = with("/users?limit=1", "created_after", created_[0]);
  const Response first = client_->get(target);
  ASSERT_EQ(first.status, 200U) << first.describe();
  EXPECT_EQ(ids(target), Ids{users_[1]});
  const std::string next = first.header("Link");
  EXPECT_NE(next.find("created_after="), std::string::npos) << next;
  const std::string path = next.substr(1, next.find('>') - 1);
  EXPECT_EQ(ids(path), Ids{users_[2]});
}

USERTASKS_INSTANTIATE_FOR_ALL_BACKENDS(TimeRangesTest);

}  // namespace
}  // namespace usertasks::testing
