// The Tasks and TaskDetail resources of the original.

#include <fmt/format.h>

#include <boost/json.hpp>

#include "http/request.hpp"
#include "resources/conditional.hpp"
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
  const repository::Page page = read_page<models::Task>(ex, reader);
  repository::TaskFilter filter = read_task_filter(reader);
  filter.user_id = reader.id("user_id");
  const bool with_user = reader.equals("include", "user");
  if (reader.problem()) co_return bad_query(*reader.problem());

  std::string items;
  NextPage next;
  bool more = false;
  std::optional<std::int64_t> total;
  if (with_user) {
    auto result = co_await ex.store.list_tasks_with_user(filter, page);
    items = models::json_array(result.items);
    if (!result.items.empty()) next = next_page(page, result.items.back().task);
    more = result.more;
    total = result.total;
  } else {
    auto result = co_await ex.store.list_tasks(filter, page);
    items = models::json_array(result.items);
    if (!result.items.empty()) next = next_page(page, result.items.back());
    more = result.more;
    total = result.total;
  }
  co_return page_response(ex, std::move(items), more, page.limit, next, total);
}

// POST /tasks with an array: every task or none; 201 with the array.
awaitable<Response> create_many(Exchange& ex) {
  auto input = read_body(ex, models::validate_new_tasks);
  if (auto* res = std::get_if<Response>(&input)) co_return std::move(*res);
  auto& tasks = std::get<std::vector<models::Input<models::Task>>>(input);
  std::vector<std::int64_t> user_ids;
  for (const auto& task : tasks) user_ids.push_back(task.integer("user_id"));
  auto outcome = co_await ex.store.create_tasks(std::move(tasks));
  if (auto* missing = std::get_if<repository::Store::MissingUsers>(&outcome)) {
    models::FieldErrors errors;
    for (const std::size_t i : *missing) {
      errors.push_back(
          {fmt::format("[{}].user_id", i), fmt::format("user {} does not exist", user_ids[i])});
    }
    co_return validation_failed(errors);
  }
  co_return http::json_text_response(Status::created, models::json_array(std::get<0>(outcome)));
}

awaitable<Response> create(Exchange& ex) {
  if (http::body_is_json_array(ex.request)) co_return co_await create_many(ex);
  auto input = read_body(
      ex, [&](const json::value& b) { return models::validate<models::Task>(b, Mode::create); });
  if (auto* res = std::get_if<Response>(&input)) co_return std::move(*res);

  auto& task_input = std::get<models::Input<models::Task>>(input);
  const std::int64_t user_id = task_input.integer("user_id");
  auto outcome = co_await ex.store.create_task(std::move(task_input));
  if (std::holds_alternative<repository::Failure>(outcome)) co_return no_such_user(user_id);
  const auto& task = std::get<repository::Versioned<models::Task>>(outcome);
  co_return with_etag(
      created(models::json_text(task.record), fmt::format("/tasks/{}", task.record.id)),
      task.validator);
}

awaitable<Response> get(Exchange& ex) {
  const auto id = path_id(ex);
  if (!id) co_return not_found("task", ex.params.get("id"));
  auto task = co_await ex.store.get_task_with_user(*id);
  if (!task) co_return not_found("task", ex.params.get("id"));
  co_return record_response(ex, models::validator(*task), models::last_modified(*task),
                            models::json_text(*task));
}

awaitable<Response> update(Exchange& ex, Mode mode) {
  const auto id = path_id(ex);
  if (!id) co_return not_found("task", ex.params.get("id"));
  auto pre = read_precondition(ex);
  if (auto* res = std::get_if<Response>(&pre)) co_return std::move(*res);
  auto input =
      read_body(ex, [&](const json::value& b) { return models::validate<models::Task>(b, mode); });
  if (auto* res = std::get_if<Response>(&input)) co_return std::move(*res);

  auto& task_input = std::get<models::Input<models::Task>>(input);
  const bool moves = task_input.get("user_id").has_value();
  const std::int64_t user_id = moves ? task_input.integer("user_id") : 0;
  auto outcome = co_await ex.store.update_task(*id, std::move(task_input),
                                               std::get<repository::Precondition>(pre));
  if (auto* failure = std::get_if<repository::Failure>(&outcome)) {
    if (*failure == repository::Failure::user_not_found) co_return no_such_user(user_id);
    if (*failure == repository::Failure::precondition_failed) {
      co_return co_await precondition_failed<models::Task>(ex, *id);
    }
    co_return not_found("task", ex.params.get("id"));
  }
  const auto& task = std::get<repository::Versioned<models::Task>>(outcome);
  co_return with_etag(http::json_text_response(Status::ok, models::json_text(task.record)),
                      task.validator);
}

}  // namespace

void add_task_routes(Api& api) {
  using http::Verb;
  using models::Task;
  api.add({.method = Verb::get,
           .path = "/tasks",
           .name = "tasks.list",
           .summary = "List tasks, optionally of one user, with their users",
           .query = join(
               {paging(), sorting<Task>(), {user_filter()}, filters<Task>(), {include("user")}}),
           .response = records<models::TaskWithUser>()},
          list);
  api.add({.method = Verb::post,
           .path = "/tasks",
           .name = "tasks.create",
           .summary = "Create a task, or several at once from an array (all or none)",
           .request = {"NewTaskOrTasks"},
           .response = {"TaskOrTasks"},
           .success = Status::created,
           .versioned = true},
          create);
  api.add({.method = Verb::get,
           .path = "/tasks/{id}",
           .name = "tasks.get",
           .summary = "Get a task with its user",
           .response = record<models::TaskWithUser>(),
           .versioned = true},
          get);
  api.add({.method = Verb::put,
           .path = "/tasks/{id}",
           .name = "tasks.replace",
           .summary = "Replace a task's content and user",
           .request = body<Task>(Mode::replace),
           .response = record<Task>(),
           .versioned = true},
          [](Exchange& ex) { return update(ex, Mode::replace); });
  api.add({.method = Verb::patch,
           .path = "/tasks/{id}",
           .name = "tasks.update",
           .summary = "Change some of a task's fields",
           .request = body<Task>(Mode::patch),
           .response = record<Task>(),
           .versioned = true},
          [](Exchange& ex) { return update(ex, Mode::patch); });
  api.add({.method = Verb::delete_,
           .path = "/tasks/{id}",
           .name = "tasks.delete",
           .summary = "Delete a task",
           .success = Status::no_content,
           .versioned = true},
          [](Exchange& ex) {
            return delete_record<models::Task>(ex, "task", &repository::Store::delete_task);
          });
}

}  // namespace usertasks::resources
