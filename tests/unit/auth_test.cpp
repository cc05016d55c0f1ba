#include "http/auth.hpp"

#include <gtest/gtest.h>

namespace usertasks::http {
namespace {

Request request(Verb method, std::string_view target, std::string_view authorization = {}) {
  Request req{method, target, 11};
  if (!authorization.empty()) req.set(Field::authorization, authorization);
  return req;
}

TEST(Auth, ConstantTimeEqualIsEquality) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal("s3cret", "s3cret"));
  EXPECT_FALSE(constant_time_equal("s3cret", "s3creT"));
  EXPECT_FALSE(constant_time_equal("s3cret", "s3cret!"));
  EXPECT_FALSE(constant_time_equal("s3cret", ""));
}

TEST(Auth, NoTokenLetsEverythingThrough) {
  const BearerAuth auth("");
  EXPECT_FALSE(auth.check(request(Verb::get, "/users"), false));
}

TEST(Auth, ATokenIsRequiredButNotForOpenRoutesOrPreflights) {
  const BearerAuth auth("s3cret");
  EXPECT_FALSE(auth.check(request(Verb::get, "/users", "Bearer s3cret"), false));
  EXPECT_FALSE(auth.check(request(Verb::get, "/healthz"), true));
  EXPECT_TRUE(auth.check(request(Verb::get, "/healthz"), false));
  EXPECT_FALSE(auth.check(request(Verb::options, "/users"), false));
  for (const char* wrong : {"", "Bearer", "Bearer ", "Bearer s3cre", "Basic s3cret",
                            "bearer s3cret", "Bearer  s3cret"}) {
    const auto refused = auth.check(request(Verb::get, "/users", wrong), false);
    ASSERT_TRUE(refused) << wrong;
    EXPECT_EQ(refused->result(), Status::unauthorized);
    EXPECT_EQ((*refused)[Field::www_authenticate], R"(Bearer realm="usertasks")");
    EXPECT_EQ((*refused)[Field::content_type], "application/problem+json");
  }
}

}  // namespace
}  // namespace usertasks::http
