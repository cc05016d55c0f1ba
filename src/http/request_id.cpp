#include "http/request_id.hpp"

#include <fmt/format.h>

#include <atomic>
#include <cstdint>
#include <random>

namespace usertasks::http {

namespace {

bool acceptable(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// A per-process random prefix and a counter: unique within the process, unlikely to collide across
// restarts, and no lock or random draw on the request path.
std::uint64_t process_prefix() {
  static const std::uint64_t prefix = [] {
    std::random_device rd;
    return (static_cast<std::uint64_t>(rd()) << 32U) ^ rd();
  }();
  return prefix;
}

}  // namespace

std::string make_request_id(std::string_view offered) {
  if (acceptable(offered)) return std::string(offered);
  static std::atomic<std::uint64_t> counter{0};
  return fmt::format("{:08x}-{:08x}", process_prefix() & 0xffffffffU, ++counter);
}

}  // namespace usertasks::http
