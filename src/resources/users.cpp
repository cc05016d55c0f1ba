// The Users and UserDetail resources of the original, and a user's tasks.

#include <fmt/format.h>

#include <boost/json.hpp>

#include "http/request.hpp"
#include "resources/conditional.hpp"
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
  const repository::Page page = read_page<models::User>(ex, reader);
  const auto filter = read_filters<models::User>(reader);
  const bool with_tasks = reader.equals("include", "tasks");
  if (reader.problem()) co_return bad_query(*reader.problem());

  std::string items;
  NextPage next;
  bool more = false;
  std::optional<std::int64_t> total;
  if (with_tasks) {
    auto result = co_await ex.store.list_users_with_tasks(filter, page);
    items = models::json_array(result.items);
    if (!result.items.empty()) next = next_page(page, result.items.back().user);
    more = result.more;
    total = result.total;
  } else {
    auto result = co_await ex.store.list_users(filter, page);
    items = models::json_array(result.items);
    if (!result.items.empty()) next = next_page(page, result.items.back());
    more = result.more;
    total = result.total;
  }
  co_return page_response(ex, std::move(items), more, page.limit, next, total);
}

awaitable<Response> create(Exchange& ex) {
  auto input = read_body(ex, models::validate_new_user);
  if (auto* res = std::get_if<Response>(&input)) co_return std::move(*res);

  const bool with_tasks = std::get<models::NewUser>(input).with_tasks;
  auto outcome = co_await ex.store.create_user(std::move(std::get<models::NewUser>(input)));
  if (std::holds_alternative<repository::Failure>(outcome)) co_return email_taken();
  const auto& user = std::get<models::UserWithTasks>(outcome);
  co_return with_etag(created(with_tasks ? models::json_text(user) : models::json_text(user.user),
                              fmt::format("/users/{}", user.user.id)),
                      models::validator(user));
}

awaitable<Response> get(Exchange& ex) {
  const auto id = path_id(ex);
  if (!id) co_return not_found("user", ex.params.get("id"));
  auto user = co_await ex.store.get_user_with_tasks(*id);
  if (!user) co_return not_found("user", ex.params.get("id"));
  co_return record_response(ex, models::validator(*user), models::last_modified(*user),
                            models::json_text(*user));
}

awaitable<Response> update(Exchange& ex, Mode mode) {
  const auto id = path_id(ex);
  if (!id) co_return not_found("user", ex.params.get("id"));
  auto pre = read_precondition(ex);
  if (auto* res = std::get_if<Response>(&pre)) co_return std::move(*res);
  auto input =
      read_body(ex, [&](const json::value& b) { return models::validate<models::User>(b, mode); });
  if (auto* res = std::get_if<Response>(&input)) co_return std::move(*res);

  auto outcome =
      co_await ex.store.update_user(*id, std::move(std::get<models::Input<models::User>>(input)),
                                    std::get<repository::Precondition>(pre));
  if (auto* failure = std::get_if<repository::Failure>(&outcome)) {
    if (*failure == repository::Failure::email_taken) co_return email_taken();
    if (*failure == repository::Failure::precondition_failed) {
      co_return co_await precondition_failed<models::User>(ex, *id);
    }
    co_return not_found("user", ex.params.get("id"));
  }
  const auto& user = std::get<repository::Versioned<models::User>>(outcome);
  co_return with_etag(http::json_text_response(Status::ok, models::json_text(user.record)),
                      user.validator);
}

awaitable<Response> list_tasks(Exchange& ex) {
  const auto id = path_id(ex);
  if (!id) co_return not_found("user", ex.params.get("id"));
  http::QueryReader reader(ex.query);
  const repository::Page page = read_page<models::Task>(ex, reader);
  const repository::TaskFilter filter = read_task_filter(reader);
  if (reader.problem()) co_return bad_query(*reader.problem());

  auto result = co_await ex.store.list_user_tasks(*id, filter, page);
  if (!result) co_return not_found("user", ex.params.get("id"));
  NextPage next;
  if (!result->items.empty()) next = next_page(page, result->items.back());
  co_return page_response(ex, models::json_array(result->items), result->more, page.limit, next,
                          result->total);
}

awaitable<Response> create_task(Exchange& ex) {
  const auto id = path_id(ex);
  if (!id) co_return not_found("user", ex.params.get("id"));
  auto input = read_body(ex, [&](const json::value& b) {
    return models::validate<models::Task>(b, Mode::create, {"user_id"});
  });
  if (auto* res = std::get_if<Response>(&input)) co_return std::move(*res);

  auto& task_input = std::get<models::Input<models::Task>>(input);
  task_input.set("user_id", *id);
  auto outcome = co_await ex.store.create_task(std::move(task_input));
  if (std::holds_alternative<repository::Failure>(outcome))
    co_return not_found("user", ex.params.get("id"));
  const auto& task = std::get<repository::Versioned<models::Task>>(outcome);
  co_return with_etag(
      created(models::json_text(task.record), fmt::format("/tasks/{}", task.record.id)),
      task.validator);
}

}  // namespace

void add_user_routes(Api& api) {
  using http::Verb;
  using models::Task;
  using models::User;
  api.add({.method = Verb::get,
           .path = "/users",
           .name = "users.list",
           .summary = "List users, optionally with their tasks",
           .query = join({paging(), sorting<User>(), filters<User>(), {include("tasks")}}),
           .response = records<models::UserWithTasks>()},
          list);
  api.add({.method = Verb::post,
           .path = "/users",
           .name = "users.create",
           .summary = "Create a user, optionally with tasks",
           .request = body<User>(Mode::create),
           .response = record<models::UserWithTasks>(),
           .success = Status::created,
           .problems = {Status::conflict},
           .versioned = true},
          create);
  api.add({.method = Verb::get,
           .path = "/users/{id}",
           .name = "users.get",
           .summary = "Get a user with its tasks",
           .response = record<models::UserWithTasks>(),
           .versioned = true},
          get);
  api.add({.method = Verb::put,
           .path = "/users/{id}",
           .name = "users.replace",
           .summary = "Replace a user's name and email",
           .request = body<User>(Mode::replace),
           .response = record<User>(),
           .problems = {Status::conflict},
           .versioned = true},
          [](Exchange& ex) { return update(ex, Mode::replace); });
  api.add({.method = Verb::patch,
           .path = "/users/{id}",
           .name = "users.update",
           .summary = "Change some of a user's fields",
           .request = body<User>(Mode::patch),
           .response = record<User>(),
           .problems = {Status::conflict},
           .versioned = true},
          [](Exchange& ex) { return update(ex, Mode::patch); });
  api.add({.method = Verb::delete_,
           .path = "/users/{id}",
           .name = "users.delete",
           .summary = "Delete a user and its tasks",
           .success = Status::no_content,
           .versioned = true},
          [](Exchange& ex) {
            return delete_record<models::User>(ex, "user", &repository::Store::delete_user);
          });
  api.add({.method = Verb::get,
           .path = "/users/{id}/tasks",
           .name = "users.tasks.list",
           .summary = "List a user's tasks",
           .query = join({paging(), sorting<Task>(), filters<Task>()}),
           .response = records<Task>()},
          list_tasks);
  api.add({.method = Verb::post,
           .path = "/users/{id}/tasks",
           .name = "users.tasks.create",
           .summary = "Create a task for a user",
           .request = user_task_body(),
           .response = record<Task>(),
           .success = Status::created,
           .versioned = true},
          create_task);
}

}  // namespace usertasks::resources
