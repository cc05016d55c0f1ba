// The migration engine: parsing revision files, rendering operations for both dialects, reverse(),
// chain validation, and upgrade / downgrade / status against a temporary SQLite database.

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <filesystem>
#include <random>
#include <set>

#include "migrate/dialect.hpp"
#include "migrate/embedded.hpp"
#include "migrate/migrator.hpp"
#include "migrate/report.hpp"
#include "migrate/revision.hpp"
#include "sqlite_file_fixture.hpp"

namespace usertasks::migrate {
namespace {

// Like gmock's HasSubstr, without needing gmock.
::testing::AssertionResult contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\" does not contain \"" << part << "\"";
}

template <class T>
T run_sync(store::awaitable<T> work) {
  boost::asio::io_context context;
  auto future = boost::asio::co_spawn(context, std::move(work), boost::asio::use_future);
  context.run();
  return future.get();
}

std::string base_revision_text() {
  for (const auto& r : embedded_revisions()) {
    if (r.file.starts_with("0001_")) return std::string(r.text);
  }
  throw std::logic_error("0001 is not embedded");
}

Revision revision(const std::string& text, const std::string& file = "") {
  return parse_revision(text, file);
}

const std::string add_done_text = R"j({"revision": "0002", "parent": "0001", "message": "add done",
  "operations": [{"op": "add_column", "table": "tasks",
                  "column": {"name": "done", "type": "boolean", "nullable": false, "default": false}}]})j";

const std::string raw_sql_text = R"j({"revision": "0003", "parent": "0002", "message": "raw",
  "operations": [{"op": "sql", "sqlite": "CREATE TABLE notes (id INTEGER PRIMARY KEY)",
                  "postgresql": "CREATE TABLE notes (id BIGINT PRIMARY KEY)",
                  "reverse": {"sqlite": "DROP TABLE notes", "postgresql": "DROP TABLE notes"}}]})j";

// ---------------------------------------------------------------------------------------------
// Parsing

TEST(MigrateParse, EmbeddedFirstRevision) {
  const std::vector<Revision> chain = embedded_chain();
  ASSERT_FALSE(chain.empty());
  const Revision& first = chain.front();
  EXPECT_EQ(first.id, "0001");
  EXPECT_FALSE(first.parent);
  EXPECT_EQ(first.file, "0001_create_users_and_tasks.json");
  EXPECT_EQ(first.checksum, checksum(base_revision_text()));
  ASSERT_EQ(first.operations.size(), 4U);
  const auto& users = std::get<CreateTable>(first.operations[0]).table;
  EXPECT_EQ(users.name, "users");
  ASSERT_EQ(users.columns.size(), 5U);
  EXPECT_TRUE(users.columns[0].identity && users.columns[0].primary_key);
  EXPECT_FALSE(users.columns[1].nullable);
  const auto& email_key = std::get<CreateIndex>(first.operations[1]).index;
  EXPECT_TRUE(email_key.unique);
  EXPECT_EQ(email_key.expressions, std::vector<std::string>{"lower(email)"});
  const auto& tasks = std::get<CreateTable>(first.operations[2]).table;
  ASSERT_EQ(tasks.foreign_keys.size(), 1U);
  EXPECT_EQ(tasks.foreign_keys[0].on_delete, OnDelete::cascade);
}

TEST(MigrateParse, Checksum) {
  EXPECT_EQ(checksum(""), "cbf29ce484222325");  // the FNV-1a 64 offset basis
  EXPECT_EQ(checksum("a"), "af63dc4c8601ec8c");
}

