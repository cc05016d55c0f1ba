#include "models/validation.hpp"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <charconv>
#include <limits>

namespace usertasks::models {

namespace json = boost::json;

namespace {

constexpr std::size_t max_name = 255;
constexpr std::size_t max_email = 254;
constexpr std::size_t max_content = 10000;
constexpr std::size_t max_tasks_with_user = 1000;

// Unicode White_Space (PropList.txt): the ASCII ones, NEL, NBSP, OGHAM SPACE MARK, the U+2000
// block, LINE and PARAGRAPH SEPARATOR, NARROW NBSP, MEDIUM MATHEMATICAL SPACE, IDEOGRAPHIC SPACE.
bool is_white_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

// The code point that starts at text[at] (text is valid UTF-8: Boost.JSON checks it) and its
// length.
std::pair<char32_t, std::size_t> decode_at(std::string_view text, std::size_t at) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[at + i]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return {lead, 1};
  if (lead < 0xE0) return {((lead & 0x1FU) << 6U) | (byte(1) & 0x3FU), 2};
  if (lead < 0xF0) {
    return {((lead & 0x0FU) << 12U) | ((byte(1) & 0x3FU) << 6U) | (byte(2) & 0x3FU), 3};
  }
  return {((lead & 0x07U) << 18U) | ((byte(1) & 0x3FU) << 12U) | ((byte(2) & 0x3FU) << 6U) |
              (byte(3) & 0x3FU),
          4};
}

// The start of the code point that ends just before text[end].
std::size_t previous_start(std::string_view text, std::size_t end) {
  std::size_t at = end - 1;
  while (at > 0 && (static_cast<unsigned char>(text[at]) & 0xC0U) == 0x80U) --at;
  return at;
}

// Walks the fields of a body object: every key must be known; collects errors as it goes.
class Fields {
 public:
  Fields(const json::object& body, std::string prefix, FieldErrors& errors)
      : body_(body), prefix_(std::move(prefix)), errors_(errors) {}

  void reject_unknown(std::initializer_list<std::string_view> known) {
    for (const auto& [key, value] : body_) {
      bool ok = false;
      for (std::string_view k : known) ok = ok || key == k;
      if (!ok) add(key, "is not a known field");
    }
  }

  // The value of `name`, or nullptr when absent (an error when `required`). null is never accepted.
  const json::value* get(std::string_view name, bool required) {
    const json::value* v = body_.if_contains(name);
    if (v == nullptr) {
      if (required) add(name, "is required");
      return nullptr;
    }
    if (v->is_null()) {
      add(name, "must not be null");
      return nullptr;
    }
    return v;
  }

  std::optional<std::string> string(std::string_view name, bool required,
                                    std::optional<std::string> (*check)(std::string_view),
                                    bool trimmed = false) {
    const json::value* v = get(name, required);
    if (v == nullptr) return std::nullopt;
    if (!v->is_string()) {
      add(name, "must be a string");
      return std::nullopt;
    }
    std::string_view text = v->get_string();
    if (trimmed) text = trim(text);
    if (auto problem = check(text)) {
      add(name, *problem);
      return std::nullopt;
    }
    return std::string(text);
  }

  void add(std::string_view field, std::string message) {
    errors_.push_back({prefix_ + std::string(field), std::move(message)});
  }

 private:
  const json::object& body_;
  std::string prefix_;
  FieldErrors& errors_;
};

std::optional<std::int64_t> user_id_value(const json::value& v) {
  if (v.is_int64()) return v.get_int64() > 0 ? std::optional(v.get_int64()) : std::nullopt;
  if (v.is_string()) return parse_positive_id(v.get_string());
  return std::nullopt;  // uint64 beyond int64, doubles, booleans, arrays, objects
}

}  // namespace

std::string_view trim(std::string_view text) {
  while (!text.empty()) {
    const auto [c, n] = decode_at(text, 0);
    if (!is_white_space(c)) break;
    text.remove_prefix(n);
  }
  while (!text.empty()) {
    const std::size_t start = previous_start(text, text.size());
    if (!is_white_space(decode_at(text, start).first)) break;
    text.remove_suffix(text.size() - start);
  }
  return text;
}

