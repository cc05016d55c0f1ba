#include "http/request.hpp"

#include <fmt/format.h>

#include <boost/json/stream_parser.hpp>
#include <boost/url/authority_view.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/scheme.hpp>
#include <boost/url/url_view.hpp>

namespace usertasks::http {

namespace json = boost::json;
namespace urls = boost::urls;

Target split_target(std::string_view target) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) return {target, {}};
  return {target.substr(0, q), target.substr(q + 1)};
}

namespace {

bool is_json_media_type(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  std::string lower(type);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower == "application/json" ||
         (lower.starts_with("application/") && lower.ends_with("+json"));
}

Response preflight(std::string_view allow) {
  Response res = empty_response(Status::no_content);
  res.set(Field::allow, allow);
  res.set(Field::access_control_allow_methods, allow);
  res.set(Field::access_control_allow_headers,
          "Content-Type, Authorization, X-Request-Id, Prefer, Idempotency-Key, If-Match, "
          "If-None-Match, Last-Event-ID");
  res.set(Field::access_control_max_age, "86400");
  return res;
}

Response malformed(std::string_view detail) {
  return problem(Status::bad_request, "malformed-request", detail);
}

// The problem with the request's Host fields, if any (RFC 9112, section 3.2).
std::optional<Response> check_host(const RequestHeader& head) {
  const std::size_t count = head.count(Field::host);
  if (count == 0) {
    if (head.version() < 11) return std::nullopt;  // HTTP/1.0 predates Host
    return malformed("an HTTP/1.1 request must have a Host header field (RFC 9112, section 3.2)");
  }
  if (count > 1) return malformed("the request has more than one Host header field");
  // uri-host [":" port]: an authority without userinfo. An empty value is allowed (section 3.2).
  const std::string_view value = head[Field::host];
  const auto authority = urls::parse_authority(urls::string_view(value.data(), value.size()));
  if (!authority || authority->has_userinfo()) {
    return malformed(fmt::format("the Host header field is not a host and optional port: \"{}\"",
                                 std::string(value)));
  }
  return std::nullopt;
}

// The path and query of an absolute-form target, or nullopt when `target` is not an http or https
// URI with a host and without userinfo (RFC 9110, sections 4.2.1 and 4.2.4).
std::optional<std::pair<std::string, std::string>> absolute_form(std::string_view target) {
  const auto uri = urls::parse_absolute_uri(urls::string_view(target.data(), target.size()));
  if (!uri || (uri->scheme_id() != urls::scheme::http && uri->scheme_id() != urls::scheme::https) ||
      !uri->has_authority() || uri->encoded_host().empty() || uri->has_userinfo()) {
    return std::nullopt;
  }
  // Boost.URL 1.81 ends a port at its first non-digit and takes the rest for a path
  // ("http://h:80x/y" parses, with the path "x/y"): after an authority, a path starts with '/'.
  if (!uri->encoded_path().empty() && !uri->encoded_path().starts_with('/')) return std::nullopt;
  // An empty path is "/" in the origin-form (RFC 9112, section 3.2.1).
  std::string origin = uri->encoded_path().empty() ? "/" : std::string(uri->encoded_path());
  if (uri->has_query()) {
    origin += '?';
    origin += uri->encoded_query();
  }
  return std::pair{std::move(origin), std::string(uri->encoded_authority())};
}

}  // namespace

bool body_is_json_array(const Request& req) {
  const std::string& body = req.body();
  const auto first = body.find_first_not_of(" \t\r\n");
  return first != std::string::npos && body[first] == '[';
}

std::optional<Response> normalize_head(RequestHeader& head, std::string& sent_target) {
  if (auto refused = check_host(head)) return refused;
  const std::string_view target = head.target();
  if (target.starts_with('/') || target == "*") return std::nullopt;
  if (head.method() == Verb::connect) {
    return malformed("CONNECT is not supported: the service is not a proxy");
  }
  auto origin = absolute_form(target);
  if (!origin) {
    return malformed(fmt::format(
        "the request target is neither a path (/path?query) nor an http or https URI: \"{}\"",
        std::string(target)));
  }
  sent_target = target;
  head.target(origin->first);
  // The target's authority is the request's: a Host sent with it is ignored (section 3.2.2).
  head.set(Field::host, origin->second);
  return std::nullopt;
}

std::variant<json::value, Response> json_body(const Request& req) {
  if (!is_json_media_type(req[Field::content_type])) {
    return problem(Status::unsupported_media_type, "unsupported-media-type",
                   "the body must be JSON, sent with Content-Type: application/json");
  }
  json::parse_options options;
  options.max_depth = 64;
  json::stream_parser parser({}, options);
  boost::system::error_code ec;
  parser.write(req.body(), ec);
  if (!ec) parser.finish(ec);
  if (ec) {
    return problem(Status::bad_request, "malformed-json",
                   fmt::format("the body is not valid JSON: {}", ec.message()));
  }
  return parser.release();
}

boost::asio::awaitable<Response> dispatch(const Router& router, Request& req) {
  co_return co_await answer(req, router.match(req.method(), split_target(req.target()).path));
}

boost::asio::awaitable<Response> answer(Request& req, const Match& match, StreamBody* body) {
  if (req.method() == Verb::options && req.target() == "*") {
    co_return preflight("GET, POST, PUT, PATCH, DELETE, OPTIONS");
  }
  auto* wrong = std::get_if<WrongMethod>(&match);
  if (req.method() == Verb::options && wrong != nullptr) co_return preflight(wrong->allow);
  if (auto* m = std::get_if<Matched>(&match)) {
    if (!m->route->stream) co_return co_await m->route->handler(req, m->params);
    StreamBody ignored;
    co_return co_await m->route->stream(req, m->params, body != nullptr ? *body : ignored);
  }
  if (wrong != nullptr) {
    Response res = problem(Status::method_not_allowed, "method-not-allowed",
                           fmt::format("{} is not allowed here", std::string(req.method_string())));
    res.set(Field::allow, wrong->allow);
    co_return res;
  }
  co_return problem(Status::not_found, "not-found",
                    fmt::format("no resource at {}", std::string(split_target(req.target()).path)));
}

}  // namespace usertasks::http
