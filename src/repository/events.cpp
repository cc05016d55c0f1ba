#include "repository/events.hpp"

#include <algorithm>

#include "repository/schema.hpp"
#include "repository/sql.hpp"
#include "repository/statement_text.hpp"

namespace usertasks::repository {

namespace sql {

namespace {

// The head row (made by migration 0009) counts the ids handed out. Its row lock, taken by the
// UPDATE and held to the end of the transaction, makes writers take their ids one transaction at a
// time: a transaction takes ids only after the one before it has committed (or rolled back,
// taking its ids back), so ids follow the commit order and have no gaps. On PostgreSQL one
// statement, with the notification ($1 the count, $2 the time, $3 the events as JSON), sent with
// the COMMIT (Connection::execute_last), so that the lock is held for no round trip; the
// dialects' parameters differ, so these are written with their numbers.
const store::Statement events_append_postgresql{
    "events_append",
    "WITH head AS (UPDATE event_head SET last = last + CAST($1 AS BIGINT) WHERE id = 1 "
    "RETURNING last - CAST($1 AS BIGINT) AS base, "
    "pg_notify('usertasks_events', CAST(last AS TEXT)) AS notified) "
    "INSERT INTO events (id, type, user_id, data, created_at) "
    "SELECT head.base + e.n, e.type, e.user_id, CAST(e.data AS TEXT), CAST($2 AS TIMESTAMPTZ) "
    "FROM head, ROWS FROM (json_to_recordset(CAST($3 AS JSON)) "
    "AS (type TEXT, user_id BIGINT, data JSON)) WITH ORDINALITY AS e(type, user_id, data, n)"};

// SQLite, whose writers are one at a time: the ids ($1 of them), then the events of the JSON
// array $3 from id $2 on.
const store::Statement events_take_ids_sqlite{
    "events_take_ids", "UPDATE event_head SET last = last + $1 WHERE id = 1 RETURNING last - $1"};
const store::Statement events_insert_sqlite{
    "events_insert",
    "INSERT INTO events (id, type, user_id, data, created_at) "
    "SELECT $1 + key + 1, json_extract(value, '$.type'), json_extract(value, '$.user_id'), "
    "json_extract(value, '$.data'), $2 FROM json_each($3) WHERE true"};

const Sql events_after{
    "events_after",
    per_dialect("SELECT id, type, user_id, data FROM events WHERE id > CAST(:after AS BIGINT) "
                "ORDER BY id LIMIT CAST(:limit AS BIGINT)",
                "SELECT id, type, user_id, data FROM events WHERE id > :after "
                "ORDER BY id LIMIT :limit")};

const Sql events_bounds{"events_bounds", same("SELECT (SELECT min(id) FROM events), "
                                              "(SELECT last FROM event_head WHERE id = 1)")};

// Whether the oldest event is due for the purge: a read first, so that a purge with nothing to do
// takes no write lock (SQLite's is the database's).
const Sql events_oldest_expired{
    "events_oldest_expired",
    per_dialect("SELECT 1 FROM events WHERE id = (SELECT min(id) FROM events) "
                "AND created_at <= CAST(:cutoff AS TIMESTAMPTZ)",
                "SELECT 1 FROM events WHERE id = (SELECT min(id) FROM events) "
                "AND created_at <= :cutoff")};

// From the oldest event on, by the primary key: a range of `limit` ids, not a scan for old rows.
const Sql events_purge{
    "events_purge",
    per_dialect("DELETE FROM events WHERE id < (SELECT min(id) FROM events) + "
                "CAST(:limit AS BIGINT) AND created_at <= CAST(:cutoff AS TIMESTAMPTZ) RETURNING 1",
                "DELETE FROM events WHERE id < (SELECT min(id) FROM events) + :limit "
                "AND created_at <= :cutoff RETURNING 1")};

}  // namespace

}  // namespace sql

namespace {

using store::Value;

// The changes as the JSON array the statements read; `data` is JSON already, and comes back out
// byte for byte (PostgreSQL's json type keeps its text; SQLite's json_extract writes an object
// as compact JSON, which it is).
std::string changes_json(const std::vector<Change>& changes) {
  std::string out = "[";
  for (const Change& change : changes) {
    if (out.size() > 1) out += ',';
    out += R"({"type":")";
    out += event_type_name(change.type);
    out += R"(","user_id":)";
    out += change.user_id ? std::to_string(*change.user_id) : "null";
    out += R"(,"data":)";
    out += change.data;
    out += '}';
  }
  out += ']';
  return out;
}

