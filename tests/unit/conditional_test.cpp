// If-Match and If-None-Match as RFC 9110 §13.1 reads them, and Last-Modified's date form.

#include "http/conditional.hpp"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string>

namespace usertasks::http {
namespace {

TagList if_match(std::initializer_list<std::string> fields) {
  Request req;
  for (const std::string& f : fields) req.insert(Field::if_match, f);
  return read_tag_list(req, Field::if_match);
}

TEST(Conditional, ReadsListsOfEntityTagsOverSeveralFields) {
  const TagList list = if_match({R"("a-1", W/"b-2")", R"(  ,"c",,  )"});
  ASSERT_EQ(list.state, TagList::State::valid);
  ASSERT_EQ(list.tags.size(), 3U);
  EXPECT_EQ(list.tags[0].opaque, "a-1");
  EXPECT_FALSE(list.tags[0].weak);
  EXPECT_EQ(list.tags[1].opaque, "b-2");
  EXPECT_TRUE(list.tags[1].weak);
  EXPECT_EQ(list.tags[2].opaque, "c");
  EXPECT_EQ(if_match({}).state, TagList::State::absent);
  EXPECT_TRUE(if_match({"*"}).any);
  EXPECT_EQ(if_match({R"("")"}).tags.at(0).opaque, "");
}

TEST(Conditional, RefusesWhatIsNotAList) {
  for (const auto& bad : {"a", R"("a)", R"("a" "b")", R"(w/"a")", R"("a"b)", ",", "", "* ,",
                          R"("a\"b")", "\"a\x7f\""}) {
    EXPECT_EQ(if_match({bad}).state, TagList::State::malformed) << bad;
  }
  EXPECT_EQ(if_match({"*", R"("a")"}).state, TagList::State::malformed);
  EXPECT_EQ(if_match({R"("a")", "*"}).state, TagList::State::malformed);
  EXPECT_EQ(if_match({"*", "*"}).state, TagList::State::malformed);
}

TEST(Conditional, ComparesStronglyForIfMatchAndWeaklyForIfNoneMatch) {
  const TagList list = if_match({R"(W/"w", "s")"});
  EXPECT_TRUE(matches_strong(list, "s"));
  EXPECT_FALSE(matches_strong(list, "w"));
  EXPECT_TRUE(matches_weak(list, "w"));
  EXPECT_TRUE(matches_weak(list, "s"));
  EXPECT_FALSE(matches_weak(list, "x"));
  EXPECT_TRUE(matches_strong(if_match({"*"}), "anything"));
}

TEST(Conditional, WritesHttpDates) {
  EXPECT_EQ(http_date("2026-12-01T09:30:05.123456Z"), "Tue, 01 Dec 2026 09:30:05 GMT");
  EXPECT_EQ(http_date("2000-02-29T23:59:59.000000Z"), "Tue, 29 Feb 2000 23:59:59 GMT");
  EXPECT_EQ(http_date("1970-01-01T00:00:00.000000Z"), "Thu, 01 Jan 1970 00:00:00 GMT");
}

}  // namespace
}  // namespace usertasks::http
