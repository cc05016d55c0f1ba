#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>
#include <tuple>
#include <utility>

#include "migrate/operations.hpp"

namespace usertasks::migrate {

namespace {

template <class T>
auto find_named(std::vector<T>& items, std::string_view name) {
  return std::find_if(items.begin(), items.end(), [&](const T& t) { return t.name == name; });
}

Table& table_of(Schema& schema, const std::string& name) {
  Table* table = schema.find_table(name);
  if (table == nullptr) throw std::invalid_argument("no table " + name);
  return *table;
}

template <class T>
void erase_equal(std::vector<T>& items, const T& item) {
  items.erase(std::remove(items.begin(), items.end(), item), items.end());
}

struct Apply {
  Schema& s;
  void operator()(const CreateTable& op) const { s.tables.push_back(op.table); }
  void operator()(const DropTable& op) const {
    std::erase_if(s.tables, [&](const Table& t) { return t.name == op.table.name; });
    std::erase_if(s.indexes, [&](const Index& i) { return i.table == op.table.name; });
  }
  void operator()(const AddColumn& op) const { table_of(s, op.table).columns.push_back(op.column); }
  void operator()(const DropColumn& op) const {
    auto& columns = table_of(s, op.table).columns;
    std::erase_if(columns, [&](const Column& c) { return c.name == op.column.name; });
  }
  void operator()(const CreateIndex& op) const { s.indexes.push_back(op.index); }
  void operator()(const DropIndex& op) const {
    std::erase_if(s.indexes, [&](const Index& i) { return i.name == op.index.name; });
  }
  void operator()(const AlterColumn& op) const {
    auto& columns = table_of(s, op.table).columns;
    const auto it = find_named(columns, op.from.name);
    if (it == columns.end())
      throw std::invalid_argument(fmt::format("no column {}.{}", op.table, op.from.name));
    *it = op.to;
  }
  void operator()(const AddForeignKey& op) const {
    table_of(s, op.table).foreign_keys.push_back(op.key);
  }
  void operator()(const DropForeignKey& op) const {
    erase_equal(table_of(s, op.table).foreign_keys, op.key);
  }
  void operator()(const AddUnique& op) const {
    table_of(s, op.table).unique.push_back(op.constraint);
  }
  void operator()(const DropUnique& op) const {
    erase_equal(table_of(s, op.table).unique, op.constraint);
  }
  void operator()(const RawSql&) const {}
};

std::string default_name(const std::string& table, const std::vector<std::string>& columns,
                         std::string_view suffix) {
  std::string name = table;
  for (const auto& column : columns) name += "_" + column;
  // PostgreSQL truncates the stem so that the whole name fits in 63 bytes.
  const std::size_t room = 63 - suffix.size() - 1;
  if (name.size() > room) name.resize(room);
  return fmt::format("{}_{}", name, suffix);
}

}  // namespace

const Table* Schema::find_table(std::string_view name) const {
  const auto it =
      std::find_if(tables.begin(), tables.end(), [&](const Table& t) { return t.name == name; });
  return it == tables.end() ? nullptr : &*it;
}

Table* Schema::find_table(std::string_view name) {
  return const_cast<Table*>(std::as_const(*this).find_table(name));
}

const Index* Schema::find_index(std::string_view name) const {
  const auto it =
      std::find_if(indexes.begin(), indexes.end(), [&](const Index& i) { return i.name == name; });
  return it == indexes.end() ? nullptr : &*it;
}

std::string comma_list(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

bool operator==(const Table& a, const Table& b) {
  const auto same_column = [&](const Column& c) {
    return std::find(b.columns.begin(), b.columns.end(), c) != b.columns.end();
  };
  return a.name == b.name && a.columns.size() == b.columns.size() &&
         std::all_of(a.columns.begin(), a.columns.end(), same_column) &&
         a.foreign_keys == b.foreign_keys && a.unique == b.unique;
}

void normalize(Schema& schema) {
  const auto by_name = [](const auto& a, const auto& b) { return a.name < b.name; };
  std::sort(schema.tables.begin(), schema.tables.end(), by_name);
  std::sort(schema.indexes.begin(), schema.indexes.end(), by_name);
  for (auto& table : schema.tables) {
    std::sort(table.foreign_keys.begin(), table.foreign_keys.end(),
              [](const ForeignKey& a, const ForeignKey& b) {
                return std::tie(a.columns, a.references, a.ref_columns) <
                       std::tie(b.columns, b.references, b.ref_columns);
              });
    std::sort(
        table.unique.begin(), table.unique.end(),
        [](const UniqueConstraint& a, const UniqueConstraint& b) { return a.columns < b.columns; });
  }
}

void apply(Schema& schema, const Operation& operation) {
  std::visit(Apply{schema}, operation);
  normalize(schema);
}

std::string constraint_name(const std::string& table, const ForeignKey& key) {
  return key.name ? *key.name : default_name(table, key.columns, "fkey");
}

std::string constraint_name(const std::string& table, const UniqueConstraint& constraint) {
  return constraint.name ? *constraint.name : default_name(table, constraint.columns, "key");
}

}  // namespace usertasks::migrate
