#include "http/router.hpp"

#include <gtest/gtest.h>

namespace usertasks::http {
namespace {

Handler nothing() {
  return
      [](Request&, const PathParams&) -> boost::asio::awaitable<Response> { co_return Response{}; };
}

Router sample() {
  Router router;
  router.add({.method = Verb::get,
              .path = "/users",
              .name = "users.list",
              .summary = "",
              .handler = nothing()});
  router.add({.method = Verb::post,
              .path = "/users",
              .name = "users.create",
              .summary = "",
              .handler = nothing()});
  router.add({.method = Verb::get,
              .path = "/users/{id}",
              .name = "users.get",
              .summary = "",
              .handler = nothing()});
  router.add({.method = Verb::delete_,
              .path = "/users/{id}",
              .name = "users.delete",
              .summary = "",
              .handler = nothing()});
  router.add({.method = Verb::get,
              .path = "/users/{id}/tasks",
              .name = "users.tasks.list",
              .summary = "",
              .handler = nothing()});
  return router;
}

TEST(Router, MatchesLiteralAndTemplatedPaths) {
  const Router router = sample();
  auto m = router.match(Verb::get, "/users/42/tasks");
  ASSERT_TRUE(std::holds_alternative<Matched>(m));
  EXPECT_EQ(std::get<Matched>(m).route->name, "users.tasks.list");
  EXPECT_EQ(std::get<Matched>(m).params.get("id"), "42");

  m = router.match(Verb::post, "/users");
  ASSERT_TRUE(std::holds_alternative<Matched>(m));
  EXPECT_EQ(std::get<Matched>(m).route->name, "users.create");
}

TEST(Router, HeadIsAnsweredByTheGetRoute) {
  const Router router = sample();
  auto m = router.match(Verb::head, "/users/3");
  ASSERT_TRUE(std::holds_alternative<Matched>(m));
  EXPECT_EQ(std::get<Matched>(m).route->name, "users.get");
}

TEST(Router, UnknownPathsAreNotFound) {
  const Router router = sample();
  for (const char* path : {"/", "/user", "/users/", "/users/1/", "/users//tasks",
                           "/users/1/tasks/2", "users", "", "/tasks"}) {
    EXPECT_TRUE(std::holds_alternative<NoSuchPath>(router.match(Verb::get, path))) << path;
  }
}

TEST(Router, AKnownPathWithAnotherMethodListsTheAllowedOnes) {
  const Router router = sample();
  auto m = router.match(Verb::put, "/users/7");
  ASSERT_TRUE(std::holds_alternative<WrongMethod>(m));
  EXPECT_EQ(std::get<WrongMethod>(m).allow, "GET, HEAD, DELETE, OPTIONS");
  EXPECT_EQ(std::get<WrongMethod>(m).route->path, "/users/{id}");
  EXPECT_EQ(router.allowed("/users"), "GET, HEAD, POST, OPTIONS");
  EXPECT_EQ(router.allowed("/nope"), "");
}

TEST(Router, EachPathTemplateHasOneSlot) {
  const Router router = sample();
  EXPECT_EQ(router.templates(),
            (std::vector<std::string>{"/users", "/users/{id}", "/users/{id}/tasks"}));
  for (const Route& route : router.routes()) {
    EXPECT_EQ(router.templates().at(route.slot), route.path) << route.name;
  }
  EXPECT_EQ(std::get<Matched>(router.match(Verb::delete_, "/users/9")).route->slot, 1U);
}

TEST(Router, TemplateSegmentsNeedText) {
  PathParams params;
  EXPECT_TRUE(match_template("/a/{x}/b", "/a/hello/b", params));
  EXPECT_EQ(params.get("x"), "hello");
  EXPECT_EQ(params.get("y"), "");
  PathParams none;
  EXPECT_FALSE(match_template("/a/{x}/b", "/a//b", none));
  EXPECT_FALSE(match_template("/a/{x}", "/a", none));
}

}  // namespace
}  // namespace usertasks::http
