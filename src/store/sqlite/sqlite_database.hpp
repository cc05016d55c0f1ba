#pragma once
// SQLite behind the async Database interface. SQLite's calls block, so they run on a small thread
// pool of their own, never on an io thread; each worker borrows one of the pool's connections.
//
// Cancellation. A worker cannot be stopped mid-call, so a cancelled run() (a request that timed
// out) raises a flag that the worker's connection watches: a statement in progress stops at its
// next check (sqlite3_progress_handler), a wait for the write lock gives up at its next retry
// (a busy handler of our own), and work still queued for a worker does not start. run() returns
// once the worker has let go, which takes milliseconds; the transaction is rolled back.

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
