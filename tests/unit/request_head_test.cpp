// normalize_head: RFC 9112's Host rule and the request target's forms.

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>

#include "http/request.hpp"

namespace usertasks::http {
namespace {

RequestHeader head(Verb method, std::string_view target, std::optional<std::string_view> host,
                   unsigned version = 11) {
  RequestHeader h;
  h.method(method);
  h.target(target);
  h.version(version);
  if (host) h.insert(Field::host, *host);
  return h;
}

// The detail of the 400 normalize_head answers, or "" when it accepts the head.
std::string refusal(RequestHeader h) {
  std::string sent;
  const std::optional<Response> res = normalize_head(h, sent);
  if (!res) return "";
  EXPECT_EQ(res->result(), Status::bad_request);
  EXPECT_NE(res->body().find("/problems/malformed-request"), std::string::npos) << res->body();
  return res->body();
}

TEST(RequestHead, HostIsRequiredFromHttp11On) {
  EXPECT_NE(refusal(head(Verb::get, "/healthz", std::nullopt)).find("must have a Host"),
            std::string::npos);
  EXPECT_EQ(refusal(head(Verb::get, "/healthz", std::nullopt, 10)), "");
  EXPECT_EQ(refusal(head(Verb::get, "/healthz", "")), "");
}

TEST(RequestHead, HostMustBeOneValidAuthority) {
  RequestHeader two = head(Verb::get, "/healthz", "a");
  two.insert(Field::host, "a");
  EXPECT_NE(refusal(two).find("more than one Host"), std::string::npos);
  for (const char* bad : {"a b", "a:1x", "u@a", "[::1", "a/b", "a?b", "a#b", "a:1:2"}) {
    EXPECT_NE(refusal(head(Verb::get, "/", bad)).find("not a host"), std::string::npos) << bad;
  }
  for (const char* good : {"a", "a:1", "a:", "127.0.0.1:80", "[::1]:80", "[v1.x]", "a%20b"}) {
    EXPECT_EQ(refusal(head(Verb::get, "/", good)), "") << good;
  }
}

TEST(RequestHead, AbsoluteFormBecomesTheOriginForm) {
  struct Case {
    std::string_view target, origin, host;
  };
  for (const Case& c : {Case{"http://h:8080/tasks?limit=1", "/tasks?limit=1", "h:8080"},
                        Case{"HTTPS://H/a%2Fb", "/a%2Fb", "H"}, Case{"http://h", "/", "h"},
                        Case{"http://h?x", "/?x", "h"}, Case{"http://[::1]:1/x?", "/x?", "[::1]:1"},
                        Case{"http://h//x", "//x", "h"}}) {
    RequestHeader h = head(Verb::get, c.target, "other");
    std::string sent;
    EXPECT_FALSE(normalize_head(h, sent)) << c.target;
    EXPECT_EQ(h.target(), c.origin) << c.target;
    EXPECT_EQ(h[Field::host], c.host) << c.target;
    EXPECT_EQ(sent, c.target);
  }
}

TEST(RequestHead, OriginAndAsteriskFormsAreKept) {
  for (const char* target : {"/", "/users?limit=1", "*", "/odd{path}"}) {
    RequestHeader h = head(Verb::options, target, "h");
    std::string sent;
    EXPECT_FALSE(normalize_head(h, sent)) << target;
    EXPECT_EQ(h.target(), target);
    EXPECT_EQ(h[Field::host], "h");
    EXPECT_EQ(sent, "");
  }
}

TEST(RequestHead, OtherTargetsAreRefused) {
  for (const char* target :
       {"users", "ftp://h/x", "urn:a:b", "http:/x", "http:///x", "http://u@h/x", "http://h/x#f",
        "http://h/a b", "h:80", "http://h:80x/y", "http://h:a"}) {
    EXPECT_NE(refusal(head(Verb::get, target, "h")).find("request target"), std::string::npos)
        << target;
  }
  EXPECT_NE(refusal(head(Verb::connect, "h:443", "h")).find("CONNECT is not supported"),
            std::string::npos);
  // CONNECT in origin-form is routed, and answered 405 by the router.
  EXPECT_EQ(refusal(head(Verb::connect, "/healthz", "h")), "");
}

}  // namespace
}  // namespace usertasks::http
