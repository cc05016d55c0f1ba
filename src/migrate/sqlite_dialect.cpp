// SQLite's differences: its types, its rowid key, and its ALTER TABLE, which can add, rename and
// drop columns but change nothing else, so other changes rebuild the table.

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "migrate/dialect.hpp"
#include "migrate/introspect.hpp"

namespace usertasks::migrate {

namespace {

bool mentions(const std::vector<std::string>& columns, const std::string& column) {
  return std::find(columns.begin(), columns.end(), column) != columns.end();
}

class SqliteDialect final : public SqlDialect {
 public:
  [[nodiscard]] store::Dialect id() const override { return store::Dialect::sqlite; }
  [[nodiscard]] std::string_view name() const override { return "sqlite"; }
  [[nodiscard]] std::string_view lock_statement() const override { return {}; }

  [[nodiscard]] const store::Statement& version_table_exists() const override {
    static constexpr store::Statement statement{"migrate_version_table_exists",
                                                "SELECT count(*) FROM sqlite_master WHERE type = "
                                                "'table' AND name = 'usertasks_migrations'"};
    return statement;
  }

  [[nodiscard]] store::awaitable<Schema> introspect(store::Connection& c) const override {
    return introspect_sqlite(c);
  }

  // A rebuild defers foreign key checks to the commit; this names the offending rows first.
  [[nodiscard]] const store::Statement* foreign_key_check() const override {
    static constexpr store::Statement statement{
        "migrate_foreign_key_check",
        "SELECT \"table\", rowid, parent FROM pragma_foreign_key_check LIMIT 20"};
    return &statement;
  }

  // No trigram index: a search reads the rows it walks.
  [[nodiscard]] bool has(const Index& index) const override { return !index.trigram; }

  [[nodiscard]] std::string column_type(LogicalType type) const override {
    switch (type) {
      case LogicalType::bigint:
      case LogicalType::boolean:
        return "INTEGER";
      case LogicalType::text:
      case LogicalType::timestamp:  // RFC 3339 text from the application, which sorts as time
        return "TEXT";
    }
    throw std::invalid_argument("unknown logical type");
  }

 protected:
  // A rowid alias: the fastest key SQLite has. Not AUTOINCREMENT, which costs a table write per
  // insert to avoid reusing the ids of deleted rows at the end of the table; ids are never reused
  // while a row holds them, which is all the API promises.
  [[nodiscard]] std::string identity_definition() const override { return "INTEGER PRIMARY KEY"; }

  [[nodiscard]] std::string boolean_literal(bool value) const override { return value ? "1" : "0"; }

  [[nodiscard]] const std::string& raw_text(const DialectSql& sql) const override {
    return sql.sqlite;
  }

  // SQLite's ALTER TABLE ADD COLUMN refuses these; say so before any statement of the revision
  // runs rather than half-way through it.
  [[nodiscard]] std::vector<std::string> add_column(const std::string& table,
                                                    const Column& column) const override {
    if (column.primary_key || column.identity) {
      throw std::invalid_argument(
          fmt::format("sqlite cannot add primary key column {}.{}", table, column.name));
    }
    if (!column.nullable && !column.default_value) {
      throw std::invalid_argument(fmt::format(
          "sqlite cannot add NOT NULL column {}.{} without a default", table, column.name));
    }
    return SqlDialect::add_column(table, column);
  }

  // ALTER TABLE DROP COLUMN refuses a column that a key or constraint uses: rebuild instead.
  [[nodiscard]] std::vector<std::string> drop_column(const std::string& table, const Column& column,
                                                     const Schema& before) const override {
    const Table* old_table = before.find_table(table);
    const bool constrained =
        old_table != nullptr &&
        (column.primary_key ||
         std::any_of(old_table->foreign_keys.begin(), old_table->foreign_keys.end(),
                     [&](const ForeignKey& k) { return mentions(k.columns, column.name); }) ||
         std::any_of(old_table->unique.begin(), old_table->unique.end(),
                     [&](const UniqueConstraint& u) { return mentions(u.columns, column.name); }));
    if (!constrained) return SqlDialect::drop_column(table, column, before);
    Table new_table = *old_table;
    std::erase_if(new_table.columns, [&](const Column& c) { return c.name == column.name; });
    std::erase_if(new_table.foreign_keys,
                  [&](const ForeignKey& k) { return mentions(k.columns, column.name); });
    std::erase_if(new_table.unique,
                  [&](const UniqueConstraint& u) { return mentions(u.columns, column.name); });
    return rebuild(*old_table, new_table, before);
  }

