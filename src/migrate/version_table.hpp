#pragma once
// The version table, usertasks_migrations: one row per applied revision with the checksum of the
// file as it was when applied. Its SQL is the same on both databases.

#include <string>
#include <string_view>
#include <vector>

#include "migrate/revision.hpp"
#include "store/database.hpp"

namespace usertasks::migrate {

class SqlDialect;

struct AppliedRevision {
  std::string revision;
  std::string checksum;
  std::string applied_at;  // RFC 3339, UTC
};

namespace version_table {

// Inside a write transaction: takes the dialect's migration lock, then creates the table if it is
// missing. Every migration transaction starts with this, so the lock always comes first.
store::awaitable<void> lock_and_create(store::Connection& connection, const SqlDialect& dialect);

// Without creating anything: whether the table exists yet.
store::awaitable<bool> exists(store::Connection& connection, const SqlDialect& dialect);

store::awaitable<std::vector<AppliedRevision>> read_all(store::Connection& connection);

store::awaitable<void> record(store::Connection& connection, const Revision& revision);
store::awaitable<void> forget(store::Connection& connection, std::string_view revision);

}  // namespace version_table

}  // namespace usertasks::migrate
