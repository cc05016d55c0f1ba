#include "http/idempotency.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <memory>
#include <stdexcept>

namespace usertasks::http {

namespace {

constexpr std::string_view bearer = "Bearer ";

Response bad_key(std::string_view message) {
  return bad_header(idempotency_key_field, message);
}

bool visible_ascii(std::string_view key) {
  if (key.empty() || key.size() > idempotency_key_max) return false;
  for (const char c : key) {
    if (c < '\x21' || c > '\x7E') return false;
  }
  return true;
}

// The text of a structured-field string (RFC 8941, section 3.3.3) that is all of `value`; nullopt
// when `value` is not one (no closing quote, a bad escape, a character outside 0x20..0x7E, or
// anything after the closing quote, parameters included).
std::optional<std::string> unquote(std::string_view value) {
  std::string text;
  for (std::size_t i = 1; i < value.size(); ++i) {
    const char c = value[i];
    if (c == '"') {
      if (i + 1 != value.size()) return std::nullopt;
      return text;
    }
    if (c == '\\') {
      if (++i == value.size() || (value[i] != '"' && value[i] != '\\')) return std::nullopt;
      text += value[i];
    } else if (c < '\x20' || c > '\x7E') {
      return std::nullopt;
    } else {
      text += c;
    }
  }
  return std::nullopt;
}

struct FreeDigest {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};

// Fetched once: OpenSSL 3 looks the algorithm up again on each EVP_sha256() initialization.
const EVP_MD* sha256_algorithm() {
  static const EVP_MD* const algorithm = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
    return fetched != nullptr ? fetched : EVP_sha256();
  }();
  return algorithm;
}

}  // namespace

std::variant<NoIdempotencyKey, std::string, Response> read_idempotency_key(const Request& req) {
  const auto found = req.find(idempotency_key_field);
  if (found == req.end()) return NoIdempotencyKey{};
  if (req.count(idempotency_key_field) > 1) return bad_key("must be given once");
  const std::string_view value = found->value();
  constexpr std::string_view rule = "must be 1 to 255 visible ASCII characters (0x21 to 0x7E)";
  if (!value.starts_with('"')) {
    if (!visible_ascii(value)) return bad_key(rule);
    return std::string(value);
  }
  std::optional<std::string> key = unquote(value);
  if (!key) return bad_key("is not a key nor a well-formed quoted string");
  if (!visible_ascii(*key)) return bad_key(rule);
  return std::move(*key);
}

Sha256 sha256(std::initializer_list<std::string_view> parts) {
  const std::unique_ptr<EVP_MD_CTX, FreeDigest> context(EVP_MD_CTX_new());
  bool ok =
      context != nullptr && EVP_DigestInit_ex(context.get(), sha256_algorithm(), nullptr) == 1;
  for (const std::string_view part : parts) {
    ok = ok && EVP_DigestUpdate(context.get(), part.data(), part.size()) == 1 &&
         EVP_DigestUpdate(context.get(), "", 1) == 1;
  }
  Sha256 digest{};
  unsigned int length = 0;
  ok = ok && EVP_DigestFinal_ex(context.get(), digest.data(), &length) == 1 &&
       length == digest.size();
  if (!ok) throw std::runtime_error("SHA-256 failed");
  return digest;
}

std::string hex(const Sha256& digest) {
  static constexpr std::string_view digits = "0123456789abcdef";
  std::string out;
  out.reserve(digest.size() * 2);
  for (const std::uint8_t byte : digest) {
    out += digits[byte >> 4U];
    out += digits[byte & 0xFU];
  }
  return out;
}

std::string request_fingerprint(const Request& req) {
  return hex(sha256({req.method_string(), req.target(), req.body()}));
}

std::string credential_scope(const Request& req) {
  const std::string_view given = req[Field::authorization];
  if (!given.starts_with(bearer)) return {};
  return hex(sha256({given.substr(bearer.size())}));
}

}  // namespace usertasks::http
