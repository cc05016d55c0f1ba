#pragma once
// Migration operations: plain values, each able to produce its own reverse(), so a downgrade is
// the upgrade's operations reversed (in reverse order), not a second hand-written list. Applying
// (via a dialect's render) and writing a revision file are separate consumers of the same values.

#include <optional>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "migrate/schema.hpp"

namespace usertasks::migrate {

struct CreateTable;
struct DropTable;
struct AddColumn;
struct DropColumn;
struct CreateIndex;
struct DropIndex;
struct RawSql;

using Operation =
    std::variant<CreateTable, DropTable, AddColumn, DropColumn, CreateIndex, DropIndex, RawSql>;

// An operation that cannot be undone, e.g. raw SQL written without a "reverse".
class IrreversibleOperation : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct CreateTable {
  Table table;
  [[nodiscard]] Operation reverse() const;
  friend bool operator==(const CreateTable&, const CreateTable&) = default;
};

// Carries the whole table, so that its reverse can create it again.
struct DropTable {
  Table table;
  [[nodiscard]] Operation reverse() const;
  friend bool operator==(const DropTable&, const DropTable&) = default;
};

struct AddColumn {
  std::string table;
  Column column;
  [[nodiscard]] Operation reverse() const;
  friend bool operator==(const AddColumn&, const AddColumn&) = default;
};

// Carries the whole column definition, for the same reason as DropTable.
struct DropColumn {
  std::string table;
  Column column;
  [[nodiscard]] Operation reverse() const;
  friend bool operator==(const DropColumn&, const DropColumn&) = default;
};

struct CreateIndex {
  Index index;
  [[nodiscard]] Operation reverse() const;
  friend bool operator==(const CreateIndex&, const CreateIndex&) = default;
};

struct DropIndex {
  Index index;
  [[nodiscard]] Operation reverse() const;
  friend bool operator==(const DropIndex&, const DropIndex&) = default;
};

// SQL text per dialect: the escape hatch for what the operations above cannot say. Both dialects'
// text is required (possibly empty, meaning "nothing to do here") so that no revision silently
// works on one database only.
struct DialectSql {
  std::string sqlite;
  std::string postgresql;
  friend bool operator==(const DialectSql&, const DialectSql&) = default;
};

struct RawSql {
  DialectSql forward;
  std::optional<DialectSql> backward;  // absent: irreversible
  [[nodiscard]] Operation reverse() const;
  friend bool operator==(const RawSql&, const RawSql&) = default;
};

[[nodiscard]] Operation reverse(const Operation& operation);

// A short human description, e.g. "create_table users", for logs and error messages.
[[nodiscard]] std::string describe(const Operation& operation);

}  // namespace usertasks::migrate
