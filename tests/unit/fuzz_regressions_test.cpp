// What fuzzing found wrong (docs/reliability.md), one test per finding. The inputs that found
// them are also replayed through their fuzz targets from fuzz/regressions/ (ctest label fuzz).

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <optional>
#include <string>

#include "app/run_sync.hpp"
#include "http/message.hpp"
#include "http/request.hpp"
#include "http/router.hpp"
#include "resources/resource.hpp"

namespace usertasks {
namespace {

namespace json = boost::json;

// The body parsed as JSON, which must be UTF-8; a test failure when it is not.
json::value parsed(const http::Response& res) {
  boost::system::error_code ec;
  json::value body = json::parse(res.body(), ec);
  EXPECT_FALSE(ec) << "not JSON (" << ec.message() << "): " << res.body();
  return body;
}

// fuzz_request: a 404 for a path holding bytes that are not UTF-8 quoted them as they were, and
// the problem document was not valid JSON.
TEST(FuzzRegressions, ANotFoundPathThatIsNotUtf8IsQuotedAsValidJson) {
  const http::Router router;
  http::Request req{http::Verb::get, "/user\xCD\xCDs", 11};
  const http::Response res = app::run_sync(http::dispatch(router, req));
  EXPECT_EQ(res.result(), http::Status::not_found);
  const json::value body = parsed(res);
  ASSERT_TRUE(body.is_object());
  EXPECT_EQ(body.at("detail").as_string(), "no resource at /user\uFFFD\uFFFDs");
}

// The same for a query parameter's name, which percent escapes can make any bytes at all.
TEST(FuzzRegressions, AnUnknownParameterNameThatIsNotUtf8IsQuotedAsValidJson) {
  const http::Response res = resources::bad_query({"\xFF\xC3", "is not a known query parameter"});
  const json::value body = parsed(res);
  ASSERT_TRUE(body.is_object());
  EXPECT_EQ(body.at("errors").at(0).at("parameter").as_string(), "\uFFFD\uFFFD");
  EXPECT_EQ(body.at("detail").as_string(),
            "query parameter \uFFFD\uFFFD is not a known query parameter");
}

// fuzz_request: Boost.URL 1.81 reads "http://h:80x/healthz" as the port 80 and the path
// "x/healthz", which the absolute-form was rewritten to: a target that is not a path was routed.
TEST(FuzzRegressions, AnAbsoluteFormWhosePortIsNotDigitsIsRefused) {
  for (const char* target : {"http://localhost:80x/healthz", "http://h:a"}) {
    http::RequestHeader head;
    head.method(http::Verb::get);
    head.target(target);
    head.set(http::Field::host, "localhost");
    std::string sent;
    const std::optional<http::Response> refused = http::normalize_head(head, sent);
    ASSERT_TRUE(refused) << target << " became " << std::string(head.target());
    EXPECT_EQ(refused->result(), http::Status::bad_request);
  }
}

TEST(FuzzRegressions, ValidUtf8ReplacesEachIllFormedSequenceOnce) {
  EXPECT_EQ(http::valid_utf8("caf\xC3\xA9 \xF0\x9F\x98\x80"), "caf\xC3\xA9 \xF0\x9F\x98\x80");
  EXPECT_EQ(http::valid_utf8("a\xE2\x82"), "a\uFFFD");  // a truncated character
  EXPECT_EQ(http::valid_utf8("\xE2\x82"
                             "A"),
            "\uFFFD"
            "A");                                                     // one, not two
  EXPECT_EQ(http::valid_utf8("\x80\xBF"), "\uFFFD\uFFFD");            // lone continuation bytes
  EXPECT_EQ(http::valid_utf8("\xC0\xAF"), "\uFFFD\uFFFD");            // an overlong '/'
  EXPECT_EQ(http::valid_utf8("\xED\xA0\x80"), "\uFFFD\uFFFD\uFFFD");  // a surrogate
  EXPECT_EQ(http::valid_utf8("\xF4\x90\x80\x80"), "\uFFFD\uFFFD\uFFFD\uFFFD");  // past U+10FFFF
  EXPECT_EQ(http::valid_utf8(std::string("\0x", 2)), std::string("\0x", 2));
}

}  // namespace
}  // namespace usertasks
