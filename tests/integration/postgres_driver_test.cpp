// The PostgreSQL driver against a throwaway cluster: prepared statements and values, error
// mapping, transactions, the pool (waiting, timing out, several io threads), recovery after the
// server goes away, and migrations plus the Store end to end.

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <memory>
#include <regex>
#include <thread>

#include "app/run_sync.hpp"
#include "migrate/migrator.hpp"
#include "pg_cluster.hpp"
#include "repository/store.hpp"
#include "store/postgres/pg_connection.hpp"
#include "store/postgres/pg_errors.hpp"
#include "store/postgres/postgres_database.hpp"

namespace usertasks::testing {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
using app::run_sync;
using store::Access;
using store::awaitable;
using store::Connection;
using store::Rows;
using store::Statement;
using store::Value;
using store::postgres::PgConnection;
using store::postgres::PoolOptions;
using store::postgres::PostgresDatabase;

// One cluster per test process, stopped by its destructor at exit.
PgCluster& cluster() {
  static const auto instance = std::make_unique<PgCluster>();
  return *instance;
}

class PostgresDriver : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string reason = PgCluster::unavailable_reason(); !reason.empty()) {
      GTEST_SKIP() << reason;
    }
    if (!cluster().running()) cluster().start();
    conninfo_ = cluster().fresh_database();
  }

  std::unique_ptr<PostgresDatabase> open(PoolOptions options = {}) {
    return std::make_unique<PostgresDatabase>(conninfo_, options);
  }

  // Runs `sql` outside of any transaction.
  static void script(store::Database& db, std::string sql) {
    run_sync(db.run(Access::read,
                    [sql](Connection& c) -> awaitable<void> { co_await c.execute_script(sql); }));
  }

  static Rows query(store::Database& db, const Statement& s, std::vector<Value> params = {}) {
    return run_sync(store::with_connection(db, Access::read, [&](Connection& c) -> awaitable<Rows> {
      co_return co_await c.execute(s, params);
    }));
  }

  std::string conninfo_;
};

constexpr Statement insert_item{"insert_item",
                                "INSERT INTO items (id, name, flag, at, small) "
                                "VALUES ($1, $2, $3, $4, $5) RETURNING id, name, flag, at, small"};
constexpr Statement select_items{"select_items",
                                 "SELECT id, name, flag, at, small FROM items ORDER BY id"};
constexpr Statement count_items{"count_items", "SELECT count(*) FROM items"};
constexpr Statement insert_child{"insert_child", "INSERT INTO children (item_id) VALUES ($1)"};
constexpr Statement sleep_briefly{"sleep_briefly", "SELECT pg_sleep(0.01)"};
constexpr Statement select_one{"select_one", "SELECT 1"};

void create_items(store::Database& db) {
  run_sync(db.run(Access::write, [](Connection& c) -> awaitable<void> {
    co_await c.execute_script(
        "CREATE TABLE items (id bigint PRIMARY KEY, name text UNIQUE, flag boolean, "
        "at timestamptz, small int4);"
        "CREATE TABLE children (item_id bigint NOT NULL REFERENCES items (id), "
        "CHECK (item_id > 0))");
  }));
}

std::vector<Value> item(std::int64_t id, Value name, Value flag, Value at, Value small) {
  std::vector<Value> values;
  values.push_back(id);
  values.push_back(std::move(name));
  values.push_back(std::move(flag));
  values.push_back(std::move(at));
  values.push_back(std::move(small));
  return values;
}

