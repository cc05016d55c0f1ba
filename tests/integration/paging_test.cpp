// Lists and paging of API.md: limit, after, the Link header that keeps the other parameters,
// walking every page, filters, and the 400 that names a bad query parameter.

#include <fmt/format.h>

#include <set>

#include "harness.hpp"

namespace usertasks::testing {
namespace {

class PagingTest : public ApiTest {
 protected:
  // `n` users, the first of them with `tasks` tasks; returns the users' ids.
  std::vector<std::int64_t> seed_users(int n, int tasks = 0) {
    std::vector<std::int64_t> ids;
    for (int i = 0; i < n; ++i) {
      json::object body{{"name", fmt::format("user {}", i)}, {"email", unique_email()}};
      if (i == 0 && tasks > 0) {
        json::array list;
        for (int t = 0; t < tasks; ++t)
          list.push_back(json::object{{"content", fmt::format("t{}", t)}});
        body["tasks"] = std::move(list);
      }
      const Response r = client_->post("/users", body);
      EXPECT_EQ(r.status, 201U) << r.describe();
      ids.push_back(id_of(r.json()));
    }
    return ids;
  }

  static std::vector<std::int64_t> ids(const json::array& items) {
    std::vector<std::int64_t> out;
    for (const json::value& v : items) out.push_back(id_of(v));
    return out;
  }

