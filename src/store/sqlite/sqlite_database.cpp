#include "store/sqlite/sqlite_database.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "store/sqlite/sqlite_connection.hpp"

namespace usertasks::store::sqlite {

namespace asio = boost::asio;

namespace {

bool in_memory(const std::string& path) {
  return path == ":memory:" || path.find("mode=memory") != std::string::npos;
}

}  // namespace

SqliteDatabase::SqliteDatabase(const std::string& path, unsigned workers)
    : path_(path), workers_(in_memory(path) ? 1 : std::max(1U, workers)) {
  // Open one connection now so that a bad path fails at start-up, not on the first request.
  idle_.push_back(std::make_unique<SqliteConnection>(path_));
}

SqliteDatabase::~SqliteDatabase() {
  close();
}

void SqliteDatabase::close() {
  workers_.join();
}

std::unique_ptr<SqliteConnection> SqliteDatabase::acquire() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      auto connection = std::move(idle_.back());
      idle_.pop_back();
      return connection;
    }
  }
  // There are never more borrowers than workers, so the pool grows to the worker count at most.
  return std::make_unique<SqliteConnection>(path_);
}

void SqliteDatabase::release(std::unique_ptr<SqliteConnection> connection) {
  std::lock_guard lock(mutex_);
  idle_.push_back(std::move(connection));
}

awaitable<void> SqliteDatabase::run(Access access, Work work) {
  auto on_worker = [this, access, &work]() -> awaitable<void> {
    auto connection = acquire();
    struct Return {
      SqliteDatabase* db;
      std::unique_ptr<SqliteConnection>& c;
      ~Return() {
        if (c) db->release(std::move(c));
      }
    } give_back{this, connection};

    if (access == Access::read) {
      co_await work(*connection);
      co_return;
    }
    // IMMEDIATE takes the write lock up front, so two writers wait on the busy timeout instead of
    // failing when a read lock cannot be upgraded.
    connection->exec("BEGIN IMMEDIATE");
    try {
      co_await work(*connection);
      connection->exec("COMMIT");
    } catch (...) {
      try {
        connection->exec("ROLLBACK");
      } catch (...) {
        connection.reset();  // a connection in an unknown state is not returned to the pool
      }
      throw;
    }
  };
  co_await asio::co_spawn(workers_, std::move(on_worker), asio::use_awaitable);
}

}  // namespace usertasks::store::sqlite
