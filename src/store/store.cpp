#include "store/store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "store/statements.hpp"

namespace usertasks::store {

using models::Task;
using models::TaskWithUser;
using models::User;
using models::UserWithTasks;

namespace {

constexpr std::size_t user_columns = 5;
constexpr std::size_t task_columns = 6;

User user_at(Row& row, std::size_t at) {
  return User{row.integer(at), row.take_text(at + 1), row.take_text(at + 2), row.take_text(at + 3),
              row.take_text(at + 4)};
}

Task task_at(Row& row, std::size_t at) {
  return Task{row.integer(at),     row.take_text(at + 1), row.boolean(at + 2),
              row.integer(at + 3), row.take_text(at + 4), row.take_text(at + 5)};
}

Value optional_text(const std::optional<std::string>& s) {
  return s ? Value(*s) : Value(std::monostate{});
}

// Reads `limit + 1` rows so that a page knows whether another follows, then drops the extra one.
template <class T, class Decode>
PageOf<T> page_of(Rows& rows, std::size_t limit, Decode decode) {
  PageOf<T> page;
  page.more = rows.size() > limit;
  const std::size_t n = std::min(rows.size(), limit);
  page.items.reserve(n);
  for (std::size_t i = 0; i < n; ++i) page.items.push_back(decode(rows[i]));
  return page;
}

// Builds a parameter list outside of any braced list: GCC 12 miscompiles initializer lists in
// coroutines.
template <class... Args>
std::vector<Value> params(Args&&... args) {
  std::vector<Value> values;
  values.reserve(sizeof...(args));
  (values.emplace_back(std::forward<Args>(args)), ...);
  return values;
}

Value fetch_limit(Page page) {
  return static_cast<std::int64_t>(page.limit + 1);
}

}  // namespace

awaitable<Rows> Store::exec(Connection& c, const Statement& s, std::vector<Value> params) {
  ++statements_;
  co_return co_await c.execute(s, params);
}

// A page of tasks, of every user or of the one the filter names ($4), done or not ($3).
awaitable<Rows> Store::exec_page(Connection& c, TaskFilter filter, Page page, const Statement& all,
                                 const Statement& of_user) {
  std::vector<Value> values = params(page.after, fetch_limit(page));
  values.push_back(filter.done ? Value(*filter.done) : Value(std::monostate{}));
  if (filter.user_id) values.emplace_back(*filter.user_id);
  co_return co_await exec(c, filter.user_id ? of_user : all, std::move(values));
}

awaitable<PageOf<User>> Store::list_users(Page page) {
  co_return co_await with_connection(
      db_, Access::read, [&](Connection& c) -> awaitable<PageOf<User>> {
        Rows rows = co_await exec(c, sql::users_page, params(page.after, fetch_limit(page)));
        co_return page_of<User>(rows, page.limit, [](Row& r) { return user_at(r, 0); });
      });
}

awaitable<PageOf<UserWithTasks>> Store::list_users_with_tasks(Page page) {
  co_return co_await with_connection(
      db_, Access::read, [&](Connection& c) -> awaitable<PageOf<UserWithTasks>> {
        Rows rows = co_await exec(c, sql::users_page, params(page.after, fetch_limit(page)));
        auto result = page_of<UserWithTasks>(rows, page.limit, [](Row& r) {
          return UserWithTasks{user_at(r, 0), {}};
        });
        if (result.items.empty()) co_return result;

        std::string ids = "[";
        for (const UserWithTasks& u : result.items) {
          if (ids.size() > 1) ids += ',';
          ids += std::to_string(u.user.id);
        }
        ids += ']';
        Rows task_rows = co_await exec(c, sql::tasks_of_users, params(std::move(ids)));
        // The page is ordered by id, so each task finds its user by binary search.
        for (Row& r : task_rows) {
          Task task = task_at(r, 0);
          auto it = std::lower_bound(
              result.items.begin(), result.items.end(), task.user_id,
              [](const UserWithTasks& u, std::int64_t id) { return u.user.id < id; });
          if (it != result.items.end() && it->user.id == task.user_id) {
            it->tasks.push_back(std::move(task));
          }
        }
        co_return result;
      });
}

awaitable<std::optional<UserWithTasks>> Store::get_user_with_tasks(std::int64_t id) {
  co_return co_await with_connection(
      db_, Access::read, [&](Connection& c) -> awaitable<std::optional<UserWithTasks>> {
        Rows rows = co_await exec(c, sql::user_with_tasks, params(id));
        if (rows.empty()) co_return std::nullopt;
        UserWithTasks result{user_at(rows.front(), 0), {}};
        for (Row& r : rows) {
          if (!r.is_null(user_columns)) result.tasks.push_back(task_at(r, user_columns));
        }
        co_return result;
      });
}

awaitable<Outcome<UserWithTasks>> Store::create_user(models::UserInput input) {
  try {
    co_return co_await with_connection(
        db_, Access::write, [&](Connection& c) -> awaitable<Outcome<UserWithTasks>> {
          const std::string now = models::utc_now();
          Rows rows = co_await exec(c, sql::user_insert, params(*input.name, *input.email, now));
          UserWithTasks result{user_at(rows.front(), 0), {}};
          if (input.tasks.empty()) co_return result;
          boost::json::array contents(input.tasks.begin(), input.tasks.end());
          Rows task_rows =
              co_await exec(c, sql::tasks_insert_many,
                            params(boost::json::serialize(contents), result.user.id, now));
          result.tasks.reserve(task_rows.size());
          for (Row& r : task_rows) result.tasks.push_back(task_at(r, 0));
          std::ranges::sort(result.tasks, {}, &Task::id);
          co_return result;
        });
  } catch (const ConstraintViolation& e) {
    if (e.kind() != ConstraintViolation::Kind::unique) throw;
  }
  co_return Failure::email_taken;
}

awaitable<Outcome<User>> Store::update_user(std::int64_t id, models::UserInput input) {
  try {
    co_return co_await with_connection(
        db_, Access::write, [&](Connection& c) -> awaitable<Outcome<User>> {
          Rows rows = co_await exec(
              c, sql::user_update,
              params(id, optional_text(input.name), optional_text(input.email), models::utc_now()));
          if (rows.empty()) co_return Failure::not_found;
          co_return user_at(rows.front(), 0);
        });
  } catch (const ConstraintViolation& e) {
    if (e.kind() != ConstraintViolation::Kind::unique) throw;
  }
  co_return Failure::email_taken;
}

awaitable<bool> Store::delete_user(std::int64_t id) {
  co_return co_await with_connection(db_, Access::write, [&](Connection& c) -> awaitable<bool> {
    co_return !(co_await exec(c, sql::user_delete, params(id))).empty();
  });
}

awaitable<std::optional<PageOf<Task>>> Store::list_user_tasks(std::int64_t user_id, Page page) {
  co_return co_await with_connection(
      db_, Access::read, [&](Connection& c) -> awaitable<std::optional<PageOf<Task>>> {
        Rows rows =
            co_await exec(c, sql::user_tasks_page, params(user_id, page.after, fetch_limit(page)));
        if (rows.empty()) co_return std::nullopt;
        if (rows.front().is_null(1)) co_return PageOf<Task>{};
        co_return page_of<Task>(rows, page.limit, [](Row& r) { return task_at(r, 1); });
      });
}

awaitable<PageOf<Task>> Store::list_tasks(TaskFilter filter, Page page) {
  co_return co_await with_connection(
      db_, Access::read, [&](Connection& c) -> awaitable<PageOf<Task>> {
        Rows rows = co_await exec_page(c, filter, page, sql::tasks_page, sql::tasks_page_of_user);
        co_return page_of<Task>(rows, page.limit, [](Row& r) { return task_at(r, 0); });
      });
}

awaitable<PageOf<TaskWithUser>> Store::list_tasks_with_user(TaskFilter filter, Page page) {
  co_return co_await with_connection(
      db_, Access::read, [&](Connection& c) -> awaitable<PageOf<TaskWithUser>> {
        Rows rows = co_await exec_page(c, filter, page, sql::tasks_with_user_page,
                                       sql::tasks_with_user_page_of_user);
        co_return page_of<TaskWithUser>(rows, page.limit, [](Row& r) {
          return TaskWithUser{task_at(r, 0), user_at(r, task_columns)};
        });
      });
}

awaitable<std::optional<TaskWithUser>> Store::get_task_with_user(std::int64_t id) {
  co_return co_await with_connection(
      db_, Access::read, [&](Connection& c) -> awaitable<std::optional<TaskWithUser>> {
        Rows rows = co_await exec(c, sql::task_with_user, params(id));
        if (rows.empty()) co_return std::nullopt;
        co_return TaskWithUser{task_at(rows.front(), 0), user_at(rows.front(), task_columns)};
      });
}

awaitable<Outcome<Task>> Store::create_task(std::string content, std::int64_t user_id, bool done) {
  try {
    co_return co_await with_connection(
        db_, Access::write, [&](Connection& c) -> awaitable<Outcome<Task>> {
          Rows rows = co_await exec(c, sql::task_insert,
                                    params(std::move(content), user_id, models::utc_now(), done));
          co_return task_at(rows.front(), 0);
        });
  } catch (const ConstraintViolation& e) {
    if (e.kind() != ConstraintViolation::Kind::foreign_key) throw;
  }
  co_return Failure::user_not_found;
}

awaitable<Outcome<Task>> Store::update_task(std::int64_t id, models::TaskInput input) {
  try {
    co_return co_await with_connection(
        db_, Access::write, [&](Connection& c) -> awaitable<Outcome<Task>> {
          const Value user = input.user_id ? Value(*input.user_id) : Value(std::monostate{});
          const Value done = input.done ? Value(*input.done) : Value(std::monostate{});
          Rows rows = co_await exec(
              c, sql::task_update,
              params(id, optional_text(input.content), user, models::utc_now(), done));
          if (rows.empty()) co_return Failure::not_found;
          co_return task_at(rows.front(), 0);
        });
  } catch (const ConstraintViolation& e) {
    if (e.kind() != ConstraintViolation::Kind::foreign_key) throw;
  }
  co_return Failure::user_not_found;
}

awaitable<bool> Store::delete_task(std::int64_t id) {
  co_return co_await with_connection(db_, Access::write, [&](Connection& c) -> awaitable<bool> {
    co_return !(co_await exec(c, sql::task_delete, params(id))).empty();
  });
}

awaitable<void> Store::ping() {
  co_await db_.run(Access::read, [&](Connection& c) -> awaitable<void> {
    co_await exec(c, sql::ping, params());
  });
}

}  // namespace usertasks::store
