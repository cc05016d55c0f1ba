#pragma once
// How the store turns rows into records and inputs into arguments; shared by the store's files.

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <boost/describe/members.hpp>
#include <string>
#include <type_traits>
#include <vector>

#include "base/time.hpp"
#include "models/models.hpp"
#include "repository/events.hpp"
#include "repository/sql.hpp"
#include "repository/store.hpp"

namespace usertasks::repository::rows {

using store::Row;

// A named argument.
inline Arg arg(std::string_view name, Value value) {
  return {name, std::move(value)};
}

// The names of a names column: newline-joined, NULL for none (sql::columns), in sort_names order.
inline std::vector<std::string> split_names(Row& row, std::size_t i) {
  std::vector<std::string> names;
  if (row.is_null(i)) return names;
  const std::string text = row.take_text(i);
  for (std::size_t at = 0; at <= text.size();) {
    const std::size_t end = std::min(text.find('\n', at), text.size());
    names.emplace_back(text, at, end - at);
    at = end + 1;
  }
  models::sort_names(names);
  return names;
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
  } else if constexpr (std::is_same_v<M, std::vector<std::string>>) {
    return split_names(row, i);
  } else {
    static_assert(std::is_same_v<M, std::optional<std::string>>);
    return row.is_null(i) ? M() : M(row.take_text(i));
  }
}

template <class T, template <class...> class List, class... Members>
T decode_members(Row& row, std::size_t at, List<Members...>) {
  std::size_t i = at;
  // A braced list is evaluated left to right: member k reads column at + k, built in place; the
  // version column follows the fields (sql::columns).
  return T{column<std::remove_cvref_t<decltype(std::declval<T&>().*Members::pointer)>>(row, i++)...,
           row.integer(i)};
}

// How many columns sql::columns gives for T: its fields, then its version.
template <class T>
inline constexpr std::size_t column_count = models::field_count<T> + 1;

// A record of T from the row's columns at `at`, in the order of T's fields, then its version.
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
inline Value left_out(const models::Field& f) {
  if (f.type == models::FieldType::boolean && !f.default_json.empty()) {
    return f.default_json == "true";
  }
  return {};
}

// :if_match of a conditional write (sql::if_match): the precondition's tags, or NULL.
inline Arg if_match(const Precondition& pre) {
  return {"if_match", pre.tags ? Value(*pre.tags) : Value()};
}

// The arguments of an insert (id 0) or an update of T: the input's fields (on an update, NULL
// where it left one out, with :<name>_given telling which for a nullable field), :now, :id.
template <class T>
std::vector<Value> input_args(const Sql& sql, const models::Input<T>& input, std::int64_t id,
                              std::string now = base::utc_now(),
                              const Precondition& pre = no_precondition) {
  std::vector<Arg> args;
  args.push_back(arg("now", std::move(now)));
  args.push_back(arg("id", id));
  args.push_back(if_match(pre));
  for (std::size_t i = 0; i < models::field_count<T>; ++i) {
    const models::Field& f = models::Entity<T>::fields[i];
    if (f.source != models::Source::body || f.type == models::FieldType::names) continue;
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

inline Arg after(const Page& page) {
  return {"after", page.after};
}
inline Arg fetch_limit(const Page& page) {
  return {"limit", static_cast<std::int64_t>(page.limit + 1)};
}

// The values of the cursor's key, :cursor_0 … (sql::sort_order).
inline void add_cursor(std::vector<Arg>& args, const Page& page) {
  static const std::array<std::string, models::max_sort_fields + 1> names = [] {
    std::array<std::string, models::max_sort_fields + 1> out;
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = cursor_parameter(i);
    return out;
  }();
  for (std::size_t i = 0; i < page.cursor.size() && i < names.size(); ++i) {
    args.push_back({names[i], Value(page.cursor[i])});
  }
}

// How a list reads: with its count, in one snapshot.
inline store::Access page_access(const Page& page) {
  return page.count ? store::Access::snapshot : store::Access::read;
}

// The filters of T by their parameter names, NULL where the query left one out.
template <class T>
std::vector<Arg> filter_args(const models::FilterValues<T>& values) {
  std::vector<Arg> args;
  const auto& specs = models::Entity<T>::filters;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    args.push_back({specs[i].parameter, values[i] ? Value(*values[i]) : Value()});
  }
  return args;
}

// Whether the values search a text (Compare::contains): such a list's statements are planned for
// their values (Sql::statement), so that PostgreSQL can choose a trigram index when the text is
// rare and walk the list's order when it is common.
template <class T>
bool searched(const models::FilterValues<T>& values) {
  const auto& specs = models::Entity<T>::filters;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    if (specs[i].compare == models::Compare::contains && values[i]) return true;
  }
  return false;
}

