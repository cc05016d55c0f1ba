// `usertasks db migrate / check / stamp` (and the older upgrade, downgrade, current, history)
// through the binary, on every backend: the commands an operator and CI run.

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/run_sync.hpp"
#include "harness.hpp"
#include "migrate/autogen.hpp"
#include "repository/schema.hpp"
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

class MigrateCli : public DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (IsSkipped()) return;
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = scratch_directory() / ("revisions-" + GetParam() + "-" + info->name());
    std::filesystem::remove_all(dir_);
  }

  CommandResult db(std::vector<std::string> args) {
    args.insert(args.begin(), {"--database", url_, "db"});
    return run_usertasks(args);
  }

  // Changes the live schema behind the migrations' back.
  void drift(const std::string& sql) {
    auto database = store::open_database(url_, 1);
    app::run_sync(database->run(
        store::Access::write,
        [&](store::Connection& c) -> store::awaitable<void> { co_await c.execute_script(sql); }));
    database->close();
  }

  std::vector<std::string> written() const {
    std::vector<std::string> files;
    if (!std::filesystem::exists(dir_)) return files;
    for (const auto& entry : std::filesystem::directory_iterator(dir_)) {
      files.push_back(entry.path().filename().string());
    }
    return files;
  }

  std::filesystem::path dir_;
};

// Revision 0002 adds tasks.done: a database with data upgrades with its data intact (every task
// not done), and downgrading drops the column and keeps the rest.
TEST_P(MigrateCli, TheDoneRevisionKeepsTheDataBothWays) {
  ASSERT_TRUE(Has(db({"upgrade", "0001"}), 0, "applied 0001"));
  drift(
      "INSERT INTO users (name, email, created_at, updated_at) VALUES "
      "('Ada', 'ada@example.com', '2026-01-02T03:04:05.000006Z', '2026-01-02T03:04:05.000006Z');"
      "INSERT INTO tasks (content, user_id, created_at, updated_at) VALUES "
      "('write report', 1, '2026-01-02T03:04:05.000006Z', '2026-01-02T03:04:05.000006Z')");
  ASSERT_TRUE(Has(db({"upgrade"}), 0, "applied 0002"));
  {
    ServerProcess server(ServerConfig{
        .database_url = url_, .extra_args = {}, .migrate = Migrate::none, .threads = 2});
    Client client(server.port());
    const Response task = client.get("/tasks/1");
    ASSERT_EQ(task.status, 200U) << task.describe();
    EXPECT_EQ(task.object().at("done"), false);
    EXPECT_EQ(task.object().at("content"), "write report");
    EXPECT_EQ(task.object().at("created_at"), "2026-01-02T03:04:05.000006Z");
    EXPECT_EQ(client.patch("/tasks/1", json::object{{"done", true}}).status, 200U);
  }
  ASSERT_TRUE(Has(db({"downgrade", "0001"}), 0, "reverted 0002"));
  EXPECT_THROW(drift("UPDATE tasks SET done = NULL"), std::exception);
  drift("UPDATE tasks SET content = content || '!' WHERE user_id = 1");
  ASSERT_TRUE(Has(db({"upgrade"}), 0, "applied 0002"));
  ServerProcess server(
      ServerConfig{.database_url = url_, .extra_args = {}, .migrate = Migrate::none, .threads = 2});
  Client client(server.port());
  const json::object user = client.get("/users/1").object();
  EXPECT_EQ(user.at("email"), "ada@example.com");
  EXPECT_EQ(user.at("tasks").as_array().at(0).at("content"), "write report!");
  EXPECT_EQ(user.at("tasks").as_array().at(0).at("done"), false);
}

