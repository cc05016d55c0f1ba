// What both databases' introspection needs: reading a printed default and splitting key lists.

#include <algorithm>
#include <cctype>
#include <charconv>

#include "migrate/introspect.hpp"

namespace usertasks::migrate {

namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::optional<std::int64_t> integer(std::string_view text) {
  while (text.size() >= 2 && text.front() == '(' && text.back() == ')') {
    text = text.substr(1, text.size() - 2);  // PostgreSQL prints (-1) for a negative constant
  }
  std::int64_t n = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
  return n;
}

// 'it''s' -> it's; nothing when `text` is not one quoted string.
std::optional<std::string> unquote(std::string_view text) {
  if (text.size() < 2 || text.front() != '\'') return std::nullopt;
  std::string out;
  for (std::size_t i = 1; i < text.size(); ++i) {
    if (text[i] != '\'') {
      out += text[i];
    } else if (i + 1 < text.size() && text[i + 1] == '\'') {
      out += '\'';
      ++i;
    } else {
      return i + 1 == text.size() ? std::optional(out) : std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace

DefaultValue parse_default_sql(std::string_view sql, LogicalType type) {
  std::string_view text = sql;
  // PostgreSQL adds a cast: 'x'::text, 0::bigint, 'y'::timestamp with time zone.
  if (const auto cast = text.rfind("::");
      cast != std::string_view::npos && text.find('\'', cast) == std::string_view::npos) {
    text = text.substr(0, cast);
  }
  const std::optional<std::string> quoted = unquote(text);
  const std::string plain = quoted ? *quoted : lower(text);
  switch (type) {
    case LogicalType::boolean:
      if (plain == "true" || plain == "1" || plain == "t") return true;
      if (plain == "false" || plain == "0" || plain == "f") return false;
      break;
    case LogicalType::bigint:
      if (const auto n = integer(plain)) return *n;
      break;
    case LogicalType::text:
    case LogicalType::timestamp:
      if (quoted) return *quoted;
      break;
  }
  return std::string(sql);
}

std::vector<std::string> split_top_level(std::string_view list) {
  std::vector<std::string> parts;
  std::string current;
  int depth = 0;
  bool in_quote = false;
  auto flush = [&] {
    const auto first = current.find_first_not_of(' ');
    const auto last = current.find_last_not_of(' ');
    if (first != std::string::npos) parts.push_back(current.substr(first, last - first + 1));
    current.clear();
  };
  for (char c : list) {
    if (c == '\'') in_quote = !in_quote;
    if (!in_quote && c == '(') ++depth;
    if (!in_quote && c == ')') --depth;
    if (!in_quote && depth == 0 && c == ',') {
      flush();
      continue;
    }
    current += c;
  }
  flush();
  return parts;
}

}  // namespace usertasks::migrate
