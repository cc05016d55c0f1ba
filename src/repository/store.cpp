#include "repository/store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/describe/members.hpp>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>
#include <boost/mp11/algorithm.hpp>

#include "base/time.hpp"
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

namespace {

// A named argument.
Arg arg(std::string_view name, Value value) {
  return {name, std::move(value)};
}

// The value of column `i` as a member of type M.
template <class M>
M column(Row& row, std::size_t i) {
  if constexpr (std::is_same_v<M, std::int64_t>) {
    return row.integer(i);
  } else if constexpr (std::is_same_v<M, bool>) {
    return row.boolean(i);
  } else if constexpr (std::is_same_v<M, std::string>) {
    return row.take_text(i);
  } else {
    static_assert(std::is_same_v<M, std::optional<std::string>>);
    return row.is_null(i) ? M() : M(row.take_text(i));
  }
}

template <class T, template <class...> class List, class... Members>
T decode_members(Row& row, std::size_t at, List<Members...>) {
  std::size_t i = at;
  // A braced list is evaluated left to right: member k reads column at + k, built in place.
  return T{
      column<std::remove_cvref_t<decltype(std::declval<T&>().*Members::pointer)>>(row, i++)...};
}

// A record of T from the row's columns at `at`, in the order of T's fields.
template <class T>
T decode(Row& row, std::size_t at) {
  static_assert(models::fields_match_members<T>());
  return decode_members<T>(row, at,
                           boost::describe::describe_members<T, boost::describe::mod_public>{});
}

// "<field>_given", the flag of each field of T that an update may set to null (sql::update).
template <class T>
const std::array<std::string, models::field_count<T>>& given_names() {
  static const auto names = [] {
    std::array<std::string, models::field_count<T>> out;
    for (std::size_t i = 0; i < out.size(); ++i) {
      out[i] = fmt::format("{}_given", models::Entity<T>::fields[i].name);
    }
    return out;
  }();
  return names;
}

// The value a field the input of an insert left out takes: its declared default, or NULL.
Value left_out(const models::Field& f) {
  if (f.type == models::FieldType::boolean && !f.default_json.empty()) {
    return f.default_json == "true";
  }
  return {};
}

// The arguments of an insert (id 0) or an update of T: the input's fields (on an update, NULL
// where it left one out, with :<name>_given telling which for a nullable field), :now, :id.
template <class T>
std::vector<Value> input_args(const Sql& sql, const models::Input<T>& input, std::int64_t id,
                              std::string now = base::utc_now()) {
  std::vector<Arg> args;
  args.push_back(arg("now", std::move(now)));
  args.push_back(arg("id", id));
  for (std::size_t i = 0; i < models::field_count<T>; ++i) {
    const models::Field& f = models::Entity<T>::fields[i];
    if (f.source != models::Source::body) continue;
    const Value absent = id == 0 ? left_out(f) : Value();
    args.push_back({f.name, input[i] ? Value(*input[i]) : absent});
    if (f.nullable) args.push_back({given_names<T>()[i], input[i].has_value()});
  }
  return bind(sql, std::span<Arg>(args));
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

Arg after(Page page) {
  return {"after", page.after};
}
Arg fetch_limit(Page page) {
  return {"limit", static_cast<std::int64_t>(page.limit + 1)};
}

// The arguments of a page of tasks by `sql`: the Task's filters by their parameter names, the
// keyset, the limit, and the user when the page is of one.
std::vector<Value> page_args(const Sql& sql, const TaskFilter& filter, Page page,
                             std::optional<std::int64_t> user_id) {
  std::vector<Arg> args;
  const auto& specs = models::Entity<Task>::filters;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    args.push_back({specs[i].parameter, filter.values[i] ? Value(*filter.values[i]) : Value()});
  }
  args.push_back(after(page));
  args.push_back(fetch_limit(page));
  if (user_id) args.push_back(arg("user_id", *user_id));
  return bind(sql, std::span<Arg>(args));
}

}  // namespace