std::size_t utf8_length(std::string_view text) {
  std::size_t n = 0;
  for (char c : text) n += (static_cast<unsigned char>(c) & 0xC0U) != 0x80U ? 1 : 0;
  return n;
}

std::optional<std::string> check_name(std::string_view trimmed) {
  const std::size_t n = utf8_length(trimmed);
  if (n == 0) return "must not be empty";
  if (n > max_name) return fmt::format("must be at most {} characters", max_name);
  return std::nullopt;
}

std::optional<std::string> check_email(std::string_view email) {
  if (utf8_length(email) > max_email)
    return fmt::format("must be at most {} characters", max_email);
  for (std::size_t at = 0; at < email.size();) {
    const auto [c, n] = decode_at(email, at);
    if (is_white_space(c)) return "must not contain white space";
    if (c < 0x20 || c == 0x7F) return "must not contain control characters";
    at += n;
  }
  const auto at = email.find('@');
  if (at == std::string_view::npos || email.find('@', at + 1) != std::string_view::npos) {
    return "must contain exactly one @";
  }
  if (at == 0 || at + 1 == email.size()) return "must have text on both sides of the @";
  return std::nullopt;
}

std::optional<std::string> check_content(std::string_view content) {
  const std::size_t n = utf8_length(content);
  if (n == 0) return "must not be empty";
  if (n > max_content) return fmt::format("must be at most {} characters", max_content);
  if (trim(content).empty()) return "must not be only white space";
  return std::nullopt;
}

std::optional<std::int64_t> parse_positive_id(std::string_view digits) {
  if (digits.empty() || digits.size() > 19) return std::nullopt;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc{} || end != digits.data() + digits.size() || value <= 0) return std::nullopt;
  return value;
}

Validated<UserInput> validate_user(const json::value& body, Mode mode) {
  FieldErrors errors;
  if (!body.is_object()) return FieldErrors{{"body", "must be a JSON object"}};
  const json::object& object = body.as_object();
  Fields fields(object, "", errors);
  const bool required = mode != Mode::patch;
  if (mode == Mode::create) {
    fields.reject_unknown({"name", "email", "tasks"});
  } else {
    fields.reject_unknown({"name", "email"});
  }

  UserInput input;
  input.name = fields.string("name", required, check_name, /*trimmed=*/true);
  input.email = fields.string("email", required, check_email);

  if (mode == Mode::create) {
    if (const json::value* tasks = fields.get("tasks", false)) {
      input.with_tasks = true;
      if (!tasks->is_array()) {
        fields.add("tasks", "must be an array of tasks");
      } else if (tasks->as_array().size() > max_tasks_with_user) {
        fields.add("tasks", fmt::format("must hold at most {} tasks", max_tasks_with_user));
      } else {
        std::size_t i = 0;
        for (const json::value& task : tasks->as_array()) {
          const std::string prefix = fmt::format("tasks[{}]", i++);
          if (!task.is_object()) {
            errors.push_back({prefix, "must be an object"});
            continue;
          }
          Fields task_fields(task.as_object(), prefix + ".", errors);
          task_fields.reject_unknown({"content"});
          if (auto content = task_fields.string("content", true, check_content)) {
            input.tasks.push_back(std::move(*content));
          }
        }
      }
    }
  }
  if (!errors.empty()) return errors;
  return input;
}

Validated<TaskInput> validate_task(const json::value& body, Mode mode, bool user_id_in_path) {
  FieldErrors errors;
  if (!body.is_object()) return FieldErrors{{"body", "must be a JSON object"}};
  Fields fields(body.as_object(), "", errors);
  const bool required = mode != Mode::patch;
  if (user_id_in_path) {
    fields.reject_unknown({"content", "done"});
  } else {
    fields.reject_unknown({"content", "done", "user_id"});
  }

  TaskInput input;
  input.content = fields.string("content", required, check_content);
  if (const json::value* done = fields.get("done", false)) {
    if (done->is_bool()) {
      input.done = done->get_bool();
    } else {
      fields.add("done", "must be true or false");
    }
  }
  if (!user_id_in_path) {
    if (const json::value* v = fields.get("user_id", required)) {
      input.user_id = user_id_value(*v);
      if (!input.user_id) fields.add("user_id", "must be a positive integer");
    }
  }
  if (!errors.empty()) return errors;
  return input;
}

}  // namespace usertasks::models
