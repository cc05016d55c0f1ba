#pragma once
// SQLite behind the async Database interface. SQLite's calls block, so they run on a small thread
// pool of their own, never on an io thread; each worker borrows one of the pool's connections.

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
  void close() override;

 private:
  std::unique_ptr<SqliteConnection> acquire();
  void release(std::unique_ptr<SqliteConnection> connection);

  std::string path_;
  boost::asio::thread_pool workers_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<SqliteConnection>> idle_;
};

}  // namespace usertasks::store::sqlite
