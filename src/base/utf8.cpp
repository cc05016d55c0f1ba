#include "base/utf8.hpp"

#include <locale.h>

#include <clocale>
#include <cwctype>
#include <stdexcept>

namespace usertasks::base::utf8 {

namespace {

constexpr char32_t replacement = 0xFFFD;

bool is_continuation(unsigned char byte) {
  return (byte & 0xC0U) == 0x80U;
}

}  // namespace

Decoded decode(std::string_view text, std::size_t at) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[at + i]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return {lead, 1, true};
  std::size_t length = 0;
  unsigned char low = 0x80;  // the range of the second byte, narrower after some leads
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // no overlong forms
    if (lead == 0xED) high = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // no overlong forms
    if (lead == 0xF4) high = 0x8F;  // nothing past U+10FFFF
  } else {
    return {replacement, 1, false};
  }
  char32_t c = lead & (0xFFU >> (length + 1));
  for (std::size_t i = 1; i < length; ++i) {
    if (at + i >= text.size()) return {replacement, i, false};
    const unsigned char b = byte(i);
    if (b < (i == 1 ? low : 0x80) || b > (i == 1 ? high : 0xBF)) return {replacement, i, false};
    c = (c << 6U) | (b & 0x3FU);
  }
  return {c, length, true};
}

void append(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

std::size_t length(std::string_view text) {
  std::size_t n = 0;
  for (char c : text) n += is_continuation(static_cast<unsigned char>(c)) ? 0 : 1;
  return n;
}

bool is_white_space(char32_t c) {
  // The ASCII ones, NEL, NBSP, OGHAM SPACE MARK, the U+2000 block, LINE and PARAGRAPH SEPARATOR,
  // NARROW NBSP, MEDIUM MATHEMATICAL SPACE, IDEOGRAPHIC SPACE.
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

std::string_view trim(std::string_view text) {
  while (!text.empty()) {
    const Decoded first = decode(text, 0);
    if (!first.valid || !is_white_space(first.code_point)) break;
    text.remove_prefix(first.length);
  }
  while (!text.empty()) {
    // The last code point starts at most three continuation bytes before the end.
    std::size_t start = text.size() - 1;
    while (start > 0 && text.size() - start < 4 &&
           is_continuation(static_cast<unsigned char>(text[start])))
      --start;
    const Decoded last = decode(text, start);
    if (!last.valid || start + last.length != text.size() || !is_white_space(last.code_point))
      break;
    text.remove_suffix(last.length);
  }
  return text;
}

namespace {

// The C library's case mapping, from a locale that does not depend on the process environment.
locale_t utf8_locale() {
  static const locale_t locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", nullptr);
  if (locale == nullptr) throw std::runtime_error("the C.UTF-8 locale is not available");
  return locale;
}

}  // namespace

std::string lower(std::string_view text) {
  const locale_t locale = utf8_locale();
  std::string out;
  out.reserve(text.size());
  for (std::size_t at = 0; at < text.size();) {
    const Decoded next = decode(text, at);
    if (next.valid) {
      append(out, static_cast<char32_t>(towlower_l(static_cast<wint_t>(next.code_point), locale)));
    } else {
      out.append(text.substr(at, next.length));
    }
    at += next.length;
  }
  return out;
}

}  // namespace usertasks::base::utf8
