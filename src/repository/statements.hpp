#pragma once
// Every SQL statement of the service, by name. Column lists, inserts, updates and filters come
// from the entities' fields (repository/sql.hpp); rows decode in the same order.

#include "repository/sql.hpp"

namespace usertasks::repository::sql {

extern const Sql ping;

extern const Sql users_page;
// One statement for a user and all of its tasks (the joinedload of the original).
extern const Sql user_with_tasks;
// The select-in half of include=tasks: every task of the users of one page.
extern const Sql tasks_of_users;
extern const Sql user_insert;
extern const Sql user_update;
// The tasks go with the user through ON DELETE CASCADE, in this statement's own transaction.
extern const Sql user_delete;
// A page of one user's tasks, and whether the user exists, in one statement.
extern const Sql user_tasks_page;

// Pages of tasks, filtered by the Task's filters; the `_of_user` forms use the tasks(user_id)
// index.
extern const Sql tasks_page;
extern const Sql tasks_page_of_user;
extern const Sql tasks_with_user_page;
extern const Sql tasks_with_user_page_of_user;
// A task with its user in one statement.
extern const Sql task_with_user;
extern const Sql task_insert;
// Every task created with a user, in one statement whatever their number.
extern const Sql tasks_insert_many;
extern const Sql task_update;
extern const Sql task_delete;

}  // namespace usertasks::repository::sql
