#pragma once
// The two records of the service. Plain structs; their JSON form follows from the described member
// order (API.md fixes the key order).

#include <boost/describe/class.hpp>
#include <boost/json/fwd.hpp>
#include <cstdint>
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

// The current time as the API writes timestamps: UTC, RFC 3339, microseconds, "Z".
std::string utc_now();

}  // namespace usertasks::models
