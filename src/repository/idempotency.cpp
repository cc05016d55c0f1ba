#include "repository/idempotency.hpp"

#include "repository/schema.hpp"
#include "repository/sql.hpp"
#include "repository/statement_text.hpp"

namespace usertasks::repository {

namespace sql {

namespace {

constexpr std::string_view table = "idempotency_keys";

// An answer is found while it has not expired: stored after :cutoff.
const Sql idempotency_find{
    "idempotency_find",
    per_dialect("SELECT fingerprint, status, location, etag, content_type, body "
                "FROM idempotency_keys WHERE scope = :scope AND key = :key "
                "AND created_at > CAST(:cutoff AS TIMESTAMPTZ)",
                "SELECT fingerprint, status, location, etag, content_type, body "
                "FROM idempotency_keys WHERE scope = :scope AND key = :key "
                "AND created_at > :cutoff")};

// Replaces an expired answer (one the purge has not reached yet), never one that has not expired:
// then no row comes back.
std::string store_text(Dialect d) {
  const bool pg = d == Dialect::postgresql;
  return fmt::format(
      "INSERT INTO idempotency_keys "
      "(scope, key, fingerprint, status, location, etag, content_type, body, created_at) "
      "VALUES (:scope, :key, :fingerprint, {}, :location, :etag, :content_type, :body, {}) "
      "ON CONFLICT (scope, key) DO UPDATE SET fingerprint = excluded.fingerprint, "
      "status = excluded.status, location = excluded.location, etag = excluded.etag, "
      "content_type = excluded.content_type, body = excluded.body, "
      "created_at = excluded.created_at WHERE idempotency_keys.created_at <= {} RETURNING key",
      pg ? "CAST(:status AS BIGINT)" : ":status", pg ? "CAST(:now AS TIMESTAMPTZ)" : ":now",
      pg ? "CAST(:cutoff AS TIMESTAMPTZ)" : ":cutoff");
}
const Sql idempotency_store{"idempotency_store", store_text};

// Without waiting: a request that finds the key locked answers 409 at once. SQLite has no such
// lock (its writers are serialized; resources/idempotency.cpp keeps the keys in flight).
const Sql idempotency_lock{
    "idempotency_lock",
    per_dialect("SELECT pg_try_advisory_xact_lock(CAST(:lock AS BIGINT))", "SELECT :lock")};

// A batch at a time, so that no transaction holds many rows; PostgreSQL skips the rows another
// purge (another instance) has locked.
const Sql idempotency_purge{
    "idempotency_purge",
    per_dialect("DELETE FROM idempotency_keys WHERE (scope, key) IN (SELECT scope, key "
                "FROM idempotency_keys WHERE created_at <= CAST(:cutoff AS TIMESTAMPTZ) "
                "LIMIT CAST(:limit AS BIGINT) FOR UPDATE SKIP LOCKED) RETURNING 1",
                "DELETE FROM idempotency_keys WHERE rowid IN (SELECT rowid "
                "FROM idempotency_keys WHERE created_at <= :cutoff LIMIT :limit) RETURNING 1")};

}  // namespace

}  // namespace sql

namespace {

using store::Value;

Value optional_text(const std::optional<std::string>& text) {
  if (!text) return std::monostate{};
  return *text;
}

std::optional<std::string> text_or_null(store::Row& row, std::size_t i) {
  if (row.is_null(i)) return std::nullopt;
  return row.take_text(i);
}

}  // namespace

void declare_idempotency_keys(migrate::Schema& schema) {
  using migrate::LogicalType;
  migrate::Table t;
  t.name = sql::table;
  t.columns.push_back(plain_column("scope", LogicalType::text, false, true));
  t.columns.push_back(plain_column("key", LogicalType::text, false, true));
  t.columns.push_back(plain_column("fingerprint", LogicalType::text, false));
  t.columns.push_back(plain_column("status", LogicalType::bigint, false));
  t.columns.push_back(plain_column("location", LogicalType::text, true));
  t.columns.push_back(plain_column("etag", LogicalType::text, true));
  t.columns.push_back(plain_column("content_type", LogicalType::text, true));
  t.columns.push_back(plain_column("body", LogicalType::text, false));
  t.columns.push_back(plain_column("created_at", LogicalType::timestamp, false));
  schema.tables.push_back(std::move(t));
  migrate::Index by_age;
  by_age.name = "idempotency_keys_created_at_idx";
  by_age.table = sql::table;
  by_age.columns = {"created_at"};
  schema.indexes.push_back(std::move(by_age));
}

store::awaitable<bool> IdempotencyKeys::try_lock(std::int64_t lock) {
  std::vector<Value> values = bind(sql::idempotency_lock, Arg{"lock", lock});
  ++statements_;
  const store::Rows rows = co_await c_.execute(sql::idempotency_lock.statement(), values);
  co_return rows.front().boolean(0);
}

store::awaitable<std::optional<StoredAnswer>> IdempotencyKeys::find(const std::string& scope,
                                                                    const std::string& key,
                                                                    const std::string& cutoff) {
  std::vector<Value> values =
      bind(sql::idempotency_find, Arg{"scope", scope}, Arg{"key", key}, Arg{"cutoff", cutoff});
  ++statements_;
  store::Rows rows = co_await c_.execute(sql::idempotency_find.statement(), values);
  if (rows.empty()) co_return std::nullopt;
  store::Row& r = rows.front();
  co_return StoredAnswer{.fingerprint = r.take_text(0),
                         .status = r.integer(1),
                         .location = text_or_null(r, 2),
                         .etag = text_or_null(r, 3),
                         .content_type = text_or_null(r, 4),
                         .body = r.take_text(5)};
}

store::awaitable<bool> IdempotencyKeys::store(const std::string& scope, const std::string& key,
                                              const StoredAnswer& answer, const std::string& now,
                                              const std::string& cutoff) {
  std::vector<Value> values =
      bind(sql::idempotency_store, Arg{"scope", scope}, Arg{"key", key},
           Arg{"fingerprint", answer.fingerprint}, Arg{"status", answer.status},
           Arg{"location", optional_text(answer.location)}, Arg{"etag", optional_text(answer.etag)},
           Arg{"content_type", optional_text(answer.content_type)}, Arg{"body", answer.body},
           Arg{"now", now}, Arg{"cutoff", cutoff});
  ++statements_;
  const store::Rows rows = co_await c_.execute(sql::idempotency_store.statement(), values);
  co_return !rows.empty();
}

store::awaitable<std::size_t> purge_idempotency_keys(store::Database& db, std::string cutoff,
                                                     std::int64_t limit) {
  std::size_t deleted = 0;
  co_await db.run(store::Access::write, [&](store::Connection& c) -> store::awaitable<void> {
    std::vector<Value> values =
        bind(sql::idempotency_purge, Arg{"cutoff", cutoff}, Arg{"limit", limit});
    deleted = (co_await c.execute(sql::idempotency_purge.statement(), values)).size();
  });
  co_return deleted;
}

}  // namespace usertasks::repository
