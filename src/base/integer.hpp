#pragma once
// Integers as the API writes them in paths, queries and bodies.

#include <cstdint>
#include <optional>
#include <string_view>

namespace usertasks::base {

// A positive 64-bit integer written in decimal digits only.
std::optional<std::int64_t> parse_positive_id(std::string_view digits);

}  // namespace usertasks::base
