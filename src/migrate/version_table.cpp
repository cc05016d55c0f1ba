#include "migrate/version_table.hpp"

#include <array>

#include "base/time.hpp"
#include "migrate/dialect.hpp"

namespace usertasks::migrate {

namespace {

constexpr std::string_view create_sql =
    "CREATE TABLE IF NOT EXISTS usertasks_migrations (\n"
    "  revision TEXT PRIMARY KEY,\n"
    "  checksum TEXT NOT NULL,\n"
    "  applied_at TEXT NOT NULL\n"
    ")";

constexpr store::Statement select_all{"migrate_select_applied",
                                      "SELECT revision, checksum, applied_at FROM "
                                      "usertasks_migrations ORDER BY applied_at, revision"};

constexpr store::Statement insert_revision{
    "migrate_insert_revision",
    "INSERT INTO usertasks_migrations (revision, checksum, applied_at) VALUES ($1, $2, $3)"};

constexpr store::Statement delete_revision{"migrate_delete_revision",
                                           "DELETE FROM usertasks_migrations WHERE revision = $1"};

}  // namespace

namespace version_table {

store::awaitable<void> lock_and_create(store::Connection& connection, const SqlDialect& dialect) {
  if (!dialect.lock_statement().empty())
    co_await connection.execute_script(dialect.lock_statement());
  co_await connection.execute_script(create_sql);
}

store::awaitable<bool> exists(store::Connection& connection, const SqlDialect& dialect) {
  const store::Rows rows = co_await connection.execute(dialect.version_table_exists(), {});
  co_return !rows.empty() && rows.front().integer(0) != 0;
}

store::awaitable<std::vector<AppliedRevision>> read_all(store::Connection& connection) {
  store::Rows rows = co_await connection.execute(select_all, {});
  std::vector<AppliedRevision> applied;
  applied.reserve(rows.size());
  for (auto& row : rows) {
    applied.push_back({row.take_text(0), row.take_text(1), row.take_text(2)});
  }
  co_return applied;
}

store::awaitable<void> record(store::Connection& connection, const Revision& revision) {
  const std::array<store::Value, 3> params{revision.id, revision.checksum, base::utc_now()};
  co_await connection.execute(insert_revision, params);
}

store::awaitable<void> forget(store::Connection& connection, std::string_view revision) {
  const std::array<store::Value, 1> params{std::string(revision)};
  co_await connection.execute(delete_revision, params);
}

}  // namespace version_table

}  // namespace usertasks::migrate
