#pragma once
// The schema the entities need, derived from their fields, indexes and references. `db migrate`
// compares it with the database and writes the revision that closes the gap; `db check` fails
// while they differ.

#include "migrate/schema.hpp"

namespace usertasks::repository {

[[nodiscard]] const migrate::Schema& declared_schema();

}  // namespace usertasks::repository
