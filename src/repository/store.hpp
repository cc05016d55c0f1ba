#pragma once
// The repository that resources call. Written once against store::Database; all SQL of the
// service is in repository/statements.cpp. Knows nothing of HTTP.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "models/etag.hpp"
#include "models/models.hpp"
#include "models/sort.hpp"
#include "models/validation.hpp"
#include "repository/events.hpp"
#include "repository/page_statements.hpp"
#include "repository/sql.hpp"
#include "store/database.hpp"

namespace usertasks::repository {

using store::awaitable;
using store::Connection;
using store::Database;
using store::Rows;
using store::Value;

// Expected failures are values; the resource layer maps each to its problem response.
enum class Failure {
  not_found,
  email_taken,
  user_not_found,
  tag_taken,
  too_many_tags,
  precondition_failed,  // a write's If-Match does not hold (or, given, the record is missing)
};

template <class T>
using Outcome = std::variant<T, Failure>;

// The precondition of a write (If-Match). Not `given`: none. Given: the record must exist, and
// when `tags` is set, its opaque tag (models::opaque_tag) must be one of those of that JSON array.
// Checked by the write's own statement, never by a read before it.
struct Precondition {
  bool given = false;
  std::optional<std::string> tags;
};

inline const Precondition no_precondition{};

// A record as a write left it, with its validator (the ETag of the resource).
template <class T>
struct Versioned {
  T record;
  models::Validator validator;
};

struct Page {
  static constexpr std::size_t default_limit = 100;
  static constexpr std::size_t max_limit = 1000;
  std::int64_t after = 0;  // keyset of the id order: items with id > after
  std::size_t limit = default_limit;
  // The order (sort=); the id order when it has no keys. In another order, the key of the record
  // the page starts after (a value per key, the cursor's); none on the first page.
  models::Sort sort;
  std::vector<models::Scalar> cursor;
  // Also count the records the list's filters match, whatever the page: one more statement, in
  // one snapshot with the page's (store::Access::snapshot).
  bool count = false;
};

template <class T>
struct PageOf {
  std::vector<T> items;
  bool more = false;                  // another page follows
  std::optional<std::int64_t> total;  // with Page::count: the records the filters match
};

struct TaskFilter {
  std::optional<std::int64_t> user_id;
  models::FilterValues<models::Task> values;  // the Task's filters
  // Whether the filter names tags (tag=).
  [[nodiscard]] bool tagged() const;
};

// One Store per request: it counts the statements the request runs (tests assert no N+1 with it).
// Every write records the events of the changes it made in its own transaction (the change feed's
// outbox, repository/events.hpp), unless `record_events` is false (serve --no-change-feed).
class Store {
 public:
  explicit Store(Database& db, bool record_events = true)
      : db_(db), record_events_(record_events) {}

  awaitable<PageOf<models::User>> list_users(models::FilterValues<models::User> filter, Page page);
  awaitable<PageOf<models::UserWithTasks>> list_users_with_tasks(
      models::FilterValues<models::User> filter, Page page);
  awaitable<std::optional<models::UserWithTasks>> get_user_with_tasks(std::int64_t id);
  awaitable<Outcome<models::UserWithTasks>> create_user(models::NewUser input);
  // Fields left out of `input` keep their value. Updates and deletes fail with not_found, or
  // with precondition_failed when `pre` is given.
  awaitable<Outcome<Versioned<models::User>>> update_user(std::int64_t id,
                                                          models::Input<models::User> input,
                                                          const Precondition& pre);
  // nullopt when deleted.
  awaitable<std::optional<Failure>> delete_user(std::int64_t id, const Precondition& pre);

