#pragma once
// The store's Values in PostgreSQL's text format, both ways. Text rather than binary: the
// server parses and prints these types cheaply, and a timestamp must become RFC 3339 text anyway.

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/database.hpp"

namespace usertasks::store::postgres {

// The type OIDs the driver decodes (pg_type.h; fixed since PostgreSQL 7).
namespace oid {
inline constexpr unsigned boolean = 16;
inline constexpr unsigned int8 = 20;
inline constexpr unsigned int2 = 21;
inline constexpr unsigned int4 = 23;
inline constexpr unsigned timestamp = 1114;
inline constexpr unsigned timestamptz = 1184;
}  // namespace oid

// "2026-11-24 03:57:28.634676+00" -> "2026-11-24T03:57:28.634676Z", always six fractional digits.
// The session runs with DateStyle ISO and TimeZone UTC, so every timestamptz prints that way; text
// of another shape ("infinity", a BC date, another offset) is returned unchanged.
[[nodiscard]] std::string timestamp_to_rfc3339(std::string_view text);

// One column value of a row: NULL -> monostate, integers -> int64, bool -> bool, timestamps ->
// RFC 3339, anything else as its text.
[[nodiscard]] Value decode_value(unsigned type, std::string_view text);

// Parameters as libpq takes them: an array of NUL-terminated strings, null for SQL NULL. Strings
// point into `params`, which must outlive this object; numbers are formatted into storage here.
class TextParams {
 public:
  explicit TextParams(std::span<const Value> params);
  TextParams(const TextParams&) = delete;
  TextParams& operator=(const TextParams&) = delete;

  [[nodiscard]] const char* const* values() const { return pointers_.data(); }
  [[nodiscard]] int size() const { return static_cast<int>(pointers_.size()); }

 private:
  std::vector<std::string> storage_;
  std::vector<const char*> pointers_;
};

}  // namespace usertasks::store::postgres
