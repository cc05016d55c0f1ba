#include "migrate/compare.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace usertasks::migrate {

namespace {

// Databases print expressions their own way ("lower(email)" vs "lower( email )").
std::string squeezed(const std::string& expression) {
  std::string out;
  for (char c : expression) {
    if (c != ' ' && c != '"') out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

bool same_index(const Index& a, const Index& b) {
  if (a.table != b.table || a.unique != b.unique || a.trigram != b.trigram ||
      a.columns != b.columns)
    return false;
  if (a.expressions.size() != b.expressions.size()) return false;
  for (std::size_t i = 0; i < a.expressions.size(); ++i) {
    if (squeezed(a.expressions[i]) != squeezed(b.expressions[i])) return false;
  }
  return true;
}

// SQLite forgets constraint names: a name counts only when both sides have one.
bool same_name(const std::optional<std::string>& a, const std::optional<std::string>& b) {
  return !a || !b || *a == *b;
}

bool same_key(const ForeignKey& a, const ForeignKey& b) {
  return same_name(a.name, b.name) && a.columns == b.columns && a.references == b.references &&
         a.ref_columns == b.ref_columns && a.on_delete == b.on_delete;
}

bool same_unique(const UniqueConstraint& a, const UniqueConstraint& b) {
  return same_name(a.name, b.name) && a.columns == b.columns;
}

template <class T, class Same>
bool contains(const std::vector<T>& items, const T& item, Same same) {
  return std::any_of(items.begin(), items.end(), [&](const T& x) { return same(x, item); });
}

const Column* find_column(const Table* table, const std::string& name) {
  if (table == nullptr) return nullptr;
  const auto it = std::find_if(table->columns.begin(), table->columns.end(),
                               [&](const Column& c) { return c.name == name; });
  return it == table->columns.end() ? nullptr : &*it;
}

// Gives each live column the logical type `truth` has for it when both are stored alike, and its
// default that type's literal (SQLite's boolean default 0 is false).
void settle(Schema& live, const Schema& truth, const SqlDialect& dialect) {
  for (auto& table : live.tables) {
    for (auto& column : table.columns) {
      const Column* known = find_column(truth.find_table(table.name), column.name);
      if (known == nullptr || dialect.column_type(known->type) != dialect.column_type(column.type))
        continue;
      column.type = known->type;
      if (column.type == LogicalType::boolean && column.default_value) {
        if (const auto* n = std::get_if<std::int64_t>(&*column.default_value)) {
          column.default_value = *n != 0;
        }
      }
    }
  }
}

bool same_column(const Column& a, const Column& b, const SqlDialect& dialect) {
  return dialect.column_type(a.type) == dialect.column_type(b.type) && a.nullable == b.nullable &&
         a.default_value == b.default_value && a.primary_key == b.primary_key &&
         a.identity == b.identity;
}

// Parents before children, so that a new table's foreign keys find their tables.
std::vector<Table> in_creation_order(std::vector<Table> tables) {
  std::vector<Table> ordered;
  while (!tables.empty()) {
    auto ready = std::find_if(tables.begin(), tables.end(), [&](const Table& t) {
      return std::none_of(t.foreign_keys.begin(), t.foreign_keys.end(), [&](const ForeignKey& k) {
        return k.references != t.name &&
               std::any_of(tables.begin(), tables.end(),
                           [&](const Table& other) { return other.name == k.references; });
      });
    });
    if (ready == tables.end()) ready = tables.begin();  // a cycle: the order cannot help
    ordered.push_back(std::move(*ready));
    tables.erase(ready);
  }
  return ordered;
}

class Comparer {
 public:
  Comparer(const Schema& live, const Schema& declared, const SqlDialect& dialect)
      : live_(live), declared_(declared), dialect_(dialect) {}

  Comparison run() {
    for (const auto& index : live_.indexes) {
      const Index* wanted = declared_.find_index(index.name);
      if (wanted == nullptr || !same_index(index, *wanted)) drops_.push_back(DropIndex{index});
    }
    std::vector<Table> new_tables;
    for (const auto& table : declared_.tables) {
      const Table* existing = live_.find_table(table.name);
      if (existing == nullptr) {
        new_tables.push_back(table);
      } else {
        compare_table(*existing, table);
      }
    }
    for (auto& table : in_creation_order(new_tables)) changes_.push_back(CreateTable{table});
    std::vector<Table> old_tables;
    for (const auto& table : live_.tables) {
      if (declared_.find_table(table.name) == nullptr) old_tables.push_back(table);
    }
    auto drop_order = in_creation_order(old_tables);
    for (auto it = drop_order.rbegin(); it != drop_order.rend(); ++it) {
      table_drops_.push_back(DropTable{*it});
    }
    if (!new_tables.empty() && !old_tables.empty()) {
      result_.warnings.push_back(
          "tables are both dropped and created: if one was renamed, edit the revision (as "
          "generated, the old table's rows are lost)");
    }
    for (const auto& index : declared_.indexes) {
      const Index* existing = live_.find_index(index.name);
      if (existing == nullptr || !same_index(*existing, index)) adds_.push_back(CreateIndex{index});
    }
    for (auto* list : {&drops_, &changes_, &table_drops_, &adds_}) {
      for (auto& op : *list) result_.operations.push_back(std::move(op));
    }
    return std::move(result_);
  }

 private:
  void compare_table(const Table& live, const Table& declared) {
    const std::string& name = declared.name;
    for (const auto& key : live.foreign_keys) {
      if (!contains(declared.foreign_keys, key, same_key))
        drops_.push_back(DropForeignKey{name, key});
    }
    for (const auto& unique : live.unique) {
      if (!contains(declared.unique, unique, same_unique))
        drops_.push_back(DropUnique{name, unique});
    }
    std::vector<std::string> added;
    std::vector<std::string> dropped;
    for (const auto& column : declared.columns) {
      const Column* existing = find_column(&live, column.name);
      if (existing == nullptr) {
        changes_.push_back(AddColumn{name, column});
        added.push_back(column.name);
      } else if (!same_column(*existing, column, dialect_)) {
        alter(name, *existing, column);
      }
    }
    for (const auto& column : live.columns) {
      if (find_column(&declared, column.name) == nullptr) {
        column_drops_.push_back(DropColumn{name, column});
        dropped.push_back(column.name);
      }
    }
    for (auto& op : column_drops_) changes_.push_back(std::move(op));
    column_drops_.clear();
    if (!added.empty() && !dropped.empty()) {
      result_.warnings.push_back(
          fmt::format("table {}: column(s) {} dropped and {} added: if this is a rename, edit the "
                      "revision (as generated, the dropped columns' data is lost)",
                      name, comma_list(dropped), comma_list(added)));
    }
    for (const auto& unique : declared.unique) {
      if (!contains(live.unique, unique, same_unique)) adds_.push_back(AddUnique{name, unique});
    }
    for (const auto& key : declared.foreign_keys) {
      if (!contains(live.foreign_keys, key, same_key)) adds_.push_back(AddForeignKey{name, key});
    }
  }

  void alter(const std::string& table, const Column& from, const Column& to) {
    if (from.primary_key != to.primary_key || from.identity != to.identity) {
      result_.warnings.push_back(
          fmt::format("column {}.{}: a primary key or identity change is not generated; write it "
                      "by hand (an \"sql\" operation)",
                      table, to.name));
      return;
    }
    if (from.nullable && !to.nullable) {
      result_.warnings.push_back(
          fmt::format("column {}.{} becomes NOT NULL: existing NULLs make the revision fail; add "
                      "an \"sql\" operation that fills them in first",
                      table, to.name));
    }
    changes_.push_back(AlterColumn{table, from, to});
  }

  const Schema& live_;
  const Schema& declared_;
  const SqlDialect& dialect_;
  Comparison result_;
  // Drops of what depends on columns come first, then table and column changes, then what
  // depends on the new shape: each list runs after the one before.
  std::vector<Operation> drops_;
  std::vector<Operation> changes_;
  std::vector<Operation> column_drops_;
  std::vector<Operation> table_drops_;
  std::vector<Operation> adds_;
};

}  // namespace

Comparison compare(Schema live, Schema declared, const SqlDialect& dialect,
                   const Schema& reference) {
  normalize(live);
  normalize(declared);
  // What this database cannot hold is not a difference (SQLite and a trigram index).
  std::erase_if(declared.indexes, [&](const Index& i) { return !dialect.has(i); });
  settle(live, reference, dialect);
  settle(live, declared, dialect);
  return Comparer(live, declared, dialect).run();
}

std::vector<std::string> comparison_lines(const Comparison& comparison) {
  std::vector<std::string> lines;
  for (const auto& op : comparison.operations) lines.push_back(describe(op));
  for (const auto& warning : comparison.warnings) lines.push_back("warning: " + warning);
  return lines;
}

}  // namespace usertasks::migrate
