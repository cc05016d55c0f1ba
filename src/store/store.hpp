#pragma once
// The repository that resources call. Written once against store::Database; all SQL of the
// service is in store/statements.hpp. Knows nothing of HTTP.

#include <cstdint>
#include <optional>
#include <variant>
#include <vector>

#include "models/models.hpp"
#include "models/validation.hpp"
#include "store/database.hpp"

namespace usertasks::store {

// Expected failures are values; the resource layer maps each to its problem response.
enum class Failure { not_found, email_taken, user_not_found };

template <class T>
using Outcome = std::variant<T, Failure>;

struct Page {
  std::int64_t after = 0;  // keyset: items with id > after
  std::size_t limit = 100;
};

template <class T>
struct PageOf {
  std::vector<T> items;
  bool more = false;  // another page follows
};

struct TaskFilter {
  std::optional<std::int64_t> user_id;
  std::optional<bool> done;
};

// One Store per request: it counts the statements the request runs (tests assert no N+1 with it).
class Store {
 public:
  explicit Store(Database& db) : db_(db) {}

  awaitable<PageOf<models::User>> list_users(Page page);
  awaitable<PageOf<models::UserWithTasks>> list_users_with_tasks(Page page);
  awaitable<std::optional<models::UserWithTasks>> get_user_with_tasks(std::int64_t id);
  awaitable<Outcome<models::UserWithTasks>> create_user(models::UserInput input);
  // Fields left empty in `input` keep their value.
  awaitable<Outcome<models::User>> update_user(std::int64_t id, models::UserInput input);
  awaitable<bool> delete_user(std::int64_t id);

  // nullopt when the user does not exist.
  awaitable<std::optional<PageOf<models::Task>>> list_user_tasks(std::int64_t user_id, Page page);
  awaitable<PageOf<models::Task>> list_tasks(TaskFilter filter, Page page);
  awaitable<PageOf<models::TaskWithUser>> list_tasks_with_user(TaskFilter filter, Page page);
  awaitable<std::optional<models::TaskWithUser>> get_task_with_user(std::int64_t id);
  awaitable<Outcome<models::Task>> create_task(std::string content, std::int64_t user_id,
                                               bool done = false);
  awaitable<Outcome<models::Task>> update_task(std::int64_t id, models::TaskInput input);
  awaitable<bool> delete_task(std::int64_t id);

  // Throws Unavailable when the database cannot be reached.
  awaitable<void> ping();

  [[nodiscard]] std::uint64_t statements_run() const { return statements_; }

 private:
  awaitable<Rows> exec(Connection& c, const Statement& s, std::vector<Value> params);

  awaitable<Rows> exec_page(Connection& c, TaskFilter filter, Page page, const Statement& all,
                            const Statement& of_user);

  Database& db_;
  std::uint64_t statements_ = 0;
};

}  // namespace usertasks::store
