#pragma once
// SQLite behind the async Database interface: its blocking calls run on a thread pool of their
// own, each worker borrowing one of the pool's connections. A cancelled run() interrupts its
// worker and returns once it has let go (docs/reliability.md, "Limits": the request timeout).

#include <atomic>
#include <boost/asio/thread_pool.hpp>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/database.hpp"

struct sqlite3;

namespace usertasks::store::sqlite {

class SqliteConnection;

class SqliteDatabase final : public Database {
 public:
  // `path` is a file name or ":memory:"; an in-memory database has one connection and one worker.
  SqliteDatabase(const std::string& path, unsigned workers);
  ~SqliteDatabase() override;

  awaitable<void> run(Access access, Work work) override;
  [[nodiscard]] Dialect dialect() const override { return Dialect::sqlite; }
  [[nodiscard]] PoolStats pool_stats() const override;
  void close() override;

 private:
  // The part of run() that runs on a worker thread.
  awaitable<void> on_worker(Access access, Work& work, const std::atomic<bool>& interrupt);
  std::unique_ptr<SqliteConnection> acquire();
  // Takes back a lent connection; null when it was dropped (its state unknown).
  void release(std::unique_ptr<SqliteConnection> connection);

  std::string path_;
  boost::asio::thread_pool workers_;
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<SqliteConnection>> idle_;
  std::size_t lent_ = 0;                // guarded by mutex_
  std::atomic<std::size_t> queued_{0};  // run() calls waiting for a worker
};

}  // namespace usertasks::store::sqlite
