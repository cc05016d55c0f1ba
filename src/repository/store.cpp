#include "repository/store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/describe/members.hpp>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <boost/mp11/algorithm.hpp>

#include "base/time.hpp"
#include "repository/rows.hpp"
#include "repository/statements.hpp"

namespace usertasks::repository {

using store::Access;
using store::ConstraintViolation;
using store::Row;
using store::with_connection;

using models::Task;
using models::TaskWithUser;
using models::User;
using models::UserWithTasks;

using namespace rows;  // NOLINT(google-build-using-namespace): the store's own helpers

bool TaskFilter::tagged() const {
  const auto& specs = models::Entity<Task>::filters;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    if (specs[i].compare == models::Compare::all && values[i]) return true;
  }
  return false;
}

awaitable<Rows> Store::exec(Connection& c, const Sql& s, std::vector<Value> params,
                            bool each_time) {
  ++statements_;
  co_return co_await c.execute(s.statement(each_time), params);
}

awaitable<std::int64_t> Store::exec_count(Connection& c, const Sql& sql, std::vector<Value> params,
                                          bool each_time) {
  Rows rows = co_await exec(c, sql, std::move(params), each_time);
  co_return rows.front().integer(0);
}

Paged Store::PageLists::of(const TaskFilter& filter) const {
  return filter.user_id ? of_user : filter.tagged() ? tagged : all;
}

// A page of tasks, of every user or of the one the filter names, and passing the Task's filters.
awaitable<Rows> Store::exec_page(Connection& c, const TaskFilter& filter, const Page& page,
                                 const PageLists& lists) {
  const PageSql sql = page_statement(lists.of(filter), page.sort, page.cursor.empty());
  std::optional<Arg> user;
  if (filter.user_id) user = arg("user_id", *filter.user_id);
  std::vector<Value> values = page_args(sql.get(), filter, page, std::move(user));
  co_return co_await exec(c, sql.get(), std::move(values), searched<Task>(filter.values));
}

awaitable<std::int64_t> Store::count_tasks(Connection& c, const TaskFilter& filter) {
  const Sql& sql = filter.user_id    ? sql::tasks_count_of_user
                   : filter.tagged() ? sql::tasks_count_tagged
                                     : sql::tasks_count;
  std::optional<Arg> user;
  if (filter.user_id) user = arg("user_id", *filter.user_id);
  std::vector<Value> values = count_args<Task>(sql, filter.values, std::move(user));
  co_return co_await exec_count(c, sql, std::move(values), searched<Task>(filter.values));
}

template <class T>
awaitable<Outcome<Versioned<T>>> Store::write(const Sql& sql, const models::Input<T>& input,
                                              std::int64_t id, ConstraintViolation::Kind refused,
                                              Failure failure, After<T> after,
                                              const Precondition& pre, bool gathered) {
  try {
    co_return co_await transact<Outcome<Versioned<T>>>(
        [&](Connection& c) -> awaitable<Outcome<Versioned<T>>> {
          std::vector<Value> values = input_args(sql, input, id, base::utc_now(), pre);
          Rows rows = co_await exec(c, sql, std::move(values));
          if (rows.empty()) co_return pre.given ? Failure::precondition_failed : Failure::not_found;
          Versioned<T> written{decode<T>(rows.front(), 0), {}};
          written.validator = {written.record.version, rows.front().integer(column_count<T>)};
          if (after) co_await after(c, written.record);
          changes_.push_back(
              change(id == 0 ? Happened::created : Happened::updated, written.record));
          co_return written;
        },
        gathered);
  } catch (const ConstraintViolation& e) {
    if (e.kind() != refused) throw;
  }
  co_return failure;
}

// The tags' writes are in tag_store.cpp.
template awaitable<Outcome<Versioned<models::Tag>>> Store::write(
    const Sql&, const models::Input<models::Tag>&, std::int64_t, ConstraintViolation::Kind, Failure,
    After<models::Tag>, const Precondition&, bool);

template <class T>
awaitable<std::optional<models::Validator>> Store::validator_of(std::int64_t id) {
  const Sql& sql = std::is_same_v<T, User>   ? sql::user_validator
                   : std::is_same_v<T, Task> ? sql::task_validator
                                             : sql::tag_validator;
  co_return co_await read_one<models::Validator>(sql, id, [](Row& r) {
    return models::Validator{r.integer(0), r.integer(1)};
  });
}