TEST_F(PostgresDriver, PreparedStatementsRoundTripValuesAndNulls) {
  auto db = open();
  create_items(*db);
  Rows inserted = query(*db, insert_item,
                        item(1, std::string("a'b\"c é"), true,
                             std::string("2026-11-24T03:57:28.634676Z"), std::int64_t{-7}));
  ASSERT_EQ(inserted.size(), 1U);
  query(*db, insert_item,
        item(2, std::monostate{}, false, std::string("2026-11-24T03:57:28Z"), std::monostate{}));
  query(*db, insert_item,
        item(3, std::string(""), std::monostate{}, std::monostate{}, std::int64_t{0}));

  Rows rows = query(*db, select_items);
  ASSERT_EQ(rows.size(), 3U);
  EXPECT_EQ(rows[0].integer(0), 1);
  EXPECT_EQ(rows[0].text(1), "a'b\"c é");
  EXPECT_TRUE(rows[0].boolean(2));
  EXPECT_EQ(rows[0].text(3), "2026-11-24T03:57:28.634676Z");
  EXPECT_EQ(rows[0].integer(4), -7);
  EXPECT_TRUE(rows[1].is_null(1));
  EXPECT_FALSE(rows[1].boolean(2));
  EXPECT_EQ(rows[1].text(3), "2026-11-24T03:57:28.000000Z");
  EXPECT_TRUE(rows[1].is_null(4));
  EXPECT_EQ(rows[2].text(1), "");
  EXPECT_TRUE(rows[2].is_null(2));
  EXPECT_TRUE(rows[2].is_null(3));
  EXPECT_EQ(query(*db, count_items).front().integer(0), 3);
}

TEST_F(PostgresDriver, EachStatementIsPreparedOncePerConnectionInTheSameRoundTrip) {
  auto db = open({.size = 1});
  const auto trips = run_sync(store::with_connection(
      *db, Access::read, [](Connection& c) -> awaitable<std::vector<std::uint64_t>> {
        auto& pg = dynamic_cast<PgConnection&>(c);
        std::vector<std::uint64_t> counts;
        counts.push_back(pg.round_trips());
        co_await c.execute(select_one, {});  // Parse + Bind/Execute, pipelined
        counts.push_back(pg.round_trips());
        co_await c.execute(select_one, {});
        counts.push_back(pg.round_trips());
        co_return counts;
      }));
  EXPECT_EQ(trips[1] - trips[0], 1U);
  EXPECT_EQ(trips[2] - trips[1], 1U);
  EXPECT_EQ(query(*db, select_one).front().integer(0), 1);  // the same connection, already prepared
}

// A search's page: the shape of the service's (a keyset walk in id order with LIMIT, the search
// optional), over a table of 20,000 texts with a trigram index.
constexpr const char* search_page_sql =
    "SELECT id FROM docs WHERE id > $1 AND ($2::text IS NULL OR lower(body) LIKE '%' || $2 || "
    "'%') ORDER BY id LIMIT $3";
constexpr Statement search_page{"search_page", search_page_sql};
constexpr Statement search_page_each_time{"search_page", search_page_sql, {}, true, true};
constexpr Statement trigram_scans{"trigram_scans",
                                  "SELECT pg_stat_get_xact_numscans('docs_body_trgm'::regclass)"};

// How many times a search for a rare text used the trigram index, after five searches for a text
// so common that their best plan walks the primary key, on one connection.
std::int64_t rare_search_index_scans(store::Database& db, const Statement& page) {
  return run_sync(
      store::with_connection(db, Access::write, [&](Connection& c) -> awaitable<std::int64_t> {
        const auto run = [&](std::string text) -> awaitable<void> {
          std::vector<Value> values;
          values.emplace_back(std::int64_t{0});
          values.emplace_back(std::move(text));
          values.emplace_back(std::int64_t{100});
          co_await c.execute(page, values);
        };
        for (int i = 0; i < 6; ++i) co_await run("number 19");
        const std::int64_t before = (co_await c.execute(trigram_scans, {})).front().integer(0);
        co_await run("number 12345");
        co_return (co_await c.execute(trigram_scans, {})).front().integer(0) - before;
      }));
}

