#pragma once
// The dialect-neutral vocabulary of a schema: tables, columns, keys and indexes. Revision files,
// the operations built from them, the models' declared schema and the live database read back by
// `db migrate` / `db check` all speak it, so comparing two schemas is comparing values.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace usertasks::migrate {

enum class LogicalType { bigint, text, timestamp, boolean };

// A column default is a literal; each dialect spells it (booleans differ).
using DefaultValue = std::variant<std::int64_t, bool, std::string>;

struct Column {
  std::string name;
  LogicalType type = LogicalType::text;
  bool nullable = true;
  std::optional<DefaultValue> default_value;
  bool primary_key = false;
  // The database assigns the value (SQLite rowid alias, PostgreSQL identity). Only for a bigint
  // that is the table's sole primary key column.
  bool identity = false;

  friend bool operator==(const Column&, const Column&) = default;
};

enum class OnDelete { no_action, restrict, cascade, set_null, set_default };

struct ForeignKey {
  std::optional<std::string> name;
  std::vector<std::string> columns;
  std::string references;  // the referenced table
  std::vector<std::string> ref_columns;
  OnDelete on_delete = OnDelete::no_action;

  friend bool operator==(const ForeignKey&, const ForeignKey&) = default;
};

struct UniqueConstraint {
  std::optional<std::string> name;
  std::vector<std::string> columns;

  friend bool operator==(const UniqueConstraint&, const UniqueConstraint&) = default;
};

struct Table {
  std::string name;
  std::vector<Column> columns;
  std::vector<ForeignKey> foreign_keys;
  std::vector<UniqueConstraint> unique;

  // The same columns in any order: the service names every column it reads, so the order a
  // table's migrations added them in is not part of the schema.
  friend bool operator==(const Table& a, const Table& b);
};

// An index is on plain columns or on SQL expressions such as "lower(email)", never both.
// A trigram index serves LIKE '%text%' on its text keys: on PostgreSQL a GIN index of pg_trgm's
// gin_trgm_ops (the extension is created with it); SQLite has none, and goes without
// (SqlDialect::has).
struct Index {
  std::string name;
  std::string table;
  std::vector<std::string> columns;
  std::vector<std::string> expressions;
  bool unique = false;
  bool trigram = false;

  friend bool operator==(const Index&, const Index&) = default;
};

// A whole schema. Kept in normal form (see normalize) wherever two are compared.
struct Schema {
  std::vector<Table> tables;
  std::vector<Index> indexes;

  [[nodiscard]] const Table* find_table(std::string_view name) const;
  [[nodiscard]] Table* find_table(std::string_view name);
  [[nodiscard]] const Index* find_index(std::string_view name) const;

  friend bool operator==(const Schema&, const Schema&) = default;
};

// Tables and indexes by name, keys and constraints by their columns: the order a database lists
// them in is not part of the schema. Column order is kept as declared (a new table is created in
// that order) but tables compare equal whatever it is.
void normalize(Schema& schema);

// "a, b, c": names as messages list them.
[[nodiscard]] std::string comma_list(const std::vector<std::string>& names);

[[nodiscard]] std::string_view to_string(LogicalType type);
[[nodiscard]] std::string_view to_string(OnDelete action);

}  // namespace usertasks::migrate
