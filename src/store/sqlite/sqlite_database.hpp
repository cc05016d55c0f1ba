#pragma once
// SQLite behind the async Database interface. Reads run where they are asked for, on the io
// thread, each on a read connection of its own (WAL lets them run beside the writer), bounded in
// time; writes queue for the one writer thread and its connection, which runs them in turn. A
// cancelled write interrupts the writer and returns once it has let go (docs/design.md, "The
// asynchronous store"; docs/reliability.md, "Limits").

#include <atomic>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "store/database.hpp"

namespace usertasks::store::sqlite {

class SqliteConnection;

class SqliteDatabase final : public Database {
 public:
  // `path` is a file name or ":memory:". An in-memory database has one connection, the writer's,
  // which runs reads too. `read_limit` bounds a read (0: no bound): past it the read stops with
  // Unavailable, so that it cannot hold its io thread for longer.
  SqliteDatabase(const std::string& path, std::chrono::milliseconds read_limit);
  ~SqliteDatabase() override;

  awaitable<void> run(Access access, Work work) override;
  [[nodiscard]] Dialect dialect() const override { return Dialect::sqlite; }
  [[nodiscard]] PoolStats pool_stats() const override;
  [[nodiscard]] bool gathers() const override { return true; }
  void close() override;

 private:
  // A read or a snapshot on the calling thread.
  awaitable<void> read_here(Access access, Work& work);
  // run() on the writer thread.
  awaitable<void> on_writer(Access access, Work& work, const std::atomic<bool>& interrupt);
  std::unique_ptr<SqliteConnection> take_reader();
  // Takes back a lent read connection; null when it was dropped (its state unknown).
  void give_back(std::unique_ptr<SqliteConnection> reader);

  std::string path_;
  const bool in_memory_;
  const std::chrono::milliseconds read_limit_;
  // Opened at start, so that a bad path fails then; used on the writer thread only.
  std::unique_ptr<SqliteConnection> writer_connection_;
  boost::asio::thread_pool writer_{1};
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<SqliteConnection>> readers_;  // idle
  std::size_t readers_lent_ = 0;                            // guarded by mutex_
  std::atomic<std::size_t> writes_queued_{0};               // run() calls waiting for the writer
  std::atomic<bool> writing_{false};
};

}  // namespace usertasks::store::sqlite
