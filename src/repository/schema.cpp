#include "repository/schema.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "models/models.hpp"
#include "repository/events.hpp"
#include "repository/idempotency.hpp"

namespace usertasks::repository {

namespace {

using migrate::LogicalType;
using models::Field;
using models::FieldType;

LogicalType logical_type(FieldType type) {
  switch (type) {
    case FieldType::text:
      return LogicalType::text;
    case FieldType::boolean:
      return LogicalType::boolean;
    case FieldType::timestamp:
      return LogicalType::timestamp;
    case FieldType::id:
    case FieldType::reference:
    case FieldType::names:
      break;
  }
  return LogicalType::bigint;
}

// A reference that goes with the record it references.
migrate::ForeignKey cascade(std::string_view column, std::string_view table) {
  migrate::ForeignKey key;
  key.columns = {std::string(column)};
  key.references = table;
  key.ref_columns = {"id"};
  key.on_delete = migrate::OnDelete::cascade;
  return key;
}

// The join table of a names field: both columns its primary key, both going with their records,
// and an index from the linked side.
void declare_link(migrate::Schema& schema, std::string_view owner_table, const models::Link& link) {
  migrate::Table table;
  table.name = link.table;
  for (const std::string_view name : {link.owner, link.target}) {
    migrate::Column c;
    c.name = name;
    c.type = LogicalType::bigint;
    c.nullable = false;
    c.primary_key = true;
    table.columns.push_back(std::move(c));
  }
  table.foreign_keys.push_back(cascade(link.owner, owner_table));
  table.foreign_keys.push_back(cascade(link.target, link.target_table));
  schema.tables.push_back(std::move(table));
  migrate::Index index;
  index.name = link.target_index;
  index.table = link.table;
  index.columns = {std::string(link.target), std::string(link.owner)};
  schema.indexes.push_back(std::move(index));
}

migrate::Column column(const Field& f) {
  migrate::Column c;
  c.name = f.name;
  c.type = logical_type(f.type);
  c.nullable = f.nullable;
  c.primary_key = c.identity = f.type == FieldType::id;
  if (f.type == FieldType::boolean && !f.default_json.empty()) {
    c.default_value = f.default_json == "true";
  }
  return c;
}

// The write count every entity's table has (models::version_column): 1 for a new record.
migrate::Column version_column() {
  migrate::Column c;
  c.name = models::version_column;
  c.type = LogicalType::bigint;
  c.nullable = false;
  c.default_value = std::int64_t{1};
  return c;
}

// The index that serves the orders of sort=FIELD and sort=-FIELD (models::Sorting::indexed): on
// (the field, id), which the order's keyset compares as one row value. On plain columns only, so
// that it reads the same on both databases: a text order compares in byte order, which PostgreSQL
// indexes only with COLLATE "C", and a nullable one through COALESCE.
migrate::Index sort_index(std::string_view table, const Field& f) {
  if (f.type == FieldType::text || f.type == FieldType::names || f.nullable) {
    throw std::logic_error("an index serves the order of a plain column only");
  }
  migrate::Index index;
  index.name = fmt::format("{}_{}_id_idx", table, f.name);
  index.table = table;
  index.columns = {std::string(f.name), "id"};
  return index;
}

template <class T>
void declare(migrate::Schema& schema) {
  using E = models::Entity<T>;
  migrate::Table table;
  table.name = E::table;
  for (const Field& f : E::fields) {
    if (f.type == FieldType::names) {
      declare_link(schema, E::table, *f.link);
      continue;
    }
    table.columns.push_back(column(f));
    if (f.type == FieldType::reference) table.foreign_keys.push_back(cascade(f.name, f.references));
  }
  table.columns.push_back(version_column());
  schema.tables.push_back(std::move(table));
  for (const Field& f : E::fields) {
    if (f.sorting == models::Sorting::indexed && f.type != FieldType::id) {
      schema.indexes.push_back(sort_index(E::table, f));
    }
  }
  for (const models::IndexSpec& index : E::indexes) {
    migrate::Index i;
    i.name = index.name;
    i.table = E::table;
    i.unique = index.unique;
    i.trigram = index.trigram;
    if (!index.column.empty()) i.columns.emplace_back(index.column);
    if (!index.expression.empty()) i.expressions.emplace_back(index.expression);
    schema.indexes.push_back(std::move(i));
  }
}

migrate::Schema build() {
  migrate::Schema schema;
  declare<models::User>(schema);
  declare<models::Task>(schema);
  declare<models::Tag>(schema);
  declare_idempotency_keys(schema);  // not an entity: the stored answers of Idempotency-Key
  declare_events(schema);            // nor the change feed's outbox
  migrate::normalize(schema);
  return schema;
}

}  // namespace

const migrate::Schema& declared_schema() {
  static const migrate::Schema schema = build();
  return schema;
}

migrate::Column plain_column(std::string_view name, migrate::LogicalType type, bool nullable,
                             bool primary_key) {
  migrate::Column c;
  c.name = name;
  c.type = type;
  c.nullable = nullable;
  c.primary_key = primary_key;
  return c;
}

}  // namespace usertasks::repository
