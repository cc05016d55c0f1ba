#pragma once
// The two records of the service. Plain structs; their JSON form follows from the described member
// order (API.md fixes the key order).

#include <boost/describe/class.hpp>
#include <boost/json/fwd.hpp>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

namespace usertasks::models {

struct User {
  std::int64_t id = 0;
  std::string name;
  std::string email;
  std::string created_at;
  std::string updated_at;
};
BOOST_DESCRIBE_STRUCT(User, (), (id, name, email, created_at, updated_at))

struct Task {
  std::int64_t id = 0;
  std::string content;
  bool done = false;
  std::int64_t user_id = 0;
  std::string created_at;
  std::string updated_at;
};
BOOST_DESCRIBE_STRUCT(Task, (), (id, content, done, user_id, created_at, updated_at))

struct UserWithTasks {
  User user;
  std::vector<Task> tasks;
};

struct TaskWithUser {
  Task task;
  User user;
};

// JSON forms. A user with tasks is the user's object plus "tasks"; a task with its user is the
// task's object plus "user".
boost::json::object to_json(const User& user);
boost::json::object to_json(const Task& task);
boost::json::object to_json(const UserWithTasks& user);
boost::json::object to_json(const TaskWithUser& task);

// The same JSON forms written straight into a response body, with no boost::json::value in
// between: byte for byte what boost::json::serialize(to_json(x)) gives (json_test checks), without
// the allocations of the value tree on the path of every read.
void append_json(std::string& out, const User& user);
void append_json(std::string& out, const Task& task);
void append_json(std::string& out, const UserWithTasks& user);
void append_json(std::string& out, const TaskWithUser& task);

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

// The current time as the API writes timestamps: UTC, RFC 3339, microseconds, "Z".
std::string utc_now();

}  // namespace usertasks::models
