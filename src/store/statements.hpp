#pragma once
// Every SQL statement of the service, by name. Placeholders are $1..$N for both dialects;
// `.sqlite` is set only where SQLite needs other text. Column lists are fixed so that row
// decoding (store.cpp) can read by position.

#include "store/database.hpp"

namespace usertasks::store::sql {

#define USERTASKS_USER_COLUMNS(t) t "id, " t "name, " t "email, " t "created_at, " t "updated_at"
#define USERTASKS_TASK_COLUMNS(t) \
  t "id, " t "content, " t "done, " t "user_id, " t "created_at, " t "updated_at"

inline constexpr Statement ping{"ping", "SELECT 1"};

inline constexpr Statement users_page{
    "users_page",
    "SELECT " USERTASKS_USER_COLUMNS("") " FROM users WHERE id > $1 ORDER BY id LIMIT $2"};

// One statement for a user and all of its tasks (the joinedload of the original).
inline constexpr Statement user_with_tasks{
    "user_with_tasks",
    "SELECT " USERTASKS_USER_COLUMNS("u.") ", " USERTASKS_TASK_COLUMNS(
        "t.") " FROM users u LEFT JOIN tasks t ON t.user_id = u.id WHERE u.id = $1 ORDER BY t.id"};

// The select-in half of include=tasks: every task of the users of one page. $1 is a JSON array.
inline constexpr Statement tasks_of_users{
    "tasks_of_users",
    // = ANY(ARRAY(...)) lets the planner use tasks(user_id); IN (SELECT ...) over the JSON was
    // planned as a scan of every task (46 ms against 2 ms a page at 100,000 tasks).
    "SELECT " USERTASKS_TASK_COLUMNS("") " FROM tasks WHERE user_id = "
    "ANY(ARRAY(SELECT json_array_elements_text($1::json)::bigint)) ORDER BY id",
    "SELECT " USERTASKS_TASK_COLUMNS("") " FROM tasks WHERE user_id IN "
    "(SELECT value FROM json_each($1)) ORDER BY id"};

inline constexpr Statement user_insert{
    "user_insert",
    "INSERT INTO users (name, email, created_at, updated_at) VALUES ($1, $2, $3, $3) "
    "RETURNING " USERTASKS_USER_COLUMNS("")};

inline constexpr Statement user_update{
    "user_update",
    "UPDATE users SET name = COALESCE($2, name), email = COALESCE($3, email), updated_at = $4 "
    "WHERE id = $1 RETURNING " USERTASKS_USER_COLUMNS("")};

// The tasks go with the user through ON DELETE CASCADE, in this statement's own transaction.
inline constexpr Statement user_delete{"user_delete",
                                       "DELETE FROM users WHERE id = $1 RETURNING id"};

// A page of one user's tasks, and whether the user exists, in one statement: no row at all means
// no such user; a row with a NULL task means a user without (more) tasks.
inline constexpr Statement user_tasks_page{
    "user_tasks_page",
    "SELECT u.id, " USERTASKS_TASK_COLUMNS("t.")
    " FROM users u LEFT JOIN tasks t ON t.user_id = u.id AND t.id > $2"
    " WHERE u.id = $1 ORDER BY t.id LIMIT $3"};

// Pages of tasks: $1 after, $2 limit, $3 done (NULL: either), and $4 the user of the
// `_of_user` forms, which the tasks(user_id) index serves.
// The CAST gives PostgreSQL the parameter's type, which `$3 IS NULL` alone does not.
#define USERTASKS_DONE_FILTER(t) \
  " AND (CAST($3 AS BOOLEAN) IS NULL OR " t "done = CAST($3 AS BOOLEAN))"

inline constexpr Statement tasks_page{
    "tasks_page",
    "SELECT " USERTASKS_TASK_COLUMNS("") " FROM tasks WHERE id > $1" USERTASKS_DONE_FILTER(
        "") " ORDER BY id LIMIT $2"};

inline constexpr Statement tasks_page_of_user{
    "tasks_page_of_user", "SELECT " USERTASKS_TASK_COLUMNS("") " FROM tasks WHERE user_id = $4"
    " AND id > $1" USERTASKS_DONE_FILTER("") " ORDER BY id LIMIT $2"};

inline constexpr Statement tasks_with_user_page{
    "tasks_with_user_page",
    "SELECT " USERTASKS_TASK_COLUMNS("t.") ", " USERTASKS_USER_COLUMNS(
        "u.") " FROM tasks t JOIN users u ON u.id = t.user_id WHERE t.id > "
              "$1" USERTASKS_DONE_FILTER("t.") " ORDER BY t.id LIMIT $2"};

inline constexpr Statement tasks_with_user_page_of_user{
    "tasks_with_user_page_of_user",
    "SELECT " USERTASKS_TASK_COLUMNS("t.") ", " USERTASKS_USER_COLUMNS("u.")
    " FROM tasks t JOIN users u ON u.id = t.user_id WHERE t.user_id = $4 AND t.id > $1"
    USERTASKS_DONE_FILTER("t.") " ORDER BY t.id LIMIT $2"};

#undef USERTASKS_DONE_FILTER

// A task with its user in one statement.
inline constexpr Statement task_with_user{
    "task_with_user", "SELECT " USERTASKS_TASK_COLUMNS("t.") ", " USERTASKS_USER_COLUMNS(
                          "u.") " FROM tasks t JOIN users u ON u.id = t.user_id WHERE t.id = $1"};

inline constexpr Statement task_insert{
    "task_insert",
    "INSERT INTO tasks (content, done, user_id, created_at, updated_at) "
    "VALUES ($1, $4, $2, $3, $3) RETURNING " USERTASKS_TASK_COLUMNS("")};

// Every task created with a user, in one statement whatever their number. $1 is a JSON array of
// contents; ids are assigned in its order (the store sorts the RETURNING rows by id).
inline constexpr Statement tasks_insert_many{
    "tasks_insert_many",
    "INSERT INTO tasks (content, user_id, created_at, updated_at) "
    "SELECT c.value, $2::bigint, $3::timestamptz, $3::timestamptz "
    "FROM json_array_elements_text($1::json) WITH ORDINALITY AS c(value, n) ORDER BY c.n "
    "RETURNING " USERTASKS_TASK_COLUMNS(""),
    "INSERT INTO tasks (content, user_id, created_at, updated_at) "
    "SELECT value, $2, $3, $3 FROM json_each($1) ORDER BY key "
    "RETURNING " USERTASKS_TASK_COLUMNS("")};

inline constexpr Statement task_update{
    "task_update",
    "UPDATE tasks SET content = COALESCE($2, content), user_id = COALESCE($3, user_id), "
    "done = COALESCE($5, done), updated_at = $4 WHERE id = $1 RETURNING " USERTASKS_TASK_COLUMNS(
        "")};

inline constexpr Statement task_delete{"task_delete",
                                       "DELETE FROM tasks WHERE id = $1 RETURNING id"};

#undef USERTASKS_USER_COLUMNS
#undef USERTASKS_TASK_COLUMNS

}  // namespace usertasks::store::sql