// After five executions a prepared statement may keep a generic plan for every value: here the walk
// in id order that suits the common text, which reads the whole table for a rare one. A statement
// planned each time is planned for its values: the rare text is found through the index.
TEST_F(PostgresDriver, AStatementPlannedEachTimeIsPlannedForItsValues) {
  auto db = open({.size = 1});
  script(*db,
         "CREATE EXTENSION IF NOT EXISTS pg_trgm;"
         "CREATE TABLE docs (id bigint PRIMARY KEY, body text NOT NULL);"
         "INSERT INTO docs SELECT g, 'number ' || g FROM generate_series(1, 20000) g;"
         "CREATE INDEX docs_body_trgm ON docs USING gin (lower(body) gin_trgm_ops);"
         "ANALYZE docs");
  EXPECT_EQ(rare_search_index_scans(*db, search_page_each_time), 1);
  // What the test tells apart: prepared, the same search walks the table instead.
  EXPECT_EQ(rare_search_index_scans(*db, search_page), 0)
      << "the prepared statement kept planning for its values: this test no longer shows why "
         "searches are planned each time";
  // Planned each time, nothing is prepared: the name stays free for the prepared statement.
  EXPECT_EQ(rare_search_index_scans(*db, search_page_each_time), 1);
}

TEST_F(PostgresDriver, WriteTransactionSendsBeginWithItsFirstStatement) {
  auto db = open({.size = 1});
  create_items(*db);
  std::uint64_t before = 0;
  PgConnection* used = nullptr;
  run_sync(db->run(Access::write, [&](Connection& c) -> awaitable<void> {
    used = &dynamic_cast<PgConnection&>(c);
    before = used->round_trips();
    co_await c.execute(insert_item,
                       item(1, std::string("x"), true, std::monostate{}, std::int64_t{1}));
    co_await c.execute(insert_item,
                       item(2, std::string("y"), true, std::monostate{}, std::int64_t{2}));
  }));
  // BEGIN + Parse + INSERT, INSERT, COMMIT: three round trips for a two-statement transaction.
  EXPECT_EQ(used->round_trips() - before, 3U);
  EXPECT_EQ(query(*db, count_items).front().integer(0), 2);
}

TEST_F(PostgresDriver, ConstraintViolationsMapToTheirKinds) {
  auto db = open();
  create_items(*db);
  query(*db, insert_item, item(1, std::string("x"), true, std::monostate{}, std::monostate{}));
  const auto kind_of = [&](const Statement& s, std::vector<Value> params) {
    try {
      run_sync(db->run(Access::write,
                       [&](Connection& c) -> awaitable<void> { co_await c.execute(s, params); }));
    } catch (const store::ConstraintViolation& e) {
      return e.kind();
    }
    ADD_FAILURE() << "no ConstraintViolation";
    return store::ConstraintViolation::Kind::other;
  };
  using Kind = store::ConstraintViolation::Kind;
  EXPECT_EQ(
      kind_of(insert_item, item(1, std::string("y"), true, std::monostate{}, std::monostate{})),
      Kind::unique);
  EXPECT_EQ(
      kind_of(insert_item, item(2, std::string("x"), true, std::monostate{}, std::monostate{})),
      Kind::unique);
  std::vector<Value> missing;
  missing.emplace_back(std::int64_t{99});
  EXPECT_EQ(kind_of(insert_child, missing), Kind::foreign_key);
  std::vector<Value> negative;
  negative.emplace_back(std::int64_t{-1});
  EXPECT_EQ(kind_of(insert_child, negative), Kind::other);
  std::vector<Value> null;
  null.emplace_back(std::monostate{});
  EXPECT_EQ(kind_of(insert_child, null), Kind::other);
  // The connections that failed were rolled back and are still good.
  EXPECT_EQ(query(*db, count_items).front().integer(0), 1);
}

TEST_F(PostgresDriver, WriteRollsBackWhenTheWorkThrows) {
  auto db = open({.size = 1});
  create_items(*db);
  EXPECT_THROW(run_sync(db->run(Access::write,
                                [](Connection& c) -> awaitable<void> {
                                  co_await c.execute(
                                      insert_item, item(1, std::string("x"), true, std::monostate{},
                                                        std::monostate{}));
                                  throw std::logic_error("changed my mind");
                                })),
               std::logic_error);
  EXPECT_EQ(query(*db, count_items).front().integer(0), 0);
  EXPECT_EQ(db->open_connections(), 1U);  // rolled back and reused, not dropped
}

