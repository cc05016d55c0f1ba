#pragma once
// Timestamps as the API writes them: RFC 3339, UTC, to the microsecond, with six fraction digits
// always ("2026-12-01T21:14:15.123456Z").

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace usertasks::base {

using UtcTime = std::chrono::sys_time<std::chrono::microseconds>;

// `when` in that form; its year must be 0000 to 9999.
std::string format_utc(UtcTime when);

// The current time in that form.
std::string utc_now();

// A strict RFC 3339 date-time, YYYY-MM-DDTHH:MM:SS[.fraction] then Z or ±HH:MM ('t' and 'z'
// lower case too), in the form above: the fraction (up to 9 digits) truncated to microseconds, the
// offset applied. nullopt for anything else, a field out of range, a date that does not exist,
// the leap second :60 (not representable here), or a UTC time outside the years 0001 to 9999
// (PostgreSQL has no year 0).
std::optional<std::string> parse_rfc3339(std::string_view text);

}  // namespace usertasks::base
