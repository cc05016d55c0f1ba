#pragma once
// Method + path-template routing. A template is a path whose segments are literals or {name};
// a {name} segment matches any one non-empty segment and is handed to the handler by name.

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "http/message.hpp"
#include "http/stream.hpp"

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
// A route whose success answer streams its body: it answers the head, and sets `body` to what
// writes the rest (http/stream.hpp).
using StreamHandler =
    std::function<boost::asio::awaitable<Response>(Request&, const PathParams&, StreamBody& body)>;

// A schema of the API description's components, by name, or an array of it; empty: none.
struct SchemaRef {
  std::string name;
  bool array = false;
  [[nodiscard]] bool empty() const { return name.empty(); }
};

// A query parameter a route accepts, as the API description tells it.
struct QueryParameter {
  std::string name;
  std::string description;
  boost::json::object schema;  // of one value
  bool repeatable = false;     // may be given several times
};

// A route: what it answers and what the API description says of it. Declared with designated
// initializers; the router sets `slot`.
struct Route {
  Verb method;
  std::string path;     // the template, e.g. /users/{id}
  std::string name;     // a stable name, e.g. users.get
  std::string summary;  // one line for `usertasks routes` and the API description
  std::vector<QueryParameter> query{};
  std::string description{};             // more than the summary, for the API description
  std::vector<QueryParameter> headers{};  // request headers it reads, beyond the common ones
  SchemaRef request{};   // the body it takes, if any
  SchemaRef response{};  // the body of its success answer, if any
  std::string response_type = "application/json";
  Status success = Status::ok;
  std::vector<Status> problems{};  // the problem answers it can give
  bool in_openapi = true;          // false for what is not the API itself, such as /docs
  bool open = false;               // answered without the API token (probes, documentation)
  // Reads or writes one record that has an ETag: the answer carries it, and the route takes
  // If-Match (If-None-Match too on a GET) but on a POST, which creates the record.
  bool versioned = false;
  Handler handler{};
  StreamHandler stream{};  // instead of `handler`
  std::size_t slot = 0;    // its path template's index in Router::templates() (metrics)
};

struct Matched {
  const Route* route;
  PathParams params;
};
struct NoSuchPath {};
struct WrongMethod {
  const Route* route;  // a route of the same path
  std::string allow;   // e.g. "GET, PUT, PATCH, DELETE, OPTIONS"
};
using Match = std::variant<Matched, NoSuchPath, WrongMethod>;

class Router {
 public:
  // Adds `route` and gives it the slot of its path template.
  void add(Route route);
  // `path` is the target's path without the query. Views in the result point into `path`.
  [[nodiscard]] Match match(Verb method, std::string_view path) const;
  // The methods a path answers to, for Allow and CORS preflights; empty when no route matches.
  [[nodiscard]] std::string allowed(std::string_view path) const;
  [[nodiscard]] const std::vector<Route>& routes() const { return routes_; }
  // The distinct path templates, in the order routes first named them: one per slot.
  [[nodiscard]] const std::vector<std::string>& templates() const { return templates_; }

 private:
  std::vector<Route> routes_;
  std::vector<std::string> templates_;
};

// True when `path` fits the template; fills `params` with the {name} segments.
bool match_template(std::string_view templ, std::string_view path, PathParams& params);

}  // namespace usertasks::http
