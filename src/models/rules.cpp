#include "models/rules.hpp"

#include <fmt/format.h>

#include "models/entity.hpp"

namespace usertasks::models {

namespace {

// Unicode White_Space (PropList.txt): the ASCII ones, NEL, NBSP, OGHAM SPACE MARK, the U+2000
// block, LINE and PARAGRAPH SEPARATOR, NARROW NBSP, MEDIUM MATHEMATICAL SPACE, IDEOGRAPHIC SPACE.
bool is_white_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

// The code point that starts at text[at] (text is valid UTF-8: Boost.JSON checks it) and its
// length.
std::pair<char32_t, std::size_t> decode_at(std::string_view text, std::size_t at) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[at + i]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return {lead, 1};
  if (lead < 0xE0) return {((lead & 0x1FU) << 6U) | (byte(1) & 0x3FU), 2};
  if (lead < 0xF0) {
    return {((lead & 0x0FU) << 12U) | ((byte(1) & 0x3FU) << 6U) | (byte(2) & 0x3FU), 3};
  }
  return {((lead & 0x07U) << 18U) | ((byte(1) & 0x3FU) << 12U) | ((byte(2) & 0x3FU) << 6U) |
              (byte(3) & 0x3FU),
          4};
}

// The start of the code point that ends just before text[end].
std::size_t previous_start(std::string_view text, std::size_t end) {
  std::size_t at = end - 1;
  while (at > 0 && (static_cast<unsigned char>(text[at]) & 0xC0U) == 0x80U) --at;
  return at;
}

}  // namespace

std::string_view trim(std::string_view text) {
  while (!text.empty()) {
    const auto [c, n] = decode_at(text, 0);
    if (!is_white_space(c)) break;
    text.remove_prefix(n);
  }
  while (!text.empty()) {
    const std::size_t start = previous_start(text, text.size());
    if (!is_white_space(decode_at(text, start).first)) break;
    text.remove_suffix(text.size() - start);
  }
  return text;
}

std::size_t utf8_length(std::string_view text) {
  std::size_t n = 0;
  for (char c : text) n += (static_cast<unsigned char>(c) & 0xC0U) != 0x80U ? 1 : 0;
  return n;
}

std::optional<std::string> check_email(std::string_view email) {
  for (std::size_t at = 0; at < email.size();) {
    const auto [c, n] = decode_at(email, at);
    if (is_white_space(c)) return "must not contain white space";
    if (c < 0x20 || c == 0x7F) return "must not contain control characters";
    at += n;
  }
  const auto at = email.find('@');
  if (at == std::string_view::npos || email.find('@', at + 1) != std::string_view::npos) {
    return "must contain exactly one @";
  }
  if (at == 0 || at + 1 == email.size()) return "must have text on both sides of the @";
  return std::nullopt;
}

std::optional<std::string> check_not_only_white_space(std::string_view text) {
  if (trim(text).empty()) return "must not be only white space";
  return std::nullopt;
}

std::optional<std::string> check_text(const Field& field, std::string_view text) {
  if (field.trimmed) text = trim(text);
  const std::size_t n = utf8_length(text);
  if (n < field.min_length) {
    return field.min_length == 1 ? std::string("must not be empty")
                                 : fmt::format("must be at least {} characters", field.min_length);
  }
  if (field.max_length != 0 && n > field.max_length) {
    return fmt::format("must be at most {} characters", field.max_length);
  }
  return field.check != nullptr ? field.check(text) : std::nullopt;
}

}  // namespace usertasks::models
