#include "models/validation.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <unordered_set>

#include "base/integer.hpp"
#include "base/json_fields.hpp"
#include "base/time.hpp"
#include "base/utf8.hpp"
#include "models/rules.hpp"

namespace usertasks::models {

namespace json = boost::json;

namespace {

// The words of this API's field errors (docs/api.md).
constexpr base::FieldWording wording{.unknown = "is not a known field",
                                     .required = "is required",
                                     .null = "must not be null",
                                     .not_string = "must be a string",
                                     .not_boolean = "must be true or false",
                                     .not_array = "must be an array of tasks"};

bool in(std::initializer_list<std::string_view> names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

// A value for `field` from the JSON `v` (not null), or the message of what is wrong with it.
std::variant<Scalar, std::string> read_value(const Field& field, const json::value& v) {
  switch (field.type) {
    case FieldType::text: {
      if (!v.is_string()) return std::string("must be a string");
      std::string_view text = v.get_string();
      if (field.trimmed) text = base::utf8::trim(text);
      if (auto problem = check_text(field, text)) return std::move(*problem);
      return Scalar(std::string(text));
    }
    case FieldType::boolean:
      if (!v.is_bool()) return std::string("must be true or false");
      return Scalar(v.get_bool());
    case FieldType::reference: {
      std::optional<std::int64_t> id;
      if (v.is_int64() && v.get_int64() > 0) id = v.get_int64();
      if (v.is_string()) id = base::parse_positive_id(v.get_string());
      if (!id) return std::string("must be a positive integer");
      return Scalar(*id);
    }
    case FieldType::timestamp: {
      std::optional<std::string> at;
      if (v.is_string()) at = base::parse_rfc3339(v.get_string());
      if (!at) return std::string("must be an RFC 3339 date-time, such as 2026-12-01T09:30:00Z");
      return Scalar(std::move(*at));
    }
    case FieldType::id:
    case FieldType::names:  // read_names
      break;
  }
  return std::string("is not writable");
}

// The names of a names field, as the JSON array text it travels in: at most max_length of them,
// each read as the linked entity's name field; names that are the same in lower case are one, the
// first spelling kept. nullopt when an error was reported.
std::optional<Scalar> read_names(const Field& field, const json::value& v,
                                 const base::JsonFields& json, FieldErrors& errors) {
  if (!v.is_array()) {
    json.add(field.name, "must be an array of names");
    return std::nullopt;
  }
  const std::string path = json.path(field.name);
  json::array names;
  std::unordered_set<std::string> seen;
  bool valid = true;
  for (std::size_t i = 0; i < v.get_array().size(); ++i) {
    auto read = read_value(*field.link->name, v.get_array()[i]);
    if (auto* message = std::get_if<std::string>(&read)) {
      errors.push_back({base::element_path(path, i), std::move(*message)});
      valid = false;
      continue;
    }
    std::string& name = std::get<std::string>(std::get<Scalar>(read));
    if (!seen.insert(base::utf8::lower(name)).second) continue;
    if (field.max_length != 0 && seen.size() > field.max_length) {
      json.add(field.name, fmt::format("must hold at most {} {}", field.max_length, field.name));
      return std::nullopt;
    }
    names.emplace_back(std::move(name));
  }
  if (!valid) return std::nullopt;
  return Scalar(json::serialize(names));
}

// The value of a field that a create leaves out: its declared default, or null.
Scalar default_value(const Field& field) {
  if (field.type == FieldType::boolean) return field.default_json == "true";
  if (field.type == FieldType::names) return std::string(field.default_json);
  return {};
}

}  // namespace

void read_fields(const json::object& body, std::span<const Field> fields, Mode mode,
                 const ReadOptions& options, std::span<std::optional<Scalar>> values,
                 FieldErrors& errors) {
  const base::JsonFields json(body, std::string(options.prefix), wording, errors);
  const auto writable = [&](const Field& f) {
    return f.source == Source::body && !in(options.except, f.name);
  };
  json.reject_unknown_if([&](std::string_view key) {
    return in(options.also_known, key) ||
           std::any_of(fields.begin(), fields.end(),
                       [&](const Field& f) { return f.name == key && writable(f); });
  });
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const Field& field = fields[i];
    if (!writable(field)) continue;
    const json::value* given = field.nullable ? body.if_contains(field.name) : nullptr;
    if (given != nullptr && given->is_null()) {
      values[i] = Scalar();  // null clears it
      continue;
    }
    const bool required = field.required && mode != Mode::patch;
    const json::value* v =
        json.get(field.name, required ? base::Presence::required : base::Presence::optional);
    if (v == nullptr) {  // absent (or an error reported)
      if (mode == Mode::create && (!field.default_json.empty() || field.nullable)) {
        values[i] = default_value(field);
      }
      continue;
    }
    if (field.type == FieldType::names) {
      values[i] = read_names(field, *v, json, errors);
      continue;
    }
    auto read = read_value(field, *v);
    if (auto* message = std::get_if<std::string>(&read)) {
      json.add(field.name, std::move(*message));
    } else {
      values[i] = std::move(std::get<Scalar>(read));
    }
  }
}

std::variant<std::string, Problem> read_text(const Field& field, std::string_view text) {
  if (field.trimmed) text = base::utf8::trim(text);
  if (auto problem = check_text(field, text)) return Problem{std::move(*problem)};
  return std::string(text);
}

template <class T>
Validated<Input<T>> validate(const json::value& body, Mode mode,
                             std::initializer_list<std::string_view> except) {
  if (!body.is_object()) return FieldErrors{{"body", "must be a JSON object"}};
  FieldErrors errors;
  Input<T> input;
  read_fields(body.as_object(), Entity<T>::fields, mode, {.except = except}, input.values(),
              errors);
  if (!errors.empty()) return errors;
  return input;
}

template Validated<Input<User>> validate<User>(const json::value&, Mode,
                                               std::initializer_list<std::string_view>);
template Validated<Input<Task>> validate<Task>(const json::value&, Mode,
                                               std::initializer_list<std::string_view>);
template Validated<Input<Tag>> validate<Tag>(const json::value&, Mode,
                                             std::initializer_list<std::string_view>);

Validated<std::vector<Input<Task>>> validate_new_tasks(const json::value& body) {
  constexpr std::size_t most = Entity<Task>::max_at_once;
  if (!body.is_array() || body.get_array().empty() || body.get_array().size() > most) {
    return FieldErrors{{"body", fmt::format("must be an array of 1 to {} tasks", most)}};
  }
  FieldErrors errors;
  std::vector<Input<Task>> tasks(body.get_array().size());
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    const json::value& task = body.get_array()[i];
    const std::string path = base::element_path("", i);
    if (!task.is_object()) {
      errors.push_back({path, "must be an object"});
      continue;
    }
    read_fields(task.as_object(), Entity<Task>::fields, Mode::create, {.prefix = path},
                tasks[i].values(), errors);
  }
  if (!errors.empty()) return errors;
  return tasks;
}

