// On PostgreSQL, q= does not read a large table to find a rare text: the trigram indexes of
// migration 0008 find it. EXPLAIN of the service's own statements, planned as the service plans
// a search (for its values: Sql::statement), over 50,000 tasks, users and tags, filled by inserts
// as a service fills them (the indexes' pending lists as such inserts leave them).
//
// A common text is another matter: a page in id order then walks the primary key and stops once
// it has a page of matches, which the planner may well prefer (docs/performance.md, Search).

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "app/run_sync.hpp"
#include "harness.hpp"
#include "pg_cluster.hpp"
#include "repository/statements.hpp"
#include "store/database.hpp"

namespace usertasks::testing {
namespace {

using app::run_sync;
using repository::Sql;
using store::Access;
using store::awaitable;
using store::Connection;
using store::Value;

class SearchPlansTest : public ::testing::Test {
 protected:
  // One database for the suite, filled once: its tests only read.
  void SetUp() override {
    if (const std::string why = PgCluster::unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
    if (db_) return;
    url_ = backend("postgresql").fresh_database_url();
    const CommandResult upgraded = run_usertasks({"--database", url_, "db", "upgrade"});
    ASSERT_EQ(upgraded.exit_code, 0) << upgraded.output;
    db_ = store::open_database(url_, 1);
    // One statement each: a few rows in each table hold "quokka", the rest a handful of words.
    run_sync(db_->run(Access::write, [](Connection& c) -> awaitable<void> {
      co_await c.execute_script(
          "INSERT INTO users (name, email, created_at, updated_at) "
          "SELECT CASE WHEN g = 4321 THEN 'Quokka Jones' ELSE 'user ' || g END, "
          "CASE WHEN g = 1234 THEN 'quokka@zoo.example' ELSE 'user' || g || '@example.com' END, "
          "now(), now() FROM generate_series(1, 50000) g;"
          "INSERT INTO tasks (content, user_id, created_at, updated_at) "
          "SELECT CASE WHEN g % 20000 = 7 THEN 'feed the QUOKKA' ELSE 'task ' || g || ' ' || "
          "(ARRAY['buy milk', 'write report', 'call the bank', 'fix the bike', 'review notes', "
          "'plan trip', 'pay rent', 'water plants'])[g % 8 + 1] END, "
          "(g - 1) % 50000 + 1, now(), now() FROM generate_series(1, 50000) g;"
          "INSERT INTO tags (name, created_at, updated_at) "
          "SELECT CASE WHEN g = 2500 THEN 'quokka sightings' ELSE 'tag ' || g END, now(), now() "
          "FROM generate_series(1, 50000) g;"
          "ANALYZE");
    }));
  }
  static void TearDownTestSuite() {
    if (db_) db_->close();
    db_.reset();
  }

  // The plan of `sql` with q= `text` (its other filters absent, the first page of 100), planned as
  // the service plans a search.
  std::string plan(const Sql& sql, std::string text) {
    const std::string explain = fmt::format("EXPLAIN {}", sql.statement(true).sql);
    const store::Statement statement{sql.statement().name, explain, {}, true, true};
    std::vector<Value> values;
    for (const std::string& name : sql.parameters()) {
      if (name == "q") {
        values.emplace_back(text);
      } else if (name == "after") {
        values.emplace_back(std::int64_t{0});
      } else if (name == "limit") {
        values.emplace_back(std::int64_t{101});
      } else {
        values.emplace_back(std::monostate{});
      }
    }
    const store::Rows rows = run_sync(
        store::with_connection(*db_, Access::read, [&](Connection& c) -> awaitable<store::Rows> {
          co_return co_await c.execute(statement, values);
        }));
    std::string lines;
    for (const store::Row& row : rows) lines += row.text(0) + '\n';
    return lines;
  }

  static inline std::string url_;
  static inline std::unique_ptr<store::Database> db_;
};

bool has(const std::string& plan, std::string_view what) {
  return plan.find(what) != std::string::npos;
}

// Each list over a whole table, and its count: through the table's trigram index(es), neither
// reading the table nor walking its primary key.
TEST_F(SearchPlansTest, ARareTextIsFoundThroughTheTrigramIndexes) {
  struct Case {
    const Sql& sql;
    std::string table;
    std::vector<std::string> indexes;
  };
  const std::vector<Case> cases = {
      {repository::sql::tasks_page, "tasks", {"tasks_content_trgm_idx"}},
      {repository::sql::tasks_with_user_page, "tasks", {"tasks_content_trgm_idx"}},
      {repository::sql::tasks_count, "tasks", {"tasks_content_trgm_idx"}},
      {repository::sql::users_page, "users", {"users_name_trgm_idx", "users_email_trgm_idx"}},
      {repository::sql::users_count, "users", {"users_name_trgm_idx", "users_email_trgm_idx"}},
      {repository::sql::tags_page, "tags", {"tags_name_trgm_idx"}},
      {repository::sql::tags_count, "tags", {"tags_name_trgm_idx"}},
  };
  for (const Case& c : cases) {
    const std::string p = plan(c.sql, "Quokka");
    for (const std::string& index : c.indexes) {
      EXPECT_TRUE(has(p, fmt::format("Bitmap Index Scan on {}", index)))
          << c.sql.statement().name << ":\n"
          << p;
    }
    EXPECT_FALSE(has(p, fmt::format("Seq Scan on {}", c.table))) << c.sql.statement().name << ":\n"
                                                                 << p;
    EXPECT_FALSE(has(p, fmt::format("using {}_pkey on {}", c.table, c.table)))
        << c.sql.statement().name << ":\n"
        << p;
  }
}

// Each trigram index keeps statistics of 1,000 values of its expression, so that the planner tells
// a text in 0.1 % of the rows from one in 1 % (with 100 sampled values, a text in 0.11 % of the
// tasks was estimated at 1 % and the page walked 47,000 tasks in id order to find 101), and a
// pending list of 256 kB, which every search reads (at 4 MB, a search of 20,000 tags took 45 ms,
// and the planner read the table instead: the users' searches above did at these sizes).
TEST_F(SearchPlansTest, TheTrigramIndexesKeepFineStatisticsAndASmallPendingList) {
  const store::Statement settings{
      "settings",
      "SELECT c.relname, a.attstattarget, array_to_string(c.reloptions, ',') FROM pg_attribute a "
      "JOIN pg_class c ON c.oid = a.attrelid WHERE c.relname LIKE '%trgm_idx' ORDER BY c.relname"};
  const store::Rows rows = run_sync(
      store::with_connection(*db_, Access::read, [&](Connection& c) -> awaitable<store::Rows> {
        co_return co_await c.execute(settings, {});
      }));
  std::vector<std::string> kept;
  for (const store::Row& row : rows) {
    kept.push_back(fmt::format("{} {} {}", row.text(0), row.integer(1), row.text(2)));
  }
  const std::string set = "1000 gin_pending_list_limit=256";
  EXPECT_EQ(kept, (std::vector<std::string>{
                      "tags_name_trgm_idx " + set, "tasks_content_trgm_idx " + set,
                      "users_email_trgm_idx " + set, "users_name_trgm_idx " + set}));
  // 111 tasks of 50,000 (0.2 %: those whose number starts with 471).
  const std::string p = plan(repository::sql::tasks_page, "task 471");
  EXPECT_TRUE(has(p, "Bitmap Index Scan on tasks_content_trgm_idx")) << p;
  EXPECT_FALSE(has(p, "using tasks_pkey on tasks")) << p;
}

// A text in one task of eight: the page may walk the primary key in id order, filtering, and stop
// at 101 matches (about 800 rows read), or gather the matches from the index; never a scan.
TEST_F(SearchPlansTest, ACommonTextIsNeverAScanOfThePage) {
  const std::string p = plan(repository::sql::tasks_page, "bike");
  EXPECT_FALSE(has(p, "Seq Scan on tasks")) << p;
}

// Through the service: the answers on the large tables, and their counts.
TEST_F(SearchPlansTest, TheServiceFindsTheRareRecords) {
  ServerProcess server(
      ServerConfig{.database_url = url_, .extra_args = {}, .migrate = Migrate::none, .threads = 2});
  Client client(server.port());
  const Headers count_exact{{"Prefer", "count=exact"}};
  const Response tasks = client.request("GET", "/tasks?q=quokka", "", count_exact);
  ASSERT_EQ(tasks.status, 200U) << tasks.describe();
  EXPECT_EQ(tasks.header("X-Total-Count"), "3");
  ASSERT_EQ(tasks.array().size(), 3U);
  EXPECT_EQ(id_of(tasks.array()[0]), 7);
  const Response users = client.request("GET", "/users?q=QUOKKA", "", count_exact);
  EXPECT_EQ(users.header("X-Total-Count"), "2") << users.describe();
  const Response tags = client.request("GET", "/tags?q=quokka", "", count_exact);
  EXPECT_EQ(tags.header("X-Total-Count"), "1") << tags.describe();
  const Response bikes = client.request("GET", "/tasks?q=bike&limit=5", "", count_exact);
  EXPECT_EQ(bikes.header("X-Total-Count"), "6250") << bikes.describe();
}

}  // namespace
}  // namespace usertasks::testing