TEST(MigrateParse, RejectsBadInputWithAClearMessage) {
  const std::string head =
      R"j({"revision": "0002", "parent": "0001", "message": "m", "operations": )j";
  auto ops = [&](const std::string& operations) { return head + "[" + operations + "]}"; };
  const std::string table = R"j("op": "create_table", "name": "t", )j";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "not valid JSON"},
      {"[1]", "expected an object"},
      {R"j({"revision": "0002", "parent": null, "message": "m", "operations": [], "x": 1})j",
       "x: unknown key"},
      {R"j({"parent": null, "message": "m", "operations": []})j", "revision: required"},
      {R"j({"revision": "0002", "message": "m", "operations": []})j", "parent: required"},
      {R"j({"revision": "A B", "parent": null, "message": "m", "operations": []})j", "revision:"},
      {R"j({"revision": "0002", "parent": "0002", "message": "m", "operations": []})j", "parent:"},
      {head + "{}}", "operations: expected an array"},
      {ops("1"), "operations[0]: expected an object"},
      {ops(R"j({"op": "rename"})j"), "operations[0].op: unknown operation \"rename\""},
      {ops(R"j({"op": "create_table", "name": "t", "columns": []})j"), "at least one column"},
      {ops("{" + table + R"j("columns": [{"name": "a", "type": "int"}]})j"),
       "operations[0].columns[0].type: expected one of"},
      {ops("{" + table + R"j("columns": [{"name": "Bad", "type": "text"}]})j"), "columns[0].name"},
      {ops("{" + table + R"j("columns": [{"name": "a", "type": "text", "identity": true}]})j"),
       "requires type bigint"},
      {ops("{" + table +
           R"j("columns": [{"name": "a", "type": "text"}, {"name": "a", "type": "text"}]})j"),
       "duplicate column a"},
      {ops("{" + table + R"j("columns": [{"name": "a", "type": "bigint", "default": "x"}]})j"),
       "columns[0].default: expected a 64-bit integer"},
      {ops("{" + table +
           R"j("columns": [{"name": "a", "type": "text", "primary_key": true, "nullable": true}]})j"),
       "cannot be null"},
      {ops("{" + table + R"j("columns": [{"name": "a", "type": "bigint"}],
            "foreign_keys": [{"columns": ["b"], "references": "u", "ref_columns": ["id"]}]})j"),
       "foreign_keys[0].columns: no column b"},
      {ops("{" + table + R"j("columns": [{"name": "a", "type": "bigint"}],
            "foreign_keys": [{"columns": ["a"], "references": "u", "ref_columns": ["id"], "on_delete": "explode"}]})j"),
       "on_delete: expected one of"},
      {ops(R"j({"op": "create_index", "name": "i", "table": "t", "columns": ["a"], "expressions": ["lower(a)"]})j"),
       "not both or neither"},
      {ops(R"j({"op": "create_index", "name": "i", "table": "t", "expressions": ["a); DROP TABLE t"]})j"),
       "may not contain"},
      {ops(R"j({"op": "create_index", "name": "i", "table": "t", "columns": ["a"], "unique": true, "trigram": true})j"),
       "operations[0].trigram: a trigram index cannot be unique"},
      {ops(R"j({"op": "add_column", "table": "t"})j"), "operations[0].column: required"},
      {ops(R"j({"op": "sql", "sqlite": "SELECT 1"})j"), "operations[0].postgresql: required"},
      {ops(R"j({"op": "sql", "sqlite": "", "postgresql": "", "reverse": {"sqlite": ""}})j"),
       "operations[0].reverse.postgresql: required"},
      {std::string(10000, '[') + std::string(10000, ']'), "not valid JSON"},
  };
  for (const auto& [text, expected] : cases) {
    try {
      (void)parse_revision(text, "0002_x.json");
      ADD_FAILURE() << "accepted: " << text;
    } catch (const RevisionParseError& e) {
      EXPECT_TRUE(contains(e.what(), "0002_x.json: ")) << text;
      EXPECT_TRUE(contains(e.what(), expected)) << text;
    }
  }
}

TEST(MigrateParse, FileNameMustMatchTheRevision) {
  EXPECT_THROW((void)revision(add_done_text, "0003_add_done.json"), RevisionParseError);
  EXPECT_NO_THROW((void)revision(add_done_text, "0002_add_done.json"));
}