  // Walks `target` page by page and checks that every item comes exactly once, in id order.
  void expect_walk(const std::string& target, const std::vector<std::int64_t>& expected,
                   int expected_pages) {
    int pages = 0;
    const json::array items = collect_pages(target, &pages);
    EXPECT_EQ(ids(items), expected) << target;
    EXPECT_EQ(pages, expected_pages) << target;
  }
};

TEST_P(PagingTest, DefaultLimitIs100AndTheLinkSaysSo) {
  const auto users = seed_users(101);
  const Response r = client_->get("/users");
  ASSERT_EQ(r.status, 200U);
  EXPECT_EQ(r.array().size(), 100U);
  EXPECT_EQ(r.header("Link"), fmt::format("</users?limit=100&after={}>; rel=\"next\"", users[99]));
  const Response last = client_->get(fmt::format("/users?after={}", users[99]));
  EXPECT_EQ(ids(last.array()), std::vector<std::int64_t>{users[100]});
  EXPECT_FALSE(last.has_header("Link"));
}

TEST_P(PagingTest, LinkOnlyWhenMoreItemsExist) {
  const auto users = seed_users(4);
  Response r = client_->get("/users?limit=2");
  EXPECT_EQ(ids(r.array()), (std::vector<std::int64_t>{users[0], users[1]}));
  EXPECT_EQ(r.header("Link"), fmt::format("</users?limit=2&after={}>; rel=\"next\"", users[1]));
  // The second page ends exactly at the last item: no Link.
  r = client_->get(fmt::format("/users?limit=2&after={}", users[1]));
  EXPECT_EQ(ids(r.array()), (std::vector<std::int64_t>{users[2], users[3]}));
  EXPECT_FALSE(r.has_header("Link")) << r.describe();
  r = client_->get("/users?limit=4");
  EXPECT_FALSE(r.has_header("Link")) << r.describe();
  r = client_->get("/users?limit=3");
  EXPECT_TRUE(r.has_header("Link")) << r.describe();
}

TEST_P(PagingTest, AfterIsKeyset) {
  const auto users = seed_users(5);
  EXPECT_EQ(ids(get_json("/users?after=0").as_array()), users);
  EXPECT_EQ(ids(get_json(fmt::format("/users?after={}", users[2])).as_array()),
            (std::vector<std::int64_t>{users[3], users[4]}));
  EXPECT_EQ(client_->get(fmt::format("/users?after={}", users[4])).body, "[]");
  EXPECT_EQ(client_->get("/users?after=9223372036854775807").body, "[]");
  // Deleting an item of a page already read neither repeats nor skips the others.
  const Response first = client_->get("/users?limit=2");
  ASSERT_EQ(client_->del(fmt::format("/users/{}", users[1])).status, 204U);
  const auto next = next_link(first);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(ids(get_json(*next).as_array()), (std::vector<std::int64_t>{users[2], users[3]}));
}

TEST_P(PagingTest, FollowingLinksVisitsEveryUserOnce) {
  const auto users = seed_users(23);
  expect_walk("/users?limit=5", users, 5);
  expect_walk("/users?limit=1", users, 23);
  expect_walk("/users?limit=23", users, 1);
  expect_walk("/users?limit=1000", users, 1);
  expect_walk("/users?include=tasks&limit=7", users, 4);
}

TEST_P(PagingTest, FollowingLinksVisitsEveryTaskOnce) {
  const auto users = seed_users(3, /*tasks=*/12);
  const std::int64_t other = users[1];
  std::vector<std::int64_t> first_users_tasks =
      ids(get_json(fmt::format("/users/{}", users[0])).at("tasks").as_array());
  std::vector<std::int64_t> all = first_users_tasks;
  all.push_back(id_of(create_task(other, "other")));

  expect_walk("/tasks?limit=5", all, 3);
  expect_walk("/tasks?include=user&limit=4", all, 4);
  expect_walk(fmt::format("/tasks?user_id={}&limit=5", users[0]), first_users_tasks, 3);
  expect_walk(fmt::format("/users/{}/tasks?limit=5", users[0]), first_users_tasks, 3);
  expect_walk(fmt::format("/users/{}/tasks?limit=12", users[0]), first_users_tasks, 1);
  expect_walk(fmt::format("/users/{}/tasks", users[2]), {}, 1);
}

TEST_P(PagingTest, LinkKeepsTheOtherParameters) {
  const auto users = seed_users(3, /*tasks=*/3);
  const auto tasks = ids(get_json(fmt::format("/users/{}/tasks", users[0])).as_array());

  Response r = client_->get("/users?include=tasks&limit=2");
  EXPECT_EQ(r.header("Link"),
            fmt::format("</users?include=tasks&limit=2&after={}>; rel=\"next\"", users[1]));
  r = client_->get(fmt::format("/tasks?user_id={}&include=user&limit=1", users[0]));
  EXPECT_EQ(r.header("Link"), fmt::format("</tasks?user_id={}&include=user&limit=1&after={}>; "
                                          "rel=\"next\"",
                                          users[0], tasks[0]));
  // The Link of a page reached through `after` carries the new `after`, once.
  r = client_->get(fmt::format("/tasks?after={}&limit=1&user_id={}", tasks[0], users[0]));
  EXPECT_EQ(r.header("Link"),
            fmt::format("</tasks?user_id={}&limit=1&after={}>; rel=\"next\"", users[0], tasks[1]));
  r = client_->get(fmt::format("/users/{}/tasks?limit=2", users[0]));
  EXPECT_EQ(r.header("Link"),
            fmt::format("</users/{}/tasks?limit=2&after={}>; rel=\"next\"", users[0], tasks[1]));
}

TEST_P(PagingTest, LimitBounds) {
  seed_users(2);
  EXPECT_EQ(client_->get("/users?limit=1").status, 200U);
  EXPECT_EQ(client_->get("/users?limit=1000").status, 200U);
  for (const char* bad : {"0", "1001", "-1", "abc", "", "1.5", "10x", "99999999999999999999"}) {
    for (const char* path : {"/users", "/tasks", "/users/1/tasks"}) {
      EXPECT_TRUE(IsBadQuery(client_->get(fmt::format("{}?limit={}", path, bad)), "limit"))
          << path << "?limit=" << bad;
    }
  }
}

TEST_P(PagingTest, BadQueryParametersAre400NamingTheParameter) {
  seed_users(1);
  const std::vector<std::pair<std::string, std::string>> cases{
      {"/users?after=x", "after"},
      {"/users?after=-1", "after"},
      {"/users?after=", "after"},
      {"/users?include=bogus", "include"},
      {"/users?include=user", "include"},
      {"/users?include=", "include"},
      {"/users?user_id=1", "user_id"},  // a filter of /tasks only
      {"/users?bogus=1", "bogus"},
      {"/users?limit=1&limit=2", "limit"},
      {"/users?include=tasks&include=tasks", "include"},
      {"/tasks?user_id=abc", "user_id"},
      {"/tasks?user_id=0", "user_id"},
      {"/tasks?user_id=-3", "user_id"},
      {"/tasks?user_id=", "user_id"},
      {"/tasks?user_id=1&user_id=2", "user_id"},
      {"/tasks?include=tasks", "include"},
      {"/tasks?after=1%27%20OR%201=1", "after"},
      {"/tasks?unknown", "unknown"},
      {"/users/1/tasks?include=user", "include"},
      {"/users/1/tasks?user_id=1", "user_id"},
      {"/users/1?limit=1", "limit"},
      {"/tasks/1?include=user", "include"},
      {"/healthz?verbose=1", "verbose"},
  };
  for (const auto& [target, parameter] : cases) {
    EXPECT_TRUE(IsBadQuery(client_->get(target), parameter)) << target;
  }
}

TEST_P(PagingTest, AMalformedQueryStringIs400) {
  const Response r = client_->get("/users?limit=%zz");
  EXPECT_EQ(r.status, 400U) << r.describe();
}

TEST_P(PagingTest, PercentEncodedParametersAreDecoded) {
  const auto users = seed_users(3);
  // %6C%69%6D%69%74 is "limit", %32 is "2".
  const Response r = client_->get("/users?%6C%69%6D%69%74=%32");
  ASSERT_EQ(r.status, 200U) << r.describe();
  EXPECT_EQ(r.array().size(), 2U);
}

USERTASKS_INSTANTIATE_FOR_ALL_BACKENDS(PagingTest);

}  // namespace
}  // namespace usertasks::testing
