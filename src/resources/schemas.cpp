#include "resources/schemas.hpp"

#include <fmt/format.h>

#include <boost/json/parse.hpp>

#include "models/sort.hpp"
#include "repository/store.hpp"

namespace usertasks::resources {

namespace json = boost::json;
using models::Field;
using models::FieldType;

std::string body_schema_name(std::string_view entity, models::Mode mode) {
  switch (mode) {
    case models::Mode::create:
      return fmt::format("New{}", entity);
    case models::Mode::replace:
      return fmt::format("{}Replace", entity);
    case models::Mode::patch:
      break;
  }
  return fmt::format("{}Patch", entity);
}

http::SchemaRef user_task_body() {
  return {"NewUserTask"};
}
http::SchemaRef health_schema() {
  return {"Health"};
}
http::SchemaRef openapi_schema() {
  return {"OpenAPI"};
}
http::SchemaRef metrics_schema() {
  return {"MetricsText"};
}

json::object field_schema(const Field& field, bool in_body) {
  json::object schema;
  switch (field.type) {
    case FieldType::id:
    case FieldType::reference:
      schema = {{"type", "integer"}, {"format", "int64"}, {"minimum", 1}};
      if (in_body) {
        schema = {{"oneOf",
                   json::array{schema, json::object{{"type", "string"}, {"pattern", "^[0-9]+$"}}}}};
      }
      break;
    case FieldType::text:
      schema = {{"type", "string"}};
      if (field.min_length > 0) schema["minLength"] = field.min_length;
      if (field.max_length > 0) schema["maxLength"] = field.max_length;
      break;
    case FieldType::boolean:
      schema = {{"type", "boolean"}};
      break;
    case FieldType::timestamp:
      schema = {{"type", "string"}, {"format", "date-time"}};
      break;
    case FieldType::names: {
      json::object name = field_schema(*field.link->name, false);
      name.erase("examples");
      schema = {{"type", "array"}, {"items", std::move(name)}};
      if (in_body && field.max_length > 0) schema["maxItems"] = field.max_length;
      break;
    }
  }
  if (field.nullable) {
    if (auto* one_of = schema.if_contains("oneOf")) {
      one_of->as_array().push_back(json::object{{"type", "null"}});
    } else {
      schema["type"] = json::array{schema["type"], "null"};
    }
  }
  if (!field.default_json.empty()) schema["default"] = json::parse(field.default_json);
  if (!field.description.empty()) schema["description"] = field.description;
  if (!field.example.empty()) schema["examples"] = json::array{json::parse(field.example)};
  return schema;
}

std::vector<http::QueryParameter> paging() {
  using repository::Page;
  return {{"limit",
           "page size",
           {{"type", "integer"},
            {"minimum", 1},
            {"maximum", Page::max_limit},
            {"default", Page::default_limit}}},
          {"after",
           "return items whose id is greater (keyset paging of the id order; see the Link "
           "header); not with sort= of another order, nor with cursor=",
           {{"type", "integer"}, {"format", "int64"}, {"minimum", 0}}}};
}

std::vector<http::QueryParameter> sorting(std::span<const Field> fields) {
  std::string rules = "text compares in byte order";
  for (const Field& f : fields) {
    if (f.sorting != models::Sorting::no && f.nullable) {
      rules += fmt::format(", a null {} after every value", f.name);
    }
    if (f.sorting != models::Sorting::no && f.sort_prefix > 0) {
      rules += fmt::format(", {} by its first {} characters", f.name, f.sort_prefix);
    }
  }
  return {{"sort",
           fmt::format("the order: comma-separated fields of {}, each led by - to descend, at most "
                       "{} besides id; the id breaks ties, in the direction of the last field; {}",
                       models::sortable_names(fields), models::max_sort_fields, rules),
           {{"type", "string"},
            {"pattern", models::sort_pattern(fields)},
            {"default", "id"},
            {"examples", json::array{"-created_at"}}}},
          {"cursor",
           "where the page starts in the order of sort=: the cursor of a next link, passed on "
           "unchanged (opaque); not with after",
           {{"type", "string"}, {"pattern", "^[A-Za-z0-9_-]+$"}}}};
}

std::vector<http::QueryParameter> filters(std::span<const models::FilterSpec> specs,
                                          std::span<const Field> fields) {
  std::vector<http::QueryParameter> out;
  for (const models::FilterSpec& spec : specs) {
    const Field& field = models::find_field(fields, spec.field);
    const bool all = spec.compare == models::Compare::all;
    // A names filter takes one name a parameter, repeated for several; a search, its own text.
    const Field& value = all                                         ? *field.link->name
                         : spec.compare == models::Compare::contains ? models::search_text
                                                                     : field;
    json::object schema = field_schema(value, false);
    schema.erase("description");
    schema.erase("default");
    if (field.nullable) schema["type"] = schema["type"].as_array().at(0);
    out.push_back(
        {std::string(spec.parameter), std::string(spec.description), std::move(schema), all});
  }
  return out;
}

http::QueryParameter include(std::string_view what) {
  return {"include",
          fmt::format("embed related records: {}", what),
          {{"type", "string"}, {"enum", json::array{what}}}};
}

http::QueryParameter user_filter() {
  return {"user_id",
          "only the tasks of this user",
          {{"type", "integer"}, {"format", "int64"}, {"minimum", 1}}};
}

std::vector<http::QueryParameter> join(
    std::initializer_list<std::vector<http::QueryParameter>> lists) {
  std::vector<http::QueryParameter> out;
  for (const auto& list : lists) out.insert(out.end(), list.begin(), list.end());
  return out;
}

}  // namespace usertasks::resources
