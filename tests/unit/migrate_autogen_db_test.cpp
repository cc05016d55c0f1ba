// Autogenerate against a real SQLite file: introspection reads back exactly what the revisions
// build (the invariant `db check` rests on), generated revisions apply and revert cleanly, and
// table rebuilds keep the rows.

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "app/run_sync.hpp"
#include "migrate/autogen.hpp"
#include "migrate/dialect.hpp"
#include "repository/schema.hpp"
#include "sqlite_file_fixture.hpp"

namespace usertasks::migrate {
namespace {

using app::run_sync;

class AutogenDatabase : public usertasks::testing::SqliteFileTest {
 protected:
  Schema introspect() { return run_sync(Migrator(*db_).introspect()); }

  void script(const std::string& sql) {
    run_sync(db_->run(store::Access::write, [&](store::Connection& c) -> store::awaitable<void> {
      co_await c.execute_script(sql);
    }));
  }

  std::int64_t count(const char* table) {
    const std::string sql = std::string("SELECT count(*) FROM ") + table;
    const store::Statement statement{"test_count", sql};
    return run_sync(store::with_connection(
        *db_, store::Access::read, [&](store::Connection& c) -> store::awaitable<std::int64_t> {
          co_return (co_await c.execute(statement, {})).front().integer(0);
        }));
  }

  // The embedded chain before tags (0004): SQLite rebuilds a table only when no other table
  // references it, and task_tags references tasks.
  std::vector<Revision> before_tags() {
    std::vector<Revision> chain = Migrator(*db_).history();
    chain.resize(3);
    return chain;
  }

  // The declared schema as it was before tags (and the idempotency keys and the indexes of the
  // sorted orders, after them).
  static Schema declared_before_tags() {
    Schema schema = repository::declared_schema();
    const auto later = [](std::string_view table) {
      return table.starts_with("tag") || table.starts_with("task_tag") ||
             table == "idempotency_keys";
    };
    std::erase_if(schema.tables, [&](const Table& t) { return later(t.name); });
    std::erase_if(schema.indexes,
                  [&](const Index& i) { return later(i.table) || i.name.ends_with("_at_id_idx"); });
    return schema;
  }

