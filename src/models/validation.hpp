#pragma once
// The rules of API.md for request bodies. Pure functions from a parsed JSON value to either the
// accepted input or every field error found, so that a client learns all of them at once.

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace usertasks::models {

struct FieldError {
  std::string field;
  std::string message;
  bool operator==(const FieldError&) const = default;
};
using FieldErrors = std::vector<FieldError>;

// create: every required field; replace (PUT): every field; patch: any subset.
enum class Mode { create, replace, patch };

struct UserInput {
  std::optional<std::string> name;  // trimmed
  std::optional<std::string> email;
  std::vector<std::string> tasks;  // contents of tasks created with the user (create only)
  bool with_tasks = false;         // the body had "tasks": the answer embeds them
};

struct TaskInput {
  std::optional<std::string> content;
  std::optional<std::int64_t> user_id;
  std::optional<bool> done;  // optional everywhere; absent on PUT keeps the task's value
  bool operator==(const TaskInput&) const = default;
};

template <class T>
using Validated = std::variant<T, FieldErrors>;

// `user_id_in_path`: for POST /users/{id}/tasks, where the body carries only content.
Validated<UserInput> validate_user(const boost::json::value& body, Mode mode);
Validated<TaskInput> validate_task(const boost::json::value& body, Mode mode,
                                   bool user_id_in_path = false);

// Single-field rules, exposed for unit tests and for query parameters.
std::optional<std::string> check_name(std::string_view trimmed);
std::optional<std::string> check_email(std::string_view email);
std::optional<std::string> check_content(std::string_view content);
// A positive 64-bit integer written in decimal digits only.
std::optional<std::int64_t> parse_positive_id(std::string_view digits);

// Characters (Unicode code points) in valid UTF-8 text.
std::size_t utf8_length(std::string_view text);
std::string_view trim(std::string_view text);

}  // namespace usertasks::models
