#include "resources/openapi.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "resources/idempotency.hpp"
#include "resources/schemas.hpp"

namespace usertasks::resources {

namespace json = boost::json;
using models::Field;
using models::Mode;
using models::Source;

namespace {

json::object schema_ref(std::string_view name) {
  return {{"$ref", fmt::format("#/components/schemas/{}", name)}};
}

// The record as every answer renders it: every field, always present.
template <class T>
json::object record_schema() {
  json::object properties;
  json::array required;
  for (const Field& f : models::Entity<T>::fields) {
    json::object schema = field_schema(f, false);
    if (f.source != Source::body) schema["readOnly"] = true;
    properties[f.name] = std::move(schema);
    required.emplace_back(f.name);
  }
  return {
      {"type", "object"}, {"required", std::move(required)}, {"properties", std::move(properties)}};
}

// The body of a write: the fields a client gives, required as `mode` says; `except` left out.
template <class T>
json::object body_schema(Mode mode, std::string_view except = {}) {
  json::object properties;
  json::array required;
  for (const Field& f : models::Entity<T>::fields) {
    if (f.source != Source::body || f.name == except) continue;
    properties[f.name] = field_schema(f, true);
    if (f.required && mode != Mode::patch) required.emplace_back(f.name);
  }
  json::object schema{{"type", "object"}, {"additionalProperties", false}};
  if (!required.empty()) schema["required"] = std::move(required);
  schema["properties"] = std::move(properties);
  return schema;
}

// The record's schema and those of the bodies of the writes its routes take.
template <class T>
void add_entity(json::object& schemas, std::initializer_list<Mode> modes) {
  const std::string_view name = models::Entity<T>::name;
  schemas[name] = record_schema<T>();
  for (Mode mode : modes) schemas[body_schema_name(name, mode)] = body_schema<T>(mode);
}

// The schema `base` with one more property, required.
json::object with(std::string_view base, std::string_view key, json::object schema) {
  json::object extra{{"type", "object"}, {"required", json::array{key}}};
  extra["properties"] = json::object{{key, std::move(schema)}};
  return {{"allOf", json::array{schema_ref(base), std::move(extra)}}};
}

json::object components() {
  using models::Tag;
  using models::Task;
  using models::User;
  json::object schemas;
  add_entity<User>(schemas, {Mode::create, Mode::replace, Mode::patch});
  add_entity<Task>(schemas, {Mode::create, Mode::replace, Mode::patch});
  add_entity<Tag>(schemas, {Mode::create, Mode::patch});
  schemas["UserWithTasks"] =
      with("User", "tasks", {{"type", "array"}, {"items", schema_ref("Task")}});
  schemas["TaskWithUser"] = with("Task", "user", schema_ref("User"));
  // POST /tasks: one task, or an array of them created all or none.
  schemas["NewTaskOrTasks"] = {
      {"oneOf", json::array{schema_ref("NewTask"),
                            json::object{{"type", "array"},
                                         {"minItems", 1},
                                         {"maxItems", models::Entity<Task>::max_at_once},
                                         {"items", schema_ref("NewTask")}}}}};
  schemas["TaskOrTasks"] = {
      {"oneOf", json::array{schema_ref("Task"),
                            json::object{{"type", "array"}, {"items", schema_ref("Task")}}}}};
  schemas["TagWithTaskCount"] =
      with("Tag", "task_count",
           {{"type", "integer"}, {"minimum", 0}, {"description", "the tasks carrying the tag"}});
  // A user created with tasks gives each task's content only.
  json::object content = body_schema<Task>(Mode::create);
  content["properties"] = {{"content", content["properties"].as_object()["content"]}};
  content["required"] = json::array{"content"};
  schemas["NewUser"].as_object()["properties"].as_object()["tasks"] = {
      {"type", "array"},
      {"maxItems", models::Entity<User>::max_tasks_at_creation},
      {"items", std::move(content)}};
  schemas[user_task_body().name] = body_schema<Task>(Mode::create, "user_id");
  schemas[health_schema().name] = {
      {"type", "object"},
      {"required", json::array{"status"}},
      {"properties", {{"status", {{"type", "string"}, {"examples", json::array{"ok"}}}}}}};
  schemas[openapi_schema().name] = {{"type", "object"}, {"description", "an OpenAPI 3.1 document"}};
  schemas["EventStream"] = {
      {"type", "string"},
      {"description",
       "text/event-stream (WHATWG Server-sent events): blocks of `id: N`, `event: TYPE`, "
       "`data: JSON`, a blank line; `retry:` first, `: keep-alive` comments between"}};
  schemas[metrics_schema().name] = {
      {"type", "string"}, {"description", "the Prometheus text exposition format, version 0.0.4"}};
  schemas["Problem"] = {
      {"type", "object"},
      {"description", "RFC 9457 problem details"},
      {"required", json::array{"type", "title", "status"}},
      {"properties",
       {{"type", {{"type", "string"}, {"examples", json::array{"/problems/not-found"}}}},
        {"title", {{"type", "string"}, {"examples", json::array{"Not Found"}}}},
        {"status", {{"type", "integer"}, {"examples", json::array{404}}}},
        {"detail", {{"type", "string"}, {"examples", json::array{"no task with id 7"}}}},
        {"errors",
         {{"type", "array"},
          {"description", "each invalid field (422), query parameter or header (400)"},
          {"items", {{"type", "object"}}}}}}}};
  return {{"securitySchemes",
           {{"bearer",
             {{"type", "http"},
              {"scheme", "bearer"},
              {"description",
               "Needed when the service runs with --api-token; every route but /healthz, "
               "/openapi.json and /docs then asks for it"}}}}},
          {"schemas", std::move(schemas)}};
}

json::object schema_of(const http::SchemaRef& schema, const json::object& schemas) {
  if (!schemas.contains(schema.name)) {
    throw std::logic_error(fmt::format("no schema {} in the API description", schema.name));
  }
  if (schema.array) return {{"type", "array"}, {"items", schema_ref(schema.name)}};
  return schema_ref(schema.name);
}

std::string_view reason(http::Status status) {
  return http::beast_http::obsolete_reason(status);
}

// A path parameter: {id} is a record's id, {name} a tag's name.
json::object path_schema(std::string_view name) {
  if (name == "id") return {{"type", "integer"}, {"minimum", 1}};
  json::object schema = field_schema(models::field<models::Tag>(name), false);
  schema.erase("description");
  return schema;
}

// A list (a route answering an array) counts on request: Prefer: count=exact (RFC 7240).
json::object prefer_parameter() {
  return {{"name", "Prefer"},
          {"in", "header"},
          {"required", false},
          {"description",
           "`count=exact` (RFC 7240) adds X-Total-Count: the number of records the list's "
           "filters match, whatever limit and after; other preferences are ignored"},
          {"schema", {{"type", "string"}, {"examples", json::array{"count=exact"}}}}};
}

json::object count_headers() {
  return {{"X-Total-Count",
           {{"description",
             "with Prefer: count=exact, the number of records the list's filters match, "
             "whatever limit and after"},
            {"schema", {{"type", "integer"}, {"minimum", 0}}}}},
          {"Preference-Applied",
           {{"description", "count=exact when the answer has X-Total-Count"},
            {"schema", {{"type", "string"}, {"const", "count=exact"}}}}}};
}

json::object header_parameter(std::string_view name, std::string_view description) {
  return {{"name", name},
          {"in", "header"},
          {"required", false},
          {"description", description},
          {"schema", {{"type", "string"}, {"examples", json::array{"\"3-17\""}}}}};
}

// The conditional request fields a versioned route takes (RFC 9110 §13).
void add_conditions(const http::Route& route, json::array& parameters) {
  if (!route.versioned || route.method == http::Verb::post) return;
  parameters.push_back(header_parameter(
      "If-Match", route.method == http::Verb::get
                      ? "* or ETags, one of which must be the record's (strong comparison): 412 "
                        "otherwise"
                      : "* or ETags, one of which must be the record's (strong comparison): 412 "
                        "otherwise, with nothing changed; checked by the write itself"));
  if (route.method == http::Verb::get) {
    parameters.push_back(header_parameter(
        "If-None-Match",
        "* or ETags: 304 Not Modified when one is the record's (weak comparison)"));
  }
}

json::object validator_headers(const http::Route& route) {
  json::object headers{{"ETag",
                        {{"description", "the record's strong validator, as a read gives it"},
                         {"schema", {{"type", "string"}}}}}};
  if (route.method == http::Verb::get) {
    headers["Last-Modified"] = {
        {"description", "the latest updated_at of the record and what it embeds"},
        {"schema", {{"type", "string"}}}};
  }
  return headers;
}

// Every POST takes an Idempotency-Key (docs/api.md, "Idempotency keys").
json::object idempotency_key_parameter() {
  return {{"name", "Idempotency-Key"},
          {"in", "header"},
          {"required", false},
          {"description",
           "1 to 255 visible ASCII characters, bare or as a structured-field string (\"…\"). The "
           "first request with a key is processed and its success answer stored with the key, in "
           "its transaction; a retry with the same key and the same method, path and body gets "
           "that answer again (Idempotent-Replayed: true) and creates nothing. A failed request "
           "(4xx, 5xx) stores nothing. Keys are scoped to the API token and kept for "
           "--idempotency-ttl-s (a day by default)"},
          {"schema",
           {{"type", "string"},
            {"minLength", 1},
            {"examples", json::array{"8e03978e-40d5-43e8-bc93-6894a57f9324"}}}}};
}

json::object replayed_header() {
  return {{"description",
           "true when this is the stored answer of an earlier request with the same "
           "Idempotency-Key"},
          {"schema", {{"type", "string"}, {"const", "true"}}}};
}

// A problem answer; on a route that takes Idempotency-Key, 409 and 422 also mean the key's.
json::object problem_response(http::Status status, bool keyed) {
  std::string description(reason(status));
  json::object response;
  if (keyed && status == http::Status::conflict) {
    description +=
        "; /problems/idempotency-key-in-flight: a request with this Idempotency-Key is being "
        "processed (retry after Retry-After)";
    response["headers"] = {
        {"Retry-After",
         {{"description", "seconds to wait before a retry"}, {"schema", {{"type", "integer"}}}}}};
  }
  if (keyed && status == http::Status::bad_request) {
    description += "; /problems/bad-header: a malformed Idempotency-Key, or two of them";
  }
  if (keyed && status == http::Status::unprocessable_entity) {
    description +=
        "; /problems/idempotency-key-reused: the Idempotency-Key was given for another "
        "request (another method, path or body)";
  }
  response["description"] = description;
  response["content"] = {{"application/problem+json", {{"schema", schema_ref("Problem")}}}};
  return response;
}

json::object operation(const http::Route& route, const json::object& schemas, bool token) {
  const bool list = route.response.array;
  json::object op{{"operationId", route.name}, {"summary", route.summary}};
  if (!route.description.empty()) op["description"] = route.description;
  json::array parameters;
  for (std::size_t at = route.path.find('{'); at != std::string::npos;
       at = route.path.find('{', at + 1)) {
    const std::string name = route.path.substr(at + 1, route.path.find('}', at) - at - 1);
    parameters.push_back(json::object{
        {"name", name}, {"in", "path"}, {"required", true}, {"schema", path_schema(name)}});
  }
  for (const http::QueryParameter& q : route.query) {
    json::object schema = q.schema;
    if (q.repeatable) schema = {{"type", "array"}, {"items", std::move(schema)}};
    parameters.push_back(json::object{{"name", q.name},
                                      {"in", "query"},
                                      {"required", false},
                                      {"description", q.description},
                                      {"schema", std::move(schema)}});
  }
  for (const http::QueryParameter& h : route.headers) {
    parameters.push_back(json::object{{"name", h.name},
                                      {"in", "header"},
                                      {"required", false},
                                      {"description", h.description},
                                      {"schema", h.schema}});
  }
  if (list) parameters.push_back(prefer_parameter());
  add_conditions(route, parameters);
  const bool keyed = takes_idempotency_key(route);
  if (keyed) parameters.push_back(idempotency_key_parameter());
  if (!parameters.empty()) op["parameters"] = std::move(parameters);
  if (!route.request.empty()) {
    op["requestBody"] = {
        {"required", true},
        {"content", {{"application/json", {{"schema", schema_of(route.request, schemas)}}}}}};
  }
  json::object responses;
  json::object success{{"description", reason(route.success)}};
  if (!route.response.empty()) {
    success["content"] = {{route.response_type, {{"schema", schema_of(route.response, schemas)}}}};
  }
  if (list) success["headers"] = count_headers();
  if (keyed) success["headers"] = {{"Idempotent-Replayed", replayed_header()}};
  if (route.versioned && route.success != http::Status::no_content) {
    json::object validators = validator_headers(route);
    if (keyed) validators["Idempotent-Replayed"] = replayed_header();
    success["headers"] = std::move(validators);
  }
  responses[std::to_string(static_cast<unsigned>(route.success))] = std::move(success);
  if (route.versioned && route.method == http::Verb::get) {
    responses["304"] = {{"description", reason(http::Status::not_modified)},
                        {"headers", validator_headers(route)}};
  }
  std::vector<http::Status> problems = route.problems;
  if (token && !route.open) problems.push_back(http::Status::unauthorized);
  std::sort(problems.begin(), problems.end());
  for (http::Status status : problems) {
    responses[std::to_string(static_cast<unsigned>(status))] = problem_response(status, keyed);
  }
  op["responses"] = std::move(responses);
  if (route.open) op["security"] = json::array{json::object{}};
  return op;
}

}  // namespace

json::value openapi_document(const http::Router& router, bool token) {
  json::object parts = components();
  const json::object& schemas = parts["schemas"].as_object();
  json::object paths;
  for (const http::Route& route : router.routes()) {
    if (!route.in_openapi) continue;
    std::string method(http::beast_http::to_string(route.method));
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    json::value& path = paths[route.path];
    if (!path.is_object()) path = json::object{};
    path.as_object()[method] = operation(route, schemas, token);
  }
  return json::object{
      {"openapi", "3.1.0"},
      {"info",
       {{"title", "usertasks"},
        {"version", USERTASKS_VERSION},
        {"description",
         "Users, their tasks and the tasks' tags: a user has many tasks, a task belongs to "
         "one user; a task has many tags, a tag is on many tasks."},
        {"license", {{"name", "MIT"}, {"identifier", "MIT"}}}}},
      {"servers", json::array{json::object{{"url", "/"}}}},
      {"paths", std::move(paths)},
      // The token is optional: the empty requirement lets a client without one try (and get the
      // 401 when the service runs with --api-token).
      {"security", json::array{json::object{{"bearer", json::array{}}}, json::object{}}},
      {"components", std::move(parts)}};
}

}  // namespace usertasks::resources
