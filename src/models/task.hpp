#pragma once
// A task: everything the service knows of one. A task belongs to one user (models/user.hpp) and
// carries any number of tags (models/tag.hpp) up to a bound.

#include <boost/describe/class.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/entity.hpp"
#include "models/rules.hpp"
#include "models/tag.hpp"

namespace usertasks::models {

struct Task {
  std::int64_t id = 0;
  std::string content;
  bool done = false;
  std::int64_t user_id = 0;
  std::optional<std::string> due_at;
  std::vector<std::string> tags;  // sorted (sort_names in models/models.hpp)
  std::string created_at;
  std::string updated_at;
  std::int64_t version = 0;  // not a field: the record's write count (models/etag.hpp)
};
BOOST_DESCRIBE_STRUCT(Task, (), (id, content, done, user_id, due_at, tags, created_at, updated_at))

// A task's tags: task_tags(task_id, tag_id), and tag_id's index to find a tag's tasks in order.
inline constexpr Link task_tags{.table = "task_tags",
                                .owner = "task_id",
                                .target = "tag_id",
                                .target_table = Entity<Tag>::table,
                                .name = &Entity<Tag>::fields[1],
                                .target_index = "task_tags_tag_id_task_id_idx"};

template <>
struct Entity<Task> {
  static constexpr std::string_view name = "Task";
  static constexpr std::string_view table = "tasks";
  static constexpr std::array fields = {
      id_field("7"),
      Field{.name = "content",
            .required = true,
            .min_length = 1,
            .max_length = 10000,
            .check = check_not_only_white_space,
            .sorting = Sorting::yes,
            .sort_prefix = 255,
            .example = R"("write the report")"},
      Field{.name = "done",
            .type = FieldType::boolean,
            .default_json = "false",
            .sorting = Sorting::yes,
            .description = "left out on create: false; left out on replace: unchanged",
            .example = "false"},
      Field{.name = "user_id",
            .type = FieldType::reference,
            .required = true,
            .references = "users",
            .description = "the user the task belongs to; a decimal string is accepted too",
            .example = "3"},
      Field{.name = "due_at",
            .type = FieldType::timestamp,
            .nullable = true,
            .sorting = Sorting::yes,
            .description = "when the task is due, if ever; null clears it",
            .example = R"("2026-12-24T18:00:00.000000Z")"},
      Field{.name = "tags",
            .type = FieldType::names,
            .max_length = 32,
            .default_json = "[]",
            .link = &task_tags,
            .description = "the names of the task's tags, sorted regardless of case; in a body, "
                           "names no tag has are created, and the list replaces the task's tags",
            .example = R"(["home", "urgent"])"},
      // created_at alone of the times has an index of its own: every index is written by every
      // POST /tasks, and one on updated_at by every update too (docs/performance.md, Sorting).
      sort_indexed(created_at_field),
      updated_at_field,
  };
  static constexpr std::array indexes = {
      IndexSpec{.name = "tasks_user_id_idx", .column = "user_id"},
      IndexSpec{.name = "tasks_due_at_idx", .column = "due_at"},
      IndexSpec{.name = "tasks_content_trgm_idx", .expression = "lower(content)", .trigram = true}};
  static constexpr std::array filters = with_time_ranges(
      std::array{FilterSpec{.parameter = "done",
                            .field = "done",
                            .description = "only the tasks done (true) or not done (false)"},
                 FilterSpec{.parameter = "due_before",
                            .field = "due_at",
                            .compare = Compare::before,
                            .description = "only the tasks due before this time (RFC 3339)"},
                 FilterSpec{.parameter = "due_after",
                            .field = "due_at",
                            .compare = Compare::after,
                            .description = "only the tasks due after this time (RFC 3339)"},
                 FilterSpec{.parameter = "tag",
                            .field = "tags",
                            .compare = Compare::all,
                            .description = "only the tasks carrying this tag (regardless of case); "
                                           "repeated, all of them"},
                 FilterSpec{.parameter = "q",
                            .field = "content",
                            .compare = Compare::contains,
                            .description = "only the tasks whose content contains this text, "
                                           "regardless of case"}});
  // The most tasks one POST /tasks may create.
  static constexpr std::size_t max_at_once = 1000;
};
static_assert(fields_match_members<Task>());

}  // namespace usertasks::models
