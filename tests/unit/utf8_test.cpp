#include "base/utf8.hpp"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace usertasks::base::utf8 {
namespace {

// Every step of decoding `text` from its start, as (code point, length, valid).
std::vector<Decoded> steps(std::string_view text) {
  std::vector<Decoded> out;
  for (std::size_t at = 0; at < text.size();) {
    out.push_back(decode(text, at));
    at += out.back().length;
  }
  return out;
}

void expect_valid(std::string_view text, char32_t code_point) {
  const Decoded d = decode(text, 0);
  EXPECT_TRUE(d.valid) << text;
  EXPECT_EQ(d.code_point, code_point) << text;
  EXPECT_EQ(d.length, text.size()) << text;
}

// The lengths of the ill-formed pieces `text` decodes into, all of them U+FFFD.
std::vector<std::size_t> ill_formed_lengths(std::string_view text) {
  std::vector<std::size_t> out;
  for (const Decoded& d : steps(text)) {
    EXPECT_FALSE(d.valid) << text;
    EXPECT_EQ(d.code_point, U'\uFFFD') << text;
    out.push_back(d.length);
  }
  return out;
}

using Lengths = std::vector<std::size_t>;

TEST(Utf8, DecodesEachLengthAtItsBounds) {
  expect_valid(std::string_view("\0", 1), 0);
  expect_valid("\x7F", 0x7F);
  expect_valid("\xC2\x80", 0x80);
  expect_valid("\xDF\xBF", 0x7FF);
  expect_valid("\xE0\xA0\x80", 0x800);
  expect_valid("\xED\x9F\xBF", 0xD7FF);
  expect_valid("\xEE\x80\x80", 0xE000);
  expect_valid("\xEF\xBF\xBF", 0xFFFF);
  expect_valid("\xF0\x90\x80\x80", 0x10000);
  expect_valid("\xF4\x8F\xBF\xBF", 0x10FFFF);
  expect_valid("é", 0xE9);
  expect_valid("😀", 0x1F600);
}

TEST(Utf8, DecodesAtAnOffset) {
  const std::string_view text = "aé😀";
  EXPECT_EQ(decode(text, 1).code_point, U'é');
  EXPECT_EQ(decode(text, 3).code_point, U'😀');
  EXPECT_EQ(decode(text, 3).length, 4U);
}

TEST(Utf8, AnIllFormedSequenceIsAsLongAsItsLongestWellFormedPrefix) {
  EXPECT_EQ(ill_formed_lengths("\x80"), Lengths{1});           // a lone continuation byte
  EXPECT_EQ(ill_formed_lengths("\x80\xBF"), (Lengths{1, 1}));  // two of them
  EXPECT_EQ(ill_formed_lengths("\xC2"), Lengths{1});           // truncated at the end
  EXPECT_EQ(ill_formed_lengths("\xE2\x82"), Lengths{2});       // one piece, not two
  EXPECT_EQ(ill_formed_lengths("\xF0\x9F\x98"), Lengths{3});
  const auto truncated = steps(
      "\xE2\x82"
      "A");
  ASSERT_EQ(truncated.size(), 2U);
  EXPECT_EQ(truncated[0].length, 2U);
  EXPECT_TRUE(truncated[1].valid);
  EXPECT_EQ(truncated[1].code_point, U'A');
}

TEST(Utf8, OverlongFormsAreIllFormed) {
  EXPECT_EQ(ill_formed_lengths("\xC0\xAF"), (Lengths{1, 1}));  // '/' in two bytes
  EXPECT_EQ(ill_formed_lengths("\xC1\xBF"), (Lengths{1, 1}));
  EXPECT_EQ(ill_formed_lengths("\xE0\x80\xAF"), (Lengths{1, 1, 1}));
  EXPECT_EQ(ill_formed_lengths("\xE0\x9F\xBF"), (Lengths{1, 1, 1}));
  EXPECT_EQ(ill_formed_lengths("\xF0\x80\x80\xAF"), (Lengths{1, 1, 1, 1}));
  EXPECT_EQ(ill_formed_lengths("\xF0\x8F\xBF\xBF"), (Lengths{1, 1, 1, 1}));
}

TEST(Utf8, SurrogatesAreIllFormed) {
  EXPECT_EQ(ill_formed_lengths("\xED\xA0\x80"), (Lengths{1, 1, 1}));  // U+D800
  EXPECT_EQ(ill_formed_lengths("\xED\xBF\xBF"), (Lengths{1, 1, 1}));  // U+DFFF
}

TEST(Utf8, NothingPastU10FFFFIsWellFormed) {
  EXPECT_EQ(ill_formed_lengths("\xF4\x90\x80\x80"), (Lengths{1, 1, 1, 1}));
  EXPECT_EQ(ill_formed_lengths("\xF5\x80\x80\x80"), (Lengths{1, 1, 1, 1}));
  EXPECT_EQ(ill_formed_lengths("\xF8\x88\x80\x80\x80"), (Lengths{1, 1, 1, 1, 1}));
  EXPECT_EQ(ill_formed_lengths("\xFF"), Lengths{1});
}

TEST(Utf8, AppendEncodesEachLength) {
  for (char32_t c : {U'\0', U'A', U'\x7F', U'\x80', U'é', U'\x7FF', U'\x800', U'€', U'\xFFFD',
                     U'\x10000', U'😀', U'\x10FFFF'}) {
    std::string out = "x";
    append(out, c);
    const Decoded d = decode(out, 1);
    EXPECT_TRUE(d.valid) << static_cast<unsigned>(c);
    EXPECT_EQ(d.code_point, c);
    EXPECT_EQ(d.length + 1, out.size());
  }
  std::string out;
  append(out, U'€');
  EXPECT_EQ(out, "\xE2\x82\xAC");
}

TEST(Utf8, LengthCountsCodePoints) {
  EXPECT_EQ(length(""), 0U);
  EXPECT_EQ(length("Ada"), 3U);
  EXPECT_EQ(length("é"), 1U);
  EXPECT_EQ(length("aé€😀"), 4U);
}

TEST(Utf8, WhiteSpaceIsUnicodes) {
  for (char32_t c : {U'\t', U'\n', U'\v', U'\f', U'\r', U' ', U'\x85', U'\xA0', U'\x1680',
                     U'\x2000', U'\x200A', U'\x2028', U'\x2029', U'\x202F', U'\x205F', U'\x3000'}) {
    EXPECT_TRUE(is_white_space(c)) << static_cast<unsigned>(c);
  }
  // Not White_Space: ZERO WIDTH SPACE, BOM, MONGOLIAN VOWEL SEPARATOR, controls, letters.
  for (char32_t c : {U'\0', U'\x08', U'\x0E', U'\x1F', U'\x84', U'\x200B', U'\xFEFF', U'\x180E',
                     U'a', U'\x2100', U'\xFFFD'}) {
    EXPECT_FALSE(is_white_space(c)) << static_cast<unsigned>(c);
  }
}

TEST(Utf8, TrimRemovesWhiteSpaceAtBothEndsOnly) {
  EXPECT_EQ(trim("  Ada \t"), "Ada");
  EXPECT_EQ(trim("\u00A0\u3000 Ada\u2003\n"), "Ada");
  EXPECT_EQ(trim("Ada Lovelace"), "Ada Lovelace");
  EXPECT_EQ(trim("\u00A0\u3000"), "");
  EXPECT_EQ(trim(""), "");
  EXPECT_EQ(trim("é"), "é");
  EXPECT_EQ(trim("\u2003é\u2003"), "é");
  EXPECT_EQ(trim("😀\u3000"), "😀");
  EXPECT_EQ(trim("\u200Bx\u200B"), "\u200Bx\u200B");  // ZERO WIDTH SPACE is not White_Space
}

TEST(Utf8, TrimStopsAtAnIllFormedSequence) {
  EXPECT_EQ(trim(" \x80 "), "\x80");
  EXPECT_EQ(trim(" \xE3\x80"), "\xE3\x80");  // U+3000 cut short is not U+3000
  EXPECT_EQ(trim("a\x80\x80\x80\x80 "), "a\x80\x80\x80\x80");
  EXPECT_EQ(trim("\xC2\xA0\xA0"), "\xA0");  // NBSP, then a stray byte
}

}  // namespace
}  // namespace usertasks::base::utf8