Validated<NewUser> validate_new_user(const json::value& body) {
  if (!body.is_object()) return FieldErrors{{"body", "must be a JSON object"}};
  const json::object& object = body.as_object();
  FieldErrors errors;
  NewUser input;
  read_fields(object, Entity<User>::fields, Mode::create, {.also_known = {"tasks"}},
              input.user.values(), errors);

  input.with_tasks = object.contains("tasks");
  const base::JsonFields json(object, "", wording, errors);
  if (const json::array* tasks = json.array("tasks", base::Presence::optional)) {
    constexpr std::size_t most = Entity<User>::max_tasks_at_creation;
    if (tasks->size() > most) {
      json.add("tasks", fmt::format("must hold at most {} tasks", most));
    } else {
      // A task created with its user gives its content only.
      static constexpr std::array content = {field<Task>("content")};
      std::size_t i = 0;
      for (const json::value& task : *tasks) {
        const std::string path = base::element_path("tasks", i++);
        if (!task.is_object()) {
          errors.push_back({path, "must be an object"});
          continue;
        }
        std::array<std::optional<Scalar>, 1> value;
        read_fields(task.as_object(), content, Mode::create, {.prefix = path}, value, errors);
        if (value[0]) input.tasks.push_back(std::get<std::string>(std::move(*value[0])));
      }
    }
  }
  if (!errors.empty()) return errors;
  return input;
}

}  // namespace usertasks::models