// The arguments of the count of a list by `sql`: the filters of T, and the record the list is of
// (:user_id, :tag_id), if any.
template <class T>
std::vector<Value> count_args(const Sql& sql, const models::FilterValues<T>& values,
                              std::optional<Arg> of = std::nullopt) {
  std::vector<Arg> args = filter_args<T>(values);
  if (of) args.push_back(std::move(*of));
  return bind(sql, std::span<Arg>(args));
}

// The arguments of a page of T by `sql`: T's filters by their parameter names, the keyset (after=
// or the cursor's key), the limit, and the record the page is of (:user_id, :tag_id), if any.
template <class T>
std::vector<Value> page_args(const Sql& sql, const models::FilterValues<T>& values,
                             const Page& page, std::optional<Arg> of = std::nullopt) {
  std::vector<Arg> args = filter_args<T>(values);
  args.push_back(after(page));
  add_cursor(args, page);
  args.push_back(fetch_limit(page));
  if (of) args.push_back(std::move(*of));
  return bind(sql, std::span<Arg>(args));
}

inline std::vector<Value> page_args(const Sql& sql, const TaskFilter& filter, const Page& page,
                                    std::optional<Arg> of) {
  return page_args<models::Task>(sql, filter.values, page, std::move(of));
}

// What happened to a record, as its event says.
enum class Happened : std::uint8_t { created, updated, deleted };

template <class T>
EventType event_type(Happened what) {
  constexpr std::size_t first = std::is_same_v<T, models::User>   ? 0
                                : std::is_same_v<T, models::Task> ? 3
                                                                  : 6;
  return static_cast<EventType>(first + static_cast<std::size_t>(what));
}

// The event of a record created or updated: the record as GET renders it, without embeds.
template <class T>
Change change(Happened what, const T& record) {
  std::optional<std::int64_t> user;
  if constexpr (std::is_same_v<T, models::User>) user = record.id;
  if constexpr (std::is_same_v<T, models::Task>) user = record.user_id;
  return {event_type<T>(what), user, models::json_text(record)};
}

// The event of a record deleted: its id, and a task's user.
template <class T>
Change deletion(std::int64_t id, std::optional<std::int64_t> user_id = std::nullopt) {
  std::string data = fmt::format(R"({{"id":{})", id);
  if (std::is_same_v<T, models::Task> && user_id) data += fmt::format(R"(,"user_id":{})", *user_id);
  data += '}';
  if (std::is_same_v<T, models::User>) user_id = id;
  return {event_type<T>(Happened::deleted), user_id, std::move(data)};
}

}  // namespace usertasks::repository::rows

namespace usertasks::repository {

template <class R, class Work>
awaitable<R> Store::transact(Work work, bool gathered) {
  if (gathered && db_.gathers()) {
    std::optional<R> result;
    co_await write_gathered([&](Connection& c) -> awaitable<void> {
      changes_.clear();
      result.emplace(co_await work(c));
    });
    co_return std::move(*result);
  }
  co_return co_await store::with_connection(
      db_, store::Access::write, [&](Connection& c) -> awaitable<R> {
        changes_.clear();
        R result = co_await work(c);
        if (!changes_.empty() && record_events_) {
          statements_ += co_await record_events(c, changes_, base::utc_now());
        }
        changes_.clear();
        co_return result;
      });
}

template <class T, class R, class Decode>
awaitable<PageOf<R>> Store::counted_page(Connection& c, Paged list, const Sql& count,
                                         const models::FilterValues<T>& filter, const Page& keyset,
                                         Decode decode) {
  const PageSql page = page_statement(list, keyset.sort, keyset.cursor.empty());
  const bool search = rows::searched<T>(filter);
  std::vector<Value> values = rows::page_args<T>(page.get(), filter, keyset);
  Rows rows = co_await exec(c, page.get(), std::move(values), search);
  PageOf<R> result = rows::page_of<R>(rows, keyset.limit, decode);
  if (keyset.count) {
    std::vector<Value> counted = rows::count_args<T>(count, filter);
    result.total = co_await exec_count(c, count, std::move(counted), search);
  }
  co_return result;
}

template <class R, class Decode>
awaitable<std::optional<R>> Store::read_one(const Sql& sql, std::int64_t id, Decode decode) {
  co_return co_await store::with_connection(
      db_, store::Access::read, [&](Connection& c) -> awaitable<std::optional<R>> {
        std::vector<Value> values = bind(sql, rows::arg("id", id));
        Rows rows = co_await exec(c, sql, std::move(values));
        if (rows.empty()) co_return std::nullopt;
        co_return decode(rows.front());
      });
}

}  // namespace usertasks::repository