  [[nodiscard]] std::vector<std::string> change_table(const Operation& operation,
                                                      const Schema& before) const override {
    // Only the operations that name their table by a string come here.
    const std::string& table = std::visit(
        [](const auto& op) -> const std::string& {
          if constexpr (requires { op.table.c_str(); }) {
            return op.table;
          } else {
            throw std::logic_error("change_table: not a table change");
          }
        },
        operation);
    const Table* old_table = before.find_table(table);
    if (old_table == nullptr) {
      throw std::invalid_argument(
          fmt::format("sqlite rebuilds table {0} for {1} and needs its definition: no table {0} is "
                      "known at this point of the revisions",
                      table, describe(operation)));
    }
    Schema after = before;
    apply(after, operation);
    return rebuild(*old_table, *after.find_table(table), before);
  }

 private:
  // The table rebuild of https://sqlite.org/lang_altertable.html#otheralter, in the migration's
  // transaction. foreign_keys cannot be switched off inside a transaction, so checks are deferred
  // to the commit instead (and Migrator runs foreign_key_check before it).
  [[nodiscard]] std::vector<std::string> rebuild(const Table& old_table, const Table& new_table,
                                                 const Schema& before) const {
    // With foreign keys on, DROP TABLE deletes every row first and so fires the ON DELETE actions
    // of the tables that reference it (a cascade would empty them). Refuse rather than lose data.
    std::vector<std::string> referencing;
    for (const auto& t : before.tables) {
      if (std::any_of(t.foreign_keys.begin(), t.foreign_keys.end(),
                      [&](const ForeignKey& k) { return k.references == old_table.name; })) {
        referencing.push_back(t.name);
      }
    }
    if (!referencing.empty()) {
      throw std::invalid_argument(
          fmt::format("sqlite cannot rebuild table {}, which {} reference(s): dropping it would "
                      "fire their ON DELETE actions; write this change as an \"sql\" operation "
                      "instead",
                      old_table.name, comma_list(referencing)));
    }
    Table temporary = new_table;
    temporary.name = "_new_" + old_table.name;
    std::vector<std::string> kept;
    for (const auto& column : new_table.columns) {
      const bool existed = std::any_of(old_table.columns.begin(), old_table.columns.end(),
                                       [&](const Column& c) { return c.name == column.name; });
      if (existed) kept.push_back(column.name);
    }
    std::vector<std::string> statements{"PRAGMA defer_foreign_keys = ON"};
    for (auto& sql : create_table(temporary)) statements.push_back(std::move(sql));
    statements.push_back(fmt::format("INSERT INTO {0} ({1}) SELECT {1} FROM {2}",
                                     identifier(temporary.name), identifier_list(kept),
                                     identifier(old_table.name)));
    statements.push_back("DROP TABLE " + identifier(old_table.name));
    statements.push_back("ALTER TABLE " + identifier(temporary.name) + " RENAME TO " +
                         identifier(old_table.name));
    // DROP TABLE took the table's indexes with it.
    for (const auto& index : before.indexes) {
      if (index.table != old_table.name) continue;
      const bool columns_remain =
          std::all_of(index.columns.begin(), index.columns.end(), [&](const std::string& c) {
            return std::any_of(new_table.columns.begin(), new_table.columns.end(),
                               [&](const Column& column) { return column.name == c; });
          });
      if (!columns_remain) continue;
      for (auto& sql : create_index(index)) statements.push_back(std::move(sql));
    }
    return statements;
  }
};

}  // namespace

const SqlDialect& sqlite_dialect() {
  static const SqliteDialect dialect;
  return dialect;
}

}  // namespace usertasks::migrate
