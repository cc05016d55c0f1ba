#pragma once
// What the Idempotency-Key tests share: keyed requests, counting records, and reaching the
// service's database from the test (to count stored answers, and to hold a lock that keeps a
// request in flight).

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include <chrono>
#include <string>
#include <thread>

#include "harness.hpp"
#include "metrics_text.hpp"

namespace usertasks::testing {

inline bool replayed(const Response& r) {
  return r.header("Idempotent-Replayed") == "true";
}

inline Response keyed_post(Client& client, std::string_view target, const json::value& body,
                           const std::string& key, Headers headers = {}) {
  headers.emplace_back("Idempotency-Key", key);
  return client.request("POST", target, to_text(body), headers);
}

// The number of records GET `collection` lists (its X-Total-Count).
inline std::int64_t count_of(Client& client, std::string_view collection,
                             const Headers& headers = {}) {
  Headers with = headers;
  with.emplace_back("Prefer", "count=exact");
  const Response r = client.request("GET", fmt::format("{}?limit=1", collection), "", with);
  EXPECT_EQ(r.status, 200U) << r.describe();
  return r.has_header("X-Total-Count") ? std::stoll(r.header("X-Total-Count")) : -1;
}

// The service's database, from the test's own connection (libpq, or the SQLite library).
class ServiceDatabase {
 public:
  ServiceDatabase(const std::string& backend, const std::string& url) {
    if (backend == "postgresql") {
      pg_ = PQconnectdb(url.c_str());
      EXPECT_EQ(PQstatus(pg_), CONNECTION_OK) << PQerrorMessage(pg_);
    } else {
      const std::string path = url.substr(std::string_view("sqlite:").size());
      EXPECT_EQ(sqlite3_open(path.c_str(), &sqlite_), SQLITE_OK);
      sqlite3_busy_timeout(sqlite_, 5000);
    }
  }
  ~ServiceDatabase() {
    if (pg_ != nullptr) PQfinish(pg_);
    if (sqlite_ != nullptr) sqlite3_close(sqlite_);
  }
  ServiceDatabase(const ServiceDatabase&) = delete;
  ServiceDatabase& operator=(const ServiceDatabase&) = delete;

  // The one integer `sql` answers; -1 on an error (a test failure).
  std::int64_t integer(const std::string& sql) {
    std::int64_t value = -1;
    if (pg_ != nullptr) {
      PGresult* r = PQexec(pg_, sql.c_str());
      if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
        value = std::stoll(PQgetvalue(r, 0, 0));
      } else {
        ADD_FAILURE() << sql << ": " << PQerrorMessage(pg_);
      }
      PQclear(r);
      return value;
    }
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(sqlite_, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      value = sqlite3_column_int64(stmt, 0);
    } else {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(sqlite_);
    }
    sqlite3_finalize(stmt);
    return value;
  }

  std::int64_t stored_answers() { return integer("SELECT count(*) FROM idempotency_keys"); }

  // Makes every insert of a task wait, until release(): PostgreSQL, a SHARE lock on tasks (reads
  // go on); SQLite, the write lock (BEGIN IMMEDIATE: every writer waits, readers go on).
  void hold_task_inserts() {
    if (pg_ != nullptr) {
      exec_pg("BEGIN; LOCK TABLE tasks IN SHARE MODE");
    } else {
      EXPECT_EQ(sqlite3_exec(sqlite_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
    }
  }
  void release() {
    if (pg_ != nullptr) {
      exec_pg("ROLLBACK");
    } else {
      EXPECT_EQ(sqlite3_exec(sqlite_, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
    }
  }
  // PostgreSQL: the other sessions of this database waiting for a lock.
  std::int64_t waiting_for_locks() {
    return integer(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'");
  }
  [[nodiscard]] bool postgres() const { return pg_ != nullptr; }

 private:
  void exec_pg(const char* sql) {
    PGresult* r = PQexec(pg_, sql);
    EXPECT_EQ(PQresultStatus(r), PGRES_COMMAND_OK) << sql << ": " << PQerrorMessage(pg_);
    PQclear(r);
  }

  PGconn* pg_ = nullptr;
  sqlite3* sqlite_ = nullptr;
};

// Waits (bounded) until `done` holds; returns whether it did.
template <class F>
bool wait_until(F done, std::chrono::milliseconds limit = std::chrono::seconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace usertasks::testing
