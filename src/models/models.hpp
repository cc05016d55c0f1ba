#pragma once
// The records the API answers with: each entity (models/user.hpp, models/task.hpp,
// models/tag.hpp) and the compositions of them. JSON keys follow the entities' field order
// (docs/api.md fixes it).

#include <boost/json/fwd.hpp>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "models/tag.hpp"
#include "models/task.hpp"
#include "models/user.hpp"

namespace usertasks::models {

struct UserWithTasks {
  User user;
  std::vector<Task> tasks;
};

struct TaskWithUser {
  Task task;
  User user;
};

struct TagWithTaskCount {
  Tag tag;
  std::int64_t task_count = 0;  // the tasks carrying it
};

// Sorts names by their lower-case form, then by their bytes: the order of a task's "tags".
void sort_names(std::vector<std::string>& names);

// JSON forms. A user with tasks is the user's object plus "tasks"; a task with its user is the
// task's object plus "user".
// A field's value as JSON (null for monostate). The names of a names field stay the text of their
// JSON array.
boost::json::value to_json(const Scalar& value);
boost::json::object to_json(const User& user);
boost::json::object to_json(const Task& task);
boost::json::object to_json(const Tag& tag);
boost::json::object to_json(const UserWithTasks& user);
boost::json::object to_json(const TaskWithUser& task);
boost::json::object to_json(const TagWithTaskCount& tag);

// The same JSON forms written straight into a response body, with no boost::json::value in
// between: byte for byte what boost::json::serialize(to_json(x)) gives (json_test checks), without
// the allocations of the value tree on the path of every read.
void append_json(std::string& out, const User& user);
void append_json(std::string& out, const Task& task);
void append_json(std::string& out, const Tag& tag);
void append_json(std::string& out, const UserWithTasks& user);
void append_json(std::string& out, const TaskWithUser& task);
void append_json(std::string& out, const TagWithTaskCount& tag);

// A JSON array of `items`, each written by append_json.
// Room for one record's JSON, so that a body grows once or twice rather than many times.
inline constexpr std::size_t record_size_hint = 192;

template <class Range>
void append_json_array(std::string& out, const Range& items) {
  out.reserve(out.size() + 2 + std::size(items) * record_size_hint);
  out += '[';
  bool first = true;
  for (const auto& item : items) {
    if (!first) out += ',';
    first = false;
    append_json(out, item);
  }
  out += ']';
}

template <class Range>
std::string json_array(const Range& items) {
  std::string out;
  append_json_array(out, items);
  return out;
}

template <class Model>
std::string json_text(const Model& model) {
  std::string out;
  out.reserve(record_size_hint);
  append_json(out, model);
  return out;
}

}  // namespace usertasks::models