template awaitable<std::optional<models::Validator>> Store::validator_of<User>(std::int64_t);
template awaitable<std::optional<models::Validator>> Store::validator_of<Task>(std::int64_t);
template awaitable<std::optional<models::Validator>> Store::validator_of<models::Tag>(std::int64_t);

// The tags a task write gives, in the same transaction: `after` for write<Task>.
Store::After<Task> Store::task_tags_of(const models::Input<Task>& input, bool created) {
  const auto& names = input.get("tags");
  if (!names || (created && std::get<std::string>(*names) == "[]")) return {};
  return [this, names = std::get<std::string>(*names), created](Connection& c,
                                                                Task& task) -> awaitable<void> {
    task.tags = co_await set_task_tags(c, task.id, names, created);
  };
}

template <class T>
awaitable<std::optional<Failure>> Store::remove(const Sql& sql, std::int64_t id,
                                                const Precondition& pre) {
  co_return co_await transact<std::optional<Failure>>(
      [&](Connection& c) -> awaitable<std::optional<Failure>> {
        std::vector<Value> values = bind(sql, arg("id", id), if_match(pre));
        const Rows rows = co_await exec(c, sql, std::move(values));
        if (rows.empty()) co_return pre.given ? Failure::precondition_failed : Failure::not_found;
        std::optional<std::int64_t> user;
        if (rows.front().size() > 1) user = rows.front().integer(1);
        changes_.push_back(deletion<T>(id, user));
        co_return std::nullopt;
      });
}

awaitable<PageOf<User>> Store::list_users(models::FilterValues<User> filter, Page page) {
  co_return co_await with_connection(
      db_, page_access(page), [&](Connection& c) -> awaitable<PageOf<User>> {
        co_return co_await counted_page<User, User>(c, Paged::users, sql::users_count, filter, page,
                                                    [](Row& r) { return decode<User>(r, 0); });
      });
}

awaitable<PageOf<UserWithTasks>> Store::list_users_with_tasks(models::FilterValues<User> filter,
                                                              Page page) {
  co_return co_await with_connection(
      db_, page_access(page), [&](Connection& c) -> awaitable<PageOf<UserWithTasks>> {
        auto result = co_await counted_page<User, UserWithTasks>(
            c, Paged::users, sql::users_count, filter, page, [](Row& r) {
              return UserWithTasks{decode<User>(r, 0), {}};
            });
        if (result.items.empty()) co_return result;

        std::string ids = "[";
        for (const UserWithTasks& u : result.items) {
          if (ids.size() > 1) ids += ',';
          ids += std::to_string(u.user.id);
        }
        ids += ']';
        std::vector<Value> of_users = bind(sql::tasks_of_users, arg("ids", std::move(ids)));
        Rows task_rows = co_await exec(c, sql::tasks_of_users, std::move(of_users));
        // Each task finds its user by binary search over the page's ids (in any order: sort=).
        std::vector<std::pair<std::int64_t, std::size_t>> by_id;
        by_id.reserve(result.items.size());
        for (std::size_t i = 0; i < result.items.size(); ++i) {
          by_id.emplace_back(result.items[i].user.id, i);
        }
        std::ranges::sort(by_id);
        for (Row& r : task_rows) {
          Task task = decode<Task>(r, 0);
          auto it = std::lower_bound(by_id.begin(), by_id.end(), task.user_id,
                                     [](const auto& u, std::int64_t id) { return u.first < id; });
          if (it != by_id.end() && it->first == task.user_id) {
            result.items[it->second].tasks.push_back(std::move(task));
          }
        }
        co_return result;
      });
}

