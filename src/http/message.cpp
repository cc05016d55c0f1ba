#include "http/message.hpp"

#include <fmt/format.h>

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "base/utf8.hpp"

namespace usertasks::http {

namespace json = boost::json;

namespace {

// RFC 9110's reason phrases (Beast still knows 413 and 422 by their older names).
std::string_view title_of(Status status) {
  switch (status) {
    case Status::payload_too_large:
      return "Content Too Large";
    case Status::unprocessable_entity:
      return "Unprocessable Content";
    default:
      return beast_http::obsolete_reason(status);
  }
}

void make_valid_utf8(json::value& value) {
  if (auto* s = value.if_string()) {
    *s = valid_utf8(*s);
  } else if (auto* array = value.if_array()) {
    for (auto& element : *array) make_valid_utf8(element);
  } else if (auto* object = value.if_object()) {
    for (auto& member : *object) make_valid_utf8(member.value());
  }
}

}  // namespace

std::string valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t at = 0; at < text.size();) {
    const base::utf8::Decoded next = base::utf8::decode(text, at);
    if (next.valid) {
      out.append(text.substr(at, next.length));
    } else {
      out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
    }
    at += next.length;
  }
  return out;
}

Response json_response(Status status, const json::value& body) {
  Response res{status, 11};
  res.set(Field::content_type, "application/json");
  res.body() = json::serialize(body);
  res.prepare_payload();
  return res;
}

Response json_text_response(Status status, std::string body) {
  Response res{status, 11};
  res.set(Field::content_type, "application/json");
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

Response empty_response(Status status) {
  Response res{status, 11};
  res.prepare_payload();
  return res;
}

Response problem(Status status, std::string_view type, std::string_view detail,
                 json::object extra) {
  json::object body;
  body["type"] = std::string("/problems/") + std::string(type);
  body["title"] = title_of(status);
  body["status"] = static_cast<unsigned>(status);
  body["detail"] = valid_utf8(detail);
  for (auto& [key, value] : extra) {
    make_valid_utf8(value);
    body[key] = std::move(value);
  }
  Response res = json_response(status, body);
  res.set(Field::content_type, "application/problem+json");
  return res;
}

Response bad_header(std::string_view name, std::string_view message) {
  return problem(Status::bad_request, "bad-header", fmt::format("header {} {}", name, message),
                 boost::json::object{{"errors", boost::json::array{boost::json::object{
                                                    {"header", name}, {"message", message}}}}});
}

}  // namespace usertasks::http
