// How the store runs a list's statements: planned for their values when q= searches (on
// PostgreSQL an unnamed statement, so that a trigram index is chosen for a rare text: see
// PostgresDriver.AStatementPlannedEachTimeIsPlannedForItsValues), prepared otherwise.

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <string>
#include <utility>
#include <vector>

#include "app/run_sync.hpp"
#include "migrate/migrator.hpp"
#include "repository/store.hpp"
#include "sqlite_file_fixture.hpp"

namespace usertasks::repository {
namespace {

using app::run_sync;
using store::awaitable;
using store::Connection;

// Each statement run: its name, and whether it was planned each time.
using Log = std::vector<std::pair<std::string, bool>>;

class RecordingConnection final : public Connection {
 public:
  RecordingConnection(Connection& inner, Log& log) : inner_(inner), log_(log) {}
  awaitable<store::Rows> execute(const store::Statement& statement,
                                 std::span<const store::Value> params) override {
    log_.emplace_back(statement.name, statement.plan_each_time);
    co_return co_await inner_.execute(statement, params);
  }
  awaitable<void> execute_script(std::string_view sql) override {
    co_await inner_.execute_script(sql);
  }
  [[nodiscard]] store::Dialect dialect() const override { return inner_.dialect(); }

 private:
  Connection& inner_;
  Log& log_;
};

class RecordingDatabase final : public store::Database {
 public:
  explicit RecordingDatabase(store::Database& inner) : inner_(inner) {}
  awaitable<void> run(store::Access access, Work work) override {
    co_await inner_.run(access, [&](Connection& c) -> awaitable<void> {
      RecordingConnection recording(c, log_);
      co_await work(recording);
    });
  }
  [[nodiscard]] store::Dialect dialect() const override { return inner_.dialect(); }
  [[nodiscard]] store::PoolStats pool_stats() const override { return inner_.pool_stats(); }
  void close() override {}

  Log log_;

 private:
  store::Database& inner_;
};

// T's filter values with q= given, or not.
template <class T>
models::FilterValues<T> searching(bool search) {
  models::FilterValues<T> values{};
  const auto& specs = models::Entity<T>::filters;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    if (specs[i].parameter == "q" && search) values[i] = std::string("a");
  }
  return values;
}

class SearchStatements : public testing::SqliteFileTest {
 protected:
  void SetUp() override {
    SqliteFileTest::SetUp();
    run_sync(migrate::Migrator(*db_).upgrade());
    recording_ = std::make_unique<RecordingDatabase>(*db_);
    Store store(*recording_);
    auto user = models::validate_new_user(
        boost::json::parse(R"({"name": "Ada", "email": "a@b", "tasks": [{"content": "a"}]})"));
    auto created = run_sync(store.create_user(std::get<models::NewUser>(std::move(user))));
    user_id_ = std::get<models::UserWithTasks>(created).user.id;
    auto tag =
        models::validate<models::Tag>(boost::json::parse(R"({"name": "a"})"), models::Mode::create);
    tag_id_ =
        std::get<Versioned<models::Tag>>(run_sync(store.create_tag(std::get<0>(std::move(tag)))))
            .record.id;
  }

  // The statements that `list` runs on a store of its own, counted (Page::count).
  template <class List>
  Log run(List list) {
    recording_->log_.clear();
    Store store(*recording_);
    Page page;
    page.limit = 10;
    page.count = true;
    run_sync(list(store, page));
    return recording_->log_;
  }

  static TaskFilter tasks(bool search) {
    return {.user_id = std::nullopt, .values = searching<models::Task>(search)};
  }

  std::unique_ptr<RecordingDatabase> recording_;
  std::int64_t user_id_ = 0;
  std::int64_t tag_id_ = 0;
};

TEST_F(SearchStatements, AListThatSearchesPlansItsStatementsEachTime) {
  for (const bool search : {true, false}) {
    SCOPED_TRACE(search ? "with q=" : "without q=");
    const std::vector<Log> logs = {
        run([&](Store& s, Page p) -> awaitable<void> { co_await s.list_tasks(tasks(search), p); }),
        run([&](Store& s, Page p) -> awaitable<void> {
          co_await s.list_tasks_with_user(tasks(search), p);
        }),
        run([&](Store& s, Page p) -> awaitable<void> {
          TaskFilter of_user = tasks(search);
          of_user.user_id = user_id_;
          co_await s.list_tasks(of_user, p);
        }),
        run([&](Store& s, Page p) -> awaitable<void> {
          co_await s.list_user_tasks(user_id_, tasks(search), p);
        }),
        run([&](Store& s, Page p) -> awaitable<void> {
          co_await s.list_tag_tasks(tag_id_, tasks(search), p);
        }),
        run([&](Store& s, Page p) -> awaitable<void> {
          co_await s.list_users(searching<models::User>(search), p);
        }),
        run([&](Store& s, Page p) -> awaitable<void> {
          co_await s.list_tags(searching<models::Tag>(search), p);
        }),
    };
    for (const Log& log : logs) {
      ASSERT_EQ(log.size(), 2U);  // the page and its count
      EXPECT_EQ(log[0].second, search) << log[0].first;
      EXPECT_EQ(log[1].second, search) << log[1].first;
    }
    // include=tasks: the page's tasks are read by id, prepared.
    const Log with_tasks = run([&](Store& s, Page p) -> awaitable<void> {
      co_await s.list_users_with_tasks(searching<models::User>(search), p);
    });
    EXPECT_EQ(with_tasks,
              (Log{{"users_page", search}, {"users_count", search}, {"tasks_of_users", false}}));
  }
}

}  // namespace
}  // namespace usertasks::repository
