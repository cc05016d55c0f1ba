#pragma once
// The rules of docs/api.md for request bodies, derived from the entities' fields. Pure functions
// from a parsed JSON value to either the accepted input or every field error found, so that a
// client learns all of them at once.

#include <boost/json/fwd.hpp>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/json_fields.hpp"
#include "models/entity.hpp"
#include "models/tag.hpp"
#include "models/task.hpp"
#include "models/user.hpp"

namespace usertasks::models {

using FieldError = base::FieldError;
using FieldErrors = base::FieldErrors;

// create: every required field; replace (PUT): every required field; patch: any subset.
enum class Mode { create, replace, patch };

template <class T>
using Validated = std::variant<T, FieldErrors>;

struct ReadOptions {
  std::initializer_list<std::string_view> except{};      // fields the body must not give
  std::initializer_list<std::string_view> also_known{};  // keys read by the caller
  std::string_view prefix{};  // the path of the object ("tasks[0]"), empty at the top
};

// Reads the body fields of `fields` from `body` into `values` (by field index); unknown keys,
// missing required fields and bad values become errors.
void read_fields(const boost::json::object& body, std::span<const Field> fields, Mode mode,
                 const ReadOptions& options, std::span<std::optional<Scalar>> values,
                 FieldErrors& errors);

// The input of one entity from a body. `except`: body fields the route takes from elsewhere (the
// user_id of POST /users/{id}/tasks, from its path).
template <class T>
Validated<Input<T>> validate(const boost::json::value& body, Mode mode,
                             std::initializer_list<std::string_view> except = {});

// A text value for a text field, from elsewhere than a body (a path, a query): trimmed when the
// field says so and checked by its rules, or the message of the rule it breaks.
struct Problem {
  std::string message;
};
std::variant<std::string, Problem> read_text(const Field& field, std::string_view text);

// POST /tasks with an array: 1 to Entity<Task>::max_at_once tasks, each read as a created task;
// an element's errors are named by its position ("[2].content").
Validated<std::vector<Input<Task>>> validate_new_tasks(const boost::json::value& body);

// POST /users: a user and, optionally, the contents of tasks created with it.
struct NewUser {
  Input<User> user;
  std::vector<std::string> tasks;
  bool with_tasks = false;  // the body had "tasks": the answer embeds them
};
Validated<NewUser> validate_new_user(const boost::json::value& body);

extern template Validated<Input<User>> validate<User>(const boost::json::value&, Mode,
                                                      std::initializer_list<std::string_view>);
extern template Validated<Input<Task>> validate<Task>(const boost::json::value&, Mode,
                                                      std::initializer_list<std::string_view>);
extern template Validated<Input<Tag>> validate<Tag>(const boost::json::value&, Mode,
                                                    std::initializer_list<std::string_view>);

}  // namespace usertasks::models
