// The statements of tags and of the links between tasks and tags (models::task_tags).

#include "models/models.hpp"
#include "repository/statement_text.hpp"
#include "repository/statements.hpp"

namespace usertasks::repository::sql {

using models::Tag;
using models::Task;

namespace {

// :names is a JSON array of names; a name matches the tag that has it regardless of case.
std::string tags_named(Dialect d) {
  return fmt::format("SELECT id FROM tags WHERE lower(name) IN (SELECT lower(value) FROM {})",
                     json_values(d, "names"));
}

// Creates the tags of :names that do not exist yet; a name that another transaction creates at the
// same time is left to it (its insert waits for that one's end). In the order of the names' lower
// case, whatever the list's: two transactions naming the same new tags in other orders would
// otherwise each wait for the other (a deadlock).
std::string tags_insert_missing_text(Dialect d) {
  if (d == Dialect::sqlite) {
    return fmt::format(
        "INSERT INTO tags (name, created_at, updated_at) SELECT value, :now, :now "
        "FROM json_each(:names) WHERE true ORDER BY lower(value) ON CONFLICT DO NOTHING "
        "RETURNING {}",
        columns<Tag>(d));
  }
  return fmt::format(
      "INSERT INTO tags (name, created_at, updated_at) "
      "SELECT n.value, :now::timestamptz, :now::timestamptz "
      "FROM json_array_elements_text(:names::json) AS n(value) "
      "ORDER BY lower(n.value) ON CONFLICT DO NOTHING RETURNING {}",
      columns<Tag>(d));
}

}  // namespace

const Sql tags_count{"tags_count", [](Dialect d) {
                       return fmt::format("SELECT count(*) FROM tags WHERE true{}",
                                          filters<Tag>(d));
                     }};

const Sql tag_with_task_count{
    "tag_with_task_count", [](Dialect d) {
      return fmt::format(
          "SELECT {}, (SELECT count(*) FROM task_tags WHERE tag_id = tags.id) FROM tags "
          "WHERE id = :id",
          columns<Tag>(d));
    }};

const Sql tag_insert{"tag_insert", insert<Tag>};
const Sql tag_update{"tag_update", update<Tag>};
const Sql tag_delete{"tag_delete", same("DELETE FROM tags WHERE id = :id RETURNING id")};
const Sql tag_claim{"tag_claim", [](Dialect d) {
                      return fmt::format(
                          "UPDATE tags SET version = version + 1 WHERE id = :id{} RETURNING id",
                          if_match(d, "tags", embedded<Tag>(d, "tags")));
                    }};
const Sql tag_validator{"tag_validator", validator<Tag>};

const Sql tag_tasks_count{"tag_tasks_count", [](Dialect d) {
                            return fmt::format(
                                "SELECT count(*) FROM task_tags l JOIN tasks t ON t.id = l.task_id "
                                "WHERE l.tag_id = :tag_id{}",
                                filters<Task>(d, "t"));
                          }};

const Sql tags_insert_missing{"tags_insert_missing", tags_insert_missing_text};

const Sql task_tags_link{
    "task_tags_link", [](Dialect d) {
      return fmt::format(
          "INSERT INTO task_tags (task_id, tag_id) SELECT CAST(:task_id AS BIGINT), id FROM ({}) g "
          "WHERE true ON CONFLICT DO NOTHING",
          tags_named(d));
    }};

const Sql task_tags_link_pairs{
    "task_tags_link_pairs",
    per_dialect(
        "INSERT INTO task_tags (task_id, tag_id) SELECT (p.value ->> 0)::bigint, g.id "
        "FROM json_array_elements(CAST(:pairs AS TEXT)::json) p JOIN tags g "
        "ON lower(g.name) = lower(p.value ->> 1) ON CONFLICT DO NOTHING",
        "INSERT INTO task_tags (task_id, tag_id) SELECT json_extract(p.value, '$[0]'), g.id "
        "FROM json_each(:pairs) p JOIN tags g "
        "ON lower(g.name) = lower(json_extract(p.value, '$[1]')) WHERE true "
        "ON CONFLICT DO NOTHING")};

const Sql tasks_tag_names{"tasks_tag_names", [](Dialect d) {
                            return fmt::format(
                                "SELECT id, {} FROM tasks WHERE id IN "
                                "(SELECT CAST(value AS BIGINT) FROM {})",
                                names_of(d, models::task_tags, "tasks.id"), json_values(d, "ids"));
                          }};

const Sql task_tags_unlink_others{
    "task_tags_unlink_others", [](Dialect d) {
      return fmt::format("DELETE FROM task_tags WHERE task_id = :task_id AND tag_id NOT IN ({})",
                         tags_named(d));
    }};

const Sql task_tags_unlink{
    "task_tags_unlink",
    same("DELETE FROM task_tags WHERE task_id = :task_id AND tag_id IN "
         "(SELECT id FROM tags WHERE lower(name) = lower(CAST(:name AS TEXT))) RETURNING task_id")};

const Sql task_tag_names{
    "task_tag_names",
    [](Dialect d) { return fmt::format("SELECT {}", names_of(d, models::task_tags, ":task_id")); }};

// Held until the transaction ends, so that the tags of one task change one writer at a time
// (SQLite's write transactions are one at a time already).
const Sql task_lock{"task_lock", per_dialect("SELECT id FROM tasks WHERE id = :id FOR UPDATE",
                                             "SELECT id FROM tasks WHERE id = :id")};

const Sql task_touch{
    "task_touch",
    same("UPDATE tasks SET updated_at = :now, version = version + 1 WHERE id = :id RETURNING id")};

const Sql tag_tasks_touch{
    "tag_tasks_touch", same("UPDATE tasks SET updated_at = :now, version = version + 1 WHERE id IN "
                            "(SELECT task_id FROM task_tags WHERE tag_id = :tag_id) RETURNING id")};

}  // namespace usertasks::repository::sql