TEST_P(MigrateCli, TheDueAtRevisionKeepsTheDataBothWays) {
  ASSERT_TRUE(Has(db({"upgrade", "0002"}), 0, "applied 0002"));
  drift(
      "INSERT INTO users (name, email, created_at, updated_at) VALUES "
      "('Ada', 'ada@example.com', '2026-01-02T03:04:05.000006Z', '2026-01-02T03:04:05.000006Z');"
      "INSERT INTO tasks (content, user_id, created_at, updated_at) VALUES "
      "('write report', 1, '2026-01-02T03:04:05.000006Z', '2026-01-02T03:04:05.000006Z')");
  ASSERT_TRUE(Has(db({"upgrade"}), 0, "applied 0003"));
  {
    ServerProcess server(ServerConfig{
        .database_url = url_, .extra_args = {}, .migrate = Migrate::none, .threads = 2});
    Client client(server.port());
    const Response task = client.get("/tasks/1");
    ASSERT_EQ(task.status, 200U) << task.describe();
    EXPECT_TRUE(task.object().at("due_at").is_null());
    EXPECT_EQ(client.patch("/tasks/1", json::object{{"due_at", "2026-12-24T18:00:00Z"}}).status,
              200U);
  }
  ASSERT_TRUE(Has(db({"downgrade", "0002"}), 0, "reverted 0003"));
  EXPECT_THROW(drift("UPDATE tasks SET due_at = NULL"), std::exception);  // the column is gone
  ASSERT_TRUE(Has(db({"upgrade"}), 0, "applied 0003"));
  EXPECT_TRUE(Has(db({"check"}), 0, "no differences"));
  ServerProcess server(
      ServerConfig{.database_url = url_, .extra_args = {}, .migrate = Migrate::none, .threads = 2});
  Client client(server.port());
  const json::object task = client.get("/tasks/1").object();
  EXPECT_EQ(task.at("content"), "write report");
  EXPECT_TRUE(task.at("due_at").is_null());
}

// Revision 0004 adds tags: a database with data at 0003 upgrades with its tasks intact (each
// without tags), reverts and upgrades again.
TEST_P(MigrateCli, TheTagsRevisionKeepsTheTasksBothWays) {
  ASSERT_TRUE(Has(db({"upgrade", "0003"}), 0, "applied 0003"));
  drift(
      "INSERT INTO users (name, email, created_at, updated_at) VALUES "
      "('Ada', 'ada@example.com', '2026-01-02T03:04:05.000006Z', '2026-01-02T03:04:05.000006Z');"
      "INSERT INTO tasks (content, user_id, created_at, updated_at) VALUES "
      "('write report', 1, '2026-01-02T03:04:05.000006Z', '2026-01-02T03:04:05.000006Z')");
  ASSERT_TRUE(Has(db({"upgrade"}), 0, "applied 0004"));
  EXPECT_TRUE(Has(db({"check"}), 0, "no differences"));
  EXPECT_TRUE(Has(db({"history"}), 0, "0003 -> 0004"));
  const ServerConfig config{
      .database_url = url_, .extra_args = {}, .migrate = Migrate::none, .threads = 2};
  {
    ServerProcess server(config);
    Client client(server.port());
    const Response task = client.get("/tasks/1");
    ASSERT_EQ(task.status, 200U) << task.describe();
    ASSERT_TRUE(IsTask(task.json(), /*with_user=*/true));
    EXPECT_EQ(to_text(task.object().at("tags")), "[]");
    EXPECT_EQ(task.object().at("updated_at"), "2026-01-02T03:04:05.000006Z");
    EXPECT_EQ(client.request("PUT", "/tasks/1/tags/home").status, 204U);
  }
  ASSERT_TRUE(Has(db({"downgrade", "0003"}), 0, "reverted 0004"));
  ASSERT_TRUE(Has(db({"upgrade"}), 0, "applied 0004"));
  EXPECT_TRUE(Has(db({"check"}), 0, "no differences"));
  ServerProcess server(config);
  Client client(server.port());
  const Response task = client.get("/tasks/1");
  ASSERT_EQ(task.status, 200U) << task.describe();
  EXPECT_EQ(task.object().at("content"), "write report");
  EXPECT_TRUE(IsTask(task.json(), /*with_user=*/true));
  EXPECT_EQ(client.get("/tags").body, "[]");
}

