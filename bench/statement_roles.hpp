#pragma once
// What each placeholder $n of a statement of src/store/statements.hpp stands for, read from the
// statement's text: the column it is compared with or assigned to ("id", "user_id", "content",
// "updated_at", …), "after" for `id > $n`, "limit" for `LIMIT $n`, "ids" for the JSON array of
// the select-in. The benchmark binds values by these roles rather than by position, so that it
// keeps running the service's statements as they evolve, and fails loudly on a role it does not
// know instead of binding the wrong value.

#include <map>
#include <regex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace usertasks::bench {

inline std::vector<std::string> split_list(const std::string& list) {
  std::vector<std::string> items;
  std::string item;
  int depth = 0;
  for (const char c : list) {
    if (c == ',' && depth == 0) {
      items.push_back(item);
      item.clear();
      continue;
    }
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c != ' ' || !item.empty()) item += c;
  }
  items.push_back(item);
  for (auto& i : items) {
    while (!i.empty() && i.back() == ' ') i.pop_back();
  }
  return items;
}

// Placeholder number -> role. Throws when a placeholder's role cannot be read from the text.
inline std::map<int, std::string> placeholder_roles(std::string_view statement) {
  const std::string text(statement);
  std::map<int, std::string> roles;
  auto set = [&](int n, const std::string& role) { roles.try_emplace(n, role); };
  std::smatch m;

  // INSERT INTO t (a, b, …) VALUES ($1, $4, …)
  static const std::regex insert(R"(INSERT INTO \w+ \(([^)]*)\) VALUES \(([^)]*)\))");
  if (std::regex_search(text, m, insert)) {
    const auto columns = split_list(m[1].str());
    const auto values = split_list(m[2].str());
    static const std::regex placeholder(R"(^\$(\d+)$)");
    for (std::size_t i = 0; i < columns.size() && i < values.size(); ++i) {
      std::smatch v;
      if (std::regex_match(values[i], v, placeholder)) set(std::stoi(v[1].str()), columns[i]);
    }
  }
  // col = $n, col = COALESCE($n, col), t.col = $n, col = CAST($n AS T), col > $n (keyset paging:
  // "after")
  static const std::regex compare(R"((?:\w+\.)?(\w+) (=|>) (?:COALESCE\()?(?:CAST\()?\$(\d+))",
                                  std::regex::icase);
  for (auto it = std::sregex_iterator(text.begin(), text.end(), compare);
       it != std::sregex_iterator(); ++it) {
    set(std::stoi((*it)[3].str()), (*it)[2].str() == ">" ? "after" : (*it)[1].str());
  }
  static const std::regex limit(R"(LIMIT \$(\d+))");
  if (std::regex_search(text, m, limit)) set(std::stoi(m[1].str()), "limit");
  static const std::regex ids(R"((?:json_array_elements_text|json_each)\(\$(\d+))");
  if (std::regex_search(text, m, ids)) set(std::stoi(m[1].str()), "ids");

  static const std::regex any(R"(\$(\d+))");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), any); it != std::sregex_iterator();
       ++it) {
    if (!roles.contains(std::stoi((*it)[1].str()))) {
      throw std::runtime_error("cannot tell what " + (*it)[0].str() + " stands for in: " + text);
    }
  }
  return roles;
}

}  // namespace usertasks::bench
