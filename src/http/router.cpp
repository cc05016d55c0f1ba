#include "http/router.hpp"

#include <algorithm>

namespace usertasks::http {

std::string_view PathParams::get(std::string_view name) const {
  for (const auto& [key, value] : values_) {
    if (key == name) return value;
  }
  return {};
}

namespace {

// Splits off the next segment of a path that starts with '/'.
std::string_view next_segment(std::string_view& rest) {
  rest.remove_prefix(1);
  const auto slash = rest.find('/');
  std::string_view segment = rest.substr(0, slash);
  rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);
  return segment;
}

}  // namespace

bool match_template(std::string_view templ, std::string_view path, PathParams& params) {
  if (templ.empty() || path.empty() || path.front() != '/') return false;
  while (!templ.empty() && !path.empty()) {
    const std::string_view want = next_segment(templ);
    const std::string_view have = next_segment(path);
    if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
      if (have.empty()) return false;
      params.add(want.substr(1, want.size() - 2), have);
    } else if (want != have) {
      return false;
    }
  }
  return templ.empty() && path.empty();
}

void Router::add(Route route) {
  const auto known = std::find(templates_.begin(), templates_.end(), route.path);
  route.slot = static_cast<std::size_t>(known - templates_.begin());
  if (known == templates_.end()) templates_.push_back(route.path);
  routes_.push_back(std::move(route));
}

Match Router::match(Verb method, std::string_view path) const {
  // HEAD is answered by the GET route; the server sends the head of its answer only.
  const Verb wanted = method == Verb::head ? Verb::get : method;
  const Route* same_path = nullptr;
  for (const Route& route : routes_) {
    PathParams params;
    if (!match_template(route.path, path, params)) continue;
    if (route.method == wanted) return Matched{&route, std::move(params)};
    if (same_path == nullptr) same_path = &route;
  }
  if (same_path == nullptr) return NoSuchPath{};
  return WrongMethod{same_path, allowed(path)};
}

std::string Router::allowed(std::string_view path) const {
  std::string allow;
  for (const Route& route : routes_) {
    PathParams params;
    if (!match_template(route.path, path, params)) continue;
    allow += std::string(beast_http::to_string(route.method));
    allow += route.method == Verb::get ? ", HEAD, " : ", ";
  }
  if (!allow.empty()) allow += "OPTIONS";
  return allow;
}

}  // namespace usertasks::http
