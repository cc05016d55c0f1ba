// --api-token: every route but /healthz needs the bearer token.

#include <gtest/gtest.h>

#include "harness.hpp"

namespace usertasks::testing {
namespace {

class AuthTest : public ::testing::TestWithParam<std::string> {};

TEST_P(AuthTest, RequestsWithoutTheTokenAre401AndChangeNothing) {
  Backend& b = backend(GetParam());
  if (const std::string why = b.unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
  ServerProcess server(ServerConfig{.database_url = b.fresh_database_url(),
                                    .extra_args = {"--api-token", "s3cret"},
                                    .migrate = Migrate::flag,
                                    .threads = 2});
  Client client(server.port());

  const Response refused =
      client.post("/users", json::object{{"name", "Ada"}, {"email", "ada@example.com"}});
  EXPECT_TRUE(IsProblem(refused, 401, "unauthorized")) << refused.describe();
  EXPECT_EQ(refused.header("WWW-Authenticate"), R"(Bearer realm="usertasks")");
  EXPECT_TRUE(IsProblem(client.request("GET", "/users", "", {{"Authorization", "Bearer nope"}}),
                        401, "unauthorized"));
  EXPECT_EQ(client.get("/healthz").status, 200U);
  EXPECT_EQ(client.request("OPTIONS", "/users").status, 204U);

  const Headers token{{"Authorization", "Bearer s3cret"}};
  const Response listed = client.request("GET", "/users", "", token);
  ASSERT_EQ(listed.status, 200U) << listed.describe();
  EXPECT_EQ(listed.body, "[]");  // the refused POST created nothing
  EXPECT_EQ(
      client.request("POST", "/users", R"({"name": "Ada", "email": "ada@example.com"})", token)
          .status,
      201U);
  EXPECT_EQ(server.log().find("s3cret"), std::string::npos) << "the token must not be logged";
}

USERTASKS_INSTANTIATE_FOR_ALL_BACKENDS(AuthTest);

}  // namespace
}  // namespace usertasks::testing