  // nullopt when the user does not exist.
  awaitable<std::optional<PageOf<models::Task>>> list_user_tasks(std::int64_t user_id,
                                                                 TaskFilter filter, Page page);
  awaitable<PageOf<models::Task>> list_tasks(TaskFilter filter, Page page);
  awaitable<PageOf<models::TaskWithUser>> list_tasks_with_user(TaskFilter filter, Page page);
  awaitable<std::optional<models::TaskWithUser>> get_task_with_user(std::int64_t id);
  awaitable<Outcome<Versioned<models::Task>>> create_task(models::Input<models::Task> input);
  awaitable<Outcome<Versioned<models::Task>>> update_task(std::int64_t id,
                                                          models::Input<models::Task> input,
                                                          const Precondition& pre);
  awaitable<std::optional<Failure>> delete_task(std::int64_t id, const Precondition& pre);
  // Several tasks in one transaction (batch_store.cpp): all of them, in the input's order, or the
  // positions of those whose user does not exist (and nothing created).
  using MissingUsers = std::vector<std::size_t>;
  awaitable<std::variant<std::vector<models::Task>, MissingUsers>> create_tasks(
      std::vector<models::Input<models::Task>> tasks);

  // Tags (tag_store.cpp). A rename, or a deletion, moves updated_at of the tasks carrying the tag.
  awaitable<PageOf<models::Tag>> list_tags(models::FilterValues<models::Tag> filter, Page page);
  awaitable<std::optional<models::TagWithTaskCount>> get_tag(std::int64_t id);
  awaitable<Outcome<Versioned<models::Tag>>> create_tag(models::Input<models::Tag> input);
  awaitable<Outcome<Versioned<models::Tag>>> update_tag(std::int64_t id,
                                                        models::Input<models::Tag> input,
                                                        const Precondition& pre);
  awaitable<std::optional<Failure>> delete_tag(std::int64_t id, const Precondition& pre);

  // The current validator of a record of T (User, Task or Tag); nullopt when there is none.
  template <class T>
  awaitable<std::optional<models::Validator>> validator_of(std::int64_t id);
  // nullopt when the tag does not exist.
  awaitable<std::optional<PageOf<models::Task>>> list_tag_tasks(std::int64_t tag_id,
                                                                TaskFilter filter, Page page);
  // Adds the tag named `name` to the task, creating the tag when no tag has the name: true when
  // the task did not carry it, false when it did; not_found, or too_many_tags.
  awaitable<Outcome<bool>> add_task_tag(std::int64_t task_id, std::string name);
  // False when the task does not carry the tag (or does not exist).
  awaitable<bool> remove_task_tag(std::int64_t task_id, std::string name);

  // Throws Unavailable when the database cannot be reached.
  awaitable<void> ping();

  [[nodiscard]] std::uint64_t statements_run() const { return statements_; }

 private:
  // `each_time`: planned for these values (a search: Sql::statement).
  awaitable<Rows> exec(Connection& c, const Sql& s, std::vector<Value> params,
                       bool each_time = false);
  // The one integer `sql` answers (a count).
  awaitable<std::int64_t> exec_count(Connection& c, const Sql& sql, std::vector<Value> params,
                                     bool each_time = false);

  // The one row of `sql` for the record `id`, decoded by `decode`; nullopt when there is none.
  template <class R, class Decode>
  awaitable<std::optional<R>> read_one(const Sql& sql, std::int64_t id, Decode decode);
  // A page of the tasks of one record (a user, a tag) by `sql`, which answers no row when the
  // record does not exist (nullopt) and one with a NULL task when it has no (more) tasks.
  // `count` counts them all (Page::count).
  awaitable<std::optional<PageOf<models::Task>>> tasks_of(Paged list, const Sql& count, Arg owner,
                                                          const TaskFilter& filter,
                                                          const Page& page);
  // The lists of one kind of page of every user's tasks: all of them, one user's (user_id=), and
  // those carrying tags (tag=) without user_id=.
  struct PageLists {
    Paged all;
    Paged of_user;
    Paged tagged;
    // The one of them that reads the tasks `filter` asks for.
    [[nodiscard]] Paged of(const TaskFilter& filter) const;
  };
  awaitable<Rows> exec_page(Connection& c, const TaskFilter& filter, const Page& page,
                            const PageLists& lists);
  // The number of tasks the filter matches, by the count statement of the page exec_page reads.
  awaitable<std::int64_t> count_tasks(Connection& c, const TaskFilter& filter);
  // A page of T's records by `page`, each decoded as R by `decode`, and when the page asks for it
  // the number of records the filter matches, by `count`.
  template <class T, class R, class Decode>
  awaitable<PageOf<R>> counted_page(Connection& c, Paged list, const Sql& count,
                                    const models::FilterValues<T>& filter, const Page& keyset,
                                    Decode decode);
  // What a write does in its transaction after its statement, with the record it wrote.
  template <class T>
  using After = std::function<awaitable<void>(Connection&, T&)>;