namespace {

// The users of user_with_tasks or users_with_tasks_by_ids rows (by user, then task), with their
// tasks.
std::vector<std::pair<std::int64_t, UserWithTasks>> users_with_tasks(Rows& rows) {
  constexpr std::size_t task_at = column_count<User>;
  std::vector<std::pair<std::int64_t, UserWithTasks>> users;
  for (Row& r : rows) {
    if (users.empty() || users.back().first != r.integer(0)) {
      User user = decode<User>(r, 0);
      const std::int64_t id = user.id;
      users.emplace_back(id, UserWithTasks{std::move(user), {}});
    }
    if (!r.is_null(task_at)) users.back().second.tasks.push_back(decode<Task>(r, task_at));
  }
  return users;
}

std::vector<std::pair<std::int64_t, TaskWithUser>> tasks_with_user(Rows& rows) {
  std::vector<std::pair<std::int64_t, TaskWithUser>> tasks;
  tasks.reserve(rows.size());
  for (Row& r : rows) {
    TaskWithUser t{decode<Task>(r, 0), decode<User>(r, column_count<Task>)};
    const std::int64_t id = t.task.id;
    tasks.emplace_back(id, std::move(t));
  }
  return tasks;
}

}  // namespace

awaitable<std::optional<UserWithTasks>> Store::get_user_with_tasks(std::int64_t id) {
  co_return co_await read_coalesced<UserWithTasks>(
      sql::user_with_tasks, sql::users_with_tasks_by_ids, id, users_with_tasks);
}

awaitable<Outcome<UserWithTasks>> Store::create_user(models::NewUser input) {
  try {
    co_return co_await transact<Outcome<UserWithTasks>>(
        [&](Connection& c) -> awaitable<Outcome<UserWithTasks>> {
          const std::string now = base::utc_now();
          std::vector<Value> values = input_args(sql::user_insert, input.user, 0, now);
          Rows rows = co_await exec(c, sql::user_insert, std::move(values));
          UserWithTasks result{decode<User>(rows.front(), 0), {}};
          changes_.push_back(change(Happened::created, result.user));
          if (input.tasks.empty()) co_return result;
          boost::json::array contents(input.tasks.begin(), input.tasks.end());
          std::vector<Value> tasks =
              bind(sql::tasks_insert_many, arg("contents", boost::json::serialize(contents)),
                   arg("user_id", result.user.id), arg("now", now));
          Rows task_rows = co_await exec(c, sql::tasks_insert_many, std::move(tasks));
          result.tasks.reserve(task_rows.size());
          for (Row& r : task_rows) result.tasks.push_back(decode<Task>(r, 0));
          std::ranges::sort(result.tasks, {}, &Task::id);
          for (const Task& task : result.tasks) changes_.push_back(change(Happened::created, task));
          co_return result;
        });
  } catch (const ConstraintViolation& e) {
    if (e.kind() != ConstraintViolation::Kind::unique) throw;
  }
  co_return Failure::email_taken;
}

awaitable<Outcome<Versioned<User>>> Store::update_user(std::int64_t id, models::Input<User> input,
                                                       const Precondition& pre) {
  co_return co_await write(sql::user_update, input, id, ConstraintViolation::Kind::unique,
                           Failure::email_taken, After<User>(), pre);
}

// The tasks first, each with its event, then the user: its deletion's events, in its transaction.
awaitable<std::optional<Failure>> Store::delete_user(std::int64_t id, const Precondition& pre) {
  co_return co_await transact<std::optional<Failure>>(
      [&](Connection& c) -> awaitable<std::optional<Failure>> {
        std::vector<Value> claim = bind(sql::user_claim, arg("id", id), if_match(pre));
        if ((co_await exec(c, sql::user_claim, std::move(claim))).empty()) {
          co_return pre.given ? Failure::precondition_failed : Failure::not_found;
        }
        std::vector<Value> of_user = bind(sql::user_tasks_delete, arg("id", id));
        const Rows tasks = co_await exec(c, sql::user_tasks_delete, std::move(of_user));
        std::vector<std::int64_t> ids;
        ids.reserve(tasks.size());
        for (const Row& r : tasks) ids.push_back(r.integer(0));
        std::ranges::sort(ids);
        for (const std::int64_t task : ids) changes_.push_back(deletion<Task>(task, id));
        std::vector<Value> values = bind(sql::user_delete, arg("id", id));
        co_await exec(c, sql::user_delete, std::move(values));
        changes_.push_back(deletion<User>(id));
        co_return std::nullopt;
      });
}

