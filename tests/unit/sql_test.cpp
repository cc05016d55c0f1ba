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
  EXPECT_EQ(columns<Task>("t"),
            "t.id, t.content, t.done, t.user_id, t.due_at, t.created_at, t.updated_at");
  EXPECT_EQ(insert<Task>(),
            "INSERT INTO tasks (content, done, user_id, due_at, created_at, updated_at) VALUES "
            "(:content, :done, :user_id, :due_at, :now, :now) RETURNING id, content, done, "
            "user_id, due_at, created_at, updated_at");
  // A nullable field is set when given, so that null clears it; the others keep their value.
  EXPECT_EQ(update<Task>(Dialect::sqlite),
            "UPDATE tasks SET content = COALESCE(:content, content), done = COALESCE(:done, done), "
            "user_id = COALESCE(:user_id, user_id), due_at = CASE WHEN :due_at_given THEN :due_at "
            "ELSE due_at END, updated_at = :now WHERE id = :id RETURNING id, content, done, "
            "user_id, due_at, created_at, updated_at");
  EXPECT_EQ(filters<Task>(Dialect::postgresql, "t"),
            " AND (CAST(:done AS BOOLEAN) IS NULL OR t.done = CAST(:done AS BOOLEAN))"
            " AND (CAST(:due_before AS TIMESTAMPTZ) IS NULL OR t.due_at < CAST(:due_before AS "
            "TIMESTAMPTZ)) AND (CAST(:due_after AS TIMESTAMPTZ) IS NULL OR t.due_at > "
            "CAST(:due_after AS TIMESTAMPTZ))");
}

}  // namespace
}  // namespace usertasks::repository
