#include "models/schema.hpp"

namespace usertasks::models {

namespace {

using migrate::Column;
using migrate::LogicalType;

Column identity(const char* name) {
  return {name, LogicalType::bigint, false, std::nullopt, true, true};
}

Column required(const char* name, LogicalType type) {
  return {name, type, false, std::nullopt, false, false};
}

migrate::Schema build() {
  migrate::Schema schema;
  schema.tables.push_back(
      {"users",
       {identity("id"), required("name", LogicalType::text), required("email", LogicalType::text),
        required("created_at", LogicalType::timestamp),
        required("updated_at", LogicalType::timestamp)},
       {},
       {}});
  // A user's tasks go with the user.
  schema.tables.push_back(
      {"tasks",
       {identity("id"),
        required("content", LogicalType::text),
        required("user_id", LogicalType::bigint),
        required("created_at", LogicalType::timestamp),
        required("updated_at", LogicalType::timestamp),
        {"done", LogicalType::boolean, false, migrate::DefaultValue{false}, false, false}},
       {{std::nullopt, {"user_id"}, "users", {"id"}, migrate::OnDelete::cascade}},
       {}});
  // Emails are unique regardless of case: an index on the expression, which a unique constraint
  // cannot be.
  schema.indexes.push_back({"users_email_lower_key", "users", {}, {"lower(email)"}, true});
  schema.indexes.push_back({"tasks_user_id_idx", "tasks", {"user_id"}, {}, false});
  migrate::normalize(schema);
  return schema;
}

}  // namespace

const migrate::Schema& declared_schema() {
  static const migrate::Schema schema = build();
  return schema;
}

}  // namespace usertasks::models