store::awaitable<store::Rows> run(store::Connection& c, const Sql& sql, std::vector<Value> values) {
  co_return co_await c.execute(sql.statement(), values);
}

}  // namespace

std::string_view event_type_name(EventType type) {
  return event_type_names[static_cast<std::size_t>(type)];
}

std::optional<EventType> parse_event_type(std::string_view name) {
  const auto* it = std::find(event_type_names.begin(), event_type_names.end(), name);
  if (it == event_type_names.end()) return std::nullopt;
  return static_cast<EventType>(it - event_type_names.begin());
}

void declare_events(migrate::Schema& schema) {
  using migrate::LogicalType;
  migrate::Table events;
  events.name = "events";
  // Identity columns for what each dialect does with a one-column integer key (SQLite: the rowid);
  // the ids are always given, never drawn.
  events.columns.push_back(plain_column("id", LogicalType::bigint, false, true));
  events.columns.back().identity = true;
  events.columns.push_back(plain_column("type", LogicalType::text, false));
  events.columns.push_back(plain_column("user_id", LogicalType::bigint, true));
  events.columns.push_back(plain_column("data", LogicalType::text, false));
  events.columns.push_back(plain_column("created_at", LogicalType::timestamp, false));
  schema.tables.push_back(std::move(events));
  migrate::Table head;
  head.name = "event_head";
  head.columns.push_back(plain_column("id", LogicalType::bigint, false, true));
  head.columns.back().identity = true;
  head.columns.push_back(plain_column("last", LogicalType::bigint, false));
  schema.tables.push_back(std::move(head));
}

store::awaitable<std::size_t> record_events(store::Connection& c,
                                            const std::vector<Change>& changes,
                                            const std::string& now) {
  // Not braced lists: GCC 12 miscompiles initializer lists in coroutines.
  std::vector<Value> values;
  values.emplace_back(static_cast<std::int64_t>(changes.size()));
  values.emplace_back(now);
  values.emplace_back(changes_json(changes));
  if (c.dialect() == store::Dialect::postgresql) {
    co_await c.execute_last(sql::events_append_postgresql, values);
    co_return 1;
  }
  std::vector<Value> head(1, values.front());
  const store::Rows rows = co_await c.execute(sql::events_take_ids_sqlite, head);
  values.front() = rows.front().integer(0);
  co_await c.execute(sql::events_insert_sqlite, values);
  co_return 2;
}

store::awaitable<std::vector<Event>> read_events(store::Connection& c, std::int64_t after,
                                                 std::int64_t limit) {
  std::vector<Value> values = bind(sql::events_after, Arg{"after", after}, Arg{"limit", limit});
  store::Rows rows = co_await run(c, sql::events_after, std::move(values));
  std::vector<Event> events;
  events.reserve(rows.size());
  for (store::Row& r : rows) {
    Event e;
    e.id = r.integer(0);
    // A type this version does not know (written by a newer one) reads as the first: never, in
    // practice, since types are only added with a migration.
    e.type = parse_event_type(r.text(1)).value_or(EventType::user_created);
    if (!r.is_null(2)) e.user_id = r.integer(2);
    e.data = r.take_text(3);
    events.push_back(std::move(e));
  }
  co_return events;
}

store::awaitable<EventBounds> event_bounds(store::Connection& c) {
  const store::Rows rows = co_await run(c, sql::events_bounds, {});
  EventBounds bounds;
  if (!rows.front().is_null(0)) bounds.oldest = rows.front().integer(0);
  if (!rows.front().is_null(1)) bounds.newest = rows.front().integer(1);
  co_return bounds;
}

store::awaitable<bool> events_expired(store::Connection& c, const std::string& cutoff) {
  std::vector<Value> values = bind(sql::events_oldest_expired, Arg{"cutoff", cutoff});
  co_return !(co_await run(c, sql::events_oldest_expired, std::move(values))).empty();
}

store::awaitable<std::size_t> purge_events(store::Connection& c, const std::string& cutoff,
                                           std::int64_t limit) {
  std::vector<Value> values = bind(sql::events_purge, Arg{"limit", limit}, Arg{"cutoff", cutoff});
  co_return (co_await run(c, sql::events_purge, std::move(values))).size();
}

}  // namespace usertasks::repository