awaitable<Rows> Store::exec(Connection& c, const Sql& s, std::vector<Value> params) {
  ++statements_;
  co_return co_await c.execute(s.statement(), params);
}

// A page of tasks, of every user or of the one the filter names, and passing the Task's filters.
awaitable<Rows> Store::exec_page(Connection& c, const TaskFilter& filter, Page page, const Sql& all,
                                 const Sql& of_user) {
  const Sql& sql = filter.user_id ? of_user : all;
  std::vector<Value> values = page_args(sql, filter, page, filter.user_id);
  co_return co_await exec(c, sql, std::move(values));
}

template <class T>
awaitable<Outcome<T>> Store::write(const Sql& sql, const models::Input<T>& input, std::int64_t id,
                                   ConstraintViolation::Kind refused, Failure failure) {
  try {
    co_return co_await with_connection(db_, Access::write,
                                       [&](Connection& c) -> awaitable<Outcome<T>> {
                                         std::vector<Value> values = input_args(sql, input, id);
                                         Rows rows = co_await exec(c, sql, std::move(values));
                                         if (rows.empty()) co_return Failure::not_found;
                                         co_return decode<T>(rows.front(), 0);
                                       });
  } catch (const ConstraintViolation& e) {
    if (e.kind() != refused) throw;
  }
  co_return failure;
}

awaitable<bool> Store::remove(const Sql& sql, std::int64_t id) {
  co_return co_await with_connection(db_, Access::write, [&](Connection& c) -> awaitable<bool> {
    std::vector<Value> values = bind(sql, arg("id", id));
    co_return !(co_await exec(c, sql, std::move(values))).empty();
  });
}

awaitable<PageOf<User>> Store::list_users(Page page) {
  co_return co_await with_connection(
      db_, Access::read, [&](Connection& c) -> awaitable<PageOf<User>> {
        std::vector<Value> values = bind(sql::users_page, after(page), fetch_limit(page));
        Rows rows = co_await exec(c, sql::users_page, std::move(values));
        co_return page_of<User>(rows, page.limit, [](Row& r) { return decode<User>(r, 0); });
      });
}

