// Keyset paging under sort= holds while others write, and an index serves the indexed orders:
// - a client that follows `next` to the end while other clients insert and delete sees every
//   record that existed throughout exactly once, in order, and no record twice;
// - the page statements of the orders docs/performance.md says are indexed read an index in
//   order on both databases (no sort step in the plan), so that a deep page costs what the first
//   does; an order without one (content) shows a sort, which is what the check would see.

#include <fmt/format.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "app/run_sync.hpp"
#include "models/models.hpp"
#include "repository/page_statements.hpp"
#include "sort_support.hpp"
#include "store/database.hpp"

namespace usertasks::testing {
namespace {

using app::run_sync;

class SortRaceTest : public ApiTest {
 protected:
  // `n` tasks of two users with contents, due dates and done in a spread (some alike), made in
  // batches (alike created_at) and alone; every third of them is the writers' to delete.
  void seed(int n) {
    users_ = {id_of(create_user("Ada")), id_of(create_user("Bob"))};
    json::array batch;
    for (int i = 0; i < n; ++i) {
      json::object t{{"content", fmt::format("c{}", (i * 7) % 11)},
                     {"user_id", users_[static_cast<std::size_t>(i % 2)]},
                     {"done", i % 3 == 0}};
      t["due_at"] = i % 4 == 0 ? json::value(nullptr)
                               : json::value(fmt::format("2026-12-{:02}T00:00:00Z", 1 + i % 5));
      batch.push_back(std::move(t));
      if (batch.size() == 10 || i + 1 == n) {
        const Response r = client_->post("/tasks", batch);
        ASSERT_EQ(r.status, 201U) << r.describe();
        for (const json::value& task : r.array()) {
          const std::int64_t id = id_of(task);
          (id % 3 == 0 ? deletable_ : stable_).push_back(id);
        }
        batch.clear();
      }
    }
  }

  // Writers insert and delete (the deletable seeded tasks and their own) until the reader has
  // walked `sort` to the end by pages of 3; then the walk is checked.
  void race(std::string_view sort) {
    std::atomic<bool> done{false};
    std::mutex mutex;
    std::vector<std::thread> writers;
    std::atomic<int> failures{0};
    for (int w = 0; w < 3; ++w) {
      writers.emplace_back([&, w] {
        Client client(server_->port());
        std::vector<std::int64_t> mine;
        for (int i = 0; !done; ++i) {
          json::object t{{"content", fmt::format("w{}", (i * 5 + w) % 13)},
                         {"user_id", users_[static_cast<std::size_t>((i + w) % 2)]},
                         {"done", i % 2 == 0}};
          t["due_at"] = i % 3 == 0 ? json::value(nullptr)
                                   : json::value(fmt::format("2026-12-{:02}T00:00:00Z", 1 + i % 5));
          const Response created = client.post("/tasks", t);
          if (created.status != 201) ++failures;
          if (created.status == 201) mine.push_back(id_of(created.json()));
          std::int64_t victim = 0;
          {
            const std::lock_guard lock(mutex);
            if (!deletable_.empty() && i % 2 == 0) {
              victim = deletable_.back();
              deletable_.pop_back();
            }
          }
          if (victim == 0 && mine.size() > 2) {
            victim = mine.front();
            mine.erase(mine.begin());
          }
          if (victim != 0 && client.del(fmt::format("/tasks/{}", victim)).status != 204) {
            ++failures;
          }
        }
      });
    }
    std::vector<json::object> seen;
    std::string target = fmt::format("/tasks?sort={}&limit=3", sort);
    int pages = 0;
    for (; pages < 10000; ++pages) {
      const Response r = client_->get(target);
      ASSERT_EQ(r.status, 200U) << target << '\n' << r.describe();
      for (const json::value& task : r.array()) seen.push_back(task.as_object());
      const auto next = next_link(r);
      if (!next) break;
      target = *next;
    }
    done = true;
    for (std::thread& t : writers) t.join();
    EXPECT_EQ(failures, 0);

    std::map<std::int64_t, int> times;
    for (const json::object& task : seen) ++times[task.at("id").as_int64()];
    for (const auto& [id, n] : times) EXPECT_EQ(n, 1) << "task " << id << " seen " << n << " times";
    for (const std::int64_t id : stable_) {
      EXPECT_EQ(times.count(id), 1U) << "task " << id << " existed throughout and was skipped";
    }
    const std::vector<Key> keys = sort_keys(sort);
    for (std::size_t i = 1; i < seen.size(); ++i) {
      EXPECT_TRUE(before(keys, seen[i - 1], seen[i]))
          << "out of order: " << to_text(seen[i - 1]) << " then " << to_text(seen[i]);
    }
    EXPECT_GT(pages, 10) << sort;
  }

