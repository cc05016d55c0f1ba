#include "base/time.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <regex>

namespace usertasks::base {
namespace {

using namespace std::chrono;

UtcTime at(year_month_day date, microseconds time_of_day) {
  return sys_days{date} + time_of_day;
}

TEST(Time, FormatUtcHasSixFractionDigitsAlways) {
  const auto day = 2026y / December / 1;
  EXPECT_EQ(format_utc(at(day, 21h + 14min + 15s + 123456us)), "2026-12-01T21:14:15.123456Z");
  EXPECT_EQ(format_utc(at(day, 21h + 14min + 15s)), "2026-12-01T21:14:15.000000Z");
  EXPECT_EQ(format_utc(at(day, 1us)), "2026-12-01T00:00:00.000001Z");
  EXPECT_EQ(format_utc(at(day, 24h - 1us)), "2026-12-01T23:59:59.999999Z");
}

TEST(Time, FormatUtcCoversTheYearsOfRfc3339) {
  EXPECT_EQ(format_utc(UtcTime{}), "1970-01-01T00:00:00.000000Z");
  EXPECT_EQ(format_utc(UtcTime{} - 1us), "1969-12-31T23:59:59.999999Z");
  EXPECT_EQ(format_utc(at(year{0} / January / 1, 0us)), "0000-01-01T00:00:00.000000Z");
  EXPECT_EQ(format_utc(at(year{999} / March / 4, 5s)), "0999-03-04T00:00:05.000000Z");
  EXPECT_EQ(format_utc(at(year{9999} / December / 31, 24h - 1us)), "9999-12-31T23:59:59.999999Z");
  EXPECT_EQ(format_utc(at(2024y / February / 29, 12h)), "2024-02-29T12:00:00.000000Z");
}

// fmt 9 formats a time_point in the local zone; the output must not depend on TZ.
TEST(Time, FormatUtcIgnoresTheLocalZone) {
  const char* old = std::getenv("TZ");
  const std::string saved = old != nullptr ? old : "";
  setenv("TZ", "America/New_York", 1);
  tzset();
  const std::string text = format_utc(at(2026y / December / 1, 21h + 14min + 15s + 123456us));
  if (old != nullptr) {
    setenv("TZ", saved.c_str(), 1);
  } else {
    unsetenv("TZ");
  }
  tzset();
  EXPECT_EQ(text, "2026-12-01T21:14:15.123456Z");
}

TEST(Time, UtcNowIsNowInThatForm) {
  const auto before = floor<seconds>(system_clock::now());
  const std::string now = utc_now();
  const auto after = floor<seconds>(system_clock::now());
  EXPECT_TRUE(std::regex_match(now, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)")))
      << now;
  const std::string seconds_part = now.substr(0, 19);
  EXPECT_TRUE(seconds_part == format_utc(before).substr(0, 19) ||
              seconds_part == format_utc(after).substr(0, 19))
      << now;
}

TEST(Time, ParsesUtcAndNormalizesTheFraction) {
  EXPECT_EQ(parse_rfc3339("2026-12-01T21:14:15Z"), "2026-12-01T21:14:15.000000Z");
  EXPECT_EQ(parse_rfc3339("2026-12-01T21:14:15.123456Z"), "2026-12-01T21:14:15.123456Z");
  EXPECT_EQ(parse_rfc3339("2026-12-01T21:14:15.1Z"), "2026-12-01T21:14:15.100000Z");
  EXPECT_EQ(parse_rfc3339("2026-12-01T21:14:15.000001Z"), "2026-12-01T21:14:15.000001Z");
  // Digits past the microsecond are cut, not rounded.
  EXPECT_EQ(parse_rfc3339("2026-12-01T21:14:15.123456789Z"), "2026-12-01T21:14:15.123456Z");
  EXPECT_EQ(parse_rfc3339("2026-12-01T23:59:59.9999999Z"), "2026-12-01T23:59:59.999999Z");
}

TEST(Time, LowerCaseTAndZAreAllowed) {
  EXPECT_EQ(parse_rfc3339("2026-12-01t21:14:15z"), "2026-12-01T21:14:15.000000Z");
  EXPECT_EQ(parse_rfc3339("2026-12-01t21:14:15.5+01:00"), "2026-12-01T20:14:15.500000Z");
}

TEST(Time, AppliesTheOffset) {
  EXPECT_EQ(parse_rfc3339("2026-12-01T21:14:15+02:00"), "2026-12-01T19:14:15.000000Z");
  EXPECT_EQ(parse_rfc3339("2026-12-01T21:14:15-05:30"), "2026-12-02T02:44:15.000000Z");
  EXPECT_EQ(parse_rfc3339("2026-12-01T21:14:15+00:00"), "2026-12-01T21:14:15.000000Z");
  // RFC 3339's "-00:00" (the local offset is unknown) is the same instant in UTC.
  EXPECT_EQ(parse_rfc3339("2026-12-01T21:14:15-00:00"), "2026-12-01T21:14:15.000000Z");
  EXPECT_EQ(parse_rfc3339("2026-12-31T23:30:00-01:00"), "2027-01-01T00:30:00.000000Z");
  EXPECT_EQ(parse_rfc3339("2026-01-01T00:30:00+01:00"), "2025-12-31T23:30:00.000000Z");
  EXPECT_EQ(parse_rfc3339("2024-03-01T00:00:00+23:59"), "2024-02-29T00:01:00.000000Z");
}

TEST(Time, ChecksTheCalendar) {
  EXPECT_TRUE(parse_rfc3339("2024-02-29T00:00:00Z"));  // a leap year
  EXPECT_TRUE(parse_rfc3339("2000-02-29T00:00:00Z"));  // divisible by 400
  EXPECT_FALSE(parse_rfc3339("2026-02-29T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("1900-02-29T00:00:00Z"));  // divisible by 100
  EXPECT_FALSE(parse_rfc3339("2026-04-31T00:00:00Z"));
  EXPECT_TRUE(parse_rfc3339("2026-12-31T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2026-12-32T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2026-00-10T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2026-13-10T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2026-12-00T00:00:00Z"));
  EXPECT_TRUE(parse_rfc3339("0001-01-01T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("0000-12-31T00:00:00Z"));  // PostgreSQL has no year 0
  EXPECT_TRUE(parse_rfc3339("9999-12-31T23:59:59.999999Z"));
}

TEST(Time, ChecksTheClock) {
  EXPECT_TRUE(parse_rfc3339("2026-12-01T23:59:59Z"));
  EXPECT_FALSE(parse_rfc3339("2026-12-01T24:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2026-12-01T23:60:00Z"));
  EXPECT_FALSE(parse_rfc3339("2026-12-31T23:59:60Z"));  // leap seconds are not taken
  EXPECT_FALSE(parse_rfc3339("2026-12-01T21:14:15+24:00"));
  EXPECT_FALSE(parse_rfc3339("2026-12-01T21:14:15+01:60"));
}

TEST(Time, RejectsWhatIsNotStrictlyRfc3339) {
  for (const char* text : {
           "",
           "2026-12-01",
           "2026-12-01T21:14:15",              // no offset
           "2026-12-01 21:14:15Z",             // a space for the T
           "2026-12-01T21:14Z",                // no seconds
           "2026-12-1T21:14:15Z",              // one-digit day
           "26-12-01T21:14:15Z",               // two-digit year
           "+2026-12-01T21:14:15Z",            // a sign
           "20261201T211415Z",                 // ISO 8601's basic format
           "2026-12-01T21:14:15.Z",            // a point without digits
           "2026-12-01T21:14:15,5Z",           // a comma for the point
           "2026-12-01T21:14:15.1234567890Z",  // ten fraction digits
           "2026-12-01T21:14:15+0100",         // no colon in the offset
           "2026-12-01T21:14:15+01",           // no offset minutes
           "2026-12-01T21:14:15+1:00",
           "2026-12-01T21:14:15ZZ",
           "2026-12-01T21:14:15Z ",
           " 2026-12-01T21:14:15Z",
           "2026-12-01T21:14:15UTC",
           "2026-12-01T21:14:15+01:00Z",
           "2026-12-01T2a:14:15Z",
           "2026-12-01T21:14:15\xEF\xBC\xBA",  // FULLWIDTH Z
           "２026-12-01T21:14:15Z",            // a FULLWIDTH digit
       }) {
    EXPECT_FALSE(parse_rfc3339(text)) << text;
  }
}

TEST(Time, RejectsInstantsOutsideTheYearsItCanWrite) {
  EXPECT_FALSE(parse_rfc3339("0001-01-01T00:30:00+01:00"));
  EXPECT_TRUE(parse_rfc3339("0001-01-01T00:30:00-01:00"));
  EXPECT_FALSE(parse_rfc3339("9999-12-31T23:30:00-01:00"));
  EXPECT_TRUE(parse_rfc3339("9999-12-31T23:30:00+01:00"));
}

TEST(Time, WhatItWritesItReadsBack) {
  for (const char* text : {"2026-12-01T21:14:15.123456Z", "0001-01-01T00:00:00.000000Z",
                           "9999-12-31T23:59:59.999999Z", "1969-12-31T23:59:59.999999Z"}) {
    EXPECT_EQ(parse_rfc3339(text), text);
  }
  const std::string now = utc_now();
  EXPECT_EQ(parse_rfc3339(now), now);
}

}  // namespace
}  // namespace usertasks::base
