#include "http/conditional.hpp"

#include <algorithm>
#include <charconv>
#include <chrono>

namespace usertasks::http {

namespace {

bool is_ows(char c) {
  return c == ' ' || c == '\t';
}

// etagc: visible ASCII but DQUOTE, and obs-text.
bool is_etagc(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u == 0x21 || (u >= 0x23 && u != 0x7F);
}

// Appends the entity-tags of one field value to `list`; false when it is not a list of them.
bool parse_tags(std::string_view value, TagList& list) {
  std::size_t i = 0;
  while (i < value.size()) {
    while (i < value.size() && (is_ows(value[i]) || value[i] == ',')) ++i;
    if (i == value.size()) break;
    EntityTag tag;
    if (value.substr(i, 2) == "W/") {
      tag.weak = true;
      i += 2;
    }
    if (i == value.size() || value[i] != '"') return false;
    const std::size_t start = ++i;
    while (i < value.size() && is_etagc(value[i])) ++i;
    if (i == value.size() || value[i] != '"') return false;
    tag.opaque = value.substr(start, i - start);
    ++i;
    while (i < value.size() && is_ows(value[i])) ++i;
    if (i < value.size() && value[i] != ',') return false;
    list.tags.push_back(std::move(tag));
  }
  return true;
}

std::string_view trimmed(std::string_view v) {
  while (!v.empty() && is_ows(v.front())) v.remove_prefix(1);
  while (!v.empty() && is_ows(v.back())) v.remove_suffix(1);
  return v;
}

}  // namespace

TagList read_tag_list(const Request& req, Field name) {
  TagList list;
  TagList malformed;
  malformed.state = TagList::State::malformed;
  const auto [first, last] = req.equal_range(name);
  for (auto it = first; it != last; ++it) {
    const std::string_view value = trimmed(it->value());
    const bool star = value == "*";
    // "*" stands alone: not beside tags, nor twice.
    if (star && (list.any || !list.tags.empty())) return malformed;
    if (list.any || (!star && !parse_tags(value, list))) return malformed;
    list.any = star;
    list.state = TagList::State::valid;
  }
  if (list.state == TagList::State::valid && !list.any && list.tags.empty()) {
    list.state = TagList::State::malformed;  // only commas and white space
  }
  return list;
}

bool matches_strong(const TagList& list, std::string_view current) {
  return list.any || std::ranges::any_of(list.tags, [&](const EntityTag& t) {
           return !t.weak && t.opaque == current;
         });
}

bool matches_weak(const TagList& list, std::string_view current) {
  return list.any ||
         std::ranges::any_of(list.tags, [&](const EntityTag& t) { return t.opaque == current; });
}

std::string http_date(std::string_view utc) {
  using namespace std::chrono;
  const auto number = [&](std::size_t at, std::size_t n) {
    int v = 0;
    std::from_chars(utc.data() + at, utc.data() + at + n, v);
    return v;
  };
  const year_month_day date{year(number(0, 4)), month(static_cast<unsigned>(number(5, 2))),
                            day(static_cast<unsigned>(number(8, 2)))};
  static constexpr std::string_view days = "SunMonTueWedThuFriSat";
  static constexpr std::string_view months = "JanFebMarAprMayJunJulAugSepOctNovDec";
  const unsigned wd = weekday(sys_days(date)).c_encoding();
  const unsigned m = static_cast<unsigned>(date.month()) - 1;
  // "Tue, 01 Dec 2026 09:30:05 GMT": written in place, as every read answers it.
  std::string out(29, ' ');
  const auto put = [&out](std::size_t at, std::string_view text) {
    text.copy(&out[at], text.size());
  };
  put(0, days.substr(wd * 3, 3));
  out[3] = ',';
  put(5, utc.substr(8, 2));
  put(8, months.substr(m * 3, 3));
  put(12, utc.substr(0, 4));
  put(17, utc.substr(11, 8));
  put(26, "GMT");
  return out;
}

}  // namespace usertasks::http
