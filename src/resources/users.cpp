// The Users and UserDetail resources of the original, and a user's tasks.

#include <fmt/format.h>

#include <boost/json.hpp>

#include "http/request.hpp"
#include "resources/resource.hpp"

namespace usertasks::resources {

namespace json = boost::json;
using models::Mode;

namespace {

Response email_taken() {
  return http::problem(Status::conflict, "email-taken", "a user with this email already exists");
}

awaitable<Response> list(Exchange& ex) {
  http::QueryReader reader(ex.query);
  const store::Page page = read_page(reader);
  const bool with_tasks = reader.equals("include", "tasks");
  if (reader.problem()) co_return bad_query(*reader.problem());

  std::string items;
  std::int64_t last = 0;
  bool more = false;
  if (with_tasks) {
    auto result = co_await ex.store.list_users_with_tasks(page);
    items = models::json_array(result.items);
    if (!result.items.empty()) last = result.items.back().user.id;
    more = result.more;
  } else {
    auto result = co_await ex.store.list_users(page);
    items = models::json_array(result.items);
    if (!result.items.empty()) last = result.items.back().id;
    more = result.more;
  }
  co_return page_response(ex, std::move(items), more, page.limit, last);
}

awaitable<Response> create(Exchange& ex) {
  auto input =
      read_body(ex, [&](const json::value& b) { return models::validate_user(b, Mode::create); });
  if (auto* res = std::get_if<Response>(&input)) co_return std::move(*res);

  const bool with_tasks = std::get<models::UserInput>(input).with_tasks;
  auto outcome = co_await ex.store.create_user(std::move(std::get<models::UserInput>(input)));
  if (std::holds_alternative<store::Failure>(outcome)) co_return email_taken();
  const auto& user = std::get<models::UserWithTasks>(outcome);
  co_return created(with_tasks ? models::json_text(user) : models::json_text(user.user),
                    fmt::format("/users/{}", user.user.id));
}

awaitable<Response> get(Exchange& ex) {
  const auto id = path_id(ex);
  if (!id) co_return not_found("user", ex.params.get("id"));
  auto user = co_await ex.store.get_user_with_tasks(*id);
  if (!user) co_return not_found("user", ex.params.get("id"));
  co_return http::json_text_response(Status::ok, models::json_text(*user));
}

awaitable<Response> update(Exchange& ex, Mode mode) {
  const auto id = path_id(ex);
  if (!id) co_return not_found("user", ex.params.get("id"));
  auto input = read_body(ex, [&](const json::value& b) { return models::validate_user(b, mode); });
  if (auto* res = std::get_if<Response>(&input)) co_return std::move(*res);

  auto outcome = co_await ex.store.update_user(*id, std::move(std::get<models::UserInput>(input)));
  if (auto* failure = std::get_if<store::Failure>(&outcome)) {
    if (*failure == store::Failure::email_taken) co_return email_taken();
    co_return not_found("user", ex.params.get("id"));
  }
  co_return http::json_text_response(Status::ok,
                                     models::json_text(std::get<models::User>(outcome)));
}

awaitable<Response> remove(Exchange& ex) {
  const auto id = path_id(ex);
  if (!id) co_return not_found("user", ex.params.get("id"));
  const bool deleted = co_await ex.store.delete_user(*id);
  if (!deleted) co_return not_found("user", ex.params.get("id"));
  co_return http::empty_response(Status::no_content);
}

awaitable<Response> list_tasks(Exchange& ex) {
  const auto id = path_id(ex);
  if (!id) co_return not_found("user", ex.params.get("id"));
  http::QueryReader reader(ex.query);
  const store::Page page = read_page(reader);
  if (reader.problem()) co_return bad_query(*reader.problem());

  auto result = co_await ex.store.list_user_tasks(*id, page);
  if (!result) co_return not_found("user", ex.params.get("id"));
  const std::int64_t last = result->items.empty() ? 0 : result->items.back().id;
  co_return page_response(ex, models::json_array(result->items), result->more, page.limit, last);
}

awaitable<Response> create_task(Exchange& ex) {
  const auto id = path_id(ex);
  if (!id) co_return not_found("user", ex.params.get("id"));
  auto input = read_body(ex, [&](const json::value& b) {
    return models::validate_task(b, Mode::create, /*user_id_in_path=*/true);
  });
  if (auto* res = std::get_if<Response>(&input)) co_return std::move(*res);

  auto& task_input = std::get<models::TaskInput>(input);
  auto outcome = co_await ex.store.create_task(std::move(*task_input.content), *id,
                                               task_input.done.value_or(false));
  if (std::holds_alternative<store::Failure>(outcome))
    co_return not_found("user", ex.params.get("id"));
  const auto& task = std::get<models::Task>(outcome);
  co_return created(models::json_text(task), fmt::format("/tasks/{}", task.id));
}

}  // namespace

void add_user_routes(http::Router& router, store::Database& db, const ApiOptions& options) {
  using http::Verb;
  RouteAdder route(router, db, options);
  route(Verb::get, "/users", "users.list", "List users, optionally with their tasks",
        {"limit", "after", "include"}, list, "", "[UserWithTasks]");
  route(Verb::post, "/users", "users.create", "Create a user, optionally with tasks", {}, create,
        "NewUser", "UserWithTasks", Status::created);
  route(Verb::get, "/users/{id}", "users.get", "Get a user with its tasks", {}, get, "",
        "UserWithTasks");
  route(
      Verb::put, "/users/{id}", "users.replace", "Replace a user's name and email", {},
      [](Exchange& ex) { return update(ex, Mode::replace); }, "UserReplace", "User");
  route(
      Verb::patch, "/users/{id}", "users.update", "Change some of a user's fields", {},
      [](Exchange& ex) { return update(ex, Mode::patch); }, "UserPatch", "User");
  route(Verb::delete_, "/users/{id}", "users.delete", "Delete a user and its tasks", {}, remove, "",
        "", Status::no_content);
  route(Verb::get, "/users/{id}/tasks", "users.tasks.list", "List a user's tasks",
        {"limit", "after"}, list_tasks, "", "[Task]");
  route(Verb::post, "/users/{id}/tasks", "users.tasks.create", "Create a task for a user", {},
        create_task, "NewUserTask", "Task", Status::created);
}

}  // namespace usertasks::resources
