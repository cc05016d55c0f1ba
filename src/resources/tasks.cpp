// The Tasks and TaskDetail resources of the original.

#include <fmt/format.h>

#include <boost/json.hpp>

#include "http/request.hpp"
#include "resources/resource.hpp"

namespace usertasks::resources {

namespace json = boost::json;
using models::Mode;

namespace {

Response no_such_user(std::int64_t user_id) {
  return validation_failed({{"user_id", fmt::format("user {} does not exist", user_id)}});
}

awaitable<Response> list(Exchange& ex) {
  http::QueryReader reader(ex.query);
  const store::Page page = read_page(reader);
  const store::TaskFilter filter{reader.id("user_id"), reader.boolean("done")};
  const bool with_user = reader.equals("include", "user");
  if (reader.problem()) co_return bad_query(*reader.problem());

  std::string items;
  std::int64_t last = 0;
  bool more = false;
  if (with_user) {
    auto result = co_await ex.store.list_tasks_with_user(filter, page);
    items = models::json_array(result.items);
    if (!result.items.empty()) last = result.items.back().task.id;
    more = result.more;
  } else {
    auto result = co_await ex.store.list_tasks(filter, page);
    items = models::json_array(result.items);
    if (!result.items.empty()) last = result.items.back().id;
    more = result.more;
  }
  co_return page_response(ex, std::move(items), more, page.limit, last);
}

awaitable<Response> create(Exchange& ex) {
  auto input =
      read_body(ex, [&](const json::value& b) { return models::validate_task(b, Mode::create); });
  if (auto* res = std::get_if<Response>(&input)) co_return std::move(*res);

  auto& task_input = std::get<models::TaskInput>(input);
  const std::int64_t user_id = *task_input.user_id;
  auto outcome = co_await ex.store.create_task(std::move(*task_input.content), user_id,
                                               task_input.done.value_or(false));
  if (std::holds_alternative<store::Failure>(outcome)) co_return no_such_user(user_id);
  const auto& task = std::get<models::Task>(outcome);
  co_return created(models::json_text(task), fmt::format("/tasks/{}", task.id));
}

awaitable<Response> get(Exchange& ex) {
  const auto id = path_id(ex);
  if (!id) co_return not_found("task", ex.params.get("id"));
  auto task = co_await ex.store.get_task_with_user(*id);
  if (!task) co_return not_found("task", ex.params.get("id"));
  co_return http::json_text_response(Status::ok, models::json_text(*task));
}

awaitable<Response> update(Exchange& ex, Mode mode) {
  const auto id = path_id(ex);
  if (!id) co_return not_found("task", ex.params.get("id"));
  auto input = read_body(ex, [&](const json::value& b) { return models::validate_task(b, mode); });
  if (auto* res = std::get_if<Response>(&input)) co_return std::move(*res);

  const auto user_id = std::get<models::TaskInput>(input).user_id;
  auto outcome = co_await ex.store.update_task(*id, std::move(std::get<models::TaskInput>(input)));
  if (auto* failure = std::get_if<store::Failure>(&outcome)) {
    if (*failure == store::Failure::user_not_found) co_return no_such_user(*user_id);
    co_return not_found("task", ex.params.get("id"));
  }
  co_return http::json_text_response(Status::ok,
                                     models::json_text(std::get<models::Task>(outcome)));
}

awaitable<Response> remove(Exchange& ex) {
  const auto id = path_id(ex);
  if (!id) co_return not_found("task", ex.params.get("id"));
  const bool deleted = co_await ex.store.delete_task(*id);
  if (!deleted) co_return not_found("task", ex.params.get("id"));
  co_return http::empty_response(Status::no_content);
}

}  // namespace

void add_task_routes(http::Router& router, store::Database& db, const ApiOptions& options) {
  using http::Verb;
  RouteAdder route(router, db, options);
  route(Verb::get, "/tasks", "tasks.list", "List tasks, optionally of one user, with their users",
        {"limit", "after", "user_id", "done", "include"}, list, "", "[TaskWithUser]");
  route(Verb::post, "/tasks", "tasks.create", "Create a task", {}, create, "NewTask", "Task",
        Status::created);
  route(Verb::get, "/tasks/{id}", "tasks.get", "Get a task with its user", {}, get, "",
        "TaskWithUser");
  route(
      Verb::put, "/tasks/{id}", "tasks.replace", "Replace a task's content and user", {},
      [](Exchange& ex) { return update(ex, Mode::replace); }, "TaskReplace", "Task");
  route(
      Verb::patch, "/tasks/{id}", "tasks.update", "Change some of a task's fields", {},
      [](Exchange& ex) { return update(ex, Mode::patch); }, "TaskPatch", "Task");
  route(Verb::delete_, "/tasks/{id}", "tasks.delete", "Delete a task", {}, remove, "", "",
        Status::no_content);
}

}  // namespace usertasks::resources
