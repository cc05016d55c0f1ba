#pragma once
// The HTTP message types every layer above the socket works with, and the helpers that build
// responses. Beast's heavy headers stay in http/.

#include <boost/asio/awaitable.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <string_view>

namespace usertasks::http {

namespace beast_http = boost::beast::http;
using boost::asio::awaitable;
using Request = beast_http::request<beast_http::string_body>;
using RequestHeader = beast_http::request_header<>;
using Response = beast_http::response<beast_http::string_body>;
using Status = beast_http::status;
using Verb = beast_http::verb;
using Field = beast_http::field;

Response json_response(Status status, const boost::json::value& body);
// The same with a body already serialized (models::append_json and friends).
Response json_text_response(Status status, std::string body);
Response empty_response(Status status);

// An RFC 9457 problem document. `type` is a path under /problems/ that clients branch on;
// `extra` (an object, when given) adds members such as "errors". Its strings may quote the
// request (a path, a query parameter's name), so they are made valid UTF-8 first.
Response problem(Status status, std::string_view type, std::string_view detail,
                 boost::json::object extra = {});

// 400 /problems/bad-header: the request header `name` is malformed (`message` says how), with
// `errors: [{"header", "message"}]`.
Response bad_header(std::string_view name, std::string_view message);

// `text` with each ill-formed UTF-8 sequence (its longest valid prefix, or one bad byte) replaced
// by U+FFFD, as the WHATWG decoder does: what JSON text, which must be UTF-8, can say of any bytes.
std::string valid_utf8(std::string_view text);

}  // namespace usertasks::http
