#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
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

// Connection-level settings, run on every connection the service opens and by the benchmark's
// ceiling program (why each: docs/design.md, "The asynchronous store").
inline constexpr std::string_view connection_setup =
    "PRAGMA journal_mode = WAL;"
    "PRAGMA synchronous = NORMAL;"
    "PRAGMA foreign_keys = ON;"
    "PRAGMA mmap_size = 268435456;";

// Turns the store's $N placeholders into SQLite's ?N; quoted text is left alone.
std::string to_sqlite_placeholders(std::string_view sql);

// One sqlite3 handle with its prepared statements. Used by one thread at a time; its awaitables
// complete without suspending, on the thread that runs them (an io thread, or the writer).
class SqliteConnection final : public Connection {
 public:
  explicit SqliteConnection(const std::string& path);

  awaitable<Rows> execute(const Statement& statement, std::span<const Value> params) override;
  awaitable<void> execute_script(std::string_view sql) override;
  [[nodiscard]] Dialect dialect() const override { return Dialect::sqlite; }

  // Synchronous forms, for transaction control.
  Rows run(const Statement& statement, std::span<const Value> params);
  void exec(std::string_view sql);

  // While `flag` is set (not null), the connection watches it: once it turns true, a running
  // statement stops with SQLITE_INTERRUPT (checked every few hundred virtual-machine steps) and a
  // wait for a lock gives up at its next retry; both throw Unavailable. Another thread may set the
  // flag at any time; the connection's own thread sets and clears the pointer.
  void watch(const std::atomic<bool>* flag) { interrupt_ = flag; }
  // Until `deadline` (no bound: time_point::max()), the same for a unit of work that runs on the
  // thread that would otherwise set the flag (a read on an io thread): the clock is the flag.
  void limit(std::chrono::steady_clock::time_point deadline) { deadline_ = deadline; }
  // Inside BEGIN ... COMMIT. SQLite ends a transaction on its own after some errors (an interrupt
  // among them), after which ROLLBACK is itself an error.
  [[nodiscard]] bool in_transaction() const;

 private:
  sqlite3_stmt* prepared(const Statement& statement);
  // `statement` compiled with `flags` (SQLITE_PREPARE_PERSISTENT for a kept one).
  StmtHandle prepare(const Statement& statement, unsigned flags);
  // Throws the exception `code` calls for. `os_error` is errno as the failed call left it: SQLite
  // does not always keep the system's error (sqlite3_system_errno is 0 after a failed write).
  [[noreturn]] void fail(int code, std::string_view context, int os_error = 0);
  [[nodiscard]] bool interrupted() const {
    return (interrupt_ != nullptr && interrupt_->load(std::memory_order_relaxed)) ||
           (deadline_ != no_deadline && std::chrono::steady_clock::now() >= deadline_);
  }
  static constexpr std::chrono::steady_clock::time_point no_deadline =
      std::chrono::steady_clock::time_point::max();
  static int on_busy(void* self, int attempt);
  static int on_progress(void* self);

  DbHandle db_;
  std::unordered_map<const Statement*, StmtHandle> statements_;
  const std::atomic<bool>* interrupt_ = nullptr;
  std::chrono::steady_clock::time_point deadline_ = no_deadline;
  std::chrono::steady_clock::time_point busy_since_;
};

}  // namespace usertasks::store::sqlite