TEST_F(PostgresDriver, AnSqlErrorIsNeitherConstraintNorUnavailable) {
  auto db = open();
  constexpr Statement bad{"bad", "SELECT * FROM no_such_table"};
  EXPECT_THROW(query(*db, bad), store::postgres::PgError);
  EXPECT_EQ(query(*db, select_one).front().integer(0), 1);
}

// Holds the only connection for `hold`, while a second request asks for one; true when the
// second request got Unavailable.
bool second_request_fails(PostgresDatabase& db, std::chrono::milliseconds hold) {
  bool second_failed = false;
  asio::io_context io;
  auto holder =
      asio::co_spawn(io,
                     db.run(Access::read,
                            [hold](Connection&) -> awaitable<void> {
                              asio::steady_timer timer(co_await asio::this_coro::executor, hold);
                              co_await timer.async_wait(asio::use_awaitable);
                            }),
                     asio::use_future);
  auto second = asio::co_spawn(
      io,
      [&]() -> awaitable<void> {
        asio::steady_timer timer(co_await asio::this_coro::executor, 20ms);
        co_await timer.async_wait(asio::use_awaitable);  // let the holder take the connection
        try {
          co_await db.run(Access::read, [](Connection& c) -> awaitable<void> {
            co_await c.execute(select_one, {});
          });
        } catch (const store::Unavailable&) {
          second_failed = true;
        }
      },
      asio::use_future);
  io.run();
  holder.get();
  second.get();
  return second_failed;
}

TEST_F(PostgresDriver, PoolExhaustionWaitsThenTimesOutWithUnavailable) {
  auto db = open({.size = 1, .acquire_timeout = 200ms});
  EXPECT_TRUE(second_request_fails(*db, 800ms));
  EXPECT_EQ(db->open_connections(), 1U);
}

TEST_F(PostgresDriver, AWaitingRequestGetsTheConnectionWhenItIsReturned) {
  auto db = open({.size = 1, .acquire_timeout = 3s});
  EXPECT_FALSE(second_request_fails(*db, 150ms));
}

TEST_F(PostgresDriver, ConnectionsAreSharedBySeveralIoThreads) {
  auto db = open({.size = 3});
  create_items(*db);
  constexpr int threads = 3;
  constexpr int requests = 60;
  std::atomic<int> done{0};
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  for (int t = 0; t < threads; ++t) {
    contexts.push_back(std::make_unique<asio::io_context>());
    for (int r = 0; r < requests; ++r) {
      const bool write = r % 3 == 0;
      const std::int64_t id = t * 1000 + r;
      asio::co_spawn(*contexts.back(),
                     db->run(write ? Access::write : Access::read,
                             [&done, write, id](Connection& c) -> awaitable<void> {
                               if (write) {
                                 co_await c.execute(
                                     insert_item, item(id, std::monostate{}, true, std::monostate{},
                                                       std::monostate{}));
                               }
                               co_await c.execute(sleep_briefly, {});
                               ++done;
                             }),
                     asio::detached);
    }
  }
  std::vector<std::thread> workers;
  for (auto& context : contexts) workers.emplace_back([&context] { context->run(); });
  for (auto& w : workers) w.join();
  EXPECT_EQ(done.load(), threads * requests);
  EXPECT_EQ(query(*db, count_items).front().integer(0), threads * requests / 3);
  EXPECT_LE(db->open_connections(), 3U);
}

// The connection a run was lent, and how many times its socket had been registered by then.
struct Lent {
  const PgConnection* connection = nullptr;
  std::uint64_t registrations = 0;
};

awaitable<Lent> borrow(store::Database& db, std::chrono::milliseconds hold = 0ms) {
  co_return co_await store::with_connection(
      db, Access::read, [hold](Connection& c) -> awaitable<Lent> {
        asio::steady_timer timer(co_await asio::this_coro::executor, hold);
        co_await timer.async_wait(asio::use_awaitable);
        const auto& pg = dynamic_cast<const PgConnection&>(c);
        co_return Lent{&pg, pg.registrations()};
      });
}

