#pragma once
// Opaque tokens: bytes a client is handed and hands back unchanged (a page's cursor). The token is
// base64url (RFC 4648, section 5, no padding) of the bytes followed by a checksum of them, so that
// a token with any byte changed is refused rather than read as other bytes. The checksum is fixed
// (64-bit FNV-1a over a domain string and the bytes): it guards integrity, not secrecy; anyone
// can read a token's bytes or make a token, so what a token holds must be checked like any input.

#include <optional>
#include <string>
#include <string_view>

namespace usertasks::base {

std::string encode_token(std::string_view bytes);
// The bytes of a token encode_token made; nullopt for anything else: a character outside
// base64url, padding, a length no encoding has, unused bits set, or a checksum that does not match.
std::optional<std::string> decode_token(std::string_view token);

}  // namespace usertasks::base