TEST_P(MigrateCli, CheckPassesOnlyAtHead) {
  EXPECT_TRUE(Has(db({"check"}), 1, "not at head"));
  EXPECT_TRUE(Has(db({"migrate", "-m", "x", "--dir", dir_.string()}), 1, "db upgrade"));
  EXPECT_TRUE(Has(db({"upgrade"}), 0, "applied 0001"));
  EXPECT_TRUE(Has(db({"check"}), 0, "no differences"));
  EXPECT_TRUE(
      Has(db({"migrate", "-m", "nothing", "--dir", dir_.string()}), 0, "no changes detected"));
  EXPECT_TRUE(written().empty());
}

TEST_P(MigrateCli, MigrateWritesWhatTheDatabaseLacks) {
  ASSERT_EQ(db({"upgrade"}).exit_code, 0);
  drift("ALTER TABLE tasks ADD COLUMN extra TEXT");
  drift("DROP INDEX tasks_user_id_idx");
  const CommandResult check = db({"check"});
  EXPECT_TRUE(Has(check, 1, "drop_column tasks.extra"));
  EXPECT_TRUE(Has(check, 1, "create_index tasks_user_id_idx"));

  const CommandResult migrate = db({"migrate", "-m", "Undo the drift", "--dir", dir_.string()});
  EXPECT_TRUE(Has(migrate, 0, "detected drop_column tasks.extra"));
  const std::vector<migrate::Revision> embedded = migrate::embedded_chain();
  const std::string file = migrate::new_revision(embedded, "Undo the drift", {}).file;
  ASSERT_EQ(written(), std::vector<std::string>{file});
  std::ifstream in(dir_ / file);
  std::stringstream text;
  text << in.rdbuf();
  const migrate::Revision revision = migrate::parse_revision(text.str(), file);
  EXPECT_EQ(revision.parent, embedded.back().id);
  ASSERT_EQ(revision.operations.size(), 2U);
  EXPECT_EQ(migrate::describe(revision.operations[0]), "drop_column tasks.extra");
  EXPECT_EQ(migrate::describe(revision.operations[1]), "create_index tasks_user_id_idx");
  // A second run does not overwrite the revision not yet compiled in.
  EXPECT_TRUE(Has(db({"migrate", "-m", "again", "--dir", dir_.string()}), 1, "already exists"));

  // Applied (as a rebuilt binary would), the database matches the models again; this binary
  // does not know the new revision, and check says so.
  auto database = store::open_database(url_, 1);
  std::vector<migrate::Revision> chain = migrate::embedded_chain();
  chain.push_back(revision);
  migrate::Migrator migrator(*database, chain);
  app::run_sync(migrator.upgrade());
  EXPECT_TRUE(app::run_sync(migrate::check(migrator, repository::declared_schema())).ok);
  database->close();
  EXPECT_TRUE(
      Has(db({"check"}), 1, "revision " + revision.id + " is applied but unknown to this binary"));
}

TEST_P(MigrateCli, StampSetsTheVersionTableOnly) {
  EXPECT_TRUE(Has(db({"stamp", "head"}), 0, "stamped head"));
  EXPECT_TRUE(Has(db({"current"}), 0, " (head)"));
  EXPECT_TRUE(Has(db({"check"}), 1, "create_table users"));  // nothing was created
  EXPECT_TRUE(Has(db({"stamp", "base"}), 0, "stamped base"));
  EXPECT_TRUE(Has(db({"current"}), 0, "<base>"));
  EXPECT_TRUE(Has(db({"upgrade"}), 0, "applied 0001"));
  EXPECT_TRUE(Has(db({"stamp", "nope"}), 1, "unknown revision \"nope\""));
  const std::string head = migrate::embedded_chain().back().id;
  EXPECT_TRUE(Has(db({"stamp", head}), 0, "stamped " + head));
  EXPECT_TRUE(Has(db({"check"}), 0, "no differences"));
}

