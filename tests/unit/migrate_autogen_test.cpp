// Autogenerate without a database: compare() on hand-built schemas, the rendering of the
// operations it produces on both dialects (SQLite's table rebuild included), and writing a
// revision that parses back to the same operations.

#include <gtest/gtest.h>

#include "migrate/autogen.hpp"
#include "migrate/compare.hpp"
#include "migrate/dialect.hpp"
#include "repository/schema.hpp"

namespace usertasks::migrate {
namespace {

using Lines = std::vector<std::string>;

Column column(const char* name, LogicalType type, bool nullable = false,
              std::optional<DefaultValue> default_value = std::nullopt) {
  return {name, type, nullable, std::move(default_value), false, false};
}

// The schema of revision 0001, which never changes (the models will).
const Schema& base() {
  static const Schema schema = schema_at(embedded_chain(), 1);
  return schema;
}

Schema changed(void (*change)(Schema&)) {
  Schema schema = base();
  change(schema);
  normalize(schema);
  return schema;
}

Table& table(Schema& schema, const char* name) {
  return *schema.find_table(name);
}

Lines described(const Comparison& comparison) {
  return comparison_lines(comparison);
}

// The models and the revisions agree: what `db check` verifies on a database, here without one.
TEST(AutogenCompare, DeclaredSchemaIsWhatTheRevisionsBuild) {
  const std::vector<Revision> chain = embedded_chain();
  EXPECT_EQ(schema_at(chain, chain.size()), repository::declared_schema());
  EXPECT_TRUE(compare(base(), base(), sqlite_dialect()).empty());
  EXPECT_TRUE(compare(base(), base(), postgresql_dialect()).empty());
}

TEST(AutogenCompare, TablesAddedAndDroppedInDependencyOrder) {
  const Schema declared = changed([](Schema& s) {
    s.tables.push_back({"tags",
                        {{"id", LogicalType::bigint, false, std::nullopt, true, true},
                         column("task_id", LogicalType::bigint)},
                        {{std::nullopt, {"task_id"}, "tasks", {"id"}, OnDelete::cascade}},
                        {}});
    s.indexes.push_back({"tags_task_id_idx", "tags", {"task_id"}, {}, false});
  });
  const Comparison up = compare(base(), declared, sqlite_dialect());
  EXPECT_EQ(described(up), (Lines{"create_table tags", "create_index tags_task_id_idx"}));
  const Comparison down = compare(declared, base(), sqlite_dialect());
  EXPECT_EQ(described(down), (Lines{"drop_index tags_task_id_idx", "drop_table tags"}));
  // Both tables new: users must come before tasks, which references it.
  const Comparison all = compare({}, base(), postgresql_dialect());
  EXPECT_EQ(described(all),
            (Lines{"create_table users", "create_table tasks", "create_index tasks_user_id_idx",
                   "create_index users_email_lower_key"}));
}

TEST(AutogenCompare, ColumnsAddedDroppedAndAltered) {
  const Schema declared = changed([](Schema& s) {
    auto& tasks = table(s, "tasks");
    tasks.columns.push_back(column("done", LogicalType::boolean, false, DefaultValue{false}));
    tasks.columns[1].nullable = true;                               // content
    table(s, "users").columns[1].default_value = std::string("?");  // name
    table(s, "users").columns[2].type = LogicalType::bigint;        // email
  });
  const Comparison c = compare(base(), declared, postgresql_dialect());
  EXPECT_EQ(described(c),
            (Lines{"alter_column tasks.content: nullable", "add_column tasks.done",
                   "alter_column users.name: default", "alter_column users.email: type bigint"}));
  ASSERT_EQ(c.operations.size(), 4U);
  const auto& alter = std::get<AlterColumn>(c.operations[0]);
  EXPECT_FALSE(alter.from.nullable);
  EXPECT_TRUE(alter.to.nullable);
  // Reversed, the added column is dropped with its whole definition.
  EXPECT_EQ(reverse(c.operations[1]),
            Operation(DropColumn{"tasks", std::get<AddColumn>(c.operations[1]).column}));
}

TEST(AutogenCompare, TypesAreComparedAsTheDialectStoresThem) {
  const Schema declared = changed([](Schema& s) {
    table(s, "users").columns[3].type = LogicalType::text;  // created_at: timestamp -> text
  });
  EXPECT_TRUE(compare(base(), declared, sqlite_dialect()).empty());  // both TEXT
  EXPECT_EQ(described(compare(base(), declared, postgresql_dialect())),
            Lines{"alter_column users.created_at: type text"});
}

TEST(AutogenCompare, SqliteBooleanDefaultsSettleAgainstTheDeclaredType) {
  Schema live = changed([](Schema& s) {
    table(s, "tasks")
        .columns.push_back(
            column("done", LogicalType::bigint, false, DefaultValue{std::int64_t{0}}));
  });
  const Schema declared = changed([](Schema& s) {
    table(s, "tasks")
        .columns.push_back(column("done", LogicalType::boolean, false, DefaultValue{false}));
  });
  EXPECT_TRUE(compare(live, declared, sqlite_dialect()).empty());
  EXPECT_FALSE(compare(live, declared, postgresql_dialect()).empty());
}

TEST(AutogenCompare, IndexesIncludingExpressionsAndUniqueConstraints) {
  const Schema declared = changed([](Schema& s) {
    s.indexes[1].expressions = {"lower(name)"};  // users_email_lower_key
    s.indexes.push_back({"tasks_content_idx", "tasks", {"content"}, {}, false});
    s.indexes.erase(s.indexes.begin());  // tasks_user_id_idx
    table(s, "users").unique.push_back({std::nullopt, {"name"}});
  });
  EXPECT_EQ(described(compare(base(), declared, sqlite_dialect())),
            (Lines{"drop_index tasks_user_id_idx", "drop_index users_email_lower_key",
                   "add_unique users (name)", "create_index tasks_content_idx",
                   "create_index users_email_lower_key"}));
  EXPECT_EQ(described(compare(declared, base(), sqlite_dialect())),
            (Lines{"drop_index tasks_content_idx", "drop_index users_email_lower_key",
                   "drop_unique users (name)", "create_index tasks_user_id_idx",
                   "create_index users_email_lower_key"}));
  // How a database prints an expression is not a difference.
  Schema spaced = base();
  spaced.indexes[1].expressions = {"lower( \"email\" )"};
  EXPECT_TRUE(compare(spaced, base(), sqlite_dialect()).empty());
}

// A trigram index is PostgreSQL's: SQLite has none to read back, so it is no difference there;
// on PostgreSQL it differs from an ordered index on the same expression.
TEST(AutogenCompare, TrigramIndexesArePostgresqlOnly) {
  const Schema declared = changed([](Schema& s) {
    s.indexes.push_back({"tasks_content_trgm_idx", "tasks", {}, {"lower(content)"}, false, true});
  });
  EXPECT_TRUE(compare(base(), declared, sqlite_dialect()).empty());
  EXPECT_EQ(described(compare(base(), declared, postgresql_dialect())),
            Lines{"create_index tasks_content_trgm_idx"});
  Schema ordered = declared;
  for (Index& index : ordered.indexes) index.trigram = false;
  EXPECT_EQ(described(compare(ordered, declared, postgresql_dialect())),
            (Lines{"drop_index tasks_content_trgm_idx", "create_index tasks_content_trgm_idx"}));
  EXPECT_TRUE(compare(declared, declared, postgresql_dialect()).empty());
}

TEST(AutogenCompare, ForeignKeysAddedDroppedAndOnDeleteChanged) {
  const Schema restricted =
      changed([](Schema& s) { table(s, "tasks").foreign_keys[0].on_delete = OnDelete::restrict; });
  EXPECT_EQ(described(compare(base(), restricted, sqlite_dialect())),
            (Lines{"drop_foreign_key tasks (user_id) -> users (id) on delete cascade",
                   "add_foreign_key tasks (user_id) -> users (id) on delete restrict"}));
  const Schema without = changed([](Schema& s) { table(s, "tasks").foreign_keys.clear(); });
  EXPECT_EQ(described(compare(base(), without, sqlite_dialect())),
            Lines{"drop_foreign_key tasks (user_id) -> users (id) on delete cascade"});
  EXPECT_EQ(described(compare(without, base(), sqlite_dialect())),
            Lines{"add_foreign_key tasks (user_id) -> users (id) on delete cascade"});
  // PostgreSQL reads the key back with its name; the declared key has none: still the same key.
  Schema named = base();
  table(named, "tasks").foreign_keys[0].name = "tasks_user_id_fkey";
  EXPECT_TRUE(compare(named, base(), postgresql_dialect()).empty());
}

TEST(AutogenCompare, ARenameIsADropAndAnAddWithAWarning) {
  const Schema declared =
      changed([](Schema& s) { table(s, "tasks").columns[1].name = "body"; });  // content
  const Comparison c = compare(base(), declared, sqlite_dialect());
  EXPECT_EQ(described(c),
            (Lines{"add_column tasks.body", "drop_column tasks.content",
                   "warning: table tasks: column(s) content dropped and body added: if this is "
                   "a rename, edit the revision (as generated, the dropped columns' data is "
                   "lost)"}));
  const Schema renamed_table = changed([](Schema& s) {
    table(s, "tasks").name = "todos";
    for (auto& i : s.indexes) {
      if (i.table == "tasks") i.table = "todos";
    }
  });
  const Comparison t = compare(base(), renamed_table, sqlite_dialect());
  ASSERT_EQ(t.warnings.size(), 1U);
  EXPECT_NE(t.warnings[0].find("renamed"), std::string::npos);
}

TEST(AutogenCompare, NotNullAndKeyChangesWarn) {
  Schema live = base();
  table(live, "tasks").columns[1].nullable = true;
  EXPECT_EQ(compare(live, base(), sqlite_dialect()).warnings.size(), 1U);
  const Schema rekeyed = changed([](Schema& s) { table(s, "tasks").columns[0].identity = false; });
  const Comparison c = compare(base(), rekeyed, postgresql_dialect());
  EXPECT_TRUE(c.empty());
  EXPECT_EQ(c.warnings.size(), 1U);
}

// ---------------------------------------------------------------------------------------------
// Rendering

// PostgreSQL: a GIN index of pg_trgm's operator class, the extension created first when missing
// (never dropped: other things may use it), a small pending list, finer statistics for its
// expression; SQLite: nothing, also when a rebuild recreates the table's indexes.
TEST(AutogenRender, TrigramIndexes) {
  const Index trigram{"tasks_content_trgm_idx", "tasks", {}, {"lower(content)"}, false, true};
  EXPECT_EQ(postgresql_dialect().render(CreateIndex{trigram}),
            (Lines{"CREATE EXTENSION IF NOT EXISTS pg_trgm",
                   "CREATE INDEX tasks_content_trgm_idx ON tasks USING gin (lower(content) "
                   "gin_trgm_ops) WITH (gin_pending_list_limit = 256)",
                   "ALTER INDEX tasks_content_trgm_idx ALTER COLUMN 1 SET STATISTICS 1000"}));
  EXPECT_EQ(postgresql_dialect().render(DropIndex{trigram}),
            Lines{"DROP INDEX tasks_content_trgm_idx"});
  EXPECT_TRUE(sqlite_dialect().render(CreateIndex{trigram}).empty());
  EXPECT_TRUE(sqlite_dialect().render(DropIndex{trigram}).empty());
  Schema before = base();
  before.indexes.push_back(trigram);
  normalize(before);
  const Column from = column("content", LogicalType::text);
  const Column to = column("content", LogicalType::text, true);
  for (const std::string& sql : sqlite_dialect().render(AlterColumn{"tasks", from, to}, before)) {
    EXPECT_EQ(sql.find("trgm"), std::string::npos) << sql;
  }
}

TEST(AutogenRender, NewOperationsOnPostgresql) {
  const Column from = column("content", LogicalType::text);
  Column to = column("content", LogicalType::bigint, true, DefaultValue{std::int64_t{1}});
  EXPECT_EQ(postgresql_dialect().render(AlterColumn{"tasks", from, to}),
            (Lines{"ALTER TABLE tasks ALTER COLUMN content TYPE BIGINT USING content::BIGINT",
                   "ALTER TABLE tasks ALTER COLUMN content SET DEFAULT 1",
                   "ALTER TABLE tasks ALTER COLUMN content DROP NOT NULL"}));
  EXPECT_EQ(postgresql_dialect().render(AlterColumn{"tasks", to, from}),
            (Lines{"ALTER TABLE tasks ALTER COLUMN content DROP DEFAULT",
                   "ALTER TABLE tasks ALTER COLUMN content TYPE TEXT USING content::TEXT",
                   "ALTER TABLE tasks ALTER COLUMN content SET NOT NULL"}));
  const ForeignKey key{std::nullopt, {"user_id"}, "users", {"id"}, OnDelete::set_null};
  EXPECT_EQ(postgresql_dialect().render(AddForeignKey{"tasks", key}),
            Lines{"ALTER TABLE tasks ADD CONSTRAINT tasks_user_id_fkey FOREIGN KEY (user_id) "
                  "REFERENCES users (id) ON DELETE SET NULL"});
  EXPECT_EQ(postgresql_dialect().render(DropForeignKey{"tasks", key}),
            Lines{"ALTER TABLE tasks DROP CONSTRAINT tasks_user_id_fkey"});
  const UniqueConstraint unique{std::nullopt, {"name", "email"}};
  EXPECT_EQ(postgresql_dialect().render(AddUnique{"users", unique}),
            Lines{"ALTER TABLE users ADD CONSTRAINT users_name_email_key UNIQUE (name, email)"});
  EXPECT_EQ(postgresql_dialect().render(DropUnique{"users", {"named", {"name"}}}),
            Lines{"ALTER TABLE users DROP CONSTRAINT named"});
  EXPECT_THROW((void)postgresql_dialect().render(
                   AlterColumn{"tasks", from, column("body", LogicalType::text)}),
               std::invalid_argument);
}

TEST(AutogenRender, SqliteRebuildsAChildTable) {
  Column nullable = column("content", LogicalType::text, true);
  const auto statements = sqlite_dialect().render(
      AlterColumn{"tasks", column("content", LogicalType::text), nullable}, base());
  EXPECT_EQ(statements,
            (Lines{"PRAGMA defer_foreign_keys = ON",
                   "CREATE TABLE _new_tasks (\n  id INTEGER PRIMARY KEY,\n  content TEXT,\n"
                   "  user_id INTEGER NOT NULL,\n  created_at TEXT NOT NULL,\n"
                   "  updated_at TEXT NOT NULL,\n  FOREIGN KEY (user_id) REFERENCES users (id) "
                   "ON DELETE CASCADE\n)",
                   "INSERT INTO _new_tasks (id, content, user_id, created_at, updated_at) SELECT "
                   "id, content, user_id, created_at, updated_at FROM tasks",
                   "DROP TABLE tasks", "ALTER TABLE _new_tasks RENAME TO tasks",
                   "CREATE INDEX tasks_user_id_idx ON tasks (user_id)"}));
  // Foreign keys and unique constraints too; each is one rebuild.
  const ForeignKey key = base().find_table("tasks")->foreign_keys[0];
  EXPECT_EQ(sqlite_dialect().render(DropForeignKey{"tasks", key}, base()).size(), 6U);
  EXPECT_EQ(sqlite_dialect().render(AddUnique{"tasks", {std::nullopt, {"content"}}}, base())[1],
            "CREATE TABLE _new_tasks (\n  id INTEGER PRIMARY KEY,\n  content TEXT NOT NULL,\n"
            "  user_id INTEGER NOT NULL,\n  created_at TEXT NOT NULL,\n"
            "  updated_at TEXT NOT NULL,\n  UNIQUE (content),\n  FOREIGN KEY (user_id) "
            "REFERENCES users (id) ON DELETE CASCADE\n)");
  // A column a key uses cannot go by ALTER TABLE DROP COLUMN: the table is rebuilt without it.
  const auto drop =
      sqlite_dialect().render(DropColumn{"tasks", column("user_id", LogicalType::bigint)}, base());
  EXPECT_EQ(drop.size(), 5U);  // and without the index on it
  EXPECT_EQ(
      sqlite_dialect().render(DropColumn{"tasks", column("content", LogicalType::text)}, base()),
      Lines{"ALTER TABLE tasks DROP COLUMN content"});
}

TEST(AutogenRender, SqliteRefusesToRebuildAReferencedTable) {
  const Column name = column("name", LogicalType::text);
  try {
    (void)sqlite_dialect().render(
        AlterColumn{"users", name, column("name", LogicalType::text, true)}, base());
    FAIL() << "expected a refusal";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("which tasks reference"), std::string::npos) << e.what();
  }
  // Without the table's definition there is nothing to rebuild from.
  EXPECT_THROW((void)sqlite_dialect().render(AlterColumn{"tasks", name, name}),
               std::invalid_argument);
}

// ---------------------------------------------------------------------------------------------
// Writing revisions

TEST(AutogenWrite, EveryOperationRoundTrips) {
  const Table& tasks = *base().find_table("tasks");
  const std::vector<Operation> operations = {
      CreateTable{*base().find_table("users")},
      DropTable{tasks},
      AddColumn{"tasks", column("done", LogicalType::boolean, false, DefaultValue{false})},
      DropColumn{"tasks", column("n", LogicalType::bigint, true, DefaultValue{std::int64_t{-3}})},
      CreateIndex{base().indexes[1]},
      DropIndex{base().indexes[0]},
      CreateIndex{{"users_name_trgm_idx", "users", {}, {"lower(name)"}, false, true}},
      AlterColumn{"users", column("name", LogicalType::text),
                  column("name", LogicalType::text, true, DefaultValue{std::string("a\"'b")})},
      AddForeignKey{"tasks", tasks.foreign_keys[0]},
      DropForeignKey{"tasks",
                     {std::string("k"), {"user_id"}, "users", {"id"}, OnDelete::no_action}},
      AddUnique{"users", {std::nullopt, {"name", "email"}}},
      DropUnique{"users", {std::string("u"), {"name"}}},
      RawSql{{"SELECT 1", ""}, DialectSql{"", "SELECT 2"}},
  };
  const NewRevision written =
      new_revision({embedded_chain().front()}, "Add done, & more!", operations);
  EXPECT_EQ(written.file, "0002_add_done_more.json");
  const Revision parsed = parse_revision(written.text, written.file);
  EXPECT_EQ(parsed.id, "0002");
  EXPECT_EQ(parsed.parent, "0001");
  EXPECT_EQ(parsed.message, "Add done, & more!");
  EXPECT_EQ(parsed.operations, operations);
  // Spaced like a hand-written file, on one line where it fits in 100 columns.
  EXPECT_NE(written.text.find("\n      \"column\": {\"name\": \"done\", \"type\": \"boolean\", "
                              "\"nullable\": false, \"default\": false}\n"),
            std::string::npos)
      << written.text;
}

TEST(AutogenWrite, FirstRevisionHasNoParent) {
  const NewRevision written = new_revision({}, "", {});
  EXPECT_EQ(written.file, "0001_revision.json");
  const Revision parsed = parse_revision(written.text, written.file);
  EXPECT_FALSE(parsed.parent);
  EXPECT_TRUE(parsed.operations.empty());
}

}  // namespace
}  // namespace usertasks::migrate
