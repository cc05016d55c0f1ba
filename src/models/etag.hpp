#pragma once
// What a record's ETag (RFC 9110 §8.8.3) is made of: two integers that change whenever its
// representation does. `version` counts the writes of the record itself; `embedded` follows what
// the representation embeds: a task's user's version, a tag's task count, a digest of a user's
// tasks. The database computes the same integers (repository/validators.cpp), so that a
// conditional write compares them in its own statement.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "models/models.hpp"

namespace usertasks::models {

struct Validator {
  std::int64_t version = 0;
  std::int64_t embedded = 0;
  bool operator==(const Validator&) const = default;
};

// The entity-tag's opaque text, "<version>-<embedded>" in decimal, and the ETag field value: that
// text quoted, a strong validator.
std::string opaque_tag(Validator v);
std::string etag(Validator v);

Validator validator(const UserWithTasks& user);
Validator validator(const TaskWithUser& task);
Validator validator(const TagWithTaskCount& tag);

// The digest of a user's tasks: a sum, over its tasks, of two hashes of each task's id and
// version, each modulo a prime below 2^31, combined as sum1 * prime2 + sum2. Order-free, so SQL
// computes it with two sum() aggregates; 0 for no tasks.
namespace digest {
inline constexpr std::int64_t prime1 = 2147483647;  // 2^31 - 1
inline constexpr std::int64_t prime2 = 2147483629;  // 2^31 - 19
inline constexpr std::int64_t factor1 = 48271;
inline constexpr std::int64_t factor2 = 69621;
}  // namespace digest
std::int64_t tasks_digest(std::span<const Task> tasks);

// When the representation last changed, as far as times tell (Last-Modified): the latest
// updated_at of the record and what it embeds. A deleted task of a user moves no time; the ETag
// tells that change.
std::string_view last_modified(const UserWithTasks& user);
std::string_view last_modified(const TaskWithUser& task);
std::string_view last_modified(const TagWithTaskCount& tag);

}  // namespace usertasks::models