TEST_P(MigrateCli, DowngradeHistoryAndCurrentStillWork) {
  ASSERT_EQ(db({"upgrade"}).exit_code, 0);
  const CommandResult history = db({"history"});
  EXPECT_TRUE(Has(history, 0, " (head) (current), "));
  EXPECT_TRUE(Has(history, 0, "<base> -> 0001"));
  EXPECT_TRUE(Has(db({"downgrade", "base"}), 0, "reverted 0001"));
  EXPECT_TRUE(Has(db({"current"}), 0, "<base>"));
  EXPECT_TRUE(Has(db({"upgrade"}), 0, "applied 0001"));
  EXPECT_TRUE(Has(db({"check"}), 0, "no differences"));
}

// Every kind of change the comparison makes, generated, applied and reverted on this database,
// in-process (the binary only knows the models it was built with).
TEST_P(MigrateCli, EveryKindOfChangeAppliesAndReverts) {
  ASSERT_EQ(db({"upgrade"}).exit_code, 0);
  auto database = store::open_database(url_, 1);
  migrate::Migrator migrator(*database);
  app::run_sync(
      database->run(store::Access::write, [&](store::Connection& c) -> store::awaitable<void> {
        co_await c.execute_script(
            "INSERT INTO users (name, email, created_at, updated_at) "
            "VALUES ('a', 'a@x.org', '2026-01-01T00:00:00Z', "
            "'2026-01-01T00:00:00Z')");
        co_await c.execute_script(
            "INSERT INTO tasks (content, user_id, created_at, updated_at) "
            "VALUES ('c', 1, '2026-01-01T00:00:00Z', "
            "'2026-01-01T00:00:00Z')");
        co_await c.execute_script(
            "INSERT INTO tags (name, created_at, updated_at) "
            "VALUES ('t', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')");
        co_await c.execute_script("INSERT INTO task_tags (task_id, tag_id) VALUES (1, 1)");
      }));
  const migrate::Schema before = app::run_sync(migrator.introspect());

  migrate::Schema declared = repository::declared_schema();
  // task_tags, which no table references, takes the changes that SQLite makes by a rebuild.
  migrate::Table& links = *declared.find_table("task_tags");
  links.columns.push_back({"archived", migrate::LogicalType::boolean, false,
                           migrate::DefaultValue{false}, false, false});
  links.foreign_keys[0].on_delete = migrate::OnDelete::restrict;  // tag_id
  links.unique.push_back({std::nullopt, {"task_id", "archived"}});
  declared.indexes.push_back(
      {"task_tags_archived_idx", "task_tags", {"archived", "tag_id"}, {}, false});
  declared.indexes.push_back({"tasks_content_lower_idx", "tasks", {}, {"lower(content)"}, false});
  // SQLite alters a column by a rebuild, which it refuses for tasks (task_tags references it).
  if (GetParam() == "postgresql") {
    migrate::Table& tasks = *declared.find_table("tasks");
    tasks.columns[1].nullable = true;                               // content
    tasks.columns[1].default_value = std::string("todo");           // content
    tasks.foreign_keys[0].on_delete = migrate::OnDelete::restrict;  // user_id
  }
  migrate::normalize(declared);

  const migrate::Comparison changes = app::run_sync(migrate::compare_database(migrator, declared));
  const auto generated = migrate::new_revision(migrator.history(), "all", changes.operations);
  std::vector<migrate::Revision> chain = migrator.history();
  chain.push_back(migrate::parse_revision(generated.text, generated.file));
  migrate::Migrator next(*database, chain);
  EXPECT_EQ(app::run_sync(next.upgrade()).size(), 1U);
  const migrate::Comparison after = app::run_sync(migrate::compare_database(next, declared));
  EXPECT_TRUE(after.empty()) << ::testing::PrintToString(migrate::comparison_lines(after));

  EXPECT_EQ(app::run_sync(next.downgrade("-1")).size(), 1U);
  EXPECT_EQ(app::run_sync(migrator.introspect()), before);
  database->close();
  EXPECT_TRUE(Has(db({"check"}), 0, "no differences"));
}

USERTASKS_INSTANTIATE_FOR_ALL_BACKENDS(MigrateCli);

}  // namespace
}  // namespace usertasks::testing
