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
#include "store/database.hpp"

namespace usertasks::repository {

using store::Dialect;
using store::Value;

class Sql {
 public:
  // `render` writes the statement for a dialect; it is called once for each.
  Sql(std::string_view name, const std::function<std::string(Dialect)>& render);
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

// INSERT of every column field that is not the database's, returning the record.
std::string insert(Dialect dialect, std::string_view table, std::span<const models::Field> fields);
// INSERT of one record per object of the JSON array :records (in its order), each object holding
// the body column fields by name, returning the records.
std::string insert_each(Dialect dialect, std::string_view table,
                        std::span<const models::Field> fields);
template <class T>
std::string insert_each(Dialect dialect) {
  return insert_each(dialect, models::Entity<T>::table, models::Entity<T>::fields);
}
// UPDATE ... WHERE id = :id of every body column field: one left out (NULL) keeps its value; a
// nullable one is set when :<name>_given, so that null clears it.
std::string update(Dialect dialect, std::string_view table, std::span<const models::Field> fields);
// " AND (...)" for each filter: true when its parameter is NULL, else the comparison. A names
// filter takes a JSON array of names and keeps the records linked with all of them.
std::string filters(Dialect dialect, std::string_view table,
                    std::span<const models::FilterSpec> filters,
                    std::span<const models::Field> fields, std::string_view alias = {});

template <class T>
std::string insert(Dialect dialect) {
  return insert(dialect, models::Entity<T>::table, models::Entity<T>::fields);
}
template <class T>
std::string update(Dialect dialect) {
  return update(dialect, models::Entity<T>::table, models::Entity<T>::fields);
}
template <class T>
std::string filters(Dialect dialect, std::string_view alias = {}) {
  return filters(dialect, models::Entity<T>::table, models::Entity<T>::filters,
                 models::Entity<T>::fields, alias);
}

}  // namespace usertasks::repository