Lent borrow_on(asio::io_context& context, store::Database& db) {
  auto lent = asio::co_spawn(context, borrow(db), asio::use_future);
  context.restart();
  context.run();
  return lent.get();
}

TEST_F(PostgresDriver, AnIdleConnectionStaysRegisteredWithTheIoThreadThatLastBorrowedIt) {
  auto db = open({.size = 2});
  // Destroyed before the database, with connections idle and registered with them.
  asio::io_context a;
  asio::io_context b;
  // Two runs at once on `a`: two connections, each registered once, with a.
  auto first = asio::co_spawn(a, borrow(*db, 50ms), asio::use_future);
  auto second = asio::co_spawn(a, borrow(*db, 50ms), asio::use_future);
  a.run();
  const Lent one = first.get();
  const Lent two = second.get();
  ASSERT_NE(one.connection, two.connection);
  EXPECT_EQ(one.registrations, 1U);
  EXPECT_EQ(two.registrations, 1U);
  // A run on `b` takes one of them over...
  const Lent moved = borrow_on(b, *db);
  EXPECT_EQ(moved.registrations, 2U);
  // ...a run on `a` is lent the other, still registered there...
  const Lent stayed = borrow_on(a, *db);
  EXPECT_NE(stayed.connection, moved.connection);
  EXPECT_EQ(stayed.registrations, 1U);
  // ...and one on `b` again the first, still registered with b.
  const Lent back = borrow_on(b, *db);
  EXPECT_EQ(back.connection, moved.connection);
  EXPECT_EQ(back.registrations, 2U);
}

// A run that waits `delay`, then borrows a connection and records what it was lent.
awaitable<void> borrow_later(store::Database& db, std::chrono::milliseconds delay,
                             std::chrono::milliseconds hold, Lent& out) {
  asio::steady_timer timer(co_await asio::this_coro::executor, delay);
  co_await timer.async_wait(asio::use_awaitable);
  out = co_await borrow(db, hold);
}

TEST_F(PostgresDriver, AReturnedConnectionGoesToAWaiterOnItsOwnThreadAheadOfTheLineOnce) {
  auto db = open({.size = 1, .acquire_timeout = 10s});
  asio::io_context a;
  asio::io_context b;
  // `a` holds the only connection (registered with a) while a run on `b` and then a second run
  // on `a` queue for it.
  Lent holder;
  Lent b_first;
  Lent a_second;
  asio::co_spawn(a, borrow_later(*db, 0ms, 600ms, holder), asio::detached);
  asio::co_spawn(b, borrow_later(*db, 150ms, 0ms, b_first), asio::detached);
  asio::co_spawn(a, borrow_later(*db, 300ms, 0ms, a_second), asio::detached);
  std::thread other([&b] { b.run(); });
  a.run();
  other.join();
  ASSERT_NE(holder.connection, nullptr);
  // The run on `a` went first, on the registration it found; the one on `b` came next.
  EXPECT_EQ(a_second.registrations, 1U);
  EXPECT_EQ(b_first.registrations, 2U);
}

TEST_F(PostgresDriver, AnIoContextDestroyedWithAStatementInFlightLeavesThePoolUsable) {
  auto db = open({.size = 1});
  {
    asio::io_context doomed;
    asio::co_spawn(doomed,
                   db->run(Access::read,
                           [](Connection& c) -> awaitable<void> {
                             constexpr Statement sleep_long{"sleep_long", "SELECT pg_sleep(5)"};
                             co_await c.execute(sleep_long, {});
                           }),
                   asio::detached);
    doomed.run_for(300ms);  // the statement is on the wire
    ASSERT_EQ(db->open_connections(), 1U);
  }  // destroyed with the run suspended in it: its connection is dropped, not reused
  EXPECT_EQ(db->open_connections(), 0U);
  EXPECT_EQ(query(*db, select_one).front().integer(0), 1);
}

