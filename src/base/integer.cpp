#include "base/integer.hpp"

#include <charconv>

namespace usertasks::base {

std::optional<std::int64_t> parse_positive_id(std::string_view digits) {
  if (digits.empty() || digits.size() > 19) return std::nullopt;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec != std::errc{} || end != digits.data() + digits.size() || value <= 0) return std::nullopt;
  return value;
}

}  // namespace usertasks::base
