#include "http/auth.hpp"

namespace usertasks::http {

bool constant_time_equal(std::string_view a, std::string_view b) {
  unsigned char difference = a.size() == b.size() ? 0 : 1;
  const std::string_view& longer = a.size() >= b.size() ? a : b;
  for (std::size_t i = 0; i < longer.size(); ++i) {
    const auto x = static_cast<unsigned char>(i < a.size() ? a[i] : 0);
    const auto y = static_cast<unsigned char>(i < b.size() ? b[i] : 0);
    difference = static_cast<unsigned char>(difference | (x ^ y));
  }
  return difference == 0;
}

std::optional<Response> BearerAuth::check(const Request& req, bool open) const {
  if (token_.empty() || open || req.method() == Verb::options) return std::nullopt;
  constexpr std::string_view scheme = "Bearer ";
  const std::string_view given = req[Field::authorization];
  if (given.size() > scheme.size() && given.substr(0, scheme.size()) == scheme &&
      constant_time_equal(given.substr(scheme.size()), token_)) {
    return std::nullopt;
  }
  Response res = problem(Status::unauthorized, "unauthorized",
                         "this service needs an API token: Authorization: Bearer <token>");
  res.set(Field::www_authenticate, R"(Bearer realm="usertasks")");
  return res;
}

}  // namespace usertasks::http