TEST_F(PostgresDriver, StoppedServerIsUnavailableAndTheSameDatabaseRecovers) {
  auto db = open({.size = 2, .acquire_timeout = 2s, .connect_timeout = 2s});
  create_items(*db);
  EXPECT_EQ(query(*db, select_one).front().integer(0), 1);

  cluster().kill_postmaster();
  EXPECT_THROW(query(*db, select_one), store::Unavailable);
  EXPECT_THROW(
      query(*db, insert_item, item(1, std::monostate{}, true, std::monostate{}, std::monostate{})),
      store::Unavailable);

  cluster().start();
  EXPECT_EQ(query(*db, select_one).front().integer(0), 1);  // no restart of the service
  EXPECT_EQ(query(*db, count_items).front().integer(0), 0);
}

TEST_F(PostgresDriver, ServerDyingMidQueryIsUnavailable) {
  auto db = open({.size = 1});
  constexpr Statement long_sleep{"long_sleep", "SELECT pg_sleep(20)"};
  std::thread killer([] {
    std::this_thread::sleep_for(300ms);
    cluster().kill_postmaster();
  });
  EXPECT_THROW(query(*db, long_sleep), store::Unavailable);
  killer.join();
  cluster().start();
  EXPECT_EQ(query(*db, select_one).front().integer(0), 1);
  EXPECT_EQ(db->open_connections(), 1U);
}

TEST_F(PostgresDriver, UnreachableServerIsUnavailable) {
  auto db = std::make_unique<PostgresDatabase>("host=127.0.0.1 port=1 dbname=x user=postgres",
                                               PoolOptions{.size = 1});
  EXPECT_THROW(query(*db, select_one), store::Unavailable);
  EXPECT_EQ(db->open_connections(), 0U);
  EXPECT_THROW(PostgresDatabase("postgresql://h/db?bogus=1"), std::invalid_argument);
}

TEST_F(PostgresDriver, OpenDatabaseTakesUrlsAndKeywordStrings) {
  auto by_keywords = store::open_database(conninfo_, 2);
  EXPECT_EQ(by_keywords->dialect(), store::Dialect::postgresql);
  EXPECT_EQ(query(*by_keywords, select_one).front().integer(0), 1);
  const std::string name = conninfo_.substr(
      conninfo_.find("dbname=") + 7, conninfo_.find(" user") - conninfo_.find("dbname=") - 7);
  auto by_url = store::open_database(
      "postgresql://postgres@127.0.0.1:" + std::to_string(cluster().port()) + "/" + name, 2);
  EXPECT_EQ(query(*by_url, select_one).front().integer(0), 1);
  by_url->close();
  EXPECT_THROW(query(*by_url, select_one), store::Unavailable);
}

