#pragma once
// Query strings: decoding (Boost.URL), reading typed parameters with a 400 naming the first bad
// one, and the RFC 8288 `next` link of keyset paging.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace usertasks::http {

struct QueryParam {
  std::string name;
  std::string value;
};
using Query = std::vector<QueryParam>;

// nullopt when the query string is not well-formed (a bad percent escape, say).
std::optional<Query> parse_query(std::string_view query_string);

struct QueryProblem {
  std::string parameter;
  std::string message;
};

// The first parameter that is not one of `known`, or that is given twice and is not one of
// `repeatable`.
std::optional<QueryProblem> check_names(const Query& query, const std::vector<std::string>& known,
                                        const std::vector<std::string>& repeatable = {});

// The text of a percent-encoded path segment; nullopt when an escape is malformed or the text is
// not UTF-8.
std::optional<std::string> decode_segment(std::string_view segment);

// Reads typed parameters; the first bad value is recorded as the problem to answer.
class QueryReader {
 public:
  explicit QueryReader(const Query& query) : query_(query) {}

  // A positive 64-bit id; nullopt when absent or bad.
  std::optional<std::int64_t> id(std::string_view name);
  // An integer in [low, high]; `fallback` when absent.
  std::int64_t integer(std::string_view name, std::int64_t low, std::int64_t high,
                       std::int64_t fallback);
  // An RFC 3339 date-time, in the API's UTC form; nullopt when absent or bad.
  std::optional<std::string> timestamp(std::string_view name);
  // "true" or "false"; nullopt when absent or bad.
  std::optional<bool> boolean(std::string_view name);
  // True when the parameter is present with exactly `value`; any other value is a problem.
  bool equals(std::string_view name, std::string_view value);
  // Every value of a parameter that may be repeated, in the query's order.
  std::vector<std::string> all(std::string_view name) const;
  // Records `message` as the problem of parameter `name` (a caller's own check of a value).
  void fail(std::string_view name, std::string message);

  [[nodiscard]] const std::optional<QueryProblem>& problem() const { return problem_; }

 private:
  const std::string* find(std::string_view name);

  const Query& query_;
  std::optional<QueryProblem> problem_;
};

// `path?...&limit=L&after=LAST`: the query's other parameters kept in their order, re-encoded.
std::string next_page_target(std::string_view path, const Query& query, std::int64_t limit,
                             std::int64_t last_id);
// `path?...&limit=L&PARAMETER=VALUE` (after= or cursor=): the query's parameters but limit, after
// and cursor kept in their order, re-encoded.
std::string next_page_target(std::string_view path, const Query& query, std::int64_t limit,
                             std::string_view parameter, std::string_view value);

}  // namespace usertasks::http