  std::vector<std::int64_t> users_;
  std::vector<std::int64_t> stable_;
  std::vector<std::int64_t> deletable_;  // not deleted yet
};

TEST_P(SortRaceTest, PagingToTheEndUnderInsertsAndDeletesSeesEachRecordOnceInOrder) {
  seed(90);
  race("-created_at");
  race("due_at");
  race("-done,content");
}

USERTASKS_INSTANTIATE_FOR_ALL_BACKENDS(SortRaceTest);

// ---- plans

class SortPlanTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    Backend& b = backend(GetParam());
    if (const std::string why = b.unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
    url_ = b.fresh_database_url();
    {
      // 2,000 tasks of 20 users, made through the service, then statistics for the planners.
      ServerProcess server(ServerConfig{.database_url = url_, .extra_args = {}});
      Client client(server.port());
      for (int u = 0; u < 20; ++u) {
        const Response r =
            client.post("/users", json::object{{"name", fmt::format("u{}", u)},
                                               {"email", fmt::format("u{}@example.com", u)}});
        ASSERT_EQ(r.status, 201U) << r.describe();
      }
      for (int b2 = 0; b2 < 2; ++b2) {
        json::array batch;
        for (int i = 0; i < 1000; ++i) {
          batch.push_back(
              json::object{{"content", fmt::format("t{}", i)}, {"user_id", 1 + i % 20}});
        }
        ASSERT_EQ(client.post("/tasks", batch).status, 201U);
      }
      ASSERT_EQ(client.post("/tags", json::object{{"name", "home"}}).status, 201U);
    }
    db_ = store::open_database(url_, 1);
    run_sync(db_->run(store::Access::read, [](store::Connection& c) -> store::awaitable<void> {
      co_await c.execute_script("ANALYZE");
    }));
  }
  void TearDown() override {
    if (db_) db_->close();
  }

  // The plan of a page of `list` in `sort` (a later page: after a key), as text. PostgreSQL plans
  // it with sorting discouraged (enable_sort off), so that an index that can give the order is
  // taken whatever the table's size; a sort then means that no index can.
  std::string plan(repository::Paged list, std::string_view sort_text, std::string_view entity) {
    models::Sort sort;
    auto parsed = entity == "users"  ? models::parse_sort<models::User>(sort_text)
                  : entity == "tags" ? models::parse_sort<models::Tag>(sort_text)
                                     : models::parse_sort<models::Task>(sort_text);
    sort = std::get<models::Sort>(parsed);
    const repository::PageSql page = repository::page_statement(list, sort, false);
    const repository::Sql& sql = page.get();
    const std::string postgresql =
        fmt::format("EXPLAIN {}", sql.statement().text(store::Dialect::postgresql));
    const std::string sqlite =
        fmt::format("EXPLAIN QUERY PLAN {}", sql.statement().text(store::Dialect::sqlite));
    const store::Statement explain{"explain", postgresql, sqlite, false};
    std::vector<store::Value> values;
    for (const std::string& name : sql.parameters()) {
      if (name == "limit") {
        values.emplace_back(std::int64_t{101});
      } else if (name == "cursor_0" && sort.keys.size() > 1) {
        values.emplace_back(std::string("2026-01-01T00:00:00.000000Z"));
      } else if (name.starts_with("cursor_")) {
        values.emplace_back(std::int64_t{1000});
      } else {
        values.emplace_back(std::monostate{});  // a filter left out
      }
    }
    return run_sync(store::with_connection(
        *db_, store::Access::read, [&](store::Connection& c) -> store::awaitable<std::string> {
          const bool pg = c.dialect() == store::Dialect::postgresql;
          if (pg) co_await c.execute_script("SET enable_sort = off");
          const store::Rows rows = co_await c.execute(explain, values);
          if (pg) co_await c.execute_script("RESET enable_sort");
          std::string text;
          for (const store::Row& row : rows) text += row.text(row.size() - 1) + "\n";
          co_return text;
        }));
  }

  // A sort step for the page's order: a Sort node (PostgreSQL), a temporary B-tree for the
  // ORDER BY (SQLite); not the sorts of the tag filter's count(DISTINCT).
  static bool sorts(const std::string& plan) {
    return plan.find("Sort  (") != std::string::npos || plan.find("Sort (") != std::string::npos ||
           plan.find("TEMP B-TREE FOR ORDER BY") != std::string::npos;
  }

  std::string url_;
  std::unique_ptr<store::Database> db_;
};

TEST_P(SortPlanTest, IndexedOrdersReadAnIndexInOrder) {
  using repository::Paged;
  const std::vector<std::tuple<Paged, std::string, std::string>> indexed{
      {Paged::tasks, "-created_at", "tasks"}, {Paged::tasks, "created_at", "tasks"},
      {Paged::tasks, "-id", "tasks"},         {Paged::tasks_with_user, "-created_at", "tasks"},
      {Paged::users, "created_at", "users"},  {Paged::users, "-updated_at", "users"},
      {Paged::tags, "-created_at", "tags"},   {Paged::tags, "updated_at", "tags"},
  };
  for (const auto& [list, sort, entity] : indexed) {
    const std::string p = plan(list, sort, entity);
    EXPECT_FALSE(sorts(p)) << sort << " on " << entity << ":\n" << p;
  }
  // An order without an index sorts, and the check sees it.
  const std::string content = plan(Paged::tasks, "content", "tasks");
  EXPECT_TRUE(sorts(content)) << content;
}

USERTASKS_INSTANTIATE_FOR_ALL_BACKENDS(SortPlanTest);

}  // namespace
}  // namespace usertasks::testing
