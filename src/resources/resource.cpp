#include "resources/resource.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json/serialize.hpp>
#include <stdexcept>

#include "base/integer.hpp"
#include "http/idempotency.hpp"
#include "http/prefer.hpp"
#include "http/request.hpp"
#include "resources/docs.hpp"

namespace usertasks::resources {

namespace json = boost::json;

namespace {

Response unavailable() {
  Response res = http::problem(Status::service_unavailable, "unavailable",
                               "the database cannot be reached; try again shortly");
  res.set(http::Field::retry_after, "1");
  return res;
}

// The request's query, checked against the route's parameter names; or the 400 to answer.
std::variant<http::Query, Response> checked_query(const http::Request& req,
                                                  const std::vector<std::string>& names,
                                                  const std::vector<std::string>& repeatable) {
  auto parsed = http::parse_query(http::split_target(req.target()).query);
  if (!parsed) {
    return http::problem(Status::bad_request, "bad-query", "the query string is malformed");
  }
  if (auto problem = http::check_names(*parsed, names, repeatable)) return bad_query(*problem);
  return std::move(*parsed);
}

// A request with an Idempotency-Key: a 400 for a bad query or a malformed key, else Idempotency's
// answer, the handler's Store running every unit of work in the key's transaction.
awaitable<Response> answer_keyed(store::Database& db, const ApiOptions& options,
                                 Idempotency& idempotency, const ResourceHandler& handler,
                                 const std::vector<std::string>& names,
                                 const std::vector<std::string>& repeatable, http::Request& req,
                                 const http::PathParams& params) {
  auto query = checked_query(req, names, repeatable);
  if (auto* problem = std::get_if<Response>(&query)) co_return std::move(*problem);
  auto key = http::read_idempotency_key(req);
  if (auto* problem = std::get_if<Response>(&key)) co_return std::move(*problem);
  const KeyedRequest request{
      .scope = options.api_token ? http::credential_scope(req) : std::string(),
      .key = std::move(std::get<std::string>(key)),
      .fingerprint = http::request_fingerprint(req)};
  const http::Query& parsed = std::get<http::Query>(query);
  const Idempotency::Handle handle = [&](repository::Store& pinned) -> awaitable<Response> {
    Exchange ex{req, params, parsed, pinned, options};
    co_return co_await handler(ex);
  };
  std::uint64_t statements = 0;
  std::optional<Response> res;
  try {
    res.emplace(co_await idempotency.respond(db, request, handle, statements));
  } catch (const store::Unavailable& e) {
    spdlog::warn("database unavailable: {}", e.what());
  }
  if (!res) res.emplace(unavailable());
  if (options.statement_count_header) res->set("X-Statement-Count", std::to_string(statements));
  co_return std::move(*res);
}

}  // namespace

http::Handler bind(store::Database& db, const ApiOptions& options, std::vector<std::string> query,
                   std::vector<std::string> repeatable, ResourceHandler handler,
                   std::shared_ptr<Idempotency> idempotency) {
  http::Handler plain = [&db, options, query, repeatable, handler](
                            http::Request& req,
                            const http::PathParams& params) -> awaitable<Response> {
    const auto parsed = http::parse_query(http::split_target(req.target()).query);
    if (!parsed) {
      co_return http::problem(Status::bad_request, "bad-query", "the query string is malformed");
    }
    if (auto problem = http::check_names(*parsed, query, repeatable)) {
      co_return bad_query(*problem);
    }

    repository::Store store(db, options.record_events);
    Exchange ex{req, params, *parsed, store, options};
    std::optional<Response> res;
    try {
      res.emplace(co_await handler(ex));
    } catch (const store::Unavailable& e) {
      spdlog::warn("database unavailable: {}", e.what());
    }
    if (!res) res.emplace(unavailable());
    if (options.statement_count_header) {
      res->set("X-Statement-Count", std::to_string(store.statements_run()));
    }
    co_return std::move(*res);
  };
  if (!idempotency) return plain;
  // Not a coroutine: it hands over the coroutine of the one it chooses, so that a request without
  // a key runs `plain` as every request did before keys, in a frame of the same size.
  return [&db, options, query = std::move(query), repeatable = std::move(repeatable),
          handler = std::move(handler), idempotency = std::move(idempotency),
          plain = std::move(plain)](http::Request& req,
                                    const http::PathParams& params) -> awaitable<Response> {
    if (!http::has_idempotency_key(req)) return plain(req, params);
    return answer_keyed(db, options, *idempotency, handler, query, repeatable, req, params);
  };
}

void Api::add(http::Route route, ResourceHandler handler) {
  std::vector<std::string> names;
  std::vector<std::string> repeatable;
  for (const http::QueryParameter& q : route.query) {
    names.push_back(q.name);
    if (q.repeatable) repeatable.push_back(q.name);
  }
  // Unknown query parameters are a 400 everywhere; an unreachable database a 503.
  std::vector<Status> problems{Status::bad_request, Status::service_unavailable};
  if (route.path.find('{') != std::string::npos) problems.push_back(Status::not_found);
  if (!route.request.empty()) {
    problems.push_back(Status::payload_too_large);
    problems.push_back(Status::unsupported_media_type);
    problems.push_back(Status::unprocessable_entity);
  }
  // A versioned route's If-Match: 412, and 428 when the service requires it on writes.
  if (route.versioned && route.method != http::Verb::post) {
    problems.push_back(Status::precondition_failed);
    if (route.method != http::Verb::get) {
      problems.push_back(Status::bad_request);
      if (options_.require_if_match) problems.push_back(Status::precondition_required);
    }
  }
  // Idempotency-Key: 409 while a request with the key is in flight, 422 when it was another's.
  const bool keyed = takes_idempotency_key(route);
  if (keyed) {
    problems.push_back(Status::conflict);
    problems.push_back(Status::unprocessable_entity);
  }
  for (Status s : problems) {
    if (std::find(route.problems.begin(), route.problems.end(), s) == route.problems.end()) {
      route.problems.push_back(s);
    }
  }
  route.handler = bind(db_, options_, std::move(names), std::move(repeatable), std::move(handler),
                       keyed ? options_.idempotency : nullptr);
  router_.add(std::move(route));
}

std::optional<std::int64_t> path_id(const Exchange& ex, std::string_view name) {
  return base::parse_positive_id(ex.params.get(name));
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

namespace {

// The value of a query parameter given once; nullptr when absent.
const std::string* query_value(const http::Query& query, std::string_view name) {
  for (const http::QueryParam& p : query) {
    if (p.name == name) return &p.value;
  }
  return nullptr;
}

}  // namespace

template <class T>
repository::Page read_page(const Exchange& ex, http::QueryReader& reader) {
  using repository::Page;
  Page page;
  page.count = http::preference(ex.request, "count") == "exact";
  page.limit = static_cast<std::size_t>(
      reader.integer("limit", 1, Page::max_limit, static_cast<std::int64_t>(Page::default_limit)));
  page.after = reader.integer("after", 0, std::numeric_limits<std::int64_t>::max(), 0);
  const bool after = query_value(ex.query, "after") != nullptr;
  const std::string* cursor = query_value(ex.query, "cursor");
  if (const std::string* sort = query_value(ex.query, "sort")) {
    auto parsed = models::parse_sort<T>(*sort);
    if (auto* problem = std::get_if<std::string>(&parsed)) {
      reader.fail("sort", std::move(*problem));
      return page;
    }
    page.sort = std::move(std::get<models::Sort>(parsed));
  }
  if (cursor != nullptr && after) {
    reader.fail("cursor", "cannot be given with after: the cursor says where the page starts");
  } else if (after && !page.sort.by_id()) {
    reader.fail("after",
                "pages the id order only; in another order follow the next link (cursor=)");
  } else if (cursor != nullptr) {
    auto key = models::read_cursor<T>(page.sort, *cursor);
    if (auto* problem = std::get_if<std::string>(&key)) {
      reader.fail("cursor", std::move(*problem));
    } else if (page.sort.by_id()) {
      page.after = std::get<std::int64_t>(std::get<0>(key).front());
    } else {
      page.cursor = std::move(std::get<0>(key));
    }
  }
  return page;
}

template repository::Page read_page<models::User>(const Exchange&, http::QueryReader&);
template repository::Page read_page<models::Task>(const Exchange&, http::QueryReader&);
template repository::Page read_page<models::Tag>(const Exchange&, http::QueryReader&);

namespace {

// The names a names filter gives (repeated: all of them), each read as the linked entity's name,
// as a JSON array; nullopt when none is given, or one is bad (the reader's problem).
std::optional<std::string> read_names(http::QueryReader& reader, const models::FilterSpec& spec,
                                      const models::Field& field) {
  const std::vector<std::string> values = reader.all(spec.parameter);
  if (values.empty()) return std::nullopt;
  const models::Field& name = *field.link->name;
  json::array names;
  for (const std::string& value : values) {
    auto read = models::read_text(name, value);
    if (auto* problem = std::get_if<models::Problem>(&read)) {
      reader.fail(spec.parameter, std::move(problem->message));
      return std::nullopt;
    }
    names.emplace_back(std::get<std::string>(read));
  }
  return json::serialize(names);
}

// The text of a search (models::search_text); nullopt when absent or bad.
std::optional<models::Scalar> read_search(http::QueryReader& reader, std::string_view name) {
  const std::vector<std::string> values = reader.all(name);  // check_names: at most one
  if (values.empty()) return std::nullopt;
  auto read = models::read_text(models::search_text, values.front());
  if (auto* problem = std::get_if<models::Problem>(&read)) {
    reader.fail(name, std::move(problem->message));
    return std::nullopt;
  }
  return std::move(std::get<std::string>(read));
}

// The value of the filter `spec` on `field` from the query; nullopt when absent or bad.
std::optional<models::Scalar> read_filter(http::QueryReader& reader, const models::FilterSpec& spec,
                                          const models::Field& field) {
  const std::string_view name = spec.parameter;
  if (spec.compare == models::Compare::contains) return read_search(reader, name);
  switch (field.type) {
    case models::FieldType::boolean:
      if (auto b = reader.boolean(name)) return *b;
      break;
    case models::FieldType::timestamp:
      if (auto at = reader.timestamp(name)) return std::move(*at);
      break;
    case models::FieldType::id:
    case models::FieldType::reference:
      if (auto id = reader.id(name)) return *id;
      break;
    case models::FieldType::names:
      if (auto names = read_names(reader, spec, field)) return std::move(*names);
      break;
    case models::FieldType::text:
      throw std::logic_error("text filters are not supported");
  }
  return std::nullopt;
}

}  // namespace

template <class T>
models::FilterValues<T> read_filters(http::QueryReader& reader) {
  models::FilterValues<T> values;
  const auto& specs = models::Entity<T>::filters;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    values[i] = read_filter(reader, specs[i], models::field<T>(specs[i].field));
  }
  return values;
}

template models::FilterValues<models::User> read_filters<models::User>(http::QueryReader&);
template models::FilterValues<models::Task> read_filters<models::Task>(http::QueryReader&);
template models::FilterValues<models::Tag> read_filters<models::Tag>(http::QueryReader&);

repository::TaskFilter read_task_filter(http::QueryReader& reader) {
  return {.user_id = std::nullopt, .values = read_filters<models::Task>(reader)};
}

Response page_response(const Exchange& ex, std::string items, bool more, std::size_t limit,
                       const NextPage& next, std::optional<std::int64_t> total) {
  Response res = http::json_text_response(Status::ok, std::move(items));
  // Whether the answer has a count depends on Prefer: a cache must tell the two apart.
  res.set(http::Field::vary, "Prefer");
  if (total) {
    res.set("X-Total-Count", std::to_string(*total));
    res.set("Preference-Applied", "count=exact");
  }
  if (more) {
    const std::string target =
        http::next_page_target(http::split_target(ex.request.target()).path, ex.query,
                               static_cast<std::int64_t>(limit), next.parameter, next.value);
    res.set(http::Field::link, fmt::format("<{}>; rel=\"next\"", target));
  }
  return res;
}

void add_routes(http::Router& router, store::Database& db, const ApiOptions& options) {
  Api api(router, db, options);
  add_user_routes(api);
  add_task_routes(api);
  add_tag_routes(api);
  add_system_routes(api, router);
  add_docs_routes(router);
}

}  // namespace usertasks::resources
