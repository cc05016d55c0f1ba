#include "http/request.hpp"

#include <fmt/format.h>

#include <boost/json/stream_parser.hpp>

namespace usertasks::http {

namespace json = boost::json;

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
  res.set(Field::access_control_allow_headers, "Content-Type, Authorization, X-Request-Id");
  res.set(Field::access_control_max_age, "86400");
  return res;
}

}  // namespace

bool body_is_json_array(const Request& req) {
  const std::string& body = req.body();
  const auto first = body.find_first_not_of(" \t\r\n");
  return first != std::string::npos && body[first] == '[';
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

boost::asio::awaitable<Response> answer(Request& req, const Match& match) {
  if (req.method() == Verb::options && req.target() == "*") {
    co_return preflight("GET, POST, PUT, PATCH, DELETE, OPTIONS");
  }
  auto* wrong = std::get_if<WrongMethod>(&match);
  if (req.method() == Verb::options && wrong != nullptr) co_return preflight(wrong->allow);
  if (auto* m = std::get_if<Matched>(&match)) co_return co_await m->route->handler(req, m->params);
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
