#include "models/rules.hpp"

#include <fmt/format.h>

#include "base/utf8.hpp"
#include "models/entity.hpp"

namespace usertasks::models {

std::optional<std::string> check_email(std::string_view email) {
  for (std::size_t at = 0; at < email.size();) {
    const auto [c, n, valid] = base::utf8::decode(email, at);
    if (base::utf8::is_white_space(c)) return "must not contain white space";
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
  if (base::utf8::trim(text).empty()) return "must not be only white space";
  return std::nullopt;
}

std::optional<std::string> check_single_spaced(std::string_view text) {
  bool after_space = false;
  for (std::size_t at = 0; at < text.size();) {
    const auto [c, n, valid] = base::utf8::decode(text, at);
    if (c < 0x20 || (c >= 0x7F && c < 0xA0)) return "must not contain control characters";
    if (c == ' ' && after_space) return "must not contain two spaces in a row";
    if (c != ' ' && base::utf8::is_white_space(c)) return "must not contain white space but spaces";
    after_space = c == ' ';
    at += n;
  }
  return std::nullopt;
}

std::optional<std::string> check_search_text(std::string_view text) {
  for (std::size_t at = 0; at < text.size();) {
    const auto [c, n, valid] = base::utf8::decode(text, at);
    if (!valid) return "must be UTF-8 text";
    if (c < 0x20 || (c >= 0x7F && c < 0xA0)) return "must not contain control characters";
    at += n;
  }
  return std::nullopt;
}

std::optional<std::string> check_text(const Field& field, std::string_view text) {
  if (field.trimmed) text = base::utf8::trim(text);
  const std::size_t n = base::utf8::length(text);
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
