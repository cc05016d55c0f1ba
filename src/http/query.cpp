#include "http/query.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/url/encode.hpp>
#include <boost/url/params_view.hpp>
#include <boost/url/parse_query.hpp>
#include <boost/url/pct_string_view.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>
#include <charconv>

#include "base/integer.hpp"
#include "base/time.hpp"
#include "base/utf8.hpp"

namespace usertasks::http {

namespace urls = boost::urls;

std::optional<Query> parse_query(std::string_view query_string) {
  Query query;
  if (query_string.empty()) return query;
  // A NUL-terminated copy: Boost.URL 1.81's parse_query rebuilds its result from s.data() as a C
  // string (impl/parse_query.ipp), reading past the end of a query that is a view into the target.
  const std::string copy(query_string);
  const urls::string_view text(copy.data(), copy.size());
  if (!urls::parse_query(text)) return std::nullopt;
  for (const urls::param& p : urls::params_view(text, urls::encoding_opts(true))) {
    query.push_back({p.key, p.has_value ? p.value : std::string{}});
  }
  return query;
}

std::optional<QueryProblem> check_names(const Query& query, const std::vector<std::string>& known,
                                        const std::vector<std::string>& repeatable) {
  for (std::size_t i = 0; i < query.size(); ++i) {
    const std::string& name = query[i].name;
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      return QueryProblem{name, "is not a known query parameter"};
    }
    if (std::find(repeatable.begin(), repeatable.end(), name) != repeatable.end()) continue;
    for (std::size_t j = 0; j < i; ++j) {
      if (query[j].name == name) return QueryProblem{name, "is given more than once"};
    }
  }
  return std::nullopt;
}

std::optional<std::string> decode_segment(std::string_view segment) {
  const auto encoded =
      urls::make_pct_string_view(urls::string_view(segment.data(), segment.size()));
  if (!encoded) return std::nullopt;
  std::string text = encoded->decode();
  for (std::size_t at = 0; at < text.size();) {
    const base::utf8::Decoded next = base::utf8::decode(text, at);
    if (!next.valid) return std::nullopt;
    at += next.length;
  }
  return text;
}

void QueryReader::fail(std::string_view name, std::string message) {
  if (!problem_) problem_ = QueryProblem{std::string(name), std::move(message)};
}

const std::string* QueryReader::find(std::string_view name) {
  for (const QueryParam& p : query_) {
    if (p.name == name) return &p.value;
  }
  return nullptr;
}

std::optional<std::int64_t> QueryReader::id(std::string_view name) {
  const std::string* value = find(name);
  if (value == nullptr) return std::nullopt;
  auto id = base::parse_positive_id(*value);
  if (!id) fail(name, "must be a positive integer");
  return id;
}

std::int64_t QueryReader::integer(std::string_view name, std::int64_t low, std::int64_t high,
                                  std::int64_t fallback) {
  const std::string* value = find(name);
  if (value == nullptr) return fallback;
  std::int64_t n = 0;
  const char* end = value->data() + value->size();
  const auto [ptr, ec] = std::from_chars(value->data(), end, n);
  if (value->empty() || ec != std::errc{} || ptr != end || n < low || n > high) {
    fail(name, fmt::format("must be an integer from {} to {}", low, high));
    return fallback;
  }
  return n;
}

std::optional<std::string> QueryReader::timestamp(std::string_view name) {
  const std::string* value = find(name);
  if (value == nullptr) return std::nullopt;
  auto at = base::parse_rfc3339(*value);
  if (!at) fail(name, "must be an RFC 3339 date-time, such as 2026-12-01T09:30:00Z");
  return at;
}

std::optional<bool> QueryReader::boolean(std::string_view name) {
  const std::string* value = find(name);
  if (value == nullptr) return std::nullopt;
  if (*value == "true") return true;
  if (*value == "false") return false;
  fail(name, "must be true or false");
  return std::nullopt;
}

bool QueryReader::equals(std::string_view name, std::string_view value) {
  const std::string* given = find(name);
  if (given == nullptr) return false;
  if (*given != value) fail(name, fmt::format("must be {}", value));
  return *given == value;
}

std::vector<std::string> QueryReader::all(std::string_view name) const {
  std::vector<std::string> values;
  for (const QueryParam& p : query_) {
    if (p.name == name) values.push_back(p.value);
  }
  return values;
}

std::string next_page_target(std::string_view path, const Query& query, std::int64_t limit,
                             std::int64_t last_id) {
  return next_page_target(path, query, limit, "after", std::to_string(last_id));
}

std::string next_page_target(std::string_view path, const Query& query, std::int64_t limit,
                             std::string_view parameter, std::string_view key) {
  static constexpr auto safe = urls::unreserved_chars;
  std::string target(path);
  char separator = '?';
  auto append = [&](std::string_view name, std::string_view value) {
    target += separator;
    separator = '&';
    target += urls::encode(urls::string_view(name.data(), name.size()), safe);
    target += '=';
    target += urls::encode(urls::string_view(value.data(), value.size()), safe);
  };
  for (const QueryParam& p : query) {
    if (p.name != "limit" && p.name != "after" && p.name != "cursor") append(p.name, p.value);
  }
  append("limit", std::to_string(limit));
  append(parameter, key);
  return target;
}

}  // namespace usertasks::http
