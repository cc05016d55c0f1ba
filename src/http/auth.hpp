#pragma once
// Bearer-token access control: when a token is configured, a request must carry
// `Authorization: Bearer <token>`.

#include <optional>
#include <string>
#include <string_view>

#include "http/message.hpp"

namespace usertasks::http {

class BearerAuth {
 public:
  // An empty token lets every request through.
  explicit BearerAuth(std::string token) : token_(std::move(token)) {}

  // The 401 to answer, or nullopt when the request may go on. Requests to an `open` route and CORS
  // preflights (which never carry credentials) are always let through.
  [[nodiscard]] std::optional<Response> check(const Request& req, bool open) const;

 private:
  std::string token_;
};

// Compares in time that depends on the lengths only, not on where the texts differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace usertasks::http