TEST_F(PostgresDriver, MigrationsAndTheStoreWorkEndToEnd) {
  auto db = open();
  migrate::Migrator migrator(*db);
  EXPECT_FALSE(run_sync(migrator.upgrade()).empty());
  EXPECT_TRUE(run_sync(migrator.upgrade()).empty());  // at head: nothing to do

  repository::Store s(*db);
  models::NewUser input;
  input.user.set("name", "Ada");
  input.user.set("email", "ada@example.com");
  input.tasks = {"first", "second"};
  input.with_tasks = true;
  auto created = run_sync(s.create_user(input));
  ASSERT_TRUE(std::holds_alternative<models::UserWithTasks>(created));
  const auto& ada = std::get<models::UserWithTasks>(created);
  const std::regex rfc3339(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)");
  EXPECT_TRUE(std::regex_match(ada.user.created_at, rfc3339)) << ada.user.created_at;
  ASSERT_EQ(ada.tasks.size(), 2U);
  EXPECT_EQ(ada.tasks[0].user_id, ada.user.id);

  auto got = run_sync(s.get_user_with_tasks(ada.user.id));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->user.email, "ada@example.com");
  EXPECT_EQ(got->user.created_at, ada.user.created_at);
  ASSERT_EQ(got->tasks.size(), 2U);
  EXPECT_EQ(got->tasks[0].content, "first");
  EXPECT_EQ(got->tasks[1].content, "second");

  models::NewUser twin;
  twin.user.set("name", "Ada again");
  twin.user.set("email", "ADA@example.com");  // the unique index is on lower(email)
  auto duplicate = run_sync(s.create_user(twin));
  ASSERT_TRUE(std::holds_alternative<repository::Failure>(duplicate));
  EXPECT_EQ(std::get<repository::Failure>(duplicate), repository::Failure::email_taken);

  models::Input<models::Task> nobodys;
  nobodys.set("content", "nobody's");
  nobodys.set("user_id", ada.user.id + 1000);
  auto orphan = run_sync(s.create_task(nobodys));
  ASSERT_TRUE(std::holds_alternative<repository::Failure>(orphan));
  EXPECT_EQ(std::get<repository::Failure>(orphan), repository::Failure::user_not_found);

  auto page = run_sync(s.list_users_with_tasks({}, repository::Page{}));
  ASSERT_EQ(page.items.size(), 1U);
  EXPECT_EQ(page.items[0].tasks.size(), 2U);
  auto tasks =
      run_sync(s.list_user_tasks(ada.user.id, repository::TaskFilter{}, repository::Page{}));
  ASSERT_TRUE(tasks.has_value());
  EXPECT_EQ(tasks->items.size(), 2U);
  auto with_user = run_sync(s.get_task_with_user(ada.tasks[1].id));
  ASSERT_TRUE(with_user.has_value());
  EXPECT_EQ(with_user->user.name, "Ada");

  models::Input<models::Task> change;
  change.set("content", "changed");
  const repository::Precondition none;
  auto updated = run_sync(s.update_task(ada.tasks[0].id, change, none));
  using VersionedTask = repository::Versioned<models::Task>;
  ASSERT_TRUE(std::holds_alternative<VersionedTask>(updated));
  EXPECT_EQ(std::get<VersionedTask>(updated).record.content, "changed");
  EXPECT_EQ(std::get<VersionedTask>(updated).record.version, 2);

  // The remaining statements, so that every one of repository/statements.cpp has run on PostgreSQL.
  repository::TaskFilter of_ada;
  of_ada.user_id = ada.user.id;
  EXPECT_EQ(run_sync(s.list_tasks(of_ada, repository::Page{})).items.size(), 2U);
  EXPECT_EQ(run_sync(s.list_tasks_with_user(of_ada, repository::Page{})).items.size(), 2U);
  EXPECT_EQ(
      run_sync(s.list_tasks_with_user(repository::TaskFilter{}, repository::Page{})).items.size(),
      2U);
  EXPECT_EQ(run_sync(s.list_users({}, repository::Page{})).items.size(), 1U);
  models::Input<models::User> rename;
  rename.set("name", "Ada L.");
  auto renamed = run_sync(s.update_user(ada.user.id, rename, none));
  using VersionedUser = repository::Versioned<models::User>;
  ASSERT_TRUE(std::holds_alternative<VersionedUser>(renamed));
  // NULL keeps the value
  EXPECT_EQ(std::get<VersionedUser>(renamed).record.email, "ada@example.com");
  EXPECT_EQ(run_sync(s.delete_task(ada.tasks[1].id + 1000, none)), repository::Failure::not_found);

  // The tasks go with the user (ON DELETE CASCADE).
  EXPECT_EQ(run_sync(s.delete_user(ada.user.id, none)), std::nullopt);
  EXPECT_FALSE(run_sync(s.get_task_with_user(ada.tasks[0].id)).has_value());
  EXPECT_TRUE(run_sync(s.list_tasks(repository::TaskFilter{}, repository::Page{})).items.empty());
  EXPECT_EQ(run_sync(s.delete_user(ada.user.id, none)), repository::Failure::not_found);
  run_sync(s.ping());
}

}  // namespace
}  // namespace usertasks::testing
