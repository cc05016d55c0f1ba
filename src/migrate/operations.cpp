#include "migrate/operations.hpp"

#include <fmt/format.h>

namespace usertasks::migrate {

std::string_view to_string(LogicalType type) {
  switch (type) {
    case LogicalType::bigint:
      return "bigint";
    case LogicalType::text:
      return "text";
    case LogicalType::timestamp:
      return "timestamp";
    case LogicalType::boolean:
      return "boolean";
  }
  return "?";
}

std::string_view to_string(OnDelete action) {
  switch (action) {
    case OnDelete::no_action:
      return "no action";
    case OnDelete::restrict:
      return "restrict";
    case OnDelete::cascade:
      return "cascade";
    case OnDelete::set_null:
      return "set null";
    case OnDelete::set_default:
      return "set default";
  }
  return "?";
}

Operation CreateTable::reverse() const {
  return DropTable{table};
}
Operation DropTable::reverse() const {
  return CreateTable{table};
}
Operation AddColumn::reverse() const {
  return DropColumn{table, column};
}
Operation DropColumn::reverse() const {
  return AddColumn{table, column};
}
Operation CreateIndex::reverse() const {
  return DropIndex{index};
}
Operation DropIndex::reverse() const {
  return CreateIndex{index};
}

Operation AlterColumn::reverse() const {
  return AlterColumn{table, to, from};
}
Operation AddForeignKey::reverse() const {
  return DropForeignKey{table, key};
}
Operation DropForeignKey::reverse() const {
  return AddForeignKey{table, key};
}
Operation AddUnique::reverse() const {
  return DropUnique{table, constraint};
}
Operation DropUnique::reverse() const {
  return AddUnique{table, constraint};
}

Operation RawSql::reverse() const {
  if (!backward)
    throw IrreversibleOperation("sql operation has no \"reverse\" and cannot be undone");
  return RawSql{*backward, forward};
}

Operation reverse(const Operation& operation) {
  return std::visit([](const auto& op) { return op.reverse(); }, operation);
}

namespace {

std::string describe_key(const std::string& table, const ForeignKey& key) {
  return fmt::format("{} ({}) -> {} ({}) on delete {}", table, comma_list(key.columns),
                     key.references, comma_list(key.ref_columns), to_string(key.on_delete));
}

struct Describe {
  std::string operator()(const CreateTable& op) const { return "create_table " + op.table.name; }
  std::string operator()(const DropTable& op) const { return "drop_table " + op.table.name; }
  std::string operator()(const AddColumn& op) const {
    return fmt::format("add_column {}.{}", op.table, op.column.name);
  }
  std::string operator()(const DropColumn& op) const {
    return fmt::format("drop_column {}.{}", op.table, op.column.name);
  }
  std::string operator()(const CreateIndex& op) const { return "create_index " + op.index.name; }
  std::string operator()(const DropIndex& op) const { return "drop_index " + op.index.name; }
  std::string operator()(const AlterColumn& op) const {
    std::string changes;
    auto add = [&](const std::string& change) {
      changes += (changes.empty() ? "" : ", ") + change;
    };
    if (op.from.type != op.to.type) add(fmt::format("type {}", to_string(op.to.type)));
    if (op.from.nullable != op.to.nullable) add(op.to.nullable ? "nullable" : "not null");
    if (op.from.default_value != op.to.default_value) add("default");
    return fmt::format("alter_column {}.{}{}{}", op.table, op.to.name, changes.empty() ? "" : ": ",
                       changes);
  }
  std::string operator()(const AddForeignKey& op) const {
    return "add_foreign_key " + describe_key(op.table, op.key);
  }
  std::string operator()(const DropForeignKey& op) const {
    return "drop_foreign_key " + describe_key(op.table, op.key);
  }
  std::string operator()(const AddUnique& op) const {
    return fmt::format("add_unique {} ({})", op.table, comma_list(op.constraint.columns));
  }
  std::string operator()(const DropUnique& op) const {
    return fmt::format("drop_unique {} ({})", op.table, comma_list(op.constraint.columns));
  }
  std::string operator()(const RawSql&) const { return "sql"; }
};

}  // namespace

std::string describe(const Operation& operation) {
  return std::visit(Describe{}, operation);
}

}  // namespace usertasks::migrate