// A small, deterministic fuzz: every prefix and many byte flips of a real revision either parse
// or throw RevisionParseError; nothing else escapes and nothing crashes.
TEST(MigrateParse, MangledInputOnlyEverThrowsParseErrors) {
  const std::string text = base_revision_text();
  auto attempt = [](const std::string& input) {
    try {
      (void)parse_revision(input, "");
    } catch (const RevisionParseError&) {
    }
  };
  for (std::size_t n = 0; n < text.size(); n += 3) attempt(text.substr(0, n));
  std::mt19937 random(42);
  for (int i = 0; i < 2000; ++i) {
    std::string mangled = text;
    mangled[random() % mangled.size()] = static_cast<char>(random() % 256);
    attempt(mangled);
  }
}

// ---------------------------------------------------------------------------------------------
// Rendering and reverse()

TEST(MigrateRender, FirstRevisionOnSqlite) {
  const auto sql = render_revision(embedded_chain().front(), sqlite_dialect(), false);
  ASSERT_EQ(sql.size(), 4U);
  EXPECT_EQ(sql[0],
            "CREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  name TEXT NOT NULL,\n"
            "  email TEXT NOT NULL,\n  created_at TEXT NOT NULL,\n  updated_at TEXT NOT NULL\n)");
  EXPECT_EQ(sql[1], "CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email))");
  EXPECT_EQ(sql[2],
            "CREATE TABLE tasks (\n  id INTEGER PRIMARY KEY,\n  content TEXT NOT NULL,\n"
            "  user_id INTEGER NOT NULL,\n  created_at TEXT NOT NULL,\n"
            "  updated_at TEXT NOT NULL,\n"
            "  FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE\n)");
  EXPECT_EQ(sql[3], "CREATE INDEX tasks_user_id_idx ON tasks (user_id)");
}

TEST(MigrateRender, FirstRevisionOnPostgresql) {
  const auto sql = render_revision(embedded_chain().front(), postgresql_dialect(), false);
  ASSERT_EQ(sql.size(), 4U);
  EXPECT_EQ(sql[0],
            "CREATE TABLE users (\n  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,\n"
            "  name TEXT NOT NULL,\n  email TEXT NOT NULL,\n  created_at TIMESTAMPTZ NOT NULL,\n"
            "  updated_at TIMESTAMPTZ NOT NULL\n)");
  EXPECT_TRUE(contains(sql[2], "  user_id BIGINT NOT NULL,\n"));
  EXPECT_TRUE(contains(sql[2], "FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE"));
  EXPECT_EQ(sql[3], "CREATE INDEX tasks_user_id_idx ON tasks (user_id)");
}

TEST(MigrateRender, ReverseOfTheFirstRevisionDropsInReverseOrder) {
  for (const SqlDialect* d : {&sqlite_dialect(), &postgresql_dialect()}) {
    EXPECT_EQ(render_revision(embedded_chain().front(), *d, true),
              (std::vector<std::string>{"DROP INDEX tasks_user_id_idx", "DROP TABLE tasks",
                                        "DROP INDEX users_email_lower_key", "DROP TABLE users"}));
  }
}