  // One record of T written by `sql` (an insert when `id` is 0) under `pre`, then `after`: the
  // record, not_found (precondition_failed when `pre` is given) when none, or `failure` when the
  // database refuses it by a constraint of kind `refused`.
  template <class T>
  awaitable<Outcome<Versioned<T>>> write(const Sql& sql, const models::Input<T>& input,
                                         std::int64_t id, store::ConstraintViolation::Kind refused,
                                         Failure failure, After<T> after = nullptr,
                                         const Precondition& pre = no_precondition,
                                         bool gathered = false);
  After<models::Task> task_tags_of(const models::Input<models::Task>& input, bool created);
  // Makes `names` (a JSON array) the tags of the task, creating the tags no tag names yet; the
  // task's tags after. `created`: the task is new and has none.
  awaitable<std::vector<std::string>> set_task_tags(Connection& c, std::int64_t task_id,
                                                    const std::string& names, bool created);
  awaitable<std::vector<std::string>> task_tag_names(Connection& c, std::int64_t task_id);
  // The tags the inputs of create_tasks give, linked with the tasks created (by position).
  awaitable<void> link_tags(Connection& c, const std::vector<models::Input<models::Task>>& tasks,
                            std::vector<models::Task>& created);
  // Deletes the record of T `id` by `sql` under `pre`; nullopt when deleted.
  template <class T>
  awaitable<std::optional<Failure>> remove(const Sql& sql, std::int64_t id,
                                           const Precondition& pre);
  // A write transaction: `work` (awaitable<R>(Connection&)), then the events of the changes it
  // noted in changes_, in the same transaction (rows.hpp). `gathered`: a single-record write that
  // may commit in one transaction with others of its io thread (write_gathered).
  template <class R, class Work>
  awaitable<R> transact(Work work, bool gathered = false);
  // `work` in a group commit (gathered_store.cpp): each member in a savepoint of one transaction,
  // which also records all their events, and commits before any member returns.
  awaitable<void> write_gathered(std::function<awaitable<void>(Connection&)> work);
  // A point read of record `id` by `one`, which may be coalesced with the same reads of other
  // requests into one statement, `many` (:ids), on PostgreSQL (gathered_store.cpp). `split` turns
  // the rows of either statement into (id, record) pairs.
  template <class R>
  using Split = std::vector<std::pair<std::int64_t, R>> (*)(Rows&);
  template <class R>
  awaitable<std::optional<R>> read_coalesced(const Sql& one, const Sql& many, std::int64_t id,
                                             Split<R> split);
  // Creates the tags of `names` (a JSON array) that do not exist yet, noting each one created.
  awaitable<void> insert_missing_tags(Connection& c, const std::string& names,
                                      const std::string& now);
  // Notes a task.updated for each of the tasks `ids` (a JSON array), as they are now.
  awaitable<void> note_tasks_updated(Connection& c, std::string ids);

  Database& db_;
  bool record_events_;
  std::vector<Change> changes_;  // of the write transaction under way
  std::uint64_t statements_ = 0;
};

}  // namespace usertasks::repository
