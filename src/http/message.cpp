#include "http/message.hpp"

#include <boost/json/serialize.hpp>

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

}  // namespace

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
  body["detail"] = detail;
  for (auto& [key, value] : extra) body[key] = std::move(value);
  Response res = json_response(status, body);
  res.set(Field::content_type, "application/problem+json");
  return res;
}

}  // namespace usertasks::http
