#pragma once
// The schema the entities need, derived from their fields, indexes and references. `db migrate`
// compares it with the database and writes the revision that closes the gap; `db check` fails
// while they differ.

#include "migrate/schema.hpp"

namespace usertasks::repository {

[[nodiscard]] const migrate::Schema& declared_schema();

// A column of a table that is not an entity's (the idempotency keys, the outbox).
migrate::Column plain_column(std::string_view name, migrate::LogicalType type, bool nullable,
                             bool primary_key = false);

}  // namespace usertasks::repository