awaitable<PageOf<UserWithTasks>> Store::list_users_with_tasks(Page page) {
  co_return co_await with_connection(
      db_, Access::read, [&](Connection& c) -> awaitable<PageOf<UserWithTasks>> {
        std::vector<Value> values = bind(sql::users_page, after(page), fetch_limit(page));
        Rows rows = co_await exec(c, sql::users_page, std::move(values));
        auto result = page_of<UserWithTasks>(rows, page.limit, [](Row& r) {
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
        // The page is ordered by id, so each task finds its user by binary search.
        for (Row& r : task_rows) {
          Task task = decode<Task>(r, 0);
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
        std::vector<Value> values = bind(sql::user_with_tasks, arg("id", id));
        Rows rows = co_await exec(c, sql::user_with_tasks, std::move(values));
        if (rows.empty()) co_return std::nullopt;
        constexpr std::size_t task_at = models::field_count<User>;
        UserWithTasks result{decode<User>(rows.front(), 0), {}};
        for (Row& r : rows) {
          if (!r.is_null(task_at)) result.tasks.push_back(decode<Task>(r, task_at));
        }
        co_return result;
      });
}

awaitable<Outcome<UserWithTasks>> Store::create_user(models::NewUser input) {
  try {
    co_return co_await with_connection(
        db_, Access::write, [&](Connection& c) -> awaitable<Outcome<UserWithTasks>> {
          const std::string now = base::utc_now();
          std::vector<Value> values = input_args(sql::user_insert, input.user, 0, now);
          Rows rows = co_await exec(c, sql::user_insert, std::move(values));
          UserWithTasks result{decode<User>(rows.front(), 0), {}};
          if (input.tasks.empty()) co_return result;
          boost::json::array contents(input.tasks.begin(), input.tasks.end());
          std::vector<Value> tasks =
              bind(sql::tasks_insert_many, arg("contents", boost::json::serialize(contents)),
                   arg("user_id", result.user.id), arg("now", now));
          Rows task_rows = co_await exec(c, sql::tasks_insert_many, std::move(tasks));
          result.tasks.reserve(task_rows.size());
          for (Row& r : task_rows) result.tasks.push_back(decode<Task>(r, 0));
          std::ranges::sort(result.tasks, {}, &Task::id);
          co_return result;
        });
  } catch (const ConstraintViolation& e) {
    if (e.kind() != ConstraintViolation::Kind::unique) throw;
  }
  co_return Failure::email_taken;
}

awaitable<Outcome<User>> Store::update_user(std::int64_t id, models::Input<User> input) {
  co_return co_await write(sql::user_update, input, id, ConstraintViolation::Kind::unique,
                           Failure::email_taken);
}

awaitable<bool> Store::delete_user(std::int64_t id) {
  co_return co_await remove(sql::user_delete, id);
}

awaitable<std::optional<PageOf<Task>>> Store::list_user_tasks(std::int64_t user_id,
                                                              TaskFilter filter, Page page) {
  co_return co_await with_connection(
      db_, Access::read, [&](Connection& c) -> awaitable<std::optional<PageOf<Task>>> {
        std::vector<Value> values = page_args(sql::user_tasks_page, filter, page, user_id);
        Rows rows = co_await exec(c, sql::user_tasks_page, std::move(values));
        if (rows.empty()) co_return std::nullopt;
        if (rows.front().is_null(1)) co_return PageOf<Task>{};
        co_return page_of<Task>(rows, page.limit, [](Row& r) { return decode<Task>(r, 1); });
      });
}

awaitable<PageOf<Task>> Store::list_tasks(TaskFilter filter, Page page) {
  co_return co_await with_connection(
      db_, Access::read, [&](Connection& c) -> awaitable<PageOf<Task>> {
        Rows rows = co_await exec_page(c, filter, page, sql::tasks_page, sql::tasks_page_of_user);
        co_return page_of<Task>(rows, page.limit, [](Row& r) { return decode<Task>(r, 0); });
      });
}

awaitable<PageOf<TaskWithUser>> Store::list_tasks_with_user(TaskFilter filter, Page page) {
  co_return co_await with_connection(
      db_, Access::read, [&](Connection& c) -> awaitable<PageOf<TaskWithUser>> {
        Rows rows = co_await exec_page(c, filter, page, sql::tasks_with_user_page,
                                       sql::tasks_with_user_page_of_user);
        co_return page_of<TaskWithUser>(rows, page.limit, [](Row& r) {
          return TaskWithUser{decode<Task>(r, 0), decode<User>(r, models::field_count<Task>)};
        });
      });
}

awaitable<std::optional<TaskWithUser>> Store::get_task_with_user(std::int64_t id) {
  co_return co_await with_connection(
      db_, Access::read, [&](Connection& c) -> awaitable<std::optional<TaskWithUser>> {
        std::vector<Value> values = bind(sql::task_with_user, arg("id", id));
        Rows rows = co_await exec(c, sql::task_with_user, std::move(values));
        if (rows.empty()) co_return std::nullopt;
        co_return TaskWithUser{decode<Task>(rows.front(), 0),
                               decode<User>(rows.front(), models::field_count<Task>)};
      });
}

awaitable<Outcome<Task>> Store::create_task(models::Input<Task> input) {
  co_return co_await write(sql::task_insert, input, 0, ConstraintViolation::Kind::foreign_key,
                           Failure::user_not_found);
}

awaitable<Outcome<Task>> Store::update_task(std::int64_t id, models::Input<Task> input) {
  co_return co_await write(sql::task_update, input, id, ConstraintViolation::Kind::foreign_key,
                           Failure::user_not_found);
}

awaitable<bool> Store::delete_task(std::int64_t id) {
  co_return co_await remove(sql::task_delete, id);
}

awaitable<void> Store::ping() {
  co_await db_.run(Access::read,
                   [&](Connection& c) -> awaitable<void> { co_await exec(c, sql::ping, {}); });
}

}  // namespace usertasks::repository
