#pragma once
// What the fuzz targets share: a broken invariant aborts (so that libFuzzer keeps the input as a
// crash artifact), and the checks on answers that hold for every request.

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "http/message.hpp"

namespace usertasks::fuzz {

[[noreturn]] inline void fail(std::string_view what, std::string_view detail = {}) {
  std::fprintf(stderr, "\n*** invariant broken: %.*s\n", static_cast<int>(what.size()),
               what.data());
  if (!detail.empty()) {
    std::fprintf(stderr, "%.*s\n", static_cast<int>(detail.size()), detail.data());
  }
  std::abort();
}

inline void require(bool holds, std::string_view what, std::string_view detail = {}) {
  if (!holds) fail(what, detail);
}

// The answer as text, for the message of a broken invariant.
inline std::string describe(const http::Response& res) {
  std::string text = std::to_string(res.result_int()) + " ";
  text += std::string(res[http::Field::content_type]) + "\n" + res.body();
  return text;
}

// An error answer is an RFC 9457 problem document: the media type, and an object with the type
// under /problems/, a title, the status of the answer, and a detail.
inline void require_problem(const http::Response& res) {
  require(res[http::Field::content_type] == "application/problem+json",
          "an error answer is application/problem+json", describe(res));
  boost::system::error_code ec;
  const boost::json::value body = boost::json::parse(res.body(), ec);
  require(!ec && body.is_object(), "a problem body is a JSON object", describe(res));
  const boost::json::object& problem = body.get_object();
  const auto* type = problem.if_contains("type");
  require(type != nullptr && type->is_string() && type->get_string().starts_with("/problems/"),
          "a problem has a type under /problems/", describe(res));
  const auto* title = problem.if_contains("title");
  require(title != nullptr && title->is_string() && !title->get_string().empty(),
          "a problem has a title", describe(res));
  const auto* status = problem.if_contains("status");
  require(status != nullptr && status->is_int64() &&
              status->get_int64() == static_cast<std::int64_t>(res.result_int()),
          "a problem's status is the answer's status", describe(res));
  const auto* detail = problem.if_contains("detail");
  require(detail != nullptr && detail->is_string(), "a problem has a detail", describe(res));
}

}  // namespace usertasks::fuzz
