#pragma once
// Every SQL statement of the service, by name. Column lists, inserts, updates and filters come
// from the entities' fields (repository/sql.hpp); rows decode in the same order.

#include "repository/sql.hpp"

namespace usertasks::repository::sql {

extern const Sql ping;

extern const Sql users_page;
// The number of records a list's filters match, whatever the page (Prefer: count=exact): by the
// same filters as the list's pages.
extern const Sql users_count;
// One statement for a user and all of its tasks (the joinedload of the original).
extern const Sql user_with_tasks;
// The same for several users at once, :ids ("1,2,3"), ordered by user: coalesced reads.
extern const Sql users_with_tasks_by_ids;
// The select-in half of include=tasks: every task of the users of one page.
extern const Sql tasks_of_users;
extern const Sql user_insert;
extern const Sql user_update;
// The updates and deletes of the records are conditional on :if_match (sql::if_match): a user's
// deletion through user_claim.
extern const Sql user_claim;
// The tasks of the user :id, deleted before it (their ids returned), then the user.
extern const Sql user_tasks_delete;
extern const Sql user_delete;
// The version and the `embedded` integer of a record's validator (models/etag.hpp).
extern const Sql user_validator;
// A page of one user's tasks, and whether the user exists, in one statement.
extern const Sql user_tasks_page;

// Pages of tasks, filtered by the Task's filters; the `_of_user` forms use the tasks(user_id)
// index.
extern const Sql tasks_page;
extern const Sql tasks_page_of_user;
extern const Sql tasks_with_user_page;
extern const Sql tasks_with_user_page_of_user;
// The same pages of every user's tasks with tag= given: walked from the first tag's links.
extern const Sql tasks_page_tagged;
extern const Sql tasks_with_user_page_tagged;
// The counts of the pages of tasks: of every user's, of one user's (also GET /users/{id}/tasks),
// and of those carrying tags (walked from the first tag's links, as the pages are).
extern const Sql tasks_count;
extern const Sql tasks_count_of_user;
extern const Sql tasks_count_tagged;
// A task with its user in one statement.
extern const Sql task_with_user;
extern const Sql tasks_with_user_by_ids;  // :ids ("1,2,3")
extern const Sql task_insert;
// Every task created with a user, in one statement whatever their number.
extern const Sql tasks_insert_many;
// POST /tasks with an array: which of :ids (a JSON array) are users, and the tasks of :records.
extern const Sql users_existing;
extern const Sql tasks_insert_each;
extern const Sql task_update;
extern const Sql task_delete;  // returning the id and the user_id
// The tasks of :ids (a JSON array), in id order.
extern const Sql tasks_by_ids;
extern const Sql task_validator;

// Tags (tag_statements.cpp).
extern const Sql tags_page;
extern const Sql tags_count;
// A tag and how many tasks carry it, in one statement.
extern const Sql tag_with_task_count;
extern const Sql tag_insert;
extern const Sql tag_update;
// The links go with the tag through ON DELETE CASCADE.
extern const Sql tag_delete;
// Raises the version of the tag :id if :if_match holds (sql::if_match); a row when it did. A
// deletion's conditional first step, which also locks the tag.
extern const Sql tag_claim;
extern const Sql tag_validator;
extern const Sql tag_tasks_page;
// The tasks carrying the tag :tag_id that pass the Task's filters.
extern const Sql tag_tasks_count;
// Creates the tags of :names (a JSON array) that do not exist yet, returning those it created.
extern const Sql tags_insert_missing;
// Links :task_id with the tags of :names (a JSON array); the links it has already stay.
extern const Sql task_tags_link;
// Links each [task_id, name] pair of :pairs (a JSON array) with the tag of that name.
extern const Sql task_tags_link_pairs;
// Each task of :ids (a JSON array) with the newline-joined names of its tags.
extern const Sql tasks_tag_names;
// Removes the links of :task_id with the tags that :names does not name.
extern const Sql task_tags_unlink_others;
// Removes the link of :task_id with the tag named :name; a row when there was one.
extern const Sql task_tags_unlink;
// The newline-joined names of the tags of :task_id (NULL for none).
extern const Sql task_tag_names;
// Locks the task :id for the transaction; a row when it exists.
extern const Sql task_lock;
// Moves updated_at and the version of the task :id, or of the tasks carrying the tag :tag_id
// (their ids returned).
extern const Sql task_touch;
extern const Sql tag_tasks_touch;

}  // namespace usertasks::repository::sql
