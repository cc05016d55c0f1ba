#pragma once
// What the sort suites share: the order docs/api.md promises, computed here from the records
// themselves, so that a page's order is checked against the contract rather than the SQL.

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "harness.hpp"

namespace usertasks::testing {

struct Key {
  std::string field;
  bool descending = false;
};

// sort= as docs/api.md reads it: the fields, then id in the direction of the last one unless
// named.
inline std::vector<Key> sort_keys(std::string_view sort) {
  std::vector<Key> keys;
  for (std::size_t at = 0; at <= sort.size();) {
    const std::size_t end = std::min(sort.find(',', at), sort.size());
    std::string_view item = sort.substr(at, end - at);
    at = end + 1;
    const bool descending = item.starts_with('-');
    if (descending) item.remove_prefix(1);
    keys.push_back({std::string(item), descending});
  }
  if (keys.back().field != "id") keys.push_back({"id", keys.back().descending});
  return keys;
}

// The first `n` code points of UTF-8 text.
inline std::string first_characters(const std::string& text, std::size_t n) {
  std::size_t at = 0;
  for (std::size_t count = 0; count < n && at < text.size(); ++count) {
    ++at;
    while (at < text.size() && (static_cast<unsigned char>(text[at]) & 0xC0) == 0x80) ++at;
  }
  return text.substr(0, at);
}

// -1, 0 or 1: a against b on one field by the documented rules: text in byte order (content by
// its first 255 characters), false before true, a null after every time, times and ids by value.
inline int compare_field(const json::object& a, const json::object& b, const std::string& field) {
  const json::value& x = a.at(field);
  const json::value& y = b.at(field);
  if (x.is_null() || y.is_null()) return x.is_null() == y.is_null() ? 0 : x.is_null() ? 1 : -1;
  if (x.is_bool()) return x.get_bool() == y.get_bool() ? 0 : x.get_bool() ? 1 : -1;
  if (x.is_int64())
    return x.get_int64() == y.get_int64() ? 0 : x.get_int64() < y.get_int64() ? -1 : 1;
  std::string s(x.get_string());
  std::string t(y.get_string());
  if (field == "content") {
    s = first_characters(s, 255);
    t = first_characters(t, 255);
  }
  const int c = s.compare(t);  // char_traits<char> compares as unsigned char: byte order
  return c == 0 ? 0 : c < 0 ? -1 : 1;
}

// Whether `a` comes before `b` in `keys`.
inline bool before(const std::vector<Key>& keys, const json::object& a, const json::object& b) {
  for (const Key& k : keys) {
    const int c = compare_field(a, b, k.field);
    if (c != 0) return k.descending ? c > 0 : c < 0;
  }
  return false;
}

// `records` (objects, or objects holding the record under `member`) in the order of `sort`.
inline json::array sorted(json::array records, std::string_view sort,
                          std::string_view member = {}) {
  const std::vector<Key> keys = sort_keys(sort);
  auto record = [member](const json::value& v) -> const json::object& {
    return member.empty() ? v.as_object() : v.as_object().at(member).as_object();
  };
  std::stable_sort(records.begin(), records.end(), [&](const json::value& a, const json::value& b) {
    return before(keys, record(a), record(b));
  });
  return records;
}

inline std::vector<std::int64_t> ids_of(const json::array& records) {
  std::vector<std::int64_t> ids;
  for (const json::value& r : records) ids.push_back(id_of(r));
  return ids;
}

}  // namespace usertasks::testing
