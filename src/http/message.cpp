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

// How many bytes of `text`, from `at`, form one well-formed UTF-8 character; 0 when they start an
// ill-formed sequence, whose longest valid prefix (at least its first byte) is `*bad` long.
std::size_t well_formed(std::string_view text, std::size_t at, std::size_t* bad) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[at + i]); };
  const unsigned char lead = byte(0);
  *bad = 1;
  if (lead < 0x80) return 1;
  std::size_t length = 0;
  unsigned char low = 0x80;  // the range of the second byte, narrower after some leads
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // no overlong forms
    if (lead == 0xED) high = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // no overlong forms
    if (lead == 0xF4) high = 0x8F;  // nothing past U+10FFFF
  } else {
    return 0;
  }
  for (std::size_t i = 1; i < length; ++i) {
    if (at + i >= text.size()) return 0;
    const unsigned char b = byte(i);
    if (b < (i == 1 ? low : 0x80) || b > (i == 1 ? high : 0xBF)) return 0;
    *bad = i + 1;
  }
  return length;
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
    std::size_t bad = 0;
    const std::size_t n = well_formed(text, at, &bad);
    if (n > 0) {
      out.append(text.substr(at, n));
      at += n;
    } else {
      out += "\xEF\xBF\xBD";  // U+FFFD REPLACEMENT CHARACTER
      at += bad;
    }
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

}  // namespace usertasks::http
