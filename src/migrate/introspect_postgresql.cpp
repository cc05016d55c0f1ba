// Reading a PostgreSQL schema back from pg_catalog, in the current schema only. Each query returns
// every table's rows at once, ordered so that the rows of one object are adjacent.

#include <fmt/format.h>

#include "migrate/introspect.hpp"

namespace usertasks::migrate {

namespace {

#define USERTASKS_PG_TABLES                                                           \
  " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema()" \
  " AND c.relkind IN ('r', 'p') AND c.relname <> 'usertasks_migrations'"

constexpr store::Statement tables_sql{"migrate_pg_tables",
                                      "SELECT c.relname FROM pg_class c" USERTASKS_PG_TABLES
                                      " ORDER BY c.relname"};

// A serial's nextval() default is the database assigning the key, like an identity.
constexpr store::Statement columns_sql{
    "migrate_pg_columns",
    "SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,"
    " pg_get_expr(d.adbin, d.adrelid),"
    " a.attidentity <> '' OR coalesce(pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%', false),"
    " EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary"
    " AND a.attnum = ANY (i.indkey))"
    " FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid"
    " LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum" USERTASKS_PG_TABLES
    " AND a.attnum > 0 AND NOT a.attisdropped ORDER BY c.relname, a.attnum"};

constexpr store::Statement foreign_keys_sql{
    "migrate_pg_foreign_keys",
    "SELECT c.relname, con.conname, a.attname, rc.relname, ra.attname, con.confdeltype::text"
    " FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid"
    " JOIN pg_class rc ON rc.oid = con.confrelid"
    " CROSS JOIN LATERAL unnest(con.conkey, con.confkey) WITH ORDINALITY AS k(attnum, refnum, ord)"
    " JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum"
    " JOIN pg_attribute ra ON ra.attrelid = con.confrelid AND ra.attnum = "
    "k.refnum" USERTASKS_PG_TABLES " AND con.contype = 'f' ORDER BY c.relname, con.conname, k.ord"};

constexpr store::Statement unique_sql{
    "migrate_pg_unique",
    "SELECT c.relname, con.conname, a.attname FROM pg_constraint con"
    " JOIN pg_class c ON c.oid = con.conrelid"
    " CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)"
    " JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum" USERTASKS_PG_TABLES
    " AND con.contype = 'u' ORDER BY c.relname, con.conname, k.ord"};

// Indexes that back a constraint (primary key, unique) are the constraint's, not listed here. A
// key of pg_trgm's gin_trgm_ops makes a trigram index.
constexpr store::Statement indexes_sql{
    "migrate_pg_indexes",
    "SELECT ic.relname, c.relname, i.indisunique, i.indkey[k.ord - 1] = 0,"
    " pg_get_indexdef(i.indexrelid, k.ord, true),"
    " EXISTS (SELECT 1 FROM pg_opclass o WHERE o.oid = i.indclass[k.ord - 1]"
    " AND o.opcname = 'gin_trgm_ops')"
    " FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class c ON c.oid = "
    "i.indrelid"
    " CROSS JOIN LATERAL generate_series(1, i.indnkeyatts::int) AS k(ord)" USERTASKS_PG_TABLES
    " AND NOT EXISTS (SELECT 1 FROM pg_constraint con WHERE con.conindid = i.indexrelid"
    " AND con.contype IN ('p', 'u', 'x')) ORDER BY ic.relname, k.ord"};

#undef USERTASKS_PG_TABLES

LogicalType logical_type(const std::string& type) {
  if (type == "bigint" || type == "integer" || type == "smallint") return LogicalType::bigint;
  if (type == "boolean") return LogicalType::boolean;
  if (type.starts_with("timestamp")) return LogicalType::timestamp;
  return LogicalType::text;
}

OnDelete on_delete(const std::string& code) {
  if (code == "c") return OnDelete::cascade;
  if (code == "r") return OnDelete::restrict;
  if (code == "n") return OnDelete::set_null;
  if (code == "d") return OnDelete::set_default;
  return OnDelete::no_action;
}

}  // namespace

store::awaitable<Schema> introspect_postgresql(store::Connection& connection) {
  Schema schema;
  for (const auto& row : co_await connection.execute(tables_sql, {})) {
    schema.tables.push_back({row.text(0), {}, {}, {}});
  }
  for (const auto& row : co_await connection.execute(columns_sql, {})) {
    Table* table = schema.find_table(row.text(0));
    if (table == nullptr) continue;
    Column column{row.text(1),     logical_type(row.text(2)),
                  !row.boolean(3), std::nullopt,
                  row.boolean(6),  row.boolean(5)};
    if (!row.is_null(4) && !column.identity) {
      column.default_value = parse_default_sql(row.text(4), column.type);
    }
    table->columns.push_back(std::move(column));
  }
  std::string last;  // table and constraint of the previous row
  for (const auto& row : co_await connection.execute(foreign_keys_sql, {})) {
    Table* table = schema.find_table(row.text(0));
    if (table == nullptr) continue;
    if (std::string key = fmt::format("{}.{}", row.text(0), row.text(1)); key != last) {
      last = std::move(key);
      table->foreign_keys.push_back({row.text(1), {}, row.text(3), {}, on_delete(row.text(5))});
    }
    table->foreign_keys.back().columns.push_back(row.text(2));
    table->foreign_keys.back().ref_columns.push_back(row.text(4));
  }
  last.clear();
  for (const auto& row : co_await connection.execute(unique_sql, {})) {
    Table* table = schema.find_table(row.text(0));
    if (table == nullptr) continue;
    if (std::string key = fmt::format("{}.{}", row.text(0), row.text(1)); key != last) {
      last = std::move(key);
      table->unique.push_back({row.text(1), {}});
    }
    table->unique.back().columns.push_back(row.text(2));
  }
  for (const auto& row : co_await connection.execute(indexes_sql, {})) {
    if (schema.indexes.empty() || schema.indexes.back().name != row.text(0)) {
      schema.indexes.push_back({row.text(0), row.text(1), {}, {}, row.boolean(2)});
    }
    Index& index = schema.indexes.back();
    (row.boolean(3) ? index.expressions : index.columns).push_back(row.text(4));
    index.trigram = index.trigram || row.boolean(5);
  }
  for (auto& index : schema.indexes) {
    // An index on both columns and expressions is all expressions (a column is one too).
    if (!index.expressions.empty() && !index.columns.empty()) {
      index.expressions.insert(index.expressions.end(), index.columns.begin(), index.columns.end());
      index.columns.clear();
    }
  }
  normalize(schema);
  co_return schema;
}

}  // namespace usertasks::migrate
