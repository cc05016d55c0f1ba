#include "models/etag.hpp"

#include <array>
#include <charconv>

namespace usertasks::models {

namespace {

// `v` as "<version>-<embedded>" between `quote`s (none when '\0'), with no allocation but the
// string's own (a read answers it on every request).
std::string tag_text(Validator v, char quote) {
  std::array<char, 20> digits{};  // an int64 in decimal
  std::string out;
  out.reserve(44);
  if (quote != '\0') out += quote;
  out.append(digits.data(), std::to_chars(digits.begin(), digits.end(), v.version).ptr);
  out += '-';
  out.append(digits.data(), std::to_chars(digits.begin(), digits.end(), v.embedded).ptr);
  if (quote != '\0') out += quote;
  return out;
}

}  // namespace

std::string opaque_tag(Validator v) {
  return tag_text(v, '\0');
}

std::string etag(Validator v) {
  return tag_text(v, '"');
}

Validator validator(const UserWithTasks& user) {
  return {user.user.version, tasks_digest(user.tasks)};
}

Validator validator(const TaskWithUser& task) {
  return {task.task.version, task.user.version};
}

Validator validator(const TagWithTaskCount& tag) {
  return {tag.tag.version, tag.task_count};
}

namespace {

// One task's term of a sum: the square of a linear mix of id and version, modulo `prime`. No
// intermediate reaches 2^63 (SQL computes the same in BIGINT).
std::int64_t term(const Task& task, std::int64_t prime, std::int64_t factor) {
  const std::int64_t x = ((task.id % prime) * factor + task.version) % prime;
  return x * x % prime;
}

}  // namespace

std::int64_t tasks_digest(std::span<const Task> tasks) {
  std::int64_t sum1 = 0;
  std::int64_t sum2 = 0;
  for (const Task& t : tasks) {
    sum1 = (sum1 + term(t, digest::prime1, digest::factor1)) % digest::prime1;
    sum2 = (sum2 + term(t, digest::prime2, digest::factor2)) % digest::prime2;
  }
  return sum1 * digest::prime2 + sum2;
}

namespace {

// Times of the API's form (base/time.hpp) sort as text.
std::string_view latest(std::string_view a, std::string_view b) {
  return a < b ? b : a;
}

}  // namespace

std::string_view last_modified(const UserWithTasks& user) {
  std::string_view at = user.user.updated_at;
  for (const Task& t : user.tasks) at = latest(at, t.updated_at);
  return at;
}

std::string_view last_modified(const TaskWithUser& task) {
  return latest(task.task.updated_at, task.user.updated_at);
}

std::string_view last_modified(const TagWithTaskCount& tag) {
  return tag.tag.updated_at;
}

}  // namespace usertasks::models
