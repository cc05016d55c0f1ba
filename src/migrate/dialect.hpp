#pragma once
// Every difference between SQLite and PostgreSQL that migrations care about lives in a SqlDialect.
// The base class renders standard SQL; a dialect overrides only where its database differs (like
// alembic's DefaultImpl and its per-database subclasses). Nothing else in migrate/ branches on the
// database.

#include <string>
#include <string_view>
#include <vector>

#include "migrate/operations.hpp"
#include "store/database.hpp"

namespace usertasks::migrate {

class SqlDialect {
 public:
  virtual ~SqlDialect() = default;

  [[nodiscard]] virtual store::Dialect id() const = 0;
  // The key used for this dialect in revision files ("sqlite", "postgresql").
  [[nodiscard]] virtual std::string_view name() const = 0;

  // The statements that carry out `operation`, in order, without trailing semicolons. `before` is
  // the schema the operation runs on (normal form); only operations that SQLite carries out by
  // rebuilding a table need it. Throws std::invalid_argument for an operation this database
  // cannot express.
  [[nodiscard]] std::vector<std::string> render(const Operation& operation,
                                                const Schema& before = {}) const;

  // Reads the live schema back (normal form), leaving out the version table and the database's
  // own tables. Logical types are the dialect's best guess (SQLite's INTEGER may be a boolean);
  // compare() settles them against the revisions' schema.
  [[nodiscard]] virtual store::awaitable<Schema> introspect(
      store::Connection& connection) const = 0;

  // After a migration's statements and before its commit: a statement listing rows that break a
  // foreign key (SQLite defers those checks while it rebuilds tables); nullptr when the database
  // checks keys itself.
  [[nodiscard]] virtual const store::Statement* foreign_key_check() const { return nullptr; }

  // The SQL type of a logical type here; two columns whose types render alike are the same.
  [[nodiscard]] virtual std::string column_type(LogicalType type) const = 0;

  // Runs first in every migration transaction so that concurrent upgraders serialize. Empty when
  // the transaction itself already does (SQLite's BEGIN IMMEDIATE takes the write lock).
  [[nodiscard]] virtual std::string_view lock_statement() const = 0;

  // A statement returning one row, one integer column: non-zero when `usertasks_migrations`
  // exists. Lets `db current` look without creating anything.
  [[nodiscard]] virtual const store::Statement& version_table_exists() const = 0;

  // Whether this database keeps such an index; one it does not (SQLite: a trigram index) is
  // created and dropped as nothing, and left out of the schema it is compared with.
  [[nodiscard]] virtual bool has(const Index& /*index*/) const { return true; }

  // An identifier as SQL, quoted only where needed (a reserved word) to keep the SQL readable.
  [[nodiscard]] std::string identifier(std::string_view name) const;

 protected:
  // The whole definition after the column name of a database-assigned primary key.
  [[nodiscard]] virtual std::string identity_definition() const = 0;
  [[nodiscard]] virtual std::string boolean_literal(bool value) const = 0;
  [[nodiscard]] virtual const std::string& raw_text(const DialectSql& sql) const = 0;

  [[nodiscard]] virtual std::vector<std::string> create_table(const Table& table) const;
  [[nodiscard]] virtual std::vector<std::string> drop_table(const Table& table) const;
  [[nodiscard]] virtual std::vector<std::string> add_column(const std::string& table,
                                                            const Column& column) const;
  [[nodiscard]] virtual std::vector<std::string> create_index(const Index& index) const;
  [[nodiscard]] virtual std::vector<std::string> drop_index(const Index& index) const;
  [[nodiscard]] virtual std::vector<std::string> drop_column(const std::string& table,
                                                             const Column& column,
                                                             const Schema& before) const;
  // Type, nullability and default changes; foreign keys and unique constraints added or dropped.
  [[nodiscard]] virtual std::vector<std::string> change_table(const Operation& operation,
                                                              const Schema& before) const;
  [[nodiscard]] std::vector<std::string> alter_column(const AlterColumn& op) const;

  [[nodiscard]] std::string column_definition(const Column& column) const;
  [[nodiscard]] std::string literal(const DefaultValue& value) const;
  [[nodiscard]] std::string identifier_list(const std::vector<std::string>& names) const;
  [[nodiscard]] std::string foreign_key_clause(const ForeignKey& key) const;
};

[[nodiscard]] const SqlDialect& sqlite_dialect();
[[nodiscard]] const SqlDialect& postgresql_dialect();
[[nodiscard]] const SqlDialect& sql_dialect(store::Dialect dialect);

}  // namespace usertasks::migrate
