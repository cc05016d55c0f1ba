#pragma once
// Method + path-template routing. A template is a path whose segments are literals or {name};
// a {name} segment matches any one non-empty segment and is handed to the handler by name.

#include <boost/asio/awaitable.hpp>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "http/message.hpp"

namespace usertasks::http {

class PathParams {
 public:
  void add(std::string_view name, std::string_view value) { values_.emplace_back(name, value); }
  // The segment matched by {name}; empty when the route has no such parameter.
  [[nodiscard]] std::string_view get(std::string_view name) const;

 private:
  std::vector<std::pair<std::string_view, std::string_view>> values_;
};

using Handler = std::function<boost::asio::awaitable<Response>(Request&, const PathParams&)>;

// A route and what the OpenAPI document says of it. Schema names refer to the document's
// components; "[Task]" is an array of Task.
struct Route {
  Verb method;
  std::string path;     // the template, e.g. /users/{id}
  std::string name;     // a stable name, e.g. users.get
  std::string summary;  // one line for `usertasks routes` and the OpenAPI document
  Handler handler;
  std::vector<std::string> query{};  // the query parameters it accepts
  std::string request_schema{};      // the body it takes, if any
  std::string response_schema{};     // the body of its success response, if any
  Status success = Status::ok;
  bool in_openapi = true;  // false for what is not the API itself, such as the /docs page
};

struct Matched {
  const Route* route;
  PathParams params;
};
struct NoSuchPath {};
struct WrongMethod {
  std::string allow;  // e.g. "GET, PUT, PATCH, DELETE, OPTIONS"
};
using Match = std::variant<Matched, NoSuchPath, WrongMethod>;

class Router {
 public:
  void add(Route route);
  // `path` is the target's path without the query. Views in the result point into `path`.
  [[nodiscard]] Match match(Verb method, std::string_view path) const;
  // The methods a path answers to, for Allow and CORS preflights; empty when no route matches.
  [[nodiscard]] std::string allowed(std::string_view path) const;
  [[nodiscard]] const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

// True when `path` fits the template; fills `params` with the {name} segments.
bool match_template(std::string_view templ, std::string_view path, PathParams& params);

}  // namespace usertasks::http
