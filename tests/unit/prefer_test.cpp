// The Prefer header as RFC 7240 reads it.

#include "http/prefer.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

namespace usertasks::http {
namespace {

// A request with one Prefer field for each of `fields`.
Request with_prefer(std::initializer_list<std::string> fields) {
  Request req;
  for (const std::string& f : fields) req.insert("Prefer", f);
  return req;
}

std::optional<std::string> count_of(std::initializer_list<std::string> fields) {
  return preference(with_prefer(fields), "count");
}

TEST(Prefer, ReadsOnePreferenceAndItsValue) {
  EXPECT_EQ(count_of({"count=exact"}), "exact");
  EXPECT_EQ(count_of({"count=estimated"}), "estimated");
  EXPECT_EQ(count_of({}), std::nullopt);
  EXPECT_EQ(count_of({"return=minimal"}), std::nullopt);
  EXPECT_EQ(count_of({"count"}), "");
  EXPECT_EQ(count_of({"count="}), "");
  // A name that begins with the one asked for is another name.
  EXPECT_EQ(count_of({"counting=exact"}), std::nullopt);
}

TEST(Prefer, NamesIgnoreCaseValuesKeepIt) {
  EXPECT_EQ(count_of({"COUNT=exact"}), "exact");
  EXPECT_EQ(count_of({"Count=EXACT"}), "EXACT");
}

TEST(Prefer, ReadsListsWithSpacesParametersAndQuotes) {
  EXPECT_EQ(count_of({"return=minimal, COUNT=exact"}), "exact");
  EXPECT_EQ(count_of({"  return=minimal ,\tcount = exact  "}), "exact");
  EXPECT_EQ(count_of({",,count=exact,"}), "exact");
  EXPECT_EQ(count_of({"count=exact; foo=bar, wait=10"}), "exact");
  EXPECT_EQ(count_of({R"(count="exact")"}), "exact");
  EXPECT_EQ(count_of({R"(x="a,count=no", count=exact)"}), "exact");
  EXPECT_EQ(count_of({R"(x=1; y="a,\"count=no", count=exact)"}), "exact");
  EXPECT_EQ(preference(with_prefer({"handling=lenient, wait=5"}), "wait"), "5");
}

TEST(Prefer, SeveralFieldsAreOneList) {
  EXPECT_EQ(count_of({"return=minimal", "count=exact"}), "exact");
  EXPECT_EQ(count_of({"respond-async", "wait=3, count=exact"}), "exact");
}

TEST(Prefer, TheFirstOfANameCounts) {
  EXPECT_EQ(count_of({"count=estimated, count=exact"}), "estimated");
  EXPECT_EQ(count_of({"count=exact", "count=estimated"}), "exact");
}

TEST(Prefer, BrokenElementsAreIgnored) {
  EXPECT_EQ(count_of({"=exact, count=exact"}), "exact");
  EXPECT_EQ(count_of({"count=ex act"}), std::nullopt);
  EXPECT_EQ(count_of({"count=ex act, count=exact"}), "exact");
  EXPECT_EQ(count_of({R"(count="exact)"}), std::nullopt);
  EXPECT_EQ(count_of({"count=exact)"}), std::nullopt);
}

}  // namespace
}  // namespace usertasks::http
