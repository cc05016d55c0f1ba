// The Tags resource, and the tags of one task (/tasks/{id}/tags/{name}).

#include <fmt/format.h>

#include <boost/json.hpp>

#include "http/request.hpp"
#include "resources/conditional.hpp"
#include "resources/resource.hpp"

namespace usertasks::resources {

namespace json = boost::json;
using models::Mode;
using models::Tag;

namespace {

Response tag_taken() {
  return http::problem(Status::conflict, "tag-taken", "a tag with this name already exists");
}

awaitable<Response> list(Exchange& ex) {
  http::QueryReader reader(ex.query);
  const repository::Page page = read_page<Tag>(ex, reader);
  const auto filter = read_filters<Tag>(reader);
  if (reader.problem()) co_return bad_query(*reader.problem());
  auto result = co_await ex.store.list_tags(filter, page);
  NextPage next;
  if (!result.items.empty()) next = next_page(page, result.items.back());
  co_return page_response(ex, models::json_array(result.items), result.more, page.limit, next,
                          result.total);
}

awaitable<Response> create(Exchange& ex) {
  auto input =
      read_body(ex, [](const json::value& b) { return models::validate<Tag>(b, Mode::create); });
  if (auto* res = std::get_if<Response>(&input)) co_return std::move(*res);
  auto outcome = co_await ex.store.create_tag(std::move(std::get<models::Input<Tag>>(input)));
  if (std::holds_alternative<repository::Failure>(outcome)) co_return tag_taken();
  const auto& tag = std::get<repository::Versioned<Tag>>(outcome);
  co_return with_etag(
      created(models::json_text(tag.record), fmt::format("/tags/{}", tag.record.id)),
      tag.validator);
}

awaitable<Response> get(Exchange& ex) {
  const auto id = path_id(ex);
  if (!id) co_return not_found("tag", ex.params.get("id"));
  auto tag = co_await ex.store.get_tag(*id);
  if (!tag) co_return not_found("tag", ex.params.get("id"));
  co_return record_response(ex, models::validator(*tag), models::last_modified(*tag),
                            models::json_text(*tag));
}

awaitable<Response> rename(Exchange& ex) {
  const auto id = path_id(ex);
  if (!id) co_return not_found("tag", ex.params.get("id"));
  auto pre = read_precondition(ex);
  if (auto* res = std::get_if<Response>(&pre)) co_return std::move(*res);
  auto input =
      read_body(ex, [](const json::value& b) { return models::validate<Tag>(b, Mode::patch); });
  if (auto* res = std::get_if<Response>(&input)) co_return std::move(*res);
  auto outcome = co_await ex.store.update_tag(*id, std::move(std::get<models::Input<Tag>>(input)),
                                              std::get<repository::Precondition>(pre));
  if (auto* failure = std::get_if<repository::Failure>(&outcome)) {
    if (*failure == repository::Failure::tag_taken) co_return tag_taken();
    if (*failure == repository::Failure::precondition_failed) {
      co_return co_await precondition_failed<Tag>(ex, *id);
    }
    co_return not_found("tag", ex.params.get("id"));
  }
  const auto& tag = std::get<repository::Versioned<Tag>>(outcome);
  co_return with_etag(http::json_text_response(Status::ok, models::json_text(tag.record)),
                      tag.validator);
}

awaitable<Response> list_tasks(Exchange& ex) {
  const auto id = path_id(ex);
  if (!id) co_return not_found("tag", ex.params.get("id"));
  http::QueryReader reader(ex.query);
  const repository::Page page = read_page<models::Task>(ex, reader);
  const repository::TaskFilter filter = read_task_filter(reader);
  if (reader.problem()) co_return bad_query(*reader.problem());
  auto result = co_await ex.store.list_tag_tasks(*id, filter, page);
  if (!result) co_return not_found("tag", ex.params.get("id"));
  NextPage next;
  if (!result->items.empty()) next = next_page(page, result->items.back());
  co_return page_response(ex, models::json_array(result->items), result->more, page.limit, next,
                          result->total);
}

// The task's id and the tag's name of /tasks/{id}/tags/{name}, or the answer to give instead.
std::variant<std::pair<std::int64_t, std::string>, Response> task_and_name(const Exchange& ex) {
  const auto id = path_id(ex);
  const auto text = http::decode_segment(ex.params.get("name"));
  if (!id || !text) return not_found("task", ex.params.get("id"));
  auto name = models::read_text(models::field<Tag>("name"), *text);
  if (auto* problem = std::get_if<models::Problem>(&name)) {
    return validation_failed({{"name", std::move(problem->message)}});
  }
  return std::pair{*id, std::move(std::get<std::string>(name))};
}

awaitable<Response> add_to_task(Exchange& ex) {
  auto target = task_and_name(ex);
  if (auto* res = std::get_if<Response>(&target)) co_return std::move(*res);
  auto& [task, name] = std::get<0>(target);
  auto outcome = co_await ex.store.add_task_tag(task, std::move(name));
  if (auto* failure = std::get_if<repository::Failure>(&outcome)) {
    if (*failure == repository::Failure::not_found)
      co_return not_found("task", ex.params.get("id"));
    const std::size_t most = models::field<models::Task>("tags").max_length;
    co_return validation_failed({{"tags", fmt::format("must hold at most {} tags", most)}});
  }
  co_return http::empty_response(Status::no_content);
}

awaitable<Response> remove_from_task(Exchange& ex) {
  auto target = task_and_name(ex);
  if (auto* res = std::get_if<Response>(&target)) co_return std::move(*res);
  auto& [task, name] = std::get<0>(target);
  if (!co_await ex.store.remove_task_tag(task, name)) {
    co_return http::problem(Status::not_found, "not-found",
                            fmt::format("task {} has no tag named {}", task, name));
  }
  co_return http::empty_response(Status::no_content);
}

}  // namespace

void add_tag_routes(Api& api) {
  using http::Verb;
  using models::Task;
  api.add({.method = Verb::get,
           .path = "/tags",
           .name = "tags.list",
           .summary = "List tags",
           .query = join({paging(), sorting<Tag>(), filters<Tag>()}),
           .response = records<Tag>()},
          list);
  api.add({.method = Verb::post,
           .path = "/tags",
           .name = "tags.create",
           .summary = "Create a tag",
           .request = body<Tag>(Mode::create),
           .response = record<Tag>(),
           .success = Status::created,
           .problems = {Status::conflict},
           .versioned = true},
          create);
  api.add({.method = Verb::get,
           .path = "/tags/{id}",
           .name = "tags.get",
           .summary = "Get a tag with the number of tasks carrying it",
           .response = record<models::TagWithTaskCount>(),
           .versioned = true},
          get);
  api.add({.method = Verb::patch,
           .path = "/tags/{id}",
           .name = "tags.update",
           .summary = "Rename a tag",
           .request = body<Tag>(Mode::patch),
           .response = record<Tag>(),
           .problems = {Status::conflict},
           .versioned = true},
          rename);
  api.add(
      {.method = Verb::delete_,
       .path = "/tags/{id}",
       .name = "tags.delete",
       .summary = "Delete a tag, removing it from every task",
       .success = Status::no_content,
       .versioned = true},
      [](Exchange& ex) { return delete_record<Tag>(ex, "tag", &repository::Store::delete_tag); });
  api.add({.method = Verb::get,
           .path = "/tags/{id}/tasks",
           .name = "tags.tasks.list",
           .summary = "List the tasks carrying a tag",
           .query = join({paging(), sorting<Task>(), filters<Task>()}),
           .response = records<Task>()},
          list_tasks);
  api.add({.method = Verb::put,
           .path = "/tasks/{id}/tags/{name}",
           .name = "tasks.tags.add",
           .summary = "Add a tag to a task, creating the tag if no tag has the name",
           .success = Status::no_content,
           .problems = {Status::unprocessable_entity}},
          add_to_task);
  api.add({.method = Verb::delete_,
           .path = "/tasks/{id}/tags/{name}",
           .name = "tasks.tags.remove",
           .summary = "Remove a tag from a task",
           .success = Status::no_content,
           .problems = {Status::unprocessable_entity}},
          remove_from_task);
}

}  // namespace usertasks::resources
