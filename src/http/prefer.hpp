#pragma once
// The Prefer request header (RFC 7240): behaviours a client asks for, which a server may honour
// (and then says so in Preference-Applied) or ignore.

#include <optional>
#include <string>
#include <string_view>

#include "http/message.hpp"

namespace usertasks::http {

// The value of the preference `name` among the request's Prefer fields, read as one list (several
// fields are their comma-separated concatenation): nullopt when no preference has the name, ""
// when it has no value (or an empty one). Names compare regardless of case; a value is a token or
// a quoted string's text, its case kept. A name given twice counts the first time only; a
// preference's parameters (`; …`) are skipped, and an element that is not a preference is ignored.
std::optional<std::string> preference(const Request& req, std::string_view name);

}  // namespace usertasks::http
