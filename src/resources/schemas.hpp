#pragma once
// Typed references to the API description's schemas, and the query parameters that routes share.
// openapi.cpp writes the schemas these references name, from the same entities.

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "http/router.hpp"
#include "models/models.hpp"
#include "models/validation.hpp"

namespace usertasks::resources {

template <class T>
struct SchemaName {
  static constexpr std::string_view value = models::Entity<T>::name;
};
template <>
struct SchemaName<models::UserWithTasks> {
  static constexpr std::string_view value = "UserWithTasks";
};
template <>
struct SchemaName<models::TaskWithUser> {
  static constexpr std::string_view value = "TaskWithUser";
};
template <>
struct SchemaName<models::TagWithTaskCount> {
  static constexpr std::string_view value = "TagWithTaskCount";
};

// One record of T, or an array of them.
template <class T>
http::SchemaRef record() {
  return {std::string(SchemaName<T>::value)};
}
template <class T>
http::SchemaRef records() {
  return {std::string(SchemaName<T>::value), true};
}

// The name of the body schema of a write of an entity: NewTask, TaskReplace, TaskPatch.
std::string body_schema_name(std::string_view entity, models::Mode mode);

template <class T>
http::SchemaRef body(models::Mode mode) {
  return {body_schema_name(models::Entity<T>::name, mode)};
}
// POST /users/{id}/tasks: a new task whose user is the path's.
http::SchemaRef user_task_body();
// Schemas of the operational routes.
http::SchemaRef health_schema();
http::SchemaRef openapi_schema();
http::SchemaRef metrics_schema();

// limit and after.
std::vector<http::QueryParameter> paging();
// sort= and cursor= of a list of records with these fields (their sortable ones).
std::vector<http::QueryParameter> sorting(std::span<const models::Field> fields);
template <class T>
std::vector<http::QueryParameter> sorting() {
  return sorting(models::Entity<T>::fields);
}
// The filters of an entity's lists.
std::vector<http::QueryParameter> filters(std::span<const models::FilterSpec> specs,
                                          std::span<const models::Field> fields);
template <class T>
std::vector<http::QueryParameter> filters() {
  return filters(models::Entity<T>::filters, models::Entity<T>::fields);
}
// include=<what>: embed related records.
http::QueryParameter include(std::string_view what);
// The user whose tasks a list of tasks is limited to.
http::QueryParameter user_filter();

// The parameters of several lists, one after the other.
std::vector<http::QueryParameter> join(
    std::initializer_list<std::vector<http::QueryParameter>> lists);

// The JSON schema of a field's value in a record (`in_body`: in a request body, where a reference
// may also be written as a string of digits).
boost::json::object field_schema(const models::Field& field, bool in_body);

}  // namespace usertasks::resources
