// Concurrent writes that name the same new tag, or fill the same task's tags, as races: clients on
// their own connections released together. API.md: both succeed and the tag is created once; a
// task never carries more than 32 tags.

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <functional>

#include "races.hpp"
#include "tags_support.hpp"

namespace usertasks::testing {
namespace {

constexpr int racers = 8;

class TagRacesTest : public TagsFixture {
 protected:
  std::vector<Response> race(const std::function<Response(int, Client&)>& request) {
    return testing::race(server_->port(), racers, request);
  }

  // The only tag there is, which must be `lower` in some case; 0 when that is not so.
  std::int64_t the_one_tag(std::string_view lower, std::string* name) {
    const json::array tags = all_tags();
    EXPECT_EQ(tags.size(), 1U) << to_text(tags);
    if (tags.size() != 1) return 0;
    *name = std::string(tags[0].at("name").as_string());
    std::string folded = *name;
    std::transform(folded.begin(), folded.end(), folded.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    EXPECT_EQ(folded, lower);
    return id_of(tags[0]);
  }
};

const char* const shared_spellings[] = {"shared", "Shared", "SHARED"};

TEST_P(TagRacesTest, CreatesNamingOneNewTagAllSucceedAndCreateItOnce) {
  const std::int64_t user = id_of(create_user());
  const std::vector<Response> answers = race([user](int i, Client& client) {
    return client.post("/tasks", json::object{{"content", fmt::format("racer {}", i)},
                                              {"user_id", user},
                                              {"tags", json::array{shared_spellings[i % 3]}}});
  });
  for (const Response& r : answers) ASSERT_EQ(r.status, 201U) << r.describe();

  std::string name;
  const std::int64_t tag = the_one_tag("shared", &name);
  ASSERT_NE(tag, 0);
  EXPECT_EQ(task_count(tag), racers);
  Ids tasks;
  for (const Response& r : answers) {
    EXPECT_EQ(tags_of(r.json()), Names{name}) << "every answer carries the stored spelling";
    tasks.push_back(id_of(r.json()));
    EXPECT_EQ(tags_of_task(tasks.back()), Names{name});
  }
  std::sort(tasks.begin(), tasks.end());
  EXPECT_EQ(ids(fmt::format("/tags/{}/tasks", tag)), tasks);
  EXPECT_EQ(ids("/tasks?tag=shared"), tasks);
}

// Half of the racers name the two new tags in one order, half in the other: no deadlock.
TEST_P(TagRacesTest, CreatesNamingTwoNewTagsInEitherOrderAllSucceed) {
  const std::int64_t user = id_of(create_user());
  const std::vector<Response> answers = race([user](int i, Client& client) {
    const json::array tags =
        i % 2 == 0 ? json::array{"left", "right"} : json::array{"RIGHT", "Left"};
    return client.post(
        "/tasks",
        json::object{{"content", fmt::format("racer {}", i)}, {"user_id", user}, {"tags", tags}});
  });
  for (const Response& r : answers) ASSERT_EQ(r.status, 201U) << r.describe();
  const json::array tags = all_tags();
  ASSERT_EQ(tags.size(), 2U) << to_text(tags);
  for (const json::value& tag : tags) EXPECT_EQ(task_count(id_of(tag)), racers) << to_text(tag);
  for (const Response& r : answers) EXPECT_EQ(tags_of(r.json()).size(), 2U) << r.describe();
  EXPECT_EQ(ids("/tasks?tag=left&tag=right").size(), static_cast<std::size_t>(racers));
}

TEST_P(TagRacesTest, PutsOfOneNewTagOnTheirOwnTasksAllSucceedAndCreateItOnce) {
  const std::int64_t user = id_of(create_user());
  Ids tasks;
  for (int i = 0; i < racers; ++i) tasks.push_back(id_of(create_task(user)));
  const char* const spellings[] = {"fresh", "Fresh", "FRESH"};
  const std::vector<Response> answers = race([&](int i, Client& client) {
    return client.request("PUT",
                          task_tag_path(tasks[static_cast<std::size_t>(i)], spellings[i % 3]));
  });
  for (const Response& r : answers) EXPECT_EQ(r.status, 204U) << r.describe();

  std::string name;
  const std::int64_t tag = the_one_tag("fresh", &name);
  ASSERT_NE(tag, 0);
  EXPECT_EQ(task_count(tag), racers);
  for (const std::int64_t task : tasks) EXPECT_EQ(tags_of_task(task), Names{name}) << task;
  EXPECT_EQ(ids(fmt::format("/tags/{}/tasks", tag)), tasks);
}

TEST_P(TagRacesTest, PutsOnATaskWith30TagsLetExactlyTwoIn) {
  const std::int64_t user = id_of(create_user());
  const std::int64_t task = id_of(create_tagged_task(user, numbered(30)));
  const std::vector<Response> answers = race([task](int i, Client& client) {
    return client.request("PUT", task_tag_path(task, fmt::format("extra{}", i)));
  });
  EXPECT_EQ(count_status(answers, 204), 2);
  EXPECT_EQ(count_status(answers, 422), racers - 2);
  for (const Response& r : answers) {
    if (r.status != 204) {
      EXPECT_TRUE(IsProblem(r, 422, "validation")) << r.describe();
    }
  }
  const Names tags = tags_of_task(task);
  EXPECT_EQ(tags.size(), 32U) << fmt::format("{}", fmt::join(tags, ", "));
  // A refused PUT created no tag: the 30 and the two that got in.
  EXPECT_EQ(all_tags().size(), 32U);
  int extras = 0;
  for (int i = 0; i < racers; ++i) {
    const bool admitted = answers[static_cast<std::size_t>(i)].status == 204;
    const bool carried =
        std::find(tags.begin(), tags.end(), fmt::format("extra{}", i)) != tags.end();
    EXPECT_EQ(carried, admitted) << "extra" << i;
    extras += carried ? 1 : 0;
  }
  EXPECT_EQ(extras, 2);
}

USERTASKS_INSTANTIATE_FOR_ALL_BACKENDS(TagRacesTest);

}  // namespace
}  // namespace usertasks::testing
