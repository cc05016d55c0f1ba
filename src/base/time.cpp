#include "base/time.hpp"

#include <fmt/chrono.h>

#include <ctime>

namespace usertasks::base {

namespace {

using namespace std::chrono;

// The value of text[at, at + count), all ASCII digits, or -1.
int digits(std::string_view text, std::size_t at, std::size_t count) {
  if (at + count > text.size()) return -1;
  int value = 0;
  for (std::size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

}  // namespace

std::string format_utc(UtcTime when) {
  // fmt 9 formats a time_point in local time and without its fraction, so the date comes from a
  // std::tm in UTC and the time of day from a duration, which %S prints with six fraction digits.
  const sys_days day = floor<days>(when);
  const auto seconds_since_epoch =
      static_cast<std::time_t>(sys_seconds(day).time_since_epoch().count());
  return fmt::format("{:%Y-%m-%d}T{:%H:%M:%S}Z", fmt::gmtime(seconds_since_epoch), when - day);
}

std::string utc_now() {
  return format_utc(floor<microseconds>(system_clock::now()));
}

std::optional<std::string> parse_rfc3339(std::string_view text) {
  // 2026-12-01T21:14:15
  // 0123456789012345678
  const int y = digits(text, 0, 4);
  const int mo = digits(text, 5, 2);
  const int d = digits(text, 8, 2);
  const int h = digits(text, 11, 2);
  const int mi = digits(text, 14, 2);
  const int s = digits(text, 17, 2);
  if (y < 0 || mo < 0 || d < 0 || h < 0 || mi < 0 || s < 0 || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != 't') || text[13] != ':' || text[16] != ':') {
    return std::nullopt;
  }
  const year_month_day date{year{y}, month{static_cast<unsigned>(mo)},
                            day{static_cast<unsigned>(d)}};
  if (!date.ok() || h > 23 || mi > 59 || s > 59) return std::nullopt;

  std::size_t at = 19;
  microseconds fraction{0};
  if (at < text.size() && text[at] == '.') {
    const std::size_t start = ++at;
    while (at < text.size() && text[at] >= '0' && text[at] <= '9') ++at;
    const std::size_t count = at - start;
    if (count == 0 || count > 9) return std::nullopt;
    int micros = 0;
    for (std::size_t i = 0; i < 6; ++i) {
      micros = micros * 10 + (i < count ? text[start + i] - '0' : 0);
    }
    fraction = microseconds{micros};
  }

  minutes offset{0};
  if (at + 1 == text.size() && (text[at] == 'Z' || text[at] == 'z')) {
    // UTC
  } else if (at + 6 == text.size() && (text[at] == '+' || text[at] == '-') && text[at + 3] == ':') {
    const int oh = digits(text, at + 1, 2);
    const int om = digits(text, at + 4, 2);
    if (oh < 0 || om < 0 || oh > 23 || om > 59) return std::nullopt;
    offset = hours{oh} + minutes{om};
    if (text[at] == '-') offset = -offset;
  } else {
    return std::nullopt;
  }

  const UtcTime local = sys_days{date} + hours{h} + minutes{mi} + seconds{s} + fraction;
  const UtcTime utc = local - offset;
  const year utc_year = year_month_day{floor<days>(utc)}.year();
  if (utc_year < year{1} || utc_year > year{9999}) return std::nullopt;
  return format_utc(utc);
}

}  // namespace usertasks::base
