// Revision 0004 adds tags: a fresh database at head passes `db check`, and a database with data
// at 0003 upgrades with its tasks intact (each without tags), reverts and upgrades again.

#include <gtest/gtest.h>

#include "app/run_sync.hpp"
#include "harness.hpp"
#include "store/database.hpp"

namespace usertasks::testing {
namespace {

::testing::AssertionResult Has(const CommandResult& r, int code, const std::string& part) {
  if (r.exit_code == code && r.output.find(part) != std::string::npos) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "exit " << r.exit_code << " (expected " << code
                                       << "), output without \"" << part << "\":\n"
                                       << r.output;
}

class TagsMigrationTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    Backend& b = backend(GetParam());
    if (const std::string why = b.unavailable_reason(); !why.empty()) {
      GTEST_SKIP() << b.name() << " is not available: " << why;
    }
    url_ = b.fresh_database_url();
  }

  CommandResult db(std::vector<std::string> args) {
    args.insert(args.begin(), {"--database", url_, "db"});
    return run_usertasks(args);
  }

  // SQL behind the service's back, as an older binary's data would be.
  void execute(const std::string& sql) {
    auto database = store::open_database(url_, 1);
    app::run_sync(database->run(
        store::Access::write,
        [&](store::Connection& c) -> store::awaitable<void> { co_await c.execute_script(sql); }));
    database->close();
  }

  std::unique_ptr<ServerProcess> serve() {
    return std::make_unique<ServerProcess>(ServerConfig{
        .database_url = url_, .extra_args = {}, .migrate = Migrate::none, .threads = 2});
  }

  std::string url_;
};

TEST_P(TagsMigrationTest, AFreshDatabaseAtHeadPassesCheck) {
  EXPECT_TRUE(Has(db({"upgrade"}), 0, "applied 0004"));
  EXPECT_TRUE(Has(db({"check"}), 0, "no differences"));
  EXPECT_TRUE(Has(db({"history"}), 0, "0003 -> 0004"));
  const auto server = serve();
  Client client(server->port());
  EXPECT_EQ(client.get("/tags").body, "[]");
}

TEST_P(TagsMigrationTest, TheTagsRevisionKeepsTheTasksBothWays) {
  ASSERT_TRUE(Has(db({"upgrade", "0003"}), 0, "applied 0003"));
  execute(
      "INSERT INTO users (name, email, created_at, updated_at) VALUES "
      "('Ada', 'ada@example.com', '2026-01-02T03:04:05.000006Z', '2026-01-02T03:04:05.000006Z');"
      "INSERT INTO tasks (content, user_id, created_at, updated_at) VALUES "
      "('write report', 1, '2026-01-02T03:04:05.000006Z', '2026-01-02T03:04:05.000006Z')");
  ASSERT_TRUE(Has(db({"upgrade"}), 0, "applied 0004"));
  EXPECT_TRUE(Has(db({"check"}), 0, "no differences"));
  {
    const auto server = serve();
    Client client(server->port());
    const Response task = client.get("/tasks/1");
    ASSERT_EQ(task.status, 200U) << task.describe();
    ASSERT_TRUE(IsTask(task.json(), /*with_user=*/true));
    EXPECT_EQ(to_text(task.object().at("tags")), "[]");
    EXPECT_EQ(task.object().at("updated_at"), "2026-01-02T03:04:05.000006Z");
    EXPECT_EQ(client.request("PUT", "/tasks/1/tags/home").status, 204U);
  }
  ASSERT_TRUE(Has(db({"downgrade", "-1"}), 0, "reverted 0004"));
  ASSERT_TRUE(Has(db({"upgrade"}), 0, "applied 0004"));
  EXPECT_TRUE(Has(db({"check"}), 0, "no differences"));
  const auto server = serve();
  Client client(server->port());
  const Response task = client.get("/tasks/1");
  ASSERT_EQ(task.status, 200U) << task.describe();
  EXPECT_EQ(task.object().at("content"), "write report");
  EXPECT_TRUE(IsTask(task.json(), /*with_user=*/true));
}

USERTASKS_INSTANTIATE_FOR_ALL_BACKENDS(TagsMigrationTest);

}  // namespace
}  // namespace usertasks::testing