TEST(MigrateRender, EachOperationOnBothDialects) {
  const Column done{"done", LogicalType::boolean, false, DefaultValue{true}, false, false};
  const Column note{"note", LogicalType::text, true, DefaultValue{std::string("it's")}, false,
                    false};
  const Table composite{"order",
                        {{"a", LogicalType::bigint, false, std::nullopt, true, false},
                         {"b", LogicalType::timestamp, false, std::nullopt, true, false}},
                        {},
                        {{std::string("order_b_key"), {"b"}}}};
  const Index index{"tasks_done_idx", "tasks", {"done", "user_id"}, {}, false};
  const RawSql raw{{"SELECT 1", "SELECT 2"}, DialectSql{"", "SELECT 3"}};
  struct Case {
    Operation op;
    std::string sqlite;
    std::string postgresql;
  };
  const std::vector<Case> cases = {
      {AddColumn{"tasks", done}, "ALTER TABLE tasks ADD COLUMN done INTEGER NOT NULL DEFAULT 1",
       "ALTER TABLE tasks ADD COLUMN done BOOLEAN NOT NULL DEFAULT TRUE"},
      {AddColumn{"tasks", note}, "ALTER TABLE tasks ADD COLUMN note TEXT DEFAULT 'it''s'",
       "ALTER TABLE tasks ADD COLUMN note TEXT DEFAULT 'it''s'"},
      {DropColumn{"tasks", done}, "ALTER TABLE tasks DROP COLUMN done",
       "ALTER TABLE tasks DROP COLUMN done"},
      {CreateIndex{index}, "CREATE INDEX tasks_done_idx ON tasks (done, user_id)",
       "CREATE INDEX tasks_done_idx ON tasks (done, user_id)"},
      {DropIndex{index}, "DROP INDEX tasks_done_idx", "DROP INDEX tasks_done_idx"},
      {DropTable{composite}, "DROP TABLE \"order\"", "DROP TABLE \"order\""},
      {CreateTable{composite},
       "CREATE TABLE \"order\" (\n  a INTEGER NOT NULL,\n  b TEXT NOT NULL,\n  PRIMARY KEY (a, "
       "b),\n"
       "  CONSTRAINT order_b_key UNIQUE (b)\n)",
       "CREATE TABLE \"order\" (\n  a BIGINT NOT NULL,\n  b TIMESTAMPTZ NOT NULL,\n"
       "  PRIMARY KEY (a, b),\n  CONSTRAINT order_b_key UNIQUE (b)\n)"},
      {raw, "SELECT 1", "SELECT 2"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(sqlite_dialect().render(c.op), std::vector<std::string>{c.sqlite}) << describe(c.op);
    EXPECT_EQ(postgresql_dialect().render(c.op), std::vector<std::string>{c.postgresql})
        << describe(c.op);
  }
  // Empty per-dialect text is "nothing to do on this database".
  EXPECT_TRUE(sqlite_dialect().render(reverse(raw)).empty());
  EXPECT_EQ(postgresql_dialect().render(reverse(raw)), std::vector<std::string>{"SELECT 3"});
}

TEST(MigrateRender, SqliteRefusesWhatItsAlterTableCannotDo) {
  const Column required{"x", LogicalType::text, false, std::nullopt, false, false};
  EXPECT_THROW((void)sqlite_dialect().render(AddColumn{"tasks", required}), std::invalid_argument);
  EXPECT_NO_THROW((void)postgresql_dialect().render(AddColumn{"tasks", required}));
}

TEST(MigrateRender, LockStatementIsTheDialectsHook) {
  EXPECT_TRUE(sqlite_dialect().lock_statement().empty());
  EXPECT_TRUE(
      contains(std::string(postgresql_dialect().lock_statement()), "pg_advisory_xact_lock"));
}

TEST(MigrateOperations, ReverseOfEachOperation) {
  const Revision first = embedded_chain().front();
  const Table users = std::get<CreateTable>(first.operations[0]).table;
  const Index email = std::get<CreateIndex>(first.operations[1]).index;
  const Column done{"done", LogicalType::boolean, true, std::nullopt, false, false};
  const RawSql raw{{"a", "b"}, DialectSql{"c", "d"}};

  EXPECT_EQ(reverse(CreateTable{users}), Operation(DropTable{users}));
  EXPECT_EQ(reverse(DropTable{users}), Operation(CreateTable{users}));
  EXPECT_EQ(reverse(AddColumn{"tasks", done}), Operation(DropColumn{"tasks", done}));
  EXPECT_EQ(reverse(DropColumn{"tasks", done}), Operation(AddColumn{"tasks", done}));
  EXPECT_EQ(reverse(CreateIndex{email}), Operation(DropIndex{email}));
  EXPECT_EQ(reverse(DropIndex{email}), Operation(CreateIndex{email}));
  EXPECT_EQ(reverse(raw), Operation(RawSql{{"c", "d"}, DialectSql{"a", "b"}}));
  for (const auto& op : first.operations) EXPECT_EQ(reverse(reverse(op)), op);
  EXPECT_THROW((void)reverse(RawSql{{"a", "b"}, std::nullopt}), IrreversibleOperation);
}

// ---------------------------------------------------------------------------------------------
// The chain

Revision bare(const std::string& id, std::optional<std::string> parent) {
  return Revision{id, std::move(parent), "m", {}, id + "_m.json", checksum(id)};
}

std::string chain_error(std::vector<Revision> revisions) {
  try {
    (void)linearize(std::move(revisions));
  } catch (const MigrationError& e) {
    return e.what();
  }
  return "no error";
}

TEST(MigrateChain, OrdersFromBaseToHead) {
  const auto chain = linearize({bare("c", "b"), bare("a", std::nullopt), bare("b", "a")});
  ASSERT_EQ(chain.size(), 3U);
  EXPECT_EQ(chain[0].id, "a");
  EXPECT_EQ(chain[2].id, "c");
  EXPECT_TRUE(linearize({}).empty());
}

TEST(MigrateChain, ReportsEveryKindOfBrokenHistory) {
  EXPECT_TRUE(contains(chain_error({bare("a", std::nullopt), bare("b", std::nullopt)}),
                       "both have no parent"));
  EXPECT_TRUE(contains(chain_error({bare("a", std::nullopt), bare("b", "x")}),
                       "b names parent x, which does not exist"));
  EXPECT_TRUE(contains(chain_error({bare("a", std::nullopt), bare("b", "a"), bare("c", "a")}),
                       "both have parent a"));
  EXPECT_TRUE(
      contains(chain_error({bare("a", std::nullopt), bare("a", std::nullopt)}), "defined twice"));
  EXPECT_TRUE(contains(chain_error({bare("a", std::nullopt), bare("b", "c"), bare("c", "b")}),
                       "cannot be reached"));
  EXPECT_TRUE(contains(chain_error({bare("b", "c"), bare("c", "b")}), "cycle"));
}

// ---------------------------------------------------------------------------------------------
// Against a database: a temporary SQLite file per test.

constexpr store::Statement schema_objects{
    "test_schema_objects",
    "SELECT name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name"};
constexpr store::Statement version_rows{
    "test_version_rows", "SELECT revision, checksum FROM usertasks_migrations ORDER BY revision"};
constexpr store::Statement task_columns{"test_task_columns",
                                        "SELECT name FROM pragma_table_info('tasks') ORDER BY cid"};

class MigrateDatabase : public usertasks::testing::SqliteFileTest {
 protected:
  std::vector<std::string> names(const store::Statement& statement) {
    return run_sync(store::with_connection(
        *db_, store::Access::read,
        [&](store::Connection& c) -> store::awaitable<std::vector<std::string>> {
          std::vector<std::string> out;
          for (auto& row : co_await c.execute(statement, {})) out.push_back(row.take_text(0));
          co_return out;
        }));
  }

  void script(const std::string& sql) {
    run_sync(db_->run(store::Access::write, [&](store::Connection& c) -> store::awaitable<void> {
      co_await c.execute_script(sql);
    }));
  }

  // Revision 0001 alone: what these tests expect of the database stays true as revisions are added.
  static std::vector<Revision> first_revision() { return {embedded_chain().front()}; }

  static std::vector<Revision> three_revisions() {
    return {embedded_chain().front(), revision(add_done_text), revision(raw_sql_text)};
  }
};

using Ids = std::vector<std::string>;

TEST_F(MigrateDatabase, StatusOfAFreshDatabaseCreatesNothing) {
  Migrator migrator(*db_, first_revision());
  const Status status = run_sync(migrator.status());
  EXPECT_FALSE(status.current);
  EXPECT_EQ(status.head, "0001");
  EXPECT_EQ(status.pending, Ids{"0001"});
  EXPECT_TRUE(names(schema_objects).empty());
  EXPECT_EQ(current_lines(status), (Ids{"<base>", "pending: 0001"}));
}

TEST_F(MigrateDatabase, UpgradeCreatesTheSchemaAndTwiceAppliesNothing) {
  Migrator migrator(*db_, first_revision());
  EXPECT_EQ(run_sync(migrator.upgrade()), Ids{"0001"});
  EXPECT_EQ(names(schema_objects), (Ids{"tasks", "tasks_user_id_idx", "users",
                                        "users_email_lower_key", "usertasks_migrations"}));
  EXPECT_EQ(names(version_rows), Ids{"0001"});
  EXPECT_TRUE(run_sync(migrator.upgrade()).empty());

  const Status status = run_sync(migrator.status());
  EXPECT_EQ(status.current, "0001");
  EXPECT_TRUE(status.at_head() && status.consistent());
  ASSERT_EQ(status.applied.size(), 1U);
  EXPECT_EQ(status.applied[0].checksum, migrator.history()[0].checksum);
  EXPECT_EQ(status.applied[0].applied_at.size(), 27U);  // 2026-11-24T03:57:28.634676Z
  EXPECT_EQ(current_lines(status), Ids{"0001 (head)"});

  // The schema does what the service relies on: case-insensitive unique email, cascade.
  script(
      "INSERT INTO users (name, email, created_at, updated_at) VALUES ('a', 'A@x.org', 't', 't');"
      "INSERT INTO tasks (content, user_id, created_at, updated_at) VALUES ('c', 1, 't', 't');");
  EXPECT_THROW(script("INSERT INTO users (name, email, created_at, updated_at) "
                      "VALUES ('b', 'a@X.ORG', 't', 't')"),
               store::ConstraintViolation);
  script("DELETE FROM users");
  EXPECT_TRUE(names(store::Statement{"test_tasks", "SELECT content FROM tasks"}).empty());
}

TEST_F(MigrateDatabase, DowngradeToBaseAndUpgradeAgain) {
  Migrator migrator(*db_, first_revision());
  run_sync(migrator.upgrade());
  EXPECT_EQ(run_sync(migrator.downgrade("base")), Ids{"0001"});
  EXPECT_EQ(names(schema_objects), Ids{"usertasks_migrations"});
  EXPECT_TRUE(names(version_rows).empty());
  EXPECT_TRUE(run_sync(migrator.downgrade("base")).empty());
  EXPECT_EQ(run_sync(migrator.upgrade()), Ids{"0001"});
  EXPECT_EQ(names(version_rows), Ids{"0001"});
}

TEST_F(MigrateDatabase, TargetsOfUpgradeAndDowngrade) {
  Migrator migrator(*db_, three_revisions());
  EXPECT_EQ(run_sync(migrator.upgrade("+1")), Ids{"0001"});
  EXPECT_EQ(run_sync(migrator.upgrade("0002")), Ids{"0002"});
  EXPECT_EQ(names(task_columns),
            (Ids{"id", "content", "user_id", "created_at", "updated_at", "done"}));
  EXPECT_EQ(history_lines(migrator.history(), run_sync(migrator.status()).current),
            (Ids{"0002 -> 0003 (head), raw", "0001 -> 0002 (current), add done",
                 "<base> -> 0001, create users and tasks"}));
  EXPECT_EQ(current_lines(run_sync(migrator.status())), (Ids{"0002", "pending: 0003"}));
  EXPECT_EQ(run_sync(migrator.upgrade()), Ids{"0003"});
  EXPECT_EQ(run_sync(migrator.downgrade("-1")), Ids{"0003"});
  EXPECT_EQ(run_sync(migrator.downgrade("0001")), Ids{"0002"});
  EXPECT_EQ(names(task_columns), (Ids{"id", "content", "user_id", "created_at", "updated_at"}));
  EXPECT_EQ(run_sync(migrator.upgrade()), (Ids{"0002", "0003"}));
  EXPECT_EQ(run_sync(migrator.downgrade("base")), (Ids{"0003", "0002", "0001"}));

  EXPECT_THROW(run_sync(migrator.upgrade("0009")), MigrationError);
  EXPECT_THROW(run_sync(migrator.upgrade("+4")), MigrationError);
  EXPECT_THROW(run_sync(migrator.downgrade("-1")), MigrationError);
  run_sync(migrator.upgrade("0001"));
  EXPECT_THROW(run_sync(migrator.downgrade("0003")), MigrationError);  // newer than current
}

TEST_F(MigrateDatabase, AnEditedAppliedRevisionIsReportedAndBlocksUpgrade) {
  run_sync(Migrator(*db_, first_revision()).upgrade());
  std::vector<Revision> edited = {revision(base_revision_text() + "\n", "0001_edited.json"),
                                  revision(add_done_text)};
  Migrator migrator(*db_, edited);
  const Status status = run_sync(migrator.status());
  ASSERT_EQ(status.mismatches.size(), 1U);
  EXPECT_EQ(status.mismatches[0].revision, "0001");
  EXPECT_EQ(status.mismatches[0].expected, edited[0].checksum);
  const auto lines = current_lines(status);
  ASSERT_EQ(lines.size(), 3U);
  EXPECT_TRUE(contains(lines[1], "warning: revision 0001 (0001_edited.json) was changed"));
  try {
    run_sync(migrator.upgrade());
    ADD_FAILURE() << "upgrade went ahead";
  } catch (const MigrationError& e) {
    EXPECT_TRUE(contains(e.what(), "revision 0001 (0001_edited.json) was changed"));
  }
  EXPECT_EQ(names(version_rows), Ids{"0001"});  // 0002 was not applied
}

TEST_F(MigrateDatabase, ARevisionUnknownToThisBinaryIsReported) {
  run_sync(Migrator(*db_, three_revisions()).upgrade("0002"));
  Migrator older(*db_, first_revision());
  const Status status = run_sync(older.status());
  EXPECT_EQ(status.unknown, Ids{"0002"});
  EXPECT_THROW(run_sync(older.upgrade()), MigrationError);
  EXPECT_THROW(run_sync(older.downgrade("base")), MigrationError);
}

TEST_F(MigrateDatabase, AFailingRevisionLeavesNoTrace) {
  const std::string broken = R"j({"revision": "0002", "parent": "0001", "message": "broken",
    "operations": [{"op": "create_table", "name": "extra", "columns": [{"name": "a", "type": "text"}]},
                   {"op": "sql", "sqlite": "SELECT * FROM missing_table", "postgresql": ""}]})j";
  Migrator migrator(*db_, {embedded_chain().front(), revision(broken)});
  try {
    run_sync(migrator.upgrade());
    ADD_FAILURE() << "upgrade succeeded";
  } catch (const MigrationError& e) {
    EXPECT_TRUE(contains(e.what(), "applying revision 0002"));
    EXPECT_TRUE(contains(e.what(), "statement 2"));
  }
  // 0001 committed in its own transaction; 0002's table was rolled back with it.
  EXPECT_EQ(names(version_rows), Ids{"0001"});
  const auto objects = names(schema_objects);
  EXPECT_EQ(std::count(objects.begin(), objects.end(), "extra"), 0);
}

