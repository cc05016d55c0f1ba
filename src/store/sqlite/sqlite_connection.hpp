#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "store/database.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace usertasks::store::sqlite {

struct CloseDb {
  void operator()(sqlite3* db) const;
};
struct FinalizeStmt {
  void operator()(sqlite3_stmt* stmt) const;
};
using DbHandle = std::unique_ptr<sqlite3, CloseDb>;
using StmtHandle = std::unique_ptr<sqlite3_stmt, FinalizeStmt>;

// Turns the store's $N placeholders into SQLite's ?N; quoted text is left alone.
std::string to_sqlite_placeholders(std::string_view sql);

// One sqlite3 handle with its prepared statements. Used by one thread at a time; its awaitables
// complete without suspending, on the worker thread that runs them.
class SqliteConnection final : public Connection {
 public:
  explicit SqliteConnection(const std::string& path);

  awaitable<Rows> execute(const Statement& statement, std::span<const Value> params) override;
  awaitable<void> execute_script(std::string_view sql) override;
  [[nodiscard]] Dialect dialect() const override { return Dialect::sqlite; }

  // Synchronous forms, for transaction control on the worker thread.
  Rows run(const Statement& statement, std::span<const Value> params);
  void exec(std::string_view sql);

 private:
  sqlite3_stmt* prepared(const Statement& statement);
  [[noreturn]] void fail(int code, std::string_view context);

  DbHandle db_;
  std::unordered_map<const Statement*, StmtHandle> statements_;
};

}  // namespace usertasks::store::sqlite