  // `chain` (the embedded one by default) plus a revision generated from `declared`, applied.
  std::vector<Revision> generate_and_upgrade(const Schema& declared,
                                             std::optional<std::vector<Revision>> chain_of = {}) {
    Migrator migrator = chain_of ? Migrator(*db_, *chain_of) : Migrator(*db_);
    const Comparison changes = run_sync(compare_database(migrator, declared));
    EXPECT_FALSE(changes.empty());
    const NewRevision generated =
        new_revision(migrator.history(), "test change", changes.operations);
    std::vector<Revision> chain = migrator.history();
    chain.push_back(parse_revision(generated.text, generated.file));
    Migrator next(*db_, chain);
    EXPECT_EQ(run_sync(next.upgrade()).size(), 1U);
    return chain;
  }
};

TEST_F(AutogenDatabase, AtHeadTheDatabaseMatchesTheModels) {
  Migrator migrator(*db_);
  EXPECT_THROW(run_sync(compare_database(migrator, repository::declared_schema())), MigrationError);
  run_sync(migrator.upgrade());
  const Comparison c = run_sync(compare_database(migrator, repository::declared_schema()));
  EXPECT_TRUE(c.empty()) << ::testing::PrintToString(comparison_lines(c));
  EXPECT_TRUE(c.warnings.empty());
  const CheckResult result = run_sync(check(migrator, repository::declared_schema()));
  EXPECT_TRUE(result.ok);
  EXPECT_EQ(result.lines, std::vector<std::string>{"no differences"});
  // What SQLite reads back is the declared schema but for what it cannot tell apart, and
  // without the trigram indexes, which it has no kind of.
  const Schema live = introspect();
  ASSERT_EQ(live.tables.size(), repository::declared_schema().tables.size());
  std::vector<Index> held = repository::declared_schema().indexes;
  EXPECT_EQ(std::erase_if(held, [](const Index& i) { return i.trigram; }), 4U);
  EXPECT_EQ(live.indexes, held);
  EXPECT_EQ(live.find_table("tasks")->foreign_keys,
            repository::declared_schema().find_table("tasks")->foreign_keys);
  EXPECT_EQ(live.find_table("task_tags")->foreign_keys,
            repository::declared_schema().find_table("task_tags")->foreign_keys);
}

TEST_F(AutogenDatabase, TasksAreNotRebuiltOnceTagsReferenceThem) {
  run_sync(Migrator(*db_).upgrade());
  Schema declared = repository::declared_schema();
  declared.find_table("tasks")->columns[1].nullable = true;  // content
  Migrator migrator(*db_);
  const Comparison changes = run_sync(compare_database(migrator, declared));
  const NewRevision generated = new_revision(migrator.history(), "rebuild", changes.operations);
  std::vector<Revision> chain = migrator.history();
  chain.push_back(parse_revision(generated.text, generated.file));
  try {
    run_sync(Migrator(*db_, chain).upgrade());
    FAIL() << "expected the rebuild of a referenced table to be refused";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("which task_tags reference"), std::string::npos)
        << e.what();
  }
}

TEST_F(AutogenDatabase, DowngradeAndUpgradeAgainReadsBackTheSame) {
  Migrator migrator(*db_);
  run_sync(migrator.upgrade());
  const Schema first = introspect();
  run_sync(migrator.downgrade("base"));
  EXPECT_EQ(introspect(), Schema{});
  run_sync(migrator.upgrade());
  EXPECT_EQ(introspect(), first);
}

TEST_F(AutogenDatabase, AGeneratedRevisionAppliesAndReverts) {
  run_sync(Migrator(*db_).upgrade());
  script(
      "INSERT INTO users (name, email, created_at, updated_at) VALUES ('a', 'a@x.org', 't', 't');"
      "INSERT INTO tasks (content, user_id, created_at, updated_at) VALUES ('c', 1, 't', 't');");
  const Schema before = introspect();
  Schema declared = repository::declared_schema();
  declared.find_table("tasks")->columns.push_back(
      {"archived", LogicalType::boolean, false, DefaultValue{false}, false, false});
  declared.indexes.push_back({"tasks_archived_idx", "tasks", {"archived", "user_id"}, {}, false});
  normalize(declared);

  const std::vector<Revision> chain = generate_and_upgrade(declared);
  Migrator migrator(*db_, chain);
  EXPECT_TRUE(run_sync(compare_database(migrator, declared)).empty());
  EXPECT_TRUE(run_sync(check(migrator, declared)).ok);
  // The models without the change now differ from the database: check fails and says why.
  const CheckResult drifted = run_sync(check(migrator, repository::declared_schema()));
  EXPECT_FALSE(drifted.ok);
  EXPECT_EQ(drifted.lines.size(), 3U);  // header, drop_index, drop_column
  EXPECT_EQ(count("tasks"), 1);

  EXPECT_EQ(run_sync(migrator.downgrade("-1")), std::vector<std::string>{chain.back().id});
  EXPECT_EQ(introspect(), before);
  EXPECT_EQ(count("tasks"), 1);
}

TEST_F(AutogenDatabase, ARebuildKeepsTheRowsAndTheForeignKeys) {
  run_sync(Migrator(*db_, before_tags()).upgrade());
  script(
      "INSERT INTO users (name, email, created_at, updated_at) VALUES ('a', 'a@x.org', 't', 't');"
      "INSERT INTO tasks (content, user_id, created_at, updated_at) VALUES ('c', 1, 't', 't');"
      "INSERT INTO tasks (content, user_id, created_at, updated_at) VALUES ('d', 1, 't', 't');");
  const Schema before = introspect();
  Schema declared = declared_before_tags();
  declared.find_table("tasks")->columns[1].nullable = true;  // content

  (void)generate_and_upgrade(declared, before_tags());
  EXPECT_EQ(count("tasks"), 2);
  Schema live = introspect();
  EXPECT_TRUE(live.find_table("tasks")->columns[1].nullable);
  EXPECT_EQ(live.indexes, before.indexes);  // recreated after the rebuild
  script("INSERT INTO tasks (content, user_id, created_at, updated_at) VALUES (NULL, 1, 't', 't')");
  EXPECT_THROW(
      script(
          "INSERT INTO tasks (content, user_id, created_at, updated_at) VALUES ('x', 9, 't', 't')"),
      store::ConstraintViolation);
  script("DELETE FROM users");  // the cascade survived the rebuild
  EXPECT_EQ(count("tasks"), 0);
}

TEST_F(AutogenDatabase, ARebuildThatBreaksAForeignKeyIsRolledBack) {
  run_sync(Migrator(*db_, before_tags()).upgrade());
  const Schema with = declared_before_tags();
  Schema without = with;
  without.find_table("tasks")->foreign_keys.clear();
  std::vector<Revision> chain = generate_and_upgrade(without, before_tags());
  script(
      "INSERT INTO tasks (content, user_id, created_at, updated_at) VALUES ('orphan', 7, 't', "
      "'t')");
  // Putting the key back finds the orphan before the commit, and leaves everything as it was.
  Migrator migrator(*db_, chain);
  const Comparison back = run_sync(compare_database(migrator, with));
  const NewRevision generated = new_revision(chain, "key back", back.operations);
  chain.push_back(parse_revision(generated.text, generated.file));
  Migrator next(*db_, chain);
  try {
    run_sync(next.upgrade());
    FAIL() << "expected the foreign key check to fail";
  } catch (const MigrationError& e) {
    EXPECT_NE(std::string(e.what()).find("tasks rowid 1 has no row in users"), std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(introspect().find_table("tasks")->foreign_keys.empty());
  EXPECT_EQ(count("tasks"), 1);
}

TEST_F(AutogenDatabase, StampRecordsWithoutRunning) {
  Migrator migrator(*db_);
  run_sync(migrator.stamp("head"));
  Status status = run_sync(migrator.status());
  EXPECT_EQ(status.current, migrator.history().back().id);
  EXPECT_TRUE(status.at_head());
  EXPECT_EQ(introspect(), Schema{});  // nothing ran
  // The schema is missing: check says so.
  const CheckResult result = run_sync(check(migrator, repository::declared_schema()));
  EXPECT_FALSE(result.ok);
  run_sync(migrator.stamp("base"));
  status = run_sync(migrator.status());
  EXPECT_FALSE(status.current);
  EXPECT_THROW(run_sync(migrator.stamp("nope")), MigrationError);
}

TEST_F(AutogenDatabase, CheckReportsAnEditedRevision) {
  run_sync(Migrator(*db_).upgrade());
  std::vector<Revision> edited = embedded_chain();
  edited[0].checksum = "0000000000000000";
  Migrator migrator(*db_, edited);
  const CheckResult result = run_sync(check(migrator, repository::declared_schema()));
  EXPECT_FALSE(result.ok);
  ASSERT_FALSE(result.lines.empty());
  EXPECT_NE(result.lines[0].find("was changed after it was applied"), std::string::npos);
}

}  // namespace
}  // namespace usertasks::migrate
