#pragma once
// Rules on single values that the entities' fields name, and the checks every text field gets
// from its Field (lengths, trimming). Pure functions of the text.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace usertasks::models {

struct Field;

// One @ with text on both sides, no white space, no control characters.
std::optional<std::string> check_email(std::string_view email);
std::optional<std::string> check_not_only_white_space(std::string_view text);
// A name made of words: no control characters, and no white space but single spaces between
// words (the text is trimmed before).
std::optional<std::string> check_single_spaced(std::string_view text);

// Valid UTF-8 without control characters (Unicode's Cc: U+0000 to U+001F, U+007F to U+009F).
std::optional<std::string> check_search_text(std::string_view text);

// Every rule of a text field (trimmed first when the field says so): lengths, then its check.
std::optional<std::string> check_text(const Field& field, std::string_view text);

}  // namespace usertasks::models
