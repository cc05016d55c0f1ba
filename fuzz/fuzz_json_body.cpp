// Bytes as the body of a JSON request: read by json_body() as every write does, then validated by
// each body rule of the API (users, tasks and tags; create, replace and patch; tasks created under
// /users/{id}/tasks). Validation reports field errors as values, so nothing here may throw.
//
// For every input: a body that is not JSON is a 400 problem document; a rejected body names at
// least one field, each with a message; an accepted body obeys the rules it was checked against,
// and written back as JSON it is accepted again as the same input.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <variant>

#include "base/utf8.hpp"
#include "fuzz_support.hpp"
#include "http/request.hpp"
#include "models/models.hpp"
#include "models/rules.hpp"
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

// The body that gives exactly `input` (a names field's value is the text of its JSON array).
template <class T>
json::object body_of(const models::Input<T>& input) {
  json::object body;
  for (std::size_t i = 0; i < models::field_count<T>; ++i) {
    if (!input[i]) continue;
    const models::Field& f = models::Entity<T>::fields[i];
    body[f.name] = f.type == models::FieldType::names
                       ? json::parse(std::get<std::string>(*input[i]))
                       : models::to_json(*input[i]);
  }
  return body;
}

// Accepted names: a JSON array of at most the field's bound of names, each passing the linked
// entity's name rules, no two the same in lower case.
void check_names(const models::Field& f, const std::string& text, const std::string& context) {
  const json::value names = json::parse(text);
  fuzz::require(names.is_array() && names.as_array().size() <= f.max_length,
                "names are an array within the bound", context + ": " + text);
  std::set<std::string> seen;
  for (const json::value& name : names.as_array()) {
    const std::string value(name.as_string());
    fuzz::require(base::utf8::trim(value) == value && !models::check_text(*f.link->name, value),
                  "an accepted name passes its rules", context + ": " + value);
    fuzz::require(seen.insert(base::utf8::lower(value)).second, "names are distinct in lower case",
                  context + ": " + text);
  }
}

// An accepted input holds every required field (create, replace), only body fields, and values
// that pass their field's rules.
template <class T>
void check_input(const models::Input<T>& input, Mode mode, std::string_view except,
                 const std::string& context) {
  for (std::size_t i = 0; i < models::field_count<T>; ++i) {
    const models::Field& f = models::Entity<T>::fields[i];
    const auto& value = input[i];
    if (f.source != models::Source::body || f.name == except) {
      fuzz::require(!value, "only body fields are accepted", context + ": " + std::string(f.name));
      continue;
    }
    if (f.required && mode != Mode::patch) {
      fuzz::require(value.has_value(), "create and replace need the required fields", context);
    }
    if (!value) continue;
    if (std::holds_alternative<std::monostate>(*value)) {
      fuzz::require(f.nullable, "only a nullable field is null", context);
    } else if (f.type == models::FieldType::names) {
      check_names(f, std::get<std::string>(*value), context);
    } else if (const auto* text = std::get_if<std::string>(&*value);
               text && f.type == models::FieldType::text) {
      if (f.trimmed)
        fuzz::require(base::utf8::trim(*text) == *text, "text is stored trimmed", context);
      fuzz::require(!models::check_text(f, *text), "accepted text passes its rule", context);
    } else if (const auto* id = std::get_if<std::int64_t>(&*value)) {
      fuzz::require(*id > 0, "an id is positive", context);
    }
  }
}

