#include "http/access_log.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace usertasks::http {
namespace {

using namespace std::chrono;

// 2026-11-24T07:06:22Z, plus 123 µs.
const system_clock::time_point when =
    system_clock::time_point(seconds(1795503982)) + microseconds(123);

const AccessRecord record{.peer = "127.0.0.1",
                          .method = "GET",
                          .target = "/users/5?include=tasks",
                          .status = 200,
                          .bytes = 845,
                          .duration = microseconds(312),
                          .request_id = "4f2a"};

TEST(AccessLog, ALineHasTheLayoutOfEveryOtherLogLine) {
  std::string out;
  format_access_line(out, when, record);
  EXPECT_EQ(out,
            "2026-11-24T07:06:22.000123Z info 127.0.0.1 \"GET /users/5?include=tasks\" 200 845 "
            "312us id=4f2a\n");
}

TEST(AccessLog, LinesAppendToWhatIsBuffered) {
  std::string out = "earlier\n";
  format_access_line(out, when + seconds(61), record);
  EXPECT_EQ(out.substr(0, 8), "earlier\n");
  EXPECT_EQ(out.substr(8, 28), "2026-11-24T07:07:23.000123Z ");
}

}  // namespace
}  // namespace usertasks::http
