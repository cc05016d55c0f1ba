// Bytes as a request target: split into path and query, the query decoded (Boost.URL), its names
// checked against each route's parameters, its values read as the resources read them (ids,
// bounded integers, booleans, include=), and the next-page link built from it. The query is a view
// that ends where libFuzzer's buffer ends, so a read past its end is an ASan report (Boost.URL
// 1.81's parse_query does that without the copy in query.cpp).
//
// For every input: the split loses nothing; a read value is in its range or the reader names the
// bad parameter; and the next-page link, parsed again, gives back the query's parameters but a
// cursor, with the new limit and after.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/time.hpp"
#include "base/utf8.hpp"
#include "fuzz_support.hpp"
#include "http/query.hpp"
#include "http/request.hpp"
#include "models/validation.hpp"

namespace {

using namespace usertasks;

// The query parameters of the routes that take any (GET /users, /tags, /tasks), and of those that
// take none; tag= may be repeated.
const std::vector<std::vector<std::string>> route_parameters = {
    {"limit", "after", "include", "q"},
    {"limit", "after"},
    {"limit", "after", "user_id", "done", "include", "due_before", "tag", "q"},
    {},
};
const std::vector<std::string> repeatable = {"tag"};

bool names_one_of(const http::QueryProblem& problem,
                  std::initializer_list<std::string_view> names) {
  for (std::string_view name : names) {
    if (problem.parameter == name) return true;
  }
  return false;
}

void check_names(const http::Query& query, const std::string& context) {
  for (const auto& known : route_parameters) {
    const auto problem = http::check_names(query, known, repeatable);
    if (problem) {
      bool given = false;
      for (const auto& p : query) given = given || p.name == problem->parameter;
      fuzz::require(given && !problem->message.empty(), "a name problem names a given parameter",
                    context);
      continue;
    }
    for (std::size_t i = 0; i < query.size(); ++i) {
      bool is_known = false;
      for (const auto& k : known) is_known = is_known || k == query[i].name;
      fuzz::require(is_known, "accepted names are known", context);
      for (std::size_t j = 0; j < i && query[i].name != "tag"; ++j) {
        fuzz::require(query[j].name != query[i].name, "accepted names are distinct", context);
      }
    }
  }
}

const std::string* value_of(const http::Query& query, std::string_view name) {
  for (const auto& p : query) {
    if (p.name == name) return &p.value;
  }
  return nullptr;
}

void check_reader(const http::Query& query, const std::string& context) {
  http::QueryReader reader(query);
  const std::int64_t limit = reader.integer("limit", 1, 1000, 100);
  const std::int64_t after =
      reader.integer("after", 0, std::numeric_limits<std::int64_t>::max(), 0);
  const std::optional<std::int64_t> user_id = reader.id("user_id");
  (void)reader.boolean("done");
  (void)reader.equals("include", "user");
  std::size_t tags = 0;
  for (const auto& p : query) tags += p.name == "tag" ? 1 : 0;
  fuzz::require(reader.all("tag").size() == tags, "every tag= value is read", context);
  if (const auto due = reader.timestamp("due_before")) {
    // What a time parameter gives is in the API's own form, which reads back as itself.
    fuzz::require(base::parse_rfc3339(*due) == due, "a time reads as the API's UTC form", context);
  }
  fuzz::require(limit >= 1 && limit <= 1000, "limit is within 1..1000", context);
  fuzz::require(after >= 0, "after is not negative", context);
  if (user_id) {
    fuzz::require(*user_id > 0, "an id is positive", context);
    // The only spellings of an id are its decimal digits, perhaps after zeros.
    std::string_view digits = *value_of(query, "user_id");
    while (digits.size() > 1 && digits.front() == '0') digits.remove_prefix(1);
    fuzz::require(digits == std::to_string(*user_id), "an id reads as its digits", context);
  }
  if (reader.problem()) {
    fuzz::require(names_one_of(*reader.problem(),
                               {"limit", "after", "user_id", "done", "include", "due_before"}),
                  "a value problem names a parameter that was read", context);
  }
  // q= as the lists read it: taken as given when it is 1 to 200 characters of UTF-8 without a
  // control character, and refused otherwise.
  if (const std::string* q = value_of(query, "q")) {
    const auto read = models::read_text(models::search_text, *q);
    std::size_t characters = 0;
    bool clean = true;
    for (std::size_t at = 0; at < q->size(); ++characters) {
      const auto next = base::utf8::decode(*q, at);
      clean = clean && next.valid && next.code_point >= 0x20 &&
              (next.code_point < 0x7F || next.code_point >= 0xA0);
      at += next.length;
    }
    const bool good = clean && characters >= 1 && characters <= 200;
    const auto* text = std::get_if<std::string>(&read);
    fuzz::require(good == (text != nullptr), "q= is read exactly when it is good", context);
    fuzz::require(text == nullptr || *text == *q, "q= is taken as given", context);
  }
}

void check_next_page(std::string_view path, const http::Query& query, const std::string& context) {
  const std::string next = http::next_page_target(path, query, 42, 9000000000000000000);
  const http::Target target = http::split_target(next);
  fuzz::require(target.path == path, "the next page has the same path", context + "\n" + next);
  const auto parsed = http::parse_query(target.query);
  fuzz::require(parsed.has_value(), "the next page's query is well-formed", context + "\n" + next);
  http::Query expected;
  for (const auto& p : query) {
    // A page's own position goes: limit, after and cursor are the next page's.
    if (p.name != "limit" && p.name != "after" && p.name != "cursor") expected.push_back(p);
  }
  expected.push_back({"limit", "42"});
  expected.push_back({"after", "9000000000000000000"});
  bool same = parsed->size() == expected.size();
  for (std::size_t i = 0; same && i < expected.size(); ++i) {
    same = (*parsed)[i].name == expected[i].name && (*parsed)[i].value == expected[i].value;
  }
  fuzz::require(same, "the next page keeps the other parameters as they were",
                context + "\n" + next);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view target(reinterpret_cast<const char*>(data), size);
  const std::string context(target);
  const http::Target parts = http::split_target(target);
  fuzz::require(parts.path.find('?') == std::string_view::npos, "the path holds no '?'", context);
  fuzz::require(parts.path.size() == size || parts.path.size() + 1 + parts.query.size() == size,
                "the split loses nothing", context);

  // A path segment, such as the {name} of /tasks/{id}/tags/{name}, decodes to UTF-8 or is refused.
  if (const auto segment = http::decode_segment(parts.path)) {
    for (std::size_t at = 0; at < segment->size();) {
      const auto next = base::utf8::decode(*segment, at);
      fuzz::require(next.valid, "a decoded segment is UTF-8", context);
      at += next.length;
    }
  }

  const auto query = http::parse_query(parts.query);
  if (!query) return 0;  // answered 400 bad-query
  check_names(*query, context);
  check_reader(*query, context);
  check_next_page(parts.path, *query, context);
  return 0;
}
