// Start-up as a new user meets it: a port already taken is told in one line that names the
// address and the cause, without source locations.

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "harness.hpp"

namespace usertasks::testing {
namespace {

// The lines of `output` that contain `part`.
std::vector<std::string> lines_with(const std::string& output, std::string_view part) {
  std::vector<std::string> found;
  std::istringstream in(output);
  for (std::string line; std::getline(in, line);) {
    if (line.find(part) != std::string::npos) found.push_back(line);
  }
  return found;
}

TEST(Startup, APortInUseIsNamedInOneLineWithoutSourceLocations) {
  boost::asio::io_context context;
  using tcp = boost::asio::ip::tcp;
  tcp::acceptor taken(context, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0));
  const std::string port = std::to_string(taken.local_endpoint().port());

  const CommandResult r = run_usertasks(
      {"--database", "sqlite::memory:", "serve", "--host", "127.0.0.1", "--port", port});

  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(lines_with(r.output, "usertasks:"),
            std::vector<std::string>{"usertasks: cannot listen on 127.0.0.1:" + port +
                                     ": Address already in use"})
      << r.output;
  EXPECT_EQ(r.output.find(".hpp"), std::string::npos) << r.output;
}

}  // namespace
}  // namespace usertasks::testing
