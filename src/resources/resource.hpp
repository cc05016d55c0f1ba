#pragma once
// What every resource shares: the per-request exchange, and the answers that are the same for all
// of them (validation failures, not found, paging).

#include <boost/asio/awaitable.hpp>
#include <boost/json/array.hpp>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "http/message.hpp"
#include "http/query.hpp"
#include "http/request.hpp"
#include "http/router.hpp"
#include "models/sort.hpp"
#include "models/validation.hpp"
#include "repository/store.hpp"
#include "resources/idempotency.hpp"
#include "resources/schemas.hpp"

namespace usertasks::resources {

using boost::asio::awaitable;
using http::Response;
using http::Status;

struct ApiOptions {
  // Adds X-Statement-Count to every answer: how many SQL statements the request ran.
  bool statement_count_header = false;
  // The service asks for an API token: the API description lists the 401s, and idempotency keys
  // are scoped to the token presented.
  bool api_token = false;
  // PUT, PATCH and DELETE of a record without If-Match are answered 428 (serve
  // --require-if-match).
  bool require_if_match = false;
  // The idempotency keys of the POST routes; none: they ignore Idempotency-Key.
  std::shared_ptr<Idempotency> idempotency;
  // Writes record the events of the change feed (false: serve --no-change-feed).
  bool record_events = true;
};

// One request as a resource sees it.
struct Exchange {
  http::Request& request;
  const http::PathParams& params;
  const http::Query& query;
  repository::Store& store;
  const ApiOptions& options;
};

using ResourceHandler = std::function<awaitable<Response>(Exchange&)>;

// Adapts a resource handler to the router: checks the query's parameter names against the route's,
// gives the handler a Store, and answers 503 when the database cannot be reached. With
// `idempotency`, a request with an Idempotency-Key is answered through it (one transaction, or
// the stored answer); one without runs as it would without `idempotency`.
http::Handler bind(store::Database& db, const ApiOptions& options, std::vector<std::string> query,
                   std::vector<std::string> repeatable, ResourceHandler handler,
                   std::shared_ptr<Idempotency> idempotency = nullptr);

// Adds the routes of resources to a router.
class Api {
 public:
  Api(http::Router& router, store::Database& db, const ApiOptions& options)
      : router_(router), db_(db), options_(options) {}
  // Adds `route`, answered by `handler` through bind(); its problems gain those every such route
  // can give (400, 503; 404 with a path parameter; 413, 415 and 422 with a body).
  void add(http::Route route, ResourceHandler handler);
  [[nodiscard]] const ApiOptions& options() const { return options_; }

 private:
  http::Router& router_;
  store::Database& db_;
  const ApiOptions& options_;
};

// The {id} of the path; nullopt (answer 404) when it is not a positive integer.
std::optional<std::int64_t> path_id(const Exchange& ex, std::string_view name = "id");

Response not_found(std::string_view what, std::string_view id);
Response validation_failed(const models::FieldErrors& errors);
Response bad_query(const http::QueryProblem& problem);
// 201 with a serialized body and its Location.
Response created(std::string body, std::string location);

// The body, parsed and validated by `validate` (one of models::validate_*), or the answer to give
// instead: 415, 400 or 422.
template <class Validate>
auto read_body(const Exchange& ex, Validate validate) -> std::variant<
    std::variant_alternative_t<0, std::invoke_result_t<Validate, const boost::json::value&>>,
    Response> {
  auto body = http::json_body(ex.request);
  if (auto* res = std::get_if<Response>(&body)) return std::move(*res);
  auto input = validate(std::get<boost::json::value>(body));
  if (auto* errors = std::get_if<models::FieldErrors>(&input)) return validation_failed(*errors);
  return std::move(std::get<0>(input));
}

// limit, after, sort (against T's sortable fields) and cursor from the query (repository::Page's
// bounds); count when the request prefers an exact count (Prefer: count=exact). A cursor pages
// the order it was made for; after= the id order alone, and not with a cursor.
template <class T>
repository::Page read_page(const Exchange& ex, http::QueryReader& reader);
// The filters of T's lists from the query (a bad value is the reader's problem).
template <class T>
models::FilterValues<T> read_filters(http::QueryReader& reader);
// The Task's filters from the query.
repository::TaskFilter read_task_filter(http::QueryReader& reader);

// Where the page after one starts: after=ID of its last record in the id order, cursor= with the
// last record's key in another.
struct NextPage {
  std::string_view parameter = "after";
  std::string value = "0";
};
template <class T>
NextPage next_page(const repository::Page& page, const T& last) {
  if (page.sort.by_id()) return {"after", std::to_string(last.id)};
  return {"cursor", models::make_cursor(page.sort, last)};
}

// A 200 list answer; when `more`, a Link to the next page (`next`) that keeps the other query
// parameters; with a `total` (Page::count), X-Total-Count and Preference-Applied. `items` is the
// serialized array (models::json_array).
Response page_response(const Exchange& ex, std::string items, bool more, std::size_t limit,
                       const NextPage& next, std::optional<std::int64_t> total);

// Resource registration, one function per resource file.
void add_user_routes(Api& api);
void add_task_routes(Api& api);
void add_tag_routes(Api& api);
// /openapi.json describes `router` when it is called, so `router` must not move after this.
void add_system_routes(Api& api, const http::Router& router);

// Every route of the service; the same holds for `router`.
void add_routes(http::Router& router, store::Database& db, const ApiOptions& options);

}  // namespace usertasks::resources
