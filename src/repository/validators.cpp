// The validators' integers (models/etag.hpp) as SQL, and the precondition of conditional writes.

#include <fmt/format.h>

#include "models/etag.hpp"
#include "repository/sql.hpp"

namespace usertasks::repository {

namespace {

// One task's term of models::tasks_digest, for the tasks row `d`.
std::string digest_term(std::int64_t prime, std::int64_t factor) {
  return fmt::format(
      "(((d.id % {0}) * {1} + d.version) % {0}) * (((d.id % {0}) * {1} + d.version) "
      "% {0}) % {0}",
      prime, factor);
}

}  // namespace

// A user embeds its tasks: models::tasks_digest over them (sum() is numeric on PostgreSQL, hence
// the cast).
template <>
std::string embedded<models::User>(Dialect /*dialect*/, std::string_view row) {
  namespace digest = models::digest;
  return fmt::format(
      "(SELECT CAST(COALESCE(sum({}) % {} * {} + sum({}) % {}, 0) AS BIGINT) FROM tasks d "
      "WHERE d.user_id = {}.id)",
      digest_term(digest::prime1, digest::factor1), digest::prime1, digest::prime2,
      digest_term(digest::prime2, digest::factor2), digest::prime2, row);
}

// A task embeds its user.
template <>
std::string embedded<models::Task>(Dialect /*dialect*/, std::string_view row) {
  return fmt::format("(SELECT u.version FROM users u WHERE u.id = {}.user_id)", row);
}

// A tag shows how many tasks carry it.
template <>
std::string embedded<models::Tag>(Dialect /*dialect*/, std::string_view row) {
  return fmt::format("(SELECT count(*) FROM task_tags l WHERE l.tag_id = {}.id)", row);
}

std::string if_match(Dialect dialect, std::string_view row, std::string_view embedded) {
  return fmt::format(
      " AND (CAST(:if_match AS TEXT) IS NULL OR CAST({}.{} AS TEXT) || '-' || CAST({} AS TEXT) IN "
      "(SELECT value FROM {}))",
      row, models::version_column, embedded, json_values(dialect, "if_match"));
}

}  // namespace usertasks::repository
