#include "repository/schema.hpp"

#include "models/models.hpp"

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
      break;
  }
  return LogicalType::bigint;
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

template <class T>
void declare(migrate::Schema& schema) {
  using E = models::Entity<T>;
  migrate::Table table;
  table.name = E::table;
  for (const Field& f : E::fields) {
    table.columns.push_back(column(f));
    // A record goes with the one it references.
    if (f.type == FieldType::reference) {
      migrate::ForeignKey key;
      key.columns = {std::string(f.name)};
      key.references = f.references;
      key.ref_columns = {"id"};
      key.on_delete = migrate::OnDelete::cascade;
      table.foreign_keys.push_back(std::move(key));
    }
  }
  schema.tables.push_back(std::move(table));
  for (const models::IndexSpec& index : E::indexes) {
    migrate::Index i;
    i.name = index.name;
    i.table = E::table;
    i.unique = index.unique;
    if (!index.column.empty()) i.columns.emplace_back(index.column);
    if (!index.expression.empty()) i.expressions.emplace_back(index.expression);
    schema.indexes.push_back(std::move(i));
  }
}

migrate::Schema build() {
  migrate::Schema schema;
  declare<models::User>(schema);
  declare<models::Task>(schema);
  migrate::normalize(schema);
  return schema;
}

}  // namespace

const migrate::Schema& declared_schema() {
  static const migrate::Schema schema = build();
  return schema;
}

}  // namespace usertasks::repository
