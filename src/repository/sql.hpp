#pragma once
// Statements written once, with :name placeholders, rendered to each dialect's $1..$N; and the
// SQL that follows from an entity's fields (column lists, inserts, updates, filters).

#include <fmt/format.h>

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "models/entity.hpp"
#include "models/models.hpp"
#include "models/sort.hpp"
#include "store/database.hpp"

namespace usertasks::repository {

using store::Dialect;
using store::Value;

class Sql {
 public:
  // `render` writes the statement for a dialect; it is called once for each.
  // `kept`: prepared once per connection and kept (store::Statement::kept).
  Sql(std::string_view name, const std::function<std::string(Dialect)>& render, bool kept = true);
  Sql(const Sql&) = delete;
  Sql& operator=(const Sql&) = delete;

  // The statement, prepared once per connection; with `each_time`, the same text planned for the
  // values of each execution (store::Statement::plan_each_time).
  [[nodiscard]] const store::Statement& statement(bool each_time = false) const {
    return each_time ? each_time_ : statement_;
  }
  // The placeholders' names, in the order of their numbers.
  [[nodiscard]] const std::vector<std::string>& parameters() const { return parameters_; }

 private:
  std::string name_;
  std::string postgresql_;
  std::string sqlite_;
  std::vector<std::string> parameters_;
  store::Statement statement_;
  store::Statement each_time_;
};

// A named argument of a statement; the name must outlive the bind() it is given to.
struct Arg {
  std::string_view name;
  Value value;
};

// The statement's parameters in its order, from arguments given by name, whose values it takes.
// Every placeholder must have its argument (std::logic_error otherwise).
std::vector<Value> bind(const Sql& sql, std::span<Arg> args);

template <class... Args>
std::vector<Value> bind(const Sql& sql, Args&&... args) {
  // Not a braced list: GCC 12 miscompiles initializer lists in coroutines.
  std::vector<Arg> list;
  list.reserve(sizeof...(args));
  (list.push_back(std::forward<Args>(args)), ...);
  return bind(sql, std::span<Arg>(list));
}

// The fields of T as a select list, each prefixed by `alias.` when an alias is given (`table.`
// in the subquery of a names field otherwise): a names field is its names joined by newlines
// (names hold no newline), NULL when there are none.
std::string columns(Dialect dialect, std::string_view table, std::span<const models::Field> fields,
                    std::string_view alias = {});
template <class T>
std::string columns(Dialect dialect, std::string_view alias = {}) {
  return columns(dialect, models::Entity<T>::table, models::Entity<T>::fields, alias);
}

// The rows of the JSON array of strings in parameter :`name`, as a table whose column is `value`.
std::string json_values(Dialect dialect, std::string_view name);
// The first string of the JSON array in parameter :`name`.
std::string first_json_value(Dialect dialect, std::string_view name);
// A subquery: the newline-joined names linked through `link` with the record whose id is
// `owner_id` (SQL), NULL when there are none.
std::string names_of(Dialect dialect, const models::Link& link, std::string_view owner_id);

// The `embedded` integer of T's validator (models/etag.hpp) for the row `row` of T (its table or
// an alias), as SQL (validators.cpp).
template <class T>
std::string embedded(Dialect dialect, std::string_view row);
template <>
std::string embedded<models::User>(Dialect dialect, std::string_view row);
template <>
std::string embedded<models::Task>(Dialect dialect, std::string_view row);
template <>
std::string embedded<models::Tag>(Dialect dialect, std::string_view row);

// " AND (...)", the precondition of a conditional write (If-Match) of the row `row`: true when
// :if_match is NULL, else when the row's opaque tag, version and `embedded` (SQL), is one of the
// JSON array :if_match.
std::string if_match(Dialect dialect, std::string_view row, std::string_view embedded);

// INSERT of every column field that is not the database's, returning the record and `embedded`.
std::string insert(Dialect dialect, std::string_view table, std::span<const models::Field> fields,
                   std::string_view embedded);
// INSERT of one record per object of the JSON array :records (in its order), each object holding
// the body column fields by name, returning the records.
std::string insert_each(Dialect dialect, std::string_view table,
                        std::span<const models::Field> fields);
template <class T>
std::string insert_each(Dialect dialect) {
  return insert_each(dialect, models::Entity<T>::table, models::Entity<T>::fields);
}
// UPDATE ... WHERE id = :id and if_match() of every body column field: one left out (NULL) keeps
// its value; a nullable one is set when :<name>_given, so that null clears it. The version goes
// up by one. Returns the record and `embedded`.
std::string update(Dialect dialect, std::string_view table, std::span<const models::Field> fields,
                   std::string_view embedded);
// " AND (...)" for each filter: true when its parameter is NULL, else the comparison. A names
// filter takes a JSON array of names and keeps the records linked with all of them.
std::string filters(Dialect dialect, std::string_view table,
                    std::span<const models::FilterSpec> filters,
                    std::span<const models::Field> fields, std::string_view alias = {});

// A field as an order compares it, its column named `prefix` + name: text in byte order
// (PostgreSQL: COLLATE "C"; SQLite's default, BINARY), cut to its sort_prefix; a nullable time
// after every time (COALESCE(…, 'infinity')); the others as they are.
std::string sort_expression(Dialect dialect, const models::Field& field, std::string_view prefix);

// How a page of a list reads its records in an order: the condition on the records after the
// previous page's last one, and the ORDER BY list.
struct PageOrder {
  std::string after;
  std::string by;
};
// The id order, by the column `id` (the keyset :after).
PageOrder id_order(std::string_view id);
// `sort` (not the id order) over the columns named `prefix` + field name: the first page
// (`after` is "true") or a page after the key in :cursor_0, :cursor_1, … (a value per key). Keys of
// one direction in a row compare as one row value, so that an index on them serves the range.
PageOrder sort_order(Dialect dialect, std::span<const models::Field> fields,
                     const models::Sort& sort, bool first, std::string_view prefix);
// The name of the placeholder of key `i` of a cursor.
std::string cursor_parameter(std::size_t i);

template <class T>
std::string insert(Dialect dialect) {
  const auto table = models::Entity<T>::table;
  return insert(dialect, table, models::Entity<T>::fields, embedded<T>(dialect, table));
}
template <class T>
std::string update(Dialect dialect) {
  const auto table = models::Entity<T>::table;
  return update(dialect, table, models::Entity<T>::fields, embedded<T>(dialect, table));
}
// DELETE of the record :id when if_match() holds, returning `returning` (its id).
template <class T>
std::string remove(Dialect dialect, std::string_view returning = "id") {
  const auto table = models::Entity<T>::table;
  return fmt::format("DELETE FROM {} WHERE id = :id{} RETURNING {}", table,
                     if_match(dialect, table, embedded<T>(dialect, table)), returning);
}
// The version and `embedded` of the record :id.
template <class T>
std::string validator(Dialect dialect) {
  const auto table = models::Entity<T>::table;
  return fmt::format("SELECT {}, {} FROM {} WHERE id = :id", models::version_column,
                     embedded<T>(dialect, table), table);
}
template <class T>
std::string filters(Dialect dialect, std::string_view alias = {}) {
  return filters(dialect, models::Entity<T>::table, models::Entity<T>::filters,
                 models::Entity<T>::fields, alias);
}

}  // namespace usertasks::repository
