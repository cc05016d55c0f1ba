#include "resources/resource.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "http/request.hpp"
#include "resources/docs.hpp"

namespace usertasks::resources {

namespace json = boost::json;

http::Handler bind(store::Database& db, const ApiOptions& options, std::vector<std::string> query,
                   ResourceHandler handler) {
  return [&db, options, query = std::move(query), handler = std::move(handler)](
             http::Request& req, const http::PathParams& params) -> awaitable<Response> {
    const auto parsed = http::parse_query(http::split_target(req.target()).query);
    if (!parsed) {
      co_return http::problem(Status::bad_request, "bad-query", "the query string is malformed");
    }
    if (auto problem = http::check_names(*parsed, query)) co_return bad_query(*problem);

    store::Store store(db);
    Exchange ex{req, params, *parsed, store};
    std::optional<Response> res;
    try {
      res.emplace(co_await handler(ex));
    } catch (const store::Unavailable& e) {
      spdlog::warn("database unavailable: {}", e.what());
    }
    if (!res) {
      res.emplace(http::problem(Status::service_unavailable, "unavailable",
                                "the database cannot be reached; try again shortly"));
      res->set(http::Field::retry_after, "1");
    }
    if (options.statement_count_header) {
      res->set("X-Statement-Count", std::to_string(store.statements_run()));
    }
    co_return std::move(*res);
  };
}

void RouteAdder::operator()(http::Verb method, std::string path, std::string name,
                            std::string summary, std::vector<std::string> query,
                            ResourceHandler handler, std::string request_schema,
                            std::string response_schema, Status success) {
  http::Handler bound = bind(db_, options_, query, std::move(handler));
  router_.add({method, std::move(path), std::move(name), std::move(summary), std::move(bound),
               std::move(query), std::move(request_schema), std::move(response_schema), success});
}

std::optional<std::int64_t> path_id(const Exchange& ex, std::string_view name) {
  return models::parse_positive_id(ex.params.get(name));
}

Response not_found(std::string_view what, std::string_view id) {
  return http::problem(Status::not_found, "not-found", fmt::format("no {} with id {}", what, id));
}

Response validation_failed(const models::FieldErrors& errors) {
  json::array list;
  for (const auto& e : errors)
    list.push_back(json::object{{"field", e.field}, {"message", e.message}});
  const std::string detail = errors.size() == 1
                                 ? "1 field is invalid"
                                 : fmt::format("{} fields are invalid", errors.size());
  return http::problem(Status::unprocessable_entity, "validation", detail,
                       json::object{{"errors", std::move(list)}});
}

Response bad_query(const http::QueryProblem& problem) {
  return http::problem(
      Status::bad_request, "bad-query",
      fmt::format("query parameter {} {}", problem.parameter, problem.message),
      json::object{{"errors", json::array{json::object{{"parameter", problem.parameter},
                                                       {"message", problem.message}}}}});
}

Response created(std::string body, std::string location) {
  Response res = http::json_text_response(Status::created, std::move(body));
  res.set(http::Field::location, location);
  return res;
}

store::Page read_page(http::QueryReader& reader) {
  store::Page page;
  page.limit = static_cast<std::size_t>(reader.integer("limit", 1, 1000, 100));
  page.after = reader.integer("after", 0, std::numeric_limits<std::int64_t>::max(), 0);
  return page;
}

Response page_response(const Exchange& ex, std::string items, bool more, std::size_t limit,
                       std::int64_t last_id) {
  Response res = http::json_text_response(Status::ok, std::move(items));
  if (more) {
    const std::string target =
        http::next_page_target(http::split_target(ex.request.target()).path, ex.query,
                               static_cast<std::int64_t>(limit), last_id);
    res.set(http::Field::link, fmt::format("<{}>; rel=\"next\"", target));
  }
  return res;
}

void add_routes(http::Router& router, store::Database& db, const ApiOptions& options) {
  add_user_routes(router, db, options);
  add_task_routes(router, db, options);
  add_system_routes(router, db, options);
  add_docs_routes(router);
}

}  // namespace usertasks::resources
