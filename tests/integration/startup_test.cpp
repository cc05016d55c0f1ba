// Start-up as a new user meets it: a port already taken, a --database the service does not
// support, a database that cannot be reached. Each is told in one line that names the cause,
// without source locations or passwords.

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <ostream>
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

const std::string supported =
    ": use sqlite:PATH, sqlite::memory:, a postgresql:// (or postgres://) URL, or a libpq keyword "
    "string such as \"host=localhost dbname=usertasks\"";

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

TEST(Startup, AnUnsupportedDatabaseNamesTheSupportedForms) {
  for (const std::string url : {"mysql://x", "sqlite3:tasks.db", "postgresql:tasks", "tasks.db"}) {
    const CommandResult r = run_usertasks({"--database", url, "db", "current"});
    EXPECT_EQ(r.exit_code, 1) << url << '\n' << r.output;
    EXPECT_EQ(r.output, "usertasks: unsupported database \"" + url + "\"" + supported + "\n");
  }
  // serve says the same, before it listens.
  const CommandResult r = run_usertasks({"--database", "mysql://x", "serve", "--port", "0"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(r.output, "usertasks: unsupported database \"mysql://x\"" + supported + "\n");
}

TEST(Startup, AKeywordStringLibpqCannotReadIsReportedAsLibpqsVerdict) {
  const CommandResult r = run_usertasks({"--database", "host=localhost nonsense", "db", "current"});
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(r.output,
            "usertasks: invalid PostgreSQL connection string \"host=localhost nonsense\": libpq: "
            "missing \"=\" after \"nonsense\" in connection info string\n");
}

TEST(Startup, ErrorsAboutTheDatabaseDoNotPrintItsPassword) {
  struct Case {
    std::string url;
    std::string shown;
  };
  for (const Case& c : std::vector<Case>{
           {"mysql://me:s3cret@db.example/x", "\"mysql://me:***@db.example/x\""},
           {"host=h password=s3cret nonsense", "\"host=h password=*** nonsense\""},
           {"postgresql://me:s3cret%zz@h/db", "\"postgresql://me:***@h/db\""},
       }) {
    const CommandResult r = run_usertasks({"--database", c.url, "db", "current"});
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find(c.shown), std::string::npos) << c.shown << '\n' << r.output;
    EXPECT_EQ(r.output.find("s3cret"), std::string::npos) << r.output;
  }
}

struct Unreachable {
  std::string name;
  std::string url;
  std::string reason;  // part of libpq's message
  std::string shown;   // the URL as the log shows it
};

// For failure messages: the URL, not the bytes of the struct.
void PrintTo(const Unreachable& p, std::ostream* os) {
  *os << p.url;
}

class StartupUnreachable : public ::testing::TestWithParam<Unreachable> {};

TEST_P(StartupUnreachable, IsReportedInOneWarningAndAnswered503) {
  const Unreachable& p = GetParam();
  ServerConfig config;
  config.database_url = p.url;
  config.migrate = Migrate::none;  // the migration would fail: nothing to migrate
  ServerProcess server(config);

  const std::string log = server.log();
  const std::vector<std::string> warnings = lines_with(log, "database unreachable at start");
  ASSERT_EQ(warnings.size(), 1U) << log;
  const std::string& warning = warnings.front();
  EXPECT_NE(warning.find(" warning "), std::string::npos) << warning;
  EXPECT_NE(warning.find(p.reason), std::string::npos) << warning;
  EXPECT_NE(warning.find("; serving anyway, answering 503 until it can be reached"),
            std::string::npos)
      << warning;
  EXPECT_EQ(log.find("s3cret"), std::string::npos) << log;
  // The "serving" line names the database, without its password.
  EXPECT_NE(log.find("serving http://127.0.0.1:" + std::to_string(server.port()) + " on " +
                     p.shown + "\n"),
            std::string::npos)
      << log;

  Client client(server.port());
  const Response health = client.get("/healthz");
  EXPECT_TRUE(IsProblem(health, 503, "unavailable"));
  EXPECT_EQ(health.header("Retry-After"), "1") << health.describe();
}

INSTANTIATE_TEST_SUITE_P(
    Databases, StartupUnreachable,
    ::testing::Values(Unreachable{"UnknownHost", "postgresql://nosuchhost.invalid/db",
                                  "could not translate host name \"nosuchhost.invalid\"",
                                  "postgresql://nosuchhost.invalid/db"},
                      Unreachable{"ClosedPort", "postgresql://me:s3cret@127.0.0.1:1/db",
                                  "Connection refused", "postgresql://me:***@127.0.0.1:1/db"}),
    [](const ::testing::TestParamInfo<Unreachable>& param) { return param.param.name; });

// The check stays quiet when the database answers.
class StartupReachable : public ::testing::TestWithParam<std::string> {};

TEST_P(StartupReachable, GivesNoWarning) {
  Backend& b = backend(GetParam());
  if (const std::string why = b.unavailable_reason(); !why.empty()) {
    GTEST_SKIP() << b.name() << " is not available: " << why;
  }
  ServerConfig config;
  config.database_url = b.fresh_database_url();
  ServerProcess server(config);
  EXPECT_EQ(server.log().find("unreachable"), std::string::npos) << server.log();
}

USERTASKS_INSTANTIATE_FOR_ALL_BACKENDS(StartupReachable);

}  // namespace
}  // namespace usertasks::testing
