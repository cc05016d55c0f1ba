// Reading a SQLite schema back through its table-valued PRAGMA functions, which take the table
// name as a parameter, and sqlite_master for the text of expression indexes.

#include <algorithm>
#include <array>

#include "migrate/introspect.hpp"

namespace usertasks::migrate {

namespace {

constexpr store::Statement tables_sql{"migrate_sqlite_tables",
                                      "SELECT name FROM sqlite_master WHERE type = 'table' AND "
                                      "name NOT LIKE 'sqlite\\_%' ESCAPE '\\' "
                                      "AND name <> 'usertasks_migrations' ORDER BY name"};
constexpr store::Statement columns_sql{"migrate_sqlite_columns",
                                       "SELECT name, upper(type), \"notnull\", dflt_value, pk FROM "
                                       "pragma_table_info($1) ORDER BY cid"};
constexpr store::Statement foreign_keys_sql{
    "migrate_sqlite_foreign_keys",
    "SELECT id, \"table\", \"from\", \"to\", on_delete FROM pragma_foreign_key_list($1) "
    "ORDER BY id, seq"};
constexpr store::Statement indexes_sql{
    "migrate_sqlite_indexes",
    "SELECT l.name, l.\"unique\", l.origin, m.sql FROM pragma_index_list($1) l "
    "LEFT JOIN sqlite_master m ON m.type = 'index' AND m.name = l.name ORDER BY l.name"};
constexpr store::Statement index_keys_sql{
    "migrate_sqlite_index_keys",
    "SELECT cid, name FROM pragma_index_xinfo($1) WHERE key = 1 ORDER BY seqno"};

LogicalType logical_type(const std::string& type) {
  if (type.find("INT") != std::string::npos) return LogicalType::bigint;
  if (type.find("BOOL") != std::string::npos) return LogicalType::boolean;
  if (type.find("TIMESTAMP") != std::string::npos) return LogicalType::timestamp;
  return LogicalType::text;
}

OnDelete on_delete(const std::string& action) {
  if (action == "CASCADE") return OnDelete::cascade;
  if (action == "RESTRICT") return OnDelete::restrict;
  if (action == "SET NULL") return OnDelete::set_null;
  if (action == "SET DEFAULT") return OnDelete::set_default;
  return OnDelete::no_action;
}

// The key list of "CREATE [UNIQUE] INDEX name ON table (keys) [WHERE ...]" as written.
std::vector<std::string> index_keys(const std::string& sql) {
  const auto open = sql.find('(', sql.find(" ON "));
  if (open == std::string::npos) return {};
  int depth = 0;
  for (std::size_t i = open; i < sql.size(); ++i) {
    if (sql[i] == '(') ++depth;
    if (sql[i] == ')' && --depth == 0) return split_top_level(sql.substr(open + 1, i - open - 1));
  }
  return {};
}

store::awaitable<Table> read_table(store::Connection& c, const std::string& name,
                                   std::vector<Index>& indexes) {
  Table table{name, {}, {}, {}};
  const std::array<store::Value, 1> params{name};
  std::vector<std::string> declared_types;
  for (const auto& row : co_await c.execute(columns_sql, params)) {
    Column column{row.text(0),  logical_type(row.text(1)), row.integer(2) == 0,
                  std::nullopt, row.integer(4) != 0,       false};
    if (!row.is_null(3)) column.default_value = parse_default_sql(row.text(3), column.type);
    if (column.primary_key) column.nullable = false;
    declared_types.push_back(row.text(1));
    table.columns.push_back(std::move(column));
  }
  const auto keys = std::count_if(table.columns.begin(), table.columns.end(),
                                  [](const Column& col) { return col.primary_key; });
  for (std::size_t i = 0; i < table.columns.size(); ++i) {
    // Only a lone key column declared exactly INTEGER is the rowid, the database-assigned key.
    table.columns[i].identity =
        table.columns[i].primary_key && keys == 1 && declared_types[i] == "INTEGER";
  }
  std::int64_t current_id = -1;
  for (const auto& row : co_await c.execute(foreign_keys_sql, params)) {
    if (row.integer(0) != current_id) {
      current_id = row.integer(0);
      table.foreign_keys.push_back({std::nullopt, {}, row.text(1), {}, on_delete(row.text(4))});
    }
    table.foreign_keys.back().columns.push_back(row.text(2));
    table.foreign_keys.back().ref_columns.push_back(row.text(3));
  }
  for (const auto& row : co_await c.execute(indexes_sql, params)) {
    const std::string& origin = row.text(2);
    if (origin == "pk") continue;
    const std::array<store::Value, 1> index_params{row.text(0)};
    std::vector<std::string> columns;
    bool expression = false;
    for (const auto& key : co_await c.execute(index_keys_sql, index_params)) {
      expression = expression || key.integer(0) == -2;
      columns.push_back(key.is_null(1) ? std::string() : key.text(1));
    }
    if (origin == "u") {
      table.unique.push_back({std::nullopt, std::move(columns)});
      continue;
    }
    Index index{row.text(0), name, {}, {}, row.integer(1) != 0};
    if (expression && !row.is_null(3)) {
      index.expressions = index_keys(row.text(3));
    } else {
      index.columns = std::move(columns);
    }
    indexes.push_back(std::move(index));
  }
  co_return table;
}

}  // namespace

store::awaitable<Schema> introspect_sqlite(store::Connection& connection) {
  Schema schema;
  for (const auto& row : co_await connection.execute(tables_sql, {})) {
    Table table = co_await read_table(connection, row.text(0), schema.indexes);
    schema.tables.push_back(std::move(table));
  }
  normalize(schema);
  co_return schema;
}

}  // namespace usertasks::migrate
