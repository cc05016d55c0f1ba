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
struct AlterColumn;
struct AddForeignKey;
struct DropForeignKey;
struct AddUnique;
struct DropUnique;
struct RawSql;

using Operation =
    std::variant<CreateTable, DropTable, AddColumn, DropColumn, CreateIndex, DropIndex, AlterColumn,
                 AddForeignKey, DropForeignKey, AddUnique, DropUnique, RawSql>;

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

// Changes a column's type, nullability or default (not its name, key or identity). Carries both
// definitions, like alembic's existing_type/existing_nullable, so that it can be reversed and so
// that a database without ALTER COLUMN can rebuild the table.
struct AlterColumn {
  std::string table;
  Column from;
  Column to;
  [[nodiscard]] Operation reverse() const;
  friend bool operator==(const AlterColumn&, const AlterColumn&) = default;
};

struct AddForeignKey {
  std::string table;
  ForeignKey key;
  [[nodiscard]] Operation reverse() const;
  friend bool operator==(const AddForeignKey&, const AddForeignKey&) = default;
};

struct DropForeignKey {
  std::string table;
  ForeignKey key;
  [[nodiscard]] Operation reverse() const;
  friend bool operator==(const DropForeignKey&, const DropForeignKey&) = default;
};

struct AddUnique {
  std::string table;
  UniqueConstraint constraint;
  [[nodiscard]] Operation reverse() const;
  friend bool operator==(const AddUnique&, const AddUnique&) = default;
};

struct DropUnique {
  std::string table;
  UniqueConstraint constraint;
  [[nodiscard]] Operation reverse() const;
  friend bool operator==(const DropUnique&, const DropUnique&) = default;
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

// What `operation` does to `schema`, which must be in normal form and stays so: how the schema
// before each operation is known when rendering (a SQLite table rebuild needs the whole table).
// Raw SQL is opaque and changes nothing here.
void apply(Schema& schema, const Operation& operation);

// The names PostgreSQL gives an unnamed constraint, e.g. "tasks_user_id_fkey": what an unnamed
// key is dropped by.
[[nodiscard]] std::string constraint_name(const std::string& table, const ForeignKey& key);
[[nodiscard]] std::string constraint_name(const std::string& table,
                                          const UniqueConstraint& constraint);

// A short human description, e.g. "create_table users", for logs and error messages.
[[nodiscard]] std::string describe(const Operation& operation);

}  // namespace usertasks::migrate
