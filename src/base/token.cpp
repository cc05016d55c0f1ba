#include "base/token.hpp"

#include <array>
#include <cstdint>

namespace usertasks::base {

namespace {

constexpr std::string_view alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::size_t checksum_size = 8;

// 64-bit FNV-1a of a domain string, then the bytes: each byte goes through a bijection of the
// state, so two byte strings of one length that differ in one byte never share a checksum.
std::uint64_t checksum(std::string_view bytes) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  const auto mix = [&h](std::string_view text) {
    for (const char c : text) {
      h ^= static_cast<unsigned char>(c);
      h *= 0x100000001b3ULL;
    }
  };
  mix("usertasks token 1\n");
  mix(bytes);
  return h;
}

int sextet(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

}  // namespace

std::string encode_token(std::string_view bytes) {
  std::string data(bytes);
  const std::uint64_t sum = checksum(bytes);
  for (std::size_t i = 0; i < checksum_size; ++i) {
    data += static_cast<char>((sum >> (8 * (checksum_size - 1 - i))) & 0xff);
  }
  std::string out;
  out.reserve((data.size() * 4 + 2) / 3);
  std::uint32_t bits = 0;
  int count = 0;
  for (const char c : data) {
    bits = (bits << 8) | static_cast<unsigned char>(c);
    count += 8;
    while (count >= 6) {
      count -= 6;
      out += alphabet[(bits >> count) & 0x3f];
    }
  }
  if (count > 0) out += alphabet[(bits << (6 - count)) & 0x3f];
  return out;
}

std::optional<std::string> decode_token(std::string_view token) {
  // A length of 1 mod 4 is no encoding's; the others leave 0, 4 or 2 bits unused.
  if (token.size() % 4 == 1) return std::nullopt;
  std::string data;
  data.reserve(token.size() * 3 / 4);
  std::uint32_t bits = 0;
  int count = 0;
  for (const char c : token) {
    const int v = sextet(c);
    if (v < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<std::uint32_t>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      data += static_cast<char>((bits >> count) & 0xff);
    }
  }
  // The unused bits must be zero: otherwise two tokens would give the same bytes.
  if ((bits & ((1U << count) - 1)) != 0) return std::nullopt;
  if (data.size() < checksum_size) return std::nullopt;
  const std::string_view bytes(data.data(), data.size() - checksum_size);
  std::uint64_t sum = 0;
  for (std::size_t i = bytes.size(); i < data.size(); ++i) {
    sum = (sum << 8) | static_cast<unsigned char>(data[i]);
  }
  if (sum != checksum(bytes)) return std::nullopt;
  return std::string(bytes);
}

}  // namespace usertasks::base
