#pragma once
// Reading requests: the target's parts, the JSON body, and routing a request to its handler.

#include <boost/asio/awaitable.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "http/message.hpp"
#include "http/router.hpp"

namespace usertasks::http {

struct Target {
  std::string_view path;
  std::string_view query;  // without the '?'
};
Target split_target(std::string_view target);

// RFC 9112's rules for a request's head, applied once, as soon as it is read (before the body):
// - Host: at most one field, its value a `uri-host [":" port]`, and one is required from HTTP/1.1
//   on (section 3.2);
// - the target: origin-form ("/path?query") and asterisk-form ("*") are kept; absolute-form
//   ("http://host/path?query", as proxies send; section 3.2.2) is rewritten to the origin-form of
//   its path and query, and its authority replaces Host, so that everything after it (routing,
//   paging links, metrics, CORS) sees one form. Any other target (authority-form, which only
//   CONNECT uses, a URI of another scheme, one with userinfo or no host) is refused.
// Returns the 400 /problems/malformed-request to answer when the head breaks a rule. When the
// target is rewritten, `sent_target` receives it as sent (for the access log).
std::optional<Response> normalize_head(RequestHeader& head, std::string& sent_target);

// The body as JSON, or the problem to answer: 415 when it is not declared JSON, 400 when it is
// not valid JSON (with the position of the error).
std::variant<boost::json::value, Response> json_body(const Request& req);
// Whether the body's JSON text is an array: its first byte that is not JSON white space is '['
// (what it is otherwise, and whether it is valid, json_body tells).
bool body_is_json_array(const Request& req);

// Routes `req`: 404 for an unknown path, 405 with Allow for a known path and another method,
// 204 for CORS preflights (OPTIONS on a known path, or OPTIONS *).
boost::asio::awaitable<Response> dispatch(const Router& router, Request& req);
// The same, for a request already matched: the route's answer, or the router's own. A streaming
// route sets `body` (when given) to what writes the rest of its answer.
boost::asio::awaitable<Response> answer(Request& req, const Match& match,
                                        StreamBody* body = nullptr);

}  // namespace usertasks::http
