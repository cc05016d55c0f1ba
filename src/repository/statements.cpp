#include "repository/statements.hpp"

#include "models/models.hpp"
#include "repository/statement_text.hpp"

namespace usertasks::repository::sql {

using models::Task;
using models::User;

namespace {

// The pages of tasks: after the keyset, of one user or of all, passing the Task's filters.
std::string user_tasks_page_text(Dialect d) {
  return fmt::format(
      "SELECT u.id, {} FROM users u LEFT JOIN tasks t ON t.user_id = u.id AND t.id > :after{} "
      "WHERE u.id = :user_id ORDER BY t.id LIMIT :limit",
      columns<Task>(d, "t"), filters<Task>(d, "t"));
}

std::string tasks_page_text(Dialect d) {
  return fmt::format("SELECT {} FROM tasks WHERE id > :after{} ORDER BY id LIMIT :limit",
                     columns<Task>(d), filters<Task>(d));
}

std::string tasks_page_of_user_text(Dialect d) {
  return fmt::format(
      "SELECT {} FROM tasks WHERE user_id = :user_id AND id > :after{} ORDER BY id LIMIT :limit",
      columns<Task>(d), filters<Task>(d));
}

std::string tasks_with_user_page_text(Dialect d) {
  return fmt::format(
      "SELECT {}, {} FROM tasks t JOIN users u ON u.id = t.user_id WHERE t.id > :after{} "
      "ORDER BY t.id LIMIT :limit",
      columns<Task>(d, "t"), columns<User>(d, "u"), filters<Task>(d, "t"));
}

std::string tasks_with_user_page_of_user_text(Dialect d) {
  return fmt::format(
      "SELECT {}, {} FROM tasks t JOIN users u ON u.id = t.user_id "
      "WHERE t.user_id = :user_id AND t.id > :after{} ORDER BY t.id LIMIT :limit",
      columns<Task>(d, "t"), columns<User>(d, "u"), filters<Task>(d, "t"));
}

// The pages of all tasks that carry the tags :tag names, walked from the links of its first name in
// task order (task_tags' index on tag_id, task_id), so that LIMIT ends the walk: a list of every
// task that filtered them one by one would read every link or every task. The tag filter then
// checks each for all the names. Put the rarest name first.
std::string first_tag_id(Dialect d) {
  return fmt::format("(SELECT id FROM tags WHERE lower(name) = lower({}))",
                     first_json_value(d, "tag"));
}

std::string first_tag_links(Dialect d) {
  return fmt::format("WHERE l.tag_id = {} AND l.task_id > :after{} ORDER BY l.task_id LIMIT :limit",
                     first_tag_id(d), filters<Task>(d, "t"));
}

std::string tasks_page_tagged_text(Dialect d) {
  return fmt::format("SELECT {} FROM task_tags l JOIN tasks t ON t.id = l.task_id {}",
                     columns<Task>(d, "t"), first_tag_links(d));
}

std::string tasks_with_user_page_tagged_text(Dialect d) {
  return fmt::format(
      "SELECT {}, {} FROM task_tags l JOIN tasks t ON t.id = l.task_id "
      "JOIN users u ON u.id = t.user_id {}",
      columns<Task>(d, "t"), columns<User>(d, "u"), first_tag_links(d));
}

// The counts of the same lists (Prefer: count=exact): the records the filters match, whatever
// the page, by the same filters and walked from the same index as the pages.
std::string tasks_count_text(Dialect d) {
  return fmt::format("SELECT count(*) FROM tasks WHERE true{}", filters<Task>(d));
}

std::string tasks_count_of_user_text(Dialect d) {
  return fmt::format("SELECT count(*) FROM tasks WHERE user_id = :user_id{}", filters<Task>(d));
}

std::string tasks_count_tagged_text(Dialect d) {
  return fmt::format(
      "SELECT count(*) FROM task_tags l JOIN tasks t ON t.id = l.task_id WHERE l.tag_id = {}{}",
      first_tag_id(d), filters<Task>(d, "t"));
}

// :ids is a JSON array. On PostgreSQL, = ANY(ARRAY(...)) lets the planner use tasks(user_id);
// IN (SELECT ...) over the JSON was planned as a scan of every task.
std::string tasks_of_users_text(Dialect d) {
  if (d == Dialect::sqlite) {
    return fmt::format(
        "SELECT {} FROM tasks WHERE user_id IN (SELECT value FROM json_each(:ids)) ORDER BY id",
        columns<Task>(d));
  }
  return fmt::format(
      "SELECT {} FROM tasks WHERE user_id = ANY(ARRAY("
      "SELECT json_array_elements_text(:ids::json)::bigint)) ORDER BY id",
      columns<Task>(d));
}

// :contents is a JSON array; ids are assigned in its order (the store sorts the RETURNING rows by
// id). The other body fields take their defaults.
std::string tasks_insert_many_text(Dialect d) {
  if (d == Dialect::sqlite) {
    return fmt::format(
        "INSERT INTO tasks (content, user_id, created_at, updated_at) "
        "SELECT value, :user_id, :now, :now FROM json_each(:contents) ORDER BY key RETURNING {}",
        columns<Task>(d));
  }
  return fmt::format(
      "INSERT INTO tasks (content, user_id, created_at, updated_at) "
      "SELECT c.value, :user_id::bigint, :now::timestamptz, :now::timestamptz "
      "FROM json_array_elements_text(:contents::json) WITH ORDINALITY AS c(value, n) "
      "ORDER BY c.n RETURNING {}",
      columns<Task>(d));
}

}  // namespace

const Sql ping{"ping", same("SELECT 1")};

const Sql users_page{"users_page", [](Dialect d) {
                       return fmt::format(
                           "SELECT {} FROM users WHERE id > :after{} ORDER BY id LIMIT :limit",
                           columns<User>(d), filters<User>(d));
                     }};

const Sql users_count{"users_count", [](Dialect d) {
                        return fmt::format("SELECT count(*) FROM users WHERE true{}",
                                           filters<User>(d));
                      }};

const Sql user_with_tasks{"user_with_tasks", [](Dialect d) {
                            return fmt::format(
                                "SELECT {}, {} FROM users u LEFT JOIN tasks t ON t.user_id = u.id "
                                "WHERE u.id = :id ORDER BY t.id",
                                columns<User>(d, "u"), columns<Task>(d, "t"));
                          }};

const Sql tasks_of_users{"tasks_of_users", tasks_of_users_text};
const Sql user_insert{"user_insert", insert<User>};
const Sql user_update{"user_update", update<User>};
const Sql user_delete{"user_delete", remove<User>};
const Sql user_validator{"user_validator", validator<User>};

// No row at all means no such user; a row with a NULL task means a user without (more) tasks.
const Sql user_tasks_page{"user_tasks_page", user_tasks_page_text};
const Sql tasks_page{"tasks_page", tasks_page_text};
const Sql tasks_page_of_user{"tasks_page_of_user", tasks_page_of_user_text};
const Sql tasks_with_user_page{"tasks_with_user_page", tasks_with_user_page_text};
const Sql tasks_with_user_page_of_user{"tasks_with_user_page_of_user",
                                       tasks_with_user_page_of_user_text};
const Sql tasks_page_tagged{"tasks_page_tagged", tasks_page_tagged_text};
const Sql tasks_with_user_page_tagged{"tasks_with_user_page_tagged",
                                      tasks_with_user_page_tagged_text};

const Sql tasks_count{"tasks_count", tasks_count_text};
const Sql tasks_count_of_user{"tasks_count_of_user", tasks_count_of_user_text};
const Sql tasks_count_tagged{"tasks_count_tagged", tasks_count_tagged_text};

const Sql task_with_user{
    "task_with_user", [](Dialect d) {
      return fmt::format(
          "SELECT {}, {} FROM tasks t JOIN users u ON u.id = t.user_id WHERE t.id = :id",
          columns<Task>(d, "t"), columns<User>(d, "u"));
    }};

const Sql task_insert{"task_insert", insert<Task>};
const Sql tasks_insert_many{"tasks_insert_many", tasks_insert_many_text};
// Inserts of several tasks: their users (PostgreSQL: kept from being deleted until the commit, so
// that the insert finds them), then the tasks, in one statement.
const Sql users_existing{
    "users_existing",
    per_dialect("SELECT id FROM users WHERE id = ANY(ARRAY("
                "SELECT json_array_elements_text(CAST(:ids AS TEXT)::json)::bigint)) FOR KEY SHARE",
                "SELECT id FROM users WHERE id IN (SELECT value FROM json_each(:ids))")};
const Sql tasks_insert_each{"tasks_insert_each", insert_each<Task>};
const Sql task_update{"task_update", update<Task>};
const Sql task_delete{"task_delete", remove<Task>};
const Sql task_validator{"task_validator", validator<Task>};

}  // namespace usertasks::repository::sql
