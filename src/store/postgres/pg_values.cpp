#include "store/postgres/pg_values.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <stdexcept>

namespace usertasks::store::postgres {

namespace {

bool digits(std::string_view s, std::size_t from, std::size_t count) {
  if (from + count > s.size()) return false;
  for (std::size_t i = from; i < from + count; ++i) {
    if (std::isdigit(static_cast<unsigned char>(s[i])) == 0) return false;
  }
  return true;
}

// "YYYY-MM-DD HH:MM:SS", the fixed-width head of every ISO timestamp of years 1 to 9999.
bool iso_head(std::string_view s) {
  return digits(s, 0, 4) && s.size() >= 19 && s[4] == '-' && digits(s, 5, 2) && s[7] == '-' &&
         digits(s, 8, 2) && s[10] == ' ' && digits(s, 11, 2) && s[13] == ':' && digits(s, 14, 2) &&
         s[16] == ':' && digits(s, 17, 2);
}

std::int64_t parse_integer(std::string_view text) {
  std::int64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || ptr != text.data() + text.size()) {
    throw std::runtime_error(fmt::format("postgresql: not an integer: {}", text));
  }
  return value;
}

}  // namespace

std::string timestamp_to_rfc3339(std::string_view text) {
  if (!iso_head(text)) return std::string(text);
  std::size_t at = 19;
  std::string_view fraction;
  if (at < text.size() && text[at] == '.') {
    std::size_t end = at + 1;
    while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end])) != 0) ++end;
    fraction = text.substr(at + 1, end - at - 1);
    at = end;
  }
  const std::string_view zone = text.substr(at);
  // timestamptz in a UTC session ends in "+00"; a plain timestamp has no zone and is read as UTC.
  if (!(zone.empty() || zone == "+00" || zone == "+00:00") || fraction.size() > 6) {
    return std::string(text);
  }
  std::string out;
  out.reserve(27);
  out.append(text.substr(0, 10));
  out += 'T';
  out.append(text.substr(11, 8));
  out += '.';
  out.append(fraction);
  out.append(6 - fraction.size(), '0');
  out += 'Z';
  return out;
}

Value decode_value(unsigned type, std::string_view text) {
  switch (type) {
    case oid::int2:
    case oid::int4:
    case oid::int8:
      return parse_integer(text);
    case oid::boolean:
      return text == "t";
    case oid::timestamptz:
    case oid::timestamp:
      return timestamp_to_rfc3339(text);
    default:
      return std::string(text);
  }
}

TextParams::TextParams(std::span<const Value> params) {
  // Reserved up front: pointers_ points into storage_, which must not reallocate.
  storage_.reserve(params.size());
  pointers_.reserve(params.size());
  for (const Value& value : params) {
    if (const auto* n = std::get_if<std::int64_t>(&value)) {
      pointers_.push_back(storage_.emplace_back(std::to_string(*n)).c_str());
    } else if (const auto* b = std::get_if<bool>(&value)) {
      pointers_.push_back(*b ? "true" : "false");
    } else if (const auto* s = std::get_if<std::string>(&value)) {
      pointers_.push_back(s->c_str());
    } else {
      pointers_.push_back(nullptr);
    }
  }
}

}  // namespace usertasks::store::postgres