awaitable<std::optional<PageOf<Task>>> Store::list_user_tasks(std::int64_t user_id,
                                                              TaskFilter filter, Page page) {
  co_return co_await tasks_of(Paged::user_tasks, sql::tasks_count_of_user, arg("user_id", user_id),
                              filter, page);
}

awaitable<std::optional<PageOf<Task>>> Store::tasks_of(Paged list, const Sql& count, Arg owner,
                                                       const TaskFilter& filter, const Page& page) {
  co_return co_await with_connection(
      db_, page_access(page), [&](Connection& c) -> awaitable<std::optional<PageOf<Task>>> {
        const PageSql sql = page_statement(list, page.sort, page.cursor.empty());
        const bool search = searched<Task>(filter.values);
        std::vector<Value> values = page_args(sql.get(), filter, page, owner);
        Rows rows = co_await exec(c, sql.get(), std::move(values), search);
        if (rows.empty()) co_return std::nullopt;  // no such record: nothing to count
        PageOf<Task> result;
        if (!rows.front().is_null(1)) {
          result = page_of<Task>(rows, page.limit, [](Row& r) { return decode<Task>(r, 1); });
        }
        if (page.count) {
          std::vector<Value> of = count_args<Task>(count, filter.values, owner);
          result.total = co_await exec_count(c, count, std::move(of), search);
        }
        co_return result;
      });
}

awaitable<PageOf<Task>> Store::list_tasks(TaskFilter filter, Page page) {
  co_return co_await with_connection(
      db_, page_access(page), [&](Connection& c) -> awaitable<PageOf<Task>> {
        // Not a braced argument of the awaited call: GCC 12 miscompiles those in coroutines.
        const PageLists lists{Paged::tasks, Paged::tasks_of_user, Paged::tasks_tagged};
        Rows rows = co_await exec_page(c, filter, page, lists);
        auto result = page_of<Task>(rows, page.limit, [](Row& r) { return decode<Task>(r, 0); });
        if (page.count) result.total = co_await count_tasks(c, filter);
        co_return result;
      });
}

awaitable<PageOf<TaskWithUser>> Store::list_tasks_with_user(TaskFilter filter, Page page) {
  co_return co_await with_connection(
      db_, page_access(page), [&](Connection& c) -> awaitable<PageOf<TaskWithUser>> {
        const PageLists lists{Paged::tasks_with_user, Paged::tasks_with_user_of_user,
                              Paged::tasks_with_user_tagged};
        Rows rows = co_await exec_page(c, filter, page, lists);
        auto result = page_of<TaskWithUser>(rows, page.limit, [](Row& r) {
          return TaskWithUser{decode<Task>(r, 0), decode<User>(r, column_count<Task>)};
        });
        // Every task has its user (a reference): the count of the tasks is the count.
        if (page.count) result.total = co_await count_tasks(c, filter);
        co_return result;
      });
}

awaitable<std::optional<TaskWithUser>> Store::get_task_with_user(std::int64_t id) {
  co_return co_await read_coalesced<TaskWithUser>(sql::task_with_user, sql::tasks_with_user_by_ids,
                                                  id, tasks_with_user);
}

// Without tags, a group commit: with them, two groups could each wait for a tag the other created.
awaitable<Outcome<Versioned<Task>>> Store::create_task(models::Input<Task> input) {
  After<Task> tags = task_tags_of(input, true);
  const bool gathered = !tags;
  co_return co_await write(sql::task_insert, input, 0, ConstraintViolation::Kind::foreign_key,
                           Failure::user_not_found, std::move(tags), no_precondition, gathered);
}

awaitable<Outcome<Versioned<Task>>> Store::update_task(std::int64_t id, models::Input<Task> input,
                                                       const Precondition& pre) {
  co_return co_await write(sql::task_update, input, id, ConstraintViolation::Kind::foreign_key,
                           Failure::user_not_found, task_tags_of(input, false), pre);
}

awaitable<std::optional<Failure>> Store::delete_task(std::int64_t id, const Precondition& pre) {
  co_return co_await remove<Task>(sql::task_delete, id, pre);
}

awaitable<void> Store::ping() {
  co_await db_.run(Access::read,
                   [&](Connection& c) -> awaitable<void> { co_await exec(c, sql::ping, {}); });
}

}  // namespace usertasks::repository
