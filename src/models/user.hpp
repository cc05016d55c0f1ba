#pragma once
// A user: everything the service knows of one. A user has many tasks (models/task.hpp), which go
// with it when it is deleted.

#include <boost/describe/class.hpp>
#include <cstdint>
#include <string>

#include "models/entity.hpp"
#include "models/rules.hpp"

namespace usertasks::models {

struct User {
  std::int64_t id = 0;
  std::string name;
  std::string email;
  std::string created_at;
  std::string updated_at;
  std::int64_t version = 0;  // not a field: the record's write count (models/etag.hpp)
};
BOOST_DESCRIBE_STRUCT(User, (), (id, name, email, created_at, updated_at))

template <>
struct Entity<User> {
  static constexpr std::string_view name = "User";
  static constexpr std::string_view table = "users";
  static constexpr std::array fields = {
      id_field("3"),
      Field{.name = "name",
            .required = true,
            .trimmed = true,
            .min_length = 1,
            .max_length = 255,
            .sorting = Sorting::yes,
            .description = "white space around it is dropped",
            .example = R"("Ada Lovelace")"},
      Field{
          .name = "email",
          .required = true,
          .max_length = 254,
          .check = check_email,
          .sorting = Sorting::yes,
          .description = "unique regardless of case; one @ with text on both sides, no white space",
          .example = R"("ada@example.com")"},
      sort_indexed(created_at_field),
      sort_indexed(updated_at_field),
  };
  // Emails are unique regardless of case: an index on the expression, which a unique constraint
  // cannot be. Names and emails are searched (q=) through trigram indexes.
  static constexpr std::array indexes = {
      IndexSpec{.name = "users_email_lower_key", .expression = "lower(email)", .unique = true},
      IndexSpec{.name = "users_name_trgm_idx", .expression = "lower(name)", .trigram = true},
      IndexSpec{.name = "users_email_trgm_idx", .expression = "lower(email)", .trigram = true}};
  static constexpr std::array filters = with_time_ranges(
      std::array{FilterSpec{.parameter = "q",
                            .field = "name",
                            .compare = Compare::contains,
                            .description = "only the users whose name or email contains this text, "
                                           "regardless of case",
                            .or_field = "email"}});
  // The most tasks a user may be created with.
  static constexpr std::size_t max_tasks_at_creation = 1000;
};
static_assert(fields_match_members<User>());

}  // namespace usertasks::models
