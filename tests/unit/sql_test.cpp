// The SQL that follows from the entities: placeholders by name, and the statements derived from
// the fields.

#include "repository/sql.hpp"

#include <gtest/gtest.h>

#include "models/models.hpp"

namespace usertasks::repository {
namespace {

TEST(Sql, NamedPlaceholdersAreNumberedOnceInOrderAndCastsAreLeftAlone) {
  const Sql sql("sample", [](Dialect d) {
    return d == Dialect::postgresql
               ? std::string("SELECT :b::bigint, :a, :b, ':' FROM t WHERE x = :a")
               : std::string("SELECT :b, :a, :b, ':' FROM t WHERE x = :a");
  });
  EXPECT_EQ(sql.statement().text(Dialect::postgresql),
            "SELECT $1::bigint, $2, $1, ':' FROM t WHERE x = $2");
  EXPECT_EQ(sql.statement().text(Dialect::sqlite), "SELECT $1, $2, $1, ':' FROM t WHERE x = $2");
  EXPECT_EQ(sql.parameters(), (std::vector<std::string>{"b", "a"}));
}

TEST(Sql, TheDialectsMustNameTheSameParameters) {
  EXPECT_THROW(
      Sql("bad",
          [](Dialect d) { return std::string(d == Dialect::sqlite ? "SELECT :a" : "SELECT :b"); }),
      std::logic_error);
}

TEST(Sql, ArgumentsBindByNameAndEveryPlaceholderNeedsOne) {
  const Sql sql("sample", [](Dialect) { return std::string("SELECT :b, :a"); });
  const std::vector<Value> values = bind(sql, Arg{"a", std::int64_t{1}}, Arg{"b", true});
  EXPECT_EQ(values, (std::vector<Value>{true, std::int64_t{1}}));
  EXPECT_THROW(bind(sql, Arg{"a", std::int64_t{1}}), std::logic_error);
}

TEST(Sql, StatementsFollowTheEntitysFields) {
  using models::Task;
  // A names field is the newline-joined names of its join table's rows, not a column.
  const std::string tags_of_t =
      "(SELECT group_concat(tags.name, char(10)) FROM task_tags JOIN tags ON tags.id = "
      "task_tags.tag_id WHERE task_tags.task_id = t.id) AS tags";
  // The version, which is not a field, follows the fields.
  EXPECT_EQ(columns<Task>(Dialect::sqlite, "t"), "t.id, t.content, t.done, t.user_id, t.due_at, " +
                                                     tags_of_t +
                                                     ", t.created_at, t.updated_at, t.version");
  const std::string returning =
      "RETURNING id, content, done, user_id, due_at, (SELECT string_agg(tags.name, chr(10)) FROM "
      "task_tags JOIN tags ON tags.id = task_tags.tag_id WHERE task_tags.task_id = tasks.id) AS "
      "tags, created_at, updated_at, version, (SELECT u.version FROM users u WHERE u.id = "
      "tasks.user_id)";
  EXPECT_EQ(insert<Task>(Dialect::postgresql),
            "INSERT INTO tasks (content, done, user_id, due_at, created_at, updated_at) VALUES "
            "(:content, :done, :user_id, :due_at, :now, :now) " +
                returning);
  // A nullable field is set when given, so that null clears it; the others keep their value. The
  // version goes up; with :if_match, only when the task's ETag is one of those it names.
  EXPECT_EQ(update<Task>(Dialect::postgresql),
            "UPDATE tasks SET content = COALESCE(:content, content), done = COALESCE(:done, done), "
            "user_id = COALESCE(:user_id, user_id), due_at = CASE WHEN CAST(:due_at_given AS "
            "BOOLEAN) THEN CAST(:due_at AS TIMESTAMPTZ) ELSE due_at END, updated_at = :now, "
            "version = version + 1 WHERE id = :id AND (CAST(:if_match AS TEXT) IS NULL OR "
            "CAST(tasks.version AS TEXT) || '-' || CAST((SELECT u.version FROM users u WHERE u.id "
            "= tasks.user_id) AS TEXT) IN (SELECT value FROM "
            "json_array_elements_text(CAST(:if_match AS TEXT)::json))) " +
                returning);
  EXPECT_EQ(filters<Task>(Dialect::sqlite, "t"),
            " AND (:done IS NULL OR t.done = :done)"
            " AND (:due_before IS NULL OR t.due_at < :due_before)"
            " AND (:due_after IS NULL OR t.due_at > :due_after)"
            " AND (:tag IS NULL OR (SELECT count(*) FROM task_tags JOIN tags ON tags.id = "
            "task_tags.tag_id WHERE task_tags.task_id = t.id AND lower(tags.name) IN (SELECT "
            "lower(value) FROM json_each(:tag))) = (SELECT count(DISTINCT lower(value)) FROM "
            "json_each(:tag)))"
            // A search: a literal substring in lower case (%, _ and \ escaped).
            R"( AND (:q IS NULL OR lower(t.content) LIKE '%' || replace(replace(replace()"
            R"(lower(:q), '\', '\\'), '%', '\%'), '_', '\_') || '%' ESCAPE '\'))"
            " AND (:created_after IS NULL OR t.created_at > :created_after)"
            " AND (:created_before IS NULL OR t.created_at < :created_before)"
            " AND (:updated_after IS NULL OR t.updated_at > :updated_after)"
            " AND (:updated_before IS NULL OR t.updated_at < :updated_before)");
}

// q= on users searches two fields: either matching is enough.
TEST(Sql, ASearchOfTwoFieldsMatchesEither) {
  const std::string pattern =
      R"('%' || replace(replace(replace(lower(CAST(:q AS TEXT)), '\', '\\'), '%', '\%'), '_', )"
      R"('\_') || '%')";
  const std::string users = filters<models::User>(Dialect::postgresql);
  EXPECT_TRUE(users.starts_with(fmt::format(
      R"( AND (CAST(:q AS TEXT) IS NULL OR lower(name) LIKE {0} ESCAPE '\' OR lower(email) LIKE )"
      R"({0} ESCAPE '\'))",
      pattern)))
      << users;
}

// The same text, prepared once or planned for each execution's values.
TEST(Sql, AStatementCanBePlannedEachTime) {
  const Sql sql("s", [](Dialect) { return std::string("SELECT :a"); });
  EXPECT_FALSE(sql.statement().plan_each_time);
  EXPECT_TRUE(sql.statement(true).plan_each_time);
  EXPECT_EQ(sql.statement(true).sql, sql.statement().sql);
  EXPECT_EQ(sql.statement(true).name, sql.statement().name);
}

}  // namespace
}  // namespace usertasks::repository
