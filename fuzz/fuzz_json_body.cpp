// Bytes as the body of a JSON request: read by json_body() as every write does, then validated by
// each body rule of the API (users and tasks; create, replace and patch; tasks created under
// /users/{id}/tasks). Validation reports field errors as values, so nothing here may throw.
//
// For every input: a body that is not JSON is a 400 problem document; a rejected body names at
// least one field, each with a message; an accepted body obeys the rules it was checked against,
// and written back as JSON it is accepted again as the same input.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

#include "fuzz_support.hpp"
#include "http/request.hpp"
#include "models/validation.hpp"

namespace {

using namespace usertasks;
namespace json = boost::json;
using models::Mode;

constexpr Mode modes[] = {Mode::create, Mode::replace, Mode::patch};

const char* mode_name(Mode mode) {
  switch (mode) {
    case Mode::create:
      return "create";
    case Mode::replace:
      return "replace";
    case Mode::patch:
      return "patch";
  }
  return "?";
}

// Rejected: at least one error, and every error names its field (the key "" is a field name
// too, an unknown one) and says what is wrong.
void check_errors(const models::FieldErrors& errors, const std::string& context) {
  fuzz::require(!errors.empty(), "a rejected body has at least one error", context);
  for (const auto& e : errors) {
    fuzz::require(!e.message.empty() && (!e.field.empty() || e.message == "is not a known field"),
                  "an error names a field and a problem",
                  context + ": " + e.field + ": " + e.message);
  }
}

json::object user_json(const models::UserInput& input) {
  json::object body;
  if (input.name) body["name"] = *input.name;
  if (input.email) body["email"] = *input.email;
  if (input.with_tasks) {
    json::array tasks;
    for (const auto& content : input.tasks) tasks.push_back(json::object{{"content", content}});
    body["tasks"] = std::move(tasks);
  }
  return body;
}

void check_user(const json::value& body, Mode mode) {
  const std::string context = std::string("user ") + mode_name(mode);
  const auto result = models::validate_user(body, mode);
  if (const auto* errors = std::get_if<models::FieldErrors>(&result)) {
    check_errors(*errors, context);
    return;
  }
  const auto& input = std::get<models::UserInput>(result);
  if (mode != Mode::patch) {
    fuzz::require(input.name && input.email, "create and replace need name and email", context);
  }
  if (input.name) {
    fuzz::require(models::trim(*input.name) == *input.name, "a name is stored trimmed", context);
    fuzz::require(!models::check_name(*input.name), "an accepted name passes its rule", context);
  }
  if (input.email) {
    fuzz::require(!models::check_email(*input.email), "an accepted email passes its rule", context);
  }
  fuzz::require(mode == Mode::create || (!input.with_tasks && input.tasks.empty()),
                "only create takes tasks", context);
  fuzz::require(input.tasks.size() <= 1000, "at most 1000 tasks come with a user", context);
  for (const auto& content : input.tasks) {
    fuzz::require(!models::check_content(content), "an accepted task passes its rule", context);
  }

  const auto again = models::validate_user(user_json(input), mode);
  const auto* same = std::get_if<models::UserInput>(&again);
  fuzz::require(same != nullptr && same->name == input.name && same->email == input.email &&
                    same->tasks == input.tasks && same->with_tasks == input.with_tasks,
                "an accepted user, written back, is accepted as the same user", context);
}

json::object task_json(const models::TaskInput& input) {
  json::object body;
  if (input.content) body["content"] = *input.content;
  if (input.user_id) body["user_id"] = *input.user_id;
  if (input.done) body["done"] = *input.done;
  return body;
}

void check_task(const json::value& body, Mode mode, bool user_id_in_path) {
  const std::string context =
      std::string("task ") + mode_name(mode) + (user_id_in_path ? " under /users/{id}/tasks" : "");
  const auto result = models::validate_task(body, mode, user_id_in_path);
  if (const auto* errors = std::get_if<models::FieldErrors>(&result)) {
    check_errors(*errors, context);
    return;
  }
  const auto& input = std::get<models::TaskInput>(result);
  if (mode != Mode::patch) fuzz::require(input.content.has_value(), "content is required", context);
  if (mode != Mode::patch && !user_id_in_path) {
    fuzz::require(input.user_id.has_value(), "user_id is required", context);
  }
  if (user_id_in_path) fuzz::require(!input.user_id, "the path gives the user", context);
  if (input.content) {
    fuzz::require(!models::check_content(*input.content), "accepted content passes its rule",
                  context);
  }
  if (input.user_id) fuzz::require(*input.user_id > 0, "a user_id is positive", context);

  const auto again = models::validate_task(task_json(input), mode, user_id_in_path);
  const auto* same = std::get_if<models::TaskInput>(&again);
  fuzz::require(same != nullptr && *same == input,
                "an accepted task, written back, is accepted as the same task", context);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  http::Request req;
  req.set(http::Field::content_type, "application/json");
  req.body().assign(reinterpret_cast<const char*>(data), size);

  auto body = http::json_body(req);
  if (const auto* res = std::get_if<http::Response>(&body)) {
    fuzz::require(res->result() == http::Status::bad_request, "a body that is not JSON is a 400",
                  fuzz::describe(*res));
    fuzz::require_problem(*res);
    return 0;
  }
  const json::value& value = std::get<json::value>(body);
  for (Mode mode : modes) {
    check_user(value, mode);
    check_task(value, mode, false);
    check_task(value, mode, true);
  }
  return 0;
}