void check_user(const json::value& body, Mode mode) {
  const std::string context = std::string("user ") + mode_name(mode);
  if (mode == Mode::create) {
    const auto result = models::validate_new_user(body);
    if (const auto* errors = std::get_if<models::FieldErrors>(&result)) {
      check_errors(*errors, context);
      return;
    }
    const auto& input = std::get<models::NewUser>(result);
    check_input(input.user, mode, {}, context);
    fuzz::require(input.tasks.size() <= 1000, "at most 1000 tasks come with a user", context);
    for (const auto& content : input.tasks) {
      fuzz::require(!models::check_text(models::field<models::Task>("content"), content),
                    "an accepted task passes its rule", context);
    }
    json::object again_body = body_of(input.user);
    if (input.with_tasks) {
      json::array tasks;
      for (const auto& content : input.tasks) tasks.push_back(json::object{{"content", content}});
      again_body["tasks"] = std::move(tasks);
    }
    const auto again = models::validate_new_user(again_body);
    const auto* same = std::get_if<models::NewUser>(&again);
    fuzz::require(same != nullptr && same->user == input.user && same->tasks == input.tasks &&
                      same->with_tasks == input.with_tasks,
                  "an accepted user, written back, is accepted as the same user", context);
    return;
  }
  const auto result = models::validate<models::User>(body, mode);
  if (const auto* errors = std::get_if<models::FieldErrors>(&result)) {
    check_errors(*errors, context);
    return;
  }
  const auto& input = std::get<models::Input<models::User>>(result);
  check_input(input, mode, {}, context);
  const auto again = models::validate<models::User>(body_of(input), mode);
  const auto* same = std::get_if<models::Input<models::User>>(&again);
  fuzz::require(same != nullptr && *same == input,
                "an accepted user, written back, is accepted as the same user", context);
}

void check_task(const json::value& body, Mode mode, bool user_id_in_path) {
  const std::string context =
      std::string("task ") + mode_name(mode) + (user_id_in_path ? " under /users/{id}/tasks" : "");
  const std::string_view except = user_id_in_path ? "user_id" : "";
  const auto validate = [&](const json::value& b) {
    return user_id_in_path ? models::validate<models::Task>(b, mode, {"user_id"})
                           : models::validate<models::Task>(b, mode);
  };
  const auto result = validate(body);
  if (const auto* errors = std::get_if<models::FieldErrors>(&result)) {
    check_errors(*errors, context);
    return;
  }
  const auto& input = std::get<models::Input<models::Task>>(result);
  check_input(input, mode, except, context);
  const auto again = validate(body_of(input));
  const auto* same = std::get_if<models::Input<models::Task>>(&again);
  fuzz::require(same != nullptr && *same == input,
                "an accepted task, written back, is accepted as the same task", context);
}

void check_tag(const json::value& body, Mode mode) {
  const std::string context = std::string("tag ") + mode_name(mode);
  const auto result = models::validate<models::Tag>(body, mode);
  if (const auto* errors = std::get_if<models::FieldErrors>(&result)) {
    check_errors(*errors, context);
    return;
  }
  const auto& input = std::get<models::Input<models::Tag>>(result);
  check_input(input, mode, {}, context);
  const auto again = models::validate<models::Tag>(body_of(input), mode);
  const auto* same = std::get_if<models::Input<models::Tag>>(&again);
  fuzz::require(same != nullptr && *same == input,
                "an accepted tag, written back, is accepted as the same tag", context);
}

// An array of tasks: accepted, each element is an accepted created task.
void check_new_tasks(const json::value& body) {
  const auto result = models::validate_new_tasks(body);
  if (const auto* errors = std::get_if<models::FieldErrors>(&result)) {
    check_errors(*errors, "tasks");
    return;
  }
  const auto& tasks = std::get<std::vector<models::Input<models::Task>>>(result);
  fuzz::require(!tasks.empty() && tasks.size() <= models::Entity<models::Task>::max_at_once,
                "an accepted array holds 1 to 1000 tasks", "tasks");
  for (const auto& input : tasks) check_input(input, Mode::create, {}, "tasks");
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
  check_new_tasks(value);
  for (Mode mode : modes) {
    check_user(value, mode);
    check_task(value, mode, false);
    check_task(value, mode, true);
    check_tag(value, mode);
  }
  return 0;
}
