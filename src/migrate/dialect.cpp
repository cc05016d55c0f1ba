#include "migrate/dialect.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <stdexcept>
#include <type_traits>

#include "migrate/introspect.hpp"

namespace usertasks::migrate {

namespace {

// Words that cannot be a bare table or column name in at least one of the two databases.
constexpr std::array<std::string_view, 44> reserved_words = {
    "all",        "and",        "as",      "asc",   "both",     "case", "check", "column",
    "constraint", "create",     "default", "desc",  "distinct", "else", "end",   "from",
    "grant",      "group",      "having",  "in",    "index",    "into", "is",    "key",
    "like",       "limit",      "not",     "null",  "offset",   "on",   "or",    "order",
    "primary",    "references", "select",  "table", "then",     "to",   "union", "unique",
    "user",       "when",       "where",   "with"};

bool is_plain_identifier(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::string on_delete_clause(OnDelete action) {
  switch (action) {
    case OnDelete::no_action:
      return {};  // both databases' default; leaving it out keeps the common case short
    case OnDelete::restrict:
      return " ON DELETE RESTRICT";
    case OnDelete::cascade:
      return " ON DELETE CASCADE";
    case OnDelete::set_null:
      return " ON DELETE SET NULL";
    case OnDelete::set_default:
      return " ON DELETE SET DEFAULT";
  }
  return {};
}

}  // namespace

std::string SqlDialect::identifier(std::string_view name) const {
  const bool reserved =
      std::find(reserved_words.begin(), reserved_words.end(), name) != reserved_words.end();
  if (is_plain_identifier(name) && !reserved) return std::string(name);
  std::string quoted = "\"";
  for (char c : name) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

std::string SqlDialect::identifier_list(const std::vector<std::string>& names) const {
  std::string out;
  for (const auto& name : names) {
    if (!out.empty()) out += ", ";
    out += identifier(name);
  }
  return out;
}

std::string SqlDialect::literal(const DefaultValue& value) const {
  if (const auto* n = std::get_if<std::int64_t>(&value)) return std::to_string(*n);
  if (const auto* b = std::get_if<bool>(&value)) return boolean_literal(*b);
  std::string quoted = "'";
  for (char c : std::get<std::string>(value)) {
    if (c == '\'') quoted += '\'';
    quoted += c;
  }
  quoted += '\'';
  return quoted;
}

std::string SqlDialect::column_definition(const Column& column) const {
  std::string sql = identifier(column.name) + " ";
  if (column.identity) return sql + identity_definition();
  sql += column_type(column.type);
  if (!column.nullable) sql += " NOT NULL";
  if (column.default_value) sql += " DEFAULT " + literal(*column.default_value);
  return sql;
}

std::string SqlDialect::foreign_key_clause(const ForeignKey& key) const {
  return fmt::format("FOREIGN KEY ({}) REFERENCES {} ({}){}", identifier_list(key.columns),
                     identifier(key.references), identifier_list(key.ref_columns),
                     on_delete_clause(key.on_delete));
}

std::vector<std::string> SqlDialect::create_table(const Table& table) const {
  std::vector<std::string> parts;
  const auto key_count = std::count_if(table.columns.begin(), table.columns.end(),
                                       [](const Column& c) { return c.primary_key; });
  std::vector<std::string> key_columns;
  for (const auto& column : table.columns) {
    std::string part = column_definition(column);
    if (column.primary_key && !column.identity && key_count == 1) part += " PRIMARY KEY";
    if (column.primary_key) key_columns.push_back(column.name);
    parts.push_back(std::move(part));
  }
  if (key_count > 1) parts.push_back("PRIMARY KEY (" + identifier_list(key_columns) + ")");
  for (const auto& unique : table.unique) {
    std::string part = unique.name ? "CONSTRAINT " + identifier(*unique.name) + " " : "";
    parts.push_back(part + "UNIQUE (" + identifier_list(unique.columns) + ")");
  }
  for (const auto& fk : table.foreign_keys) {
    std::string part = fk.name ? "CONSTRAINT " + identifier(*fk.name) + " " : "";
    parts.push_back(part + foreign_key_clause(fk));
  }
  std::string sql = "CREATE TABLE " + identifier(table.name) + " (";
  for (std::size_t i = 0; i < parts.size(); ++i) {
    sql += (i == 0 ? "\n  " : ",\n  ") + parts[i];
  }
  sql += "\n)";
  return {sql};
}

std::vector<std::string> SqlDialect::drop_table(const Table& table) const {
  return {"DROP TABLE " + identifier(table.name)};
}

std::vector<std::string> SqlDialect::add_column(const std::string& table,
                                                const Column& column) const {
  return {"ALTER TABLE " + identifier(table) + " ADD COLUMN " + column_definition(column)};
}

std::vector<std::string> SqlDialect::drop_column(const std::string& table, const Column& column,
                                                 const Schema& /*before*/) const {
  return {"ALTER TABLE " + identifier(table) + " DROP COLUMN " + identifier(column.name)};
}

std::vector<std::string> SqlDialect::create_index(const Index& index) const {
  if (!has(index)) return {};
  std::string keys;
  for (const auto& column : index.columns) {
    if (!keys.empty()) keys += ", ";
    keys += identifier(column);
    if (index.trigram) keys += " gin_trgm_ops";
  }
  for (const auto& expression : index.expressions) {
    if (!keys.empty()) keys += ", ";
    keys += expression;  // validated when parsed; SQL by design
    if (index.trigram) keys += " gin_trgm_ops";
  }
  std::vector<std::string> statements;
  // The extension is the database's, not the revision's: created when missing, never dropped.
  if (index.trigram) statements.emplace_back("CREATE EXTENSION IF NOT EXISTS pg_trgm");
  // A pending list of 256 kB instead of 4 MB: every search reads the whole list, which at 4 MB
  // made a search of 20,000 names take 45 ms; the writes cost no more (docs/performance.md).
  statements.push_back(fmt::format("CREATE {}INDEX {} ON {}{} ({}){}",
                                   index.unique ? "UNIQUE " : "", identifier(index.name),
                                   identifier(index.table), index.trigram ? " USING gin" : "", keys,
                                   index.trigram ? " WITH (gin_pending_list_limit = 256)" : ""));
  // ANALYZE keeps 1,000 values of each expression instead of 100, so that the planner tells a
  // text in 0.1 % of the rows from one in 1 %: the walk in id order that suits the one reads the
  // table for the other.
  for (std::size_t i = 0; index.trigram && i < index.expressions.size(); ++i) {
    statements.push_back(fmt::format("ALTER INDEX {} ALTER COLUMN {} SET STATISTICS 1000",
                                     identifier(index.name), i + 1));
  }
  return statements;
}

std::vector<std::string> SqlDialect::drop_index(const Index& index) const {
  if (!has(index)) return {};
  return {"DROP INDEX " + identifier(index.name)};
}

std::vector<std::string> SqlDialect::alter_column(const AlterColumn& op) const {
  if (op.from.name != op.to.name || op.from.primary_key != op.to.primary_key ||
      op.from.identity != op.to.identity) {
    throw std::invalid_argument(
        fmt::format("alter_column {}.{} can change only the type, nullability and default",
                    op.table, op.from.name));
  }
  const std::string prefix =
      fmt::format("ALTER TABLE {} ALTER COLUMN {} ", identifier(op.table), identifier(op.to.name));
  std::vector<std::string> statements;
  // The old default may not convert to the new type: drop it first, set the new one after.
  const bool default_changes = op.from.default_value != op.to.default_value;
  if (op.from.default_value && (default_changes || op.from.type != op.to.type)) {
    statements.push_back(prefix + "DROP DEFAULT");
  }
  if (op.from.type != op.to.type) {
    const std::string type = column_type(op.to.type);
    statements.push_back(
        fmt::format("{}TYPE {} USING {}::{}", prefix, type, identifier(op.to.name), type));
  }
  if (op.to.default_value && (default_changes || op.from.type != op.to.type)) {
    statements.push_back(prefix + "SET DEFAULT " + literal(*op.to.default_value));
  }
  if (op.from.nullable != op.to.nullable) {
    statements.push_back(prefix + (op.to.nullable ? "DROP NOT NULL" : "SET NOT NULL"));
  }
  return statements;
}

std::vector<std::string> SqlDialect::change_table(const Operation& operation,
                                                  const Schema& /*before*/) const {
  const auto alter = [this](const std::string& table) {
    return "ALTER TABLE " + identifier(table) + " ";
  };
  return std::visit(
      [&](const auto& op) -> std::vector<std::string> {
        using Op = std::decay_t<decltype(op)>;
        if constexpr (std::is_same_v<Op, AlterColumn>) {
          return alter_column(op);
        } else if constexpr (std::is_same_v<Op, AddForeignKey>) {
          return {fmt::format("{}ADD CONSTRAINT {} {}", alter(op.table),
                              identifier(constraint_name(op.table, op.key)),
                              foreign_key_clause(op.key))};
        } else if constexpr (std::is_same_v<Op, DropForeignKey>) {
          return {alter(op.table) + "DROP CONSTRAINT " +
                  identifier(constraint_name(op.table, op.key))};
        } else if constexpr (std::is_same_v<Op, AddUnique>) {
          return {fmt::format("{}ADD CONSTRAINT {} UNIQUE ({})", alter(op.table),
                              identifier(constraint_name(op.table, op.constraint)),
                              identifier_list(op.constraint.columns))};
        } else if constexpr (std::is_same_v<Op, DropUnique>) {
          return {alter(op.table) + "DROP CONSTRAINT " +
                  identifier(constraint_name(op.table, op.constraint))};
        } else {
          throw std::logic_error("change_table: not a table change");
        }
      },
      operation);
}

std::vector<std::string> SqlDialect::render(const Operation& operation,
                                            const Schema& before) const {
  struct Visitor {
    const SqlDialect& d;
    const Schema& before;
    const Operation& operation;
    std::vector<std::string> operator()(const CreateTable& op) const {
      return d.create_table(op.table);
    }
    std::vector<std::string> operator()(const DropTable& op) const {
      return d.drop_table(op.table);
    }
    std::vector<std::string> operator()(const AddColumn& op) const {
      return d.add_column(op.table, op.column);
    }
    std::vector<std::string> operator()(const DropColumn& op) const {
      return d.drop_column(op.table, op.column, before);
    }
    std::vector<std::string> operator()(const CreateIndex& op) const {
      return d.create_index(op.index);
    }
    std::vector<std::string> operator()(const DropIndex& op) const {
      return d.drop_index(op.index);
    }
    std::vector<std::string> operator()(const AlterColumn&) const {
      return d.change_table(operation, before);
    }
    std::vector<std::string> operator()(const AddForeignKey&) const {
      return d.change_table(operation, before);
    }
    std::vector<std::string> operator()(const DropForeignKey&) const {
      return d.change_table(operation, before);
    }
    std::vector<std::string> operator()(const AddUnique&) const {
      return d.change_table(operation, before);
    }
    std::vector<std::string> operator()(const DropUnique&) const {
      return d.change_table(operation, before);
    }
    std::vector<std::string> operator()(const RawSql& op) const {
      const std::string& text = d.raw_text(op.forward);
      if (text.empty()) return {};
      return {text};
    }
  };
  return std::visit(Visitor{*this, before, operation}, operation);
}

namespace {

class PostgresqlDialect final : public SqlDialect {
 public:
  [[nodiscard]] store::Dialect id() const override { return store::Dialect::postgresql; }
  [[nodiscard]] std::string_view name() const override { return "postgresql"; }

  // A transaction-scoped advisory lock: released by COMMIT or ROLLBACK, so it cannot leak. The key
  // is arbitrary but fixed; every usertasks binary on the database must agree on it.
  [[nodiscard]] std::string_view lock_statement() const override {
    return "SELECT pg_advisory_xact_lock(7251946213)";
  }

  [[nodiscard]] const store::Statement& version_table_exists() const override {
    static constexpr store::Statement statement{
        "migrate_version_table_exists",
        "SELECT count(*) FROM pg_catalog.pg_tables "
        "WHERE schemaname = current_schema() AND tablename = 'usertasks_migrations'"};
    return statement;
  }

  [[nodiscard]] store::awaitable<Schema> introspect(store::Connection& c) const override {
    return introspect_postgresql(c);
  }

  [[nodiscard]] std::string column_type(LogicalType type) const override {
    switch (type) {
      case LogicalType::bigint:
        return "BIGINT";
      case LogicalType::text:
        return "TEXT";
      case LogicalType::timestamp:
        return "TIMESTAMPTZ";
      case LogicalType::boolean:
        return "BOOLEAN";
    }
    throw std::invalid_argument("unknown logical type");
  }

 protected:
  // BY DEFAULT rather than ALWAYS, so that data can be copied in with its ids.
  [[nodiscard]] std::string identity_definition() const override {
    return "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY";
  }

  [[nodiscard]] std::string boolean_literal(bool value) const override {
    return value ? "TRUE" : "FALSE";
  }

  [[nodiscard]] const std::string& raw_text(const DialectSql& sql) const override {
    return sql.postgresql;
  }
};

}  // namespace

const SqlDialect& postgresql_dialect() {
  static const PostgresqlDialect dialect;
  return dialect;
}

const SqlDialect& sql_dialect(store::Dialect dialect) {
  switch (dialect) {
    case store::Dialect::sqlite:
      return sqlite_dialect();
    case store::Dialect::postgresql:
      return postgresql_dialect();
  }
  throw std::invalid_argument("unknown database dialect");
}

}  // namespace usertasks::migrate
