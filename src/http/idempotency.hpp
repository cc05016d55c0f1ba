#pragma once
// The Idempotency-Key request header (IETF httpapi draft "The Idempotency-Key HTTP Header Field"):
// reading the key, and the digests that identify a request and the credential it came with. What
// is done with them (stored answers, replays) is the resources' (resources/idempotency.hpp).

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

#include "http/message.hpp"

namespace usertasks::http {

inline constexpr std::string_view idempotency_key_field = "Idempotency-Key";
inline constexpr std::size_t idempotency_key_max = 255;

// Whether the request has an Idempotency-Key field: one look-up in its header block.
inline bool has_idempotency_key(const Request& req) {
  return req.find(idempotency_key_field) != req.end();
}

// No Idempotency-Key field.
struct NoIdempotencyKey {};

// The request's key: 1..255 visible ASCII characters (0x21..0x7E), given bare (`abc`, as Stripe's
// clients send it) or as the draft's structured-field string (`"abc"`, `\"` and `\\` escaped),
// which is unquoted. A malformed value, or more than one Idempotency-Key field, is a 400 problem
// naming the header. Costs one header lookup when the field is absent.
std::variant<NoIdempotencyKey, std::string, Response> read_idempotency_key(const Request& req);

using Sha256 = std::array<std::uint8_t, 32>;

// SHA-256 of the parts, each followed by a NUL byte so that no two lists of parts run together.
Sha256 sha256(std::initializer_list<std::string_view> parts);
// Lower-case hex.
std::string hex(const Sha256& digest);

// What a stored answer is matched against: SHA-256 of the method, the target (path and query,
// origin-form) and the body's bytes, in hex. The same on every instance and across restarts.
std::string request_fingerprint(const Request& req);

// Whose keys these are: the hex SHA-256 of the bearer token the request presents, so that the keys
// of two tokens never meet and no token is stored; "" (one scope for all) when it presents none.
std::string credential_scope(const Request& req);

}  // namespace usertasks::http
