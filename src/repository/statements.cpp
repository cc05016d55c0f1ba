#include "repository/statements.hpp"

#include "models/models.hpp"
#include "repository/statement_text.hpp"

namespace usertasks::repository::sql {

using models::Task;
using models::User;

namespace {

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

// `column` is one of the ids of a coalesced read, :ids ("1,2,3"); on PostgreSQL an index scan
// for the array's values.
std::string among_ids(Dialect d, std::string_view column) {
  return d == Dialect::postgresql
             ? fmt::format("{} = ANY(CAST(string_to_array(CAST(:ids AS TEXT), ',') AS BIGINT[]))",
                           column)
             : fmt::format("{} IN (SELECT value FROM json_each('[' || :ids || ']'))", column);
}

}  // namespace

const Sql ping{"ping", same("SELECT 1")};

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

const Sql users_with_tasks_by_ids{
    "users_with_tasks_by_ids", [](Dialect d) {
      return fmt::format(
          "SELECT {}, {} FROM users u LEFT JOIN tasks t ON t.user_id = u.id "
          "WHERE {} ORDER BY u.id, t.id",
          columns<User>(d, "u"), columns<Task>(d, "t"), among_ids(d, "u.id"));
    }};

const Sql tasks_of_users{"tasks_of_users", tasks_of_users_text};
const Sql user_insert{"user_insert", insert<User>};
const Sql user_update{"user_update", update<User>};
// A deletion's conditional first step, which also locks the user (FOR UPDATE: against a task
// inserted for it meanwhile, whose foreign key check shares the lock), so that the tasks it reads
// next are all the tasks the deletion takes.
const Sql user_claim{"user_claim", [](Dialect d) {
                       return fmt::format("SELECT id FROM users WHERE id = :id{}{}",
                                          if_match(d, "users", embedded<User>(d, "users")),
                                          d == Dialect::postgresql ? " FOR UPDATE" : "");
                     }};
const Sql user_tasks_delete{"user_tasks_delete",
                            same("DELETE FROM tasks WHERE user_id = :id RETURNING id")};
const Sql user_delete{"user_delete", same("DELETE FROM users WHERE id = :id RETURNING id")};
const Sql user_validator{"user_validator", validator<User>};

// The pages (users_page, tasks_page, …) are in page_statements.cpp.

const Sql tasks_count{"tasks_count", tasks_count_text};
const Sql tasks_count_of_user{"tasks_count_of_user", tasks_count_of_user_text};
const Sql tasks_count_tagged{"tasks_count_tagged", tasks_count_tagged_text};

const Sql task_with_user{
    "task_with_user", [](Dialect d) {
      return fmt::format(
          "SELECT {}, {} FROM tasks t JOIN users u ON u.id = t.user_id WHERE t.id = :id",
          columns<Task>(d, "t"), columns<User>(d, "u"));
    }};

const Sql tasks_with_user_by_ids{
    "tasks_with_user_by_ids", [](Dialect d) {
      return fmt::format("SELECT {}, {} FROM tasks t JOIN users u ON u.id = t.user_id WHERE {}",
                         columns<Task>(d, "t"), columns<User>(d, "u"), among_ids(d, "t.id"));
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
const Sql task_delete{"task_delete", [](Dialect d) { return remove<Task>(d, "id, user_id"); }};
const Sql tasks_by_ids{"tasks_by_ids", [](Dialect d) {
                         return fmt::format(
                             "SELECT {} FROM tasks WHERE id IN (SELECT CAST(value AS BIGINT) "
                             "FROM {}) ORDER BY id",
                             columns<Task>(d), json_values(d, "ids"));
                       }};
const Sql task_validator{"task_validator", validator<Task>};

}  // namespace usertasks::repository::sql
