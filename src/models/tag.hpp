#pragma once
// A tag: a name that tasks carry, many to many (a task's tags are in models/task.hpp).

#include <boost/describe/class.hpp>
#include <cstdint>
#include <string>

#include "models/entity.hpp"
#include "models/rules.hpp"

namespace usertasks::models {

struct Tag {
  std::int64_t id = 0;
  std::string name;
  std::string created_at;
  std::string updated_at;
  std::int64_t version = 0;  // not a field: the record's write count (models/etag.hpp)
};
BOOST_DESCRIBE_STRUCT(Tag, (), (id, name, created_at, updated_at))

template <>
struct Entity<Tag> {
  static constexpr std::string_view name = "Tag";
  static constexpr std::string_view table = "tags";
  static constexpr std::array fields = {
      id_field("5"),
      Field{.name = "name",
            .required = true,
            .trimmed = true,
            .min_length = 1,
            .max_length = 64,
            .check = check_single_spaced,
            .sorting = Sorting::yes,
            .description = "unique regardless of case; white space around it is dropped, and "
                           "inside it only single spaces are allowed",
            .example = R"("home")"},
      sort_indexed(created_at_field),
      sort_indexed(updated_at_field),
  };
  // Unique regardless of case, as emails are; searched (q=) through a trigram index.
  static constexpr std::array indexes = {
      IndexSpec{.name = "tags_name_lower_key", .expression = "lower(name)", .unique = true},
      IndexSpec{.name = "tags_name_trgm_idx", .expression = "lower(name)", .trigram = true}};
  static constexpr std::array filters = with_time_ranges(
      std::array{FilterSpec{.parameter = "q",
                            .field = "name",
                            .compare = Compare::contains,
                            .description = "only the tags whose name contains this text, "
                                           "regardless of case"}});
};
static_assert(fields_match_members<Tag>());

}  // namespace usertasks::models