TEST_F(MigrateDatabase, AnIrreversibleRevisionStopsDowngradeBeforeItStarts) {
  const std::string oneway = R"j({"revision": "0002", "parent": "0001", "message": "oneway",
    "operations": [{"op": "sql", "sqlite": "UPDATE users SET name = name", "postgresql": ""}]})j";
  Migrator migrator(*db_, {embedded_chain().front(), revision(oneway)});
  run_sync(migrator.upgrade());
  EXPECT_THROW(run_sync(migrator.downgrade("base")), IrreversibleOperation);
  EXPECT_EQ(names(version_rows), (Ids{"0001", "0002"}));
}

TEST_F(MigrateDatabase, ConcurrentUpgradersApplyEachRevisionOnce) {
  auto other = store::open_database("sqlite:" + path_.string(), 2);
  Migrator first(*db_, three_revisions());
  Migrator second(*other, three_revisions());
  boost::asio::io_context context;
  auto a = boost::asio::co_spawn(context, first.upgrade(), boost::asio::use_future);
  auto b = boost::asio::co_spawn(context, second.upgrade(), boost::asio::use_future);
  context.run();
  Ids applied = a.get();
  for (auto& id : b.get()) applied.push_back(id);
  std::sort(applied.begin(), applied.end());
  EXPECT_EQ(applied, (Ids{"0001", "0002", "0003"}));
  EXPECT_EQ(names(version_rows), (Ids{"0001", "0002", "0003"}));
  other->close();
}

}  // namespace
}  // namespace usertasks::migrate
