#include "resources/openapi.hpp"

#include <fmt/format.h>

#include <boost/json/parse.hpp>

namespace usertasks::resources {

namespace json = boost::json;

namespace {

constexpr std::string_view components = R"json({
  "securitySchemes": {
    "bearer": {"type": "http", "scheme": "bearer",
      "description": "Needed when the service runs with --api-token; every route but /healthz, /openapi.json and /docs then asks for it"}
  },
  "schemas": {
    "User": {"type": "object", "required": ["id", "name", "email", "created_at", "updated_at"],
      "properties": {"id": {"type": "integer", "format": "int64", "minimum": 1},
        "name": {"type": "string", "minLength": 1, "maxLength": 255},
        "email": {"type": "string", "maxLength": 254},
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"}}},
    "Task": {"type": "object", "required": ["id", "content", "done", "user_id", "created_at", "updated_at"],
      "properties": {"id": {"type": "integer", "format": "int64", "minimum": 1},
        "content": {"type": "string", "minLength": 1, "maxLength": 10000},
        "done": {"type": "boolean"},
        "user_id": {"type": "integer", "format": "int64", "minimum": 1},
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"}}},
    "UserWithTasks": {"allOf": [{"$ref": "#/components/schemas/User"},
      {"type": "object", "properties": {"tasks": {"type": "array", "items": {"$ref": "#/components/schemas/Task"}}}}]},
    "TaskWithUser": {"allOf": [{"$ref": "#/components/schemas/Task"},
      {"type": "object", "properties": {"user": {"$ref": "#/components/schemas/User"}}}]},
    "NewUser": {"type": "object", "additionalProperties": false, "required": ["name", "email"],
      "properties": {"name": {"type": "string"}, "email": {"type": "string"},
        "tasks": {"type": "array", "maxItems": 1000, "items": {"$ref": "#/components/schemas/TaskContent"}}}},
    "UserReplace": {"type": "object", "additionalProperties": false, "required": ["name", "email"],
      "properties": {"name": {"type": "string"}, "email": {"type": "string"}}},
    "UserPatch": {"type": "object", "additionalProperties": false,
      "properties": {"name": {"type": "string"}, "email": {"type": "string"}}},
    "TaskContent": {"type": "object", "additionalProperties": false, "required": ["content"],
      "properties": {"content": {"type": "string"}}},
    "NewUserTask": {"type": "object", "additionalProperties": false, "required": ["content"],
      "properties": {"content": {"type": "string"}, "done": {"type": "boolean", "default": false}}},
    "UserId": {"oneOf": [{"type": "integer", "minimum": 1}, {"type": "string", "pattern": "^[0-9]+$"}]},
    "NewTask": {"type": "object", "additionalProperties": false, "required": ["content", "user_id"],
      "properties": {"content": {"type": "string"}, "done": {"type": "boolean", "default": false},
        "user_id": {"$ref": "#/components/schemas/UserId"}}},
    "TaskReplace": {"$ref": "#/components/schemas/NewTask"},
    "TaskPatch": {"type": "object", "additionalProperties": false,
      "properties": {"content": {"type": "string"}, "done": {"type": "boolean"},
        "user_id": {"$ref": "#/components/schemas/UserId"}}},
    "Health": {"type": "object", "properties": {"status": {"type": "string"}}},
    "OpenAPI": {"type": "object"},
    "Problem": {"type": "object", "required": ["type", "title", "status"],
      "properties": {"type": {"type": "string"}, "title": {"type": "string"},
        "status": {"type": "integer"}, "detail": {"type": "string"},
        "errors": {"type": "array", "items": {"type": "object"}}}}
  }
})json";

json::object query_parameter(std::string_view name) {
  json::object schema;
  std::string description;
  if (name == "limit") {
    schema = {{"type", "integer"}, {"minimum", 1}, {"maximum", 1000}, {"default", 100}};
    description = "page size";
  } else if (name == "after") {
    schema = {{"type", "integer"}, {"minimum", 0}};
    description = "return items whose id is greater (keyset paging; see the Link header)";
  } else if (name == "user_id") {
    schema = {{"type", "integer"}, {"minimum", 1}};
    description = "only the tasks of this user";
  } else if (name == "done") {
    schema = {{"type", "boolean"}};
    description = "only the tasks done (true) or not done (false)";
  } else if (name == "include") {
    schema = {{"type", "string"}};
    description = "embed related records";
  }
  return {{"name", name},
          {"in", "query"},
          {"required", false},
          {"description", description},
          {"schema", std::move(schema)}};
}

json::object schema_ref(std::string_view name) {
  if (name.size() > 2 && name.front() == '[') {
    return {{"type", "array"}, {"items", schema_ref(name.substr(1, name.size() - 2))}};
  }
  return {{"$ref", fmt::format("#/components/schemas/{}", name)}};
}

json::object content_of(std::string_view media_type, std::string_view schema) {
  return {{std::string(media_type), json::object{{"schema", schema_ref(schema)}}}};
}

json::object operation(const http::Route& route) {
  json::object op{{"operationId", route.name}, {"summary", route.summary}};
  json::array parameters;
  for (std::size_t at = route.path.find('{'); at != std::string::npos;
       at = route.path.find('{', at + 1)) {
    const std::string name = route.path.substr(at + 1, route.path.find('}', at) - at - 1);
    parameters.push_back(json::object{{"name", name},
                                      {"in", "path"},
                                      {"required", true},
                                      {"schema", {{"type", "integer"}, {"minimum", 1}}}});
  }
  for (const std::string& q : route.query) parameters.push_back(query_parameter(q));
  if (!parameters.empty()) op["parameters"] = std::move(parameters);
  if (!route.request_schema.empty()) {
    op["requestBody"] = {{"required", true},
                         {"content", content_of("application/json", route.request_schema)}};
  }
  json::object success{
      {"description", std::string(http::beast_http::obsolete_reason(route.success))}};
  if (!route.response_schema.empty()) {
    success["content"] = content_of("application/json", route.response_schema);
  }
  const json::object problem{{"description", "a problem (RFC 9457)"},
                             {"content", content_of("application/problem+json", "Problem")}};
  op["responses"] = {{std::to_string(static_cast<unsigned>(route.success)), std::move(success)},
                     {"default", problem}};
  return op;
}

}  // namespace

json::value openapi_document(const http::Router& router) {
  json::object paths;
  for (const http::Route& route : router.routes()) {
    if (!route.in_openapi) continue;
    std::string method(http::beast_http::to_string(route.method));
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    json::value& path = paths[route.path];
    if (!path.is_object()) path = json::object{};
    path.as_object()[method] = operation(route);
  }
  return json::object{
      {"openapi", "3.1.0"},
      {"info",
       {{"title", "usertasks"},
        {"version", USERTASKS_VERSION},
        {"description",
         "Users and their tasks: a user has many tasks, a task belongs to one user."}}},
      {"paths", std::move(paths)},
      // The token is optional: the empty requirement lets a client without one try (and get the
      // 401 when the service runs with --api-token).
      {"security", json::array{json::object{{"bearer", json::array{}}}, json::object{}}},
      {"components", json::parse(components)}};
}

}  // namespace usertasks::resources
