#include "models/models.hpp"

#include <fmt/format.h>

#include <boost/json/value_from.hpp>
#include <chrono>
#include <ctime>

namespace usertasks::models {

namespace json = boost::json;

json::object to_json(const User& user) {
  return json::value_from(user).as_object();
}

json::object to_json(const Task& task) {
  return json::value_from(task).as_object();
}

json::object to_json(const UserWithTasks& user) {
  json::object out = to_json(user.user);
  json::array tasks;
  tasks.reserve(user.tasks.size());
  for (const Task& t : user.tasks) tasks.emplace_back(to_json(t));
  out.emplace("tasks", std::move(tasks));
  return out;
}

json::object to_json(const TaskWithUser& task) {
  json::object out = to_json(task.task);
  out.emplace("user", to_json(task.user));
  return out;
}

std::string utc_now() {
  using namespace std::chrono;
  const auto now = time_point_cast<microseconds>(system_clock::now());
  const auto secs = time_point_cast<seconds>(now);
  const auto micros = (now - secs).count();
  const std::time_t t = system_clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, micros);
}

}  // namespace usertasks::models
