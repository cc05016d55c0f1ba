#pragma once
// Conditional requests (RFC 9110 §13): the entity-tag lists of If-Match and If-None-Match, their
// comparisons, and Last-Modified's date form.

#include <string>
#include <string_view>
#include <vector>

#include "http/message.hpp"

namespace usertasks::http {

struct EntityTag {
  std::string opaque;  // between the quotes
  bool weak = false;   // W/
};

// "*" or a list of entity-tags, from every field of one name (a list may span several fields).
struct TagList {
  enum class State { absent, valid, malformed };
  State state = State::absent;
  bool any = false;  // "*"
  std::vector<EntityTag> tags;
};

TagList read_tag_list(const Request& req, Field name);

// If-Match's strong comparison (§13.1.1): the list holds `current`, neither weak. `*` matches.
bool matches_strong(const TagList& list, std::string_view current);
// If-None-Match's weak comparison (§13.1.2): the list holds `current`, weak or not. `*` matches.
bool matches_weak(const TagList& list, std::string_view current);

// An RFC 3339 UTC time of the API's form ("2026-12-01T09:30:00.123456Z") as an HTTP-date
// (IMF-fixdate, "Tue, 01 Dec 2026 09:30:00 GMT"); the fraction is dropped.
std::string http_date(std::string_view utc);

}  // namespace usertasks::http
