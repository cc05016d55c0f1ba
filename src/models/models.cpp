#include "models/models.hpp"

#include <algorithm>
#include <boost/describe/members.hpp>
#include <boost/json/value_from.hpp>
#include <boost/mp11/algorithm.hpp>
#include <charconv>
#include <iterator>
#include <string_view>

#include "base/utf8.hpp"

namespace usertasks::models {

namespace json = boost::json;

json::value to_json(const Scalar& value) {
  return std::visit(
      [](const auto& v) -> json::value {
        if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::monostate>) {
          return nullptr;
        } else {
          return json::value(v);
        }
      },
      value);
}

json::object to_json(const User& user) {
  return json::value_from(user).as_object();
}

json::object to_json(const Task& task) {
  return json::value_from(task).as_object();
}

json::object to_json(const Tag& tag) {
  return json::value_from(tag).as_object();
}

json::object to_json(const TagWithTaskCount& tag) {
  json::object out = to_json(tag.tag);
  out.emplace("task_count", tag.task_count);
  return out;
}

namespace {

bool is_ascii(std::string_view text) {
  return std::ranges::all_of(text, [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

void sort_names(std::vector<std::string>& names) {
  if (names.size() < 2) return;
  // ASCII names (most): compared in lower case in place, with no copies.
  if (std::ranges::all_of(names, is_ascii)) {
    std::ranges::sort(names, [](const std::string& a, const std::string& b) {
      const auto folded = std::lexicographical_compare_three_way(
          a.begin(), a.end(), b.begin(), b.end(),
          [](char x, char y) { return ascii_lower(x) <=> ascii_lower(y); });
      return folded != 0 ? folded < 0 : a < b;
    });
    return;
  }
  std::vector<std::pair<std::string, std::string>> keyed;
  keyed.reserve(names.size());
  for (std::string& name : names) keyed.emplace_back(base::utf8::lower(name), std::move(name));
  std::ranges::sort(keyed);
  for (std::size_t i = 0; i < names.size(); ++i) names[i] = std::move(keyed[i].second);
}

json::object to_json(const UserWithTasks& user) {
  json::object out = to_json(user.user);
  json::array tasks;
  tasks.reserve(user.tasks.size());
  for (const Task& t : user.tasks) tasks.emplace_back(to_json(t));
  out.emplace("tasks", std::move(tasks));
  return out;
}

json::object to_json(const TaskWithUser& task) {
  json::object out = to_json(task.task);
  out.emplace("user", to_json(task.user));
  return out;
}

namespace {

// A JSON string, escaped as boost::json::serialize escapes it: '"', '\\' and the control
// characters, the common ones by their short forms, the others as \u00XX; the rest, UTF-8
// included, as it is.
void append_string(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  std::size_t plain = 0;  // start of the run of characters copied as they are
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.substr(plain, i - plain));
    plain = i + 1;
    out += '\\';
    switch (c) {
      case '"':
        out += '"';
        break;
      case '\\':
        out += '\\';
        break;
      case '\b':
        out += 'b';
        break;
      case '\f':
        out += 'f';
        break;
      case '\n':
        out += 'n';
        break;
      case '\r':
        out += 'r';
        break;
      case '\t':
        out += 't';
        break;
      default:
        out += "u00";
        out += hex[c >> 4];
        out += hex[c & 0xf];
    }
  }
  out.append(text.substr(plain));
  out += '"';
}

void append_value(std::string& out, std::int64_t number) {
  char digits[24];
  const auto end = std::to_chars(std::begin(digits), std::end(digits), number).ptr;
  out.append(std::begin(digits), end);
}
void append_value(std::string& out, bool flag) {
  out += flag ? "true" : "false";
}
void append_value(std::string& out, const std::string& text) {
  append_string(out, text);
}
void append_value(std::string& out, const std::vector<std::string>& names) {
  out += '[';
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i != 0) out += ',';
    append_string(out, names[i]);
  }
  out += ']';
}
// A nullable field: its value, or null.
template <class T>
void append_value(std::string& out, const std::optional<T>& value) {
  if (value) {
    append_value(out, *value);
  } else {
    out += "null";
  }
}

// The fields of `record` as "key":value pairs, in order, without braces. The described members
// are the fields (fields_match_members), and their names are literals the compiler measures.
template <class Record>
void append_members(std::string& out, const Record& record) {
  static_assert(fields_match_members<Record>());
  bool first = true;
  boost::mp11::mp_for_each<boost::describe::describe_members<Record, boost::describe::mod_public>>(
      [&](auto member) {
        if (!first) out += ',';
        first = false;
        out += '"';
        out += member.name;  // identifiers: nothing to escape
        out += "\":";
        append_value(out, record.*member.pointer);
      });
}

}  // namespace

void append_json(std::string& out, const User& user) {
  out += '{';
  append_members(out, user);
  out += '}';
}

void append_json(std::string& out, const Task& task) {
  out += '{';
  append_members(out, task);
  out += '}';
}

void append_json(std::string& out, const Tag& tag) {
  out += '{';
  append_members(out, tag);
  out += '}';
}

void append_json(std::string& out, const TagWithTaskCount& tag) {
  out += '{';
  append_members(out, tag.tag);
  out += ",\"task_count\":";
  append_value(out, tag.task_count);
  out += '}';
}

void append_json(std::string& out, const UserWithTasks& user) {
  out.reserve(out.size() + (user.tasks.size() + 1) * record_size_hint);
  out += '{';
  append_members(out, user.user);
  out += ",\"tasks\":";
  append_json_array(out, user.tasks);
  out += '}';
}

void append_json(std::string& out, const TaskWithUser& task) {
  out.reserve(out.size() + 2 * record_size_hint);
  out += '{';
  append_members(out, task.task);
  out += ",\"user\":";
  append_json(out, task.user);
  out += '}';
}

}  // namespace usertasks::models
