#pragma once
// The schema the models need, declared in one place. `db migrate` compares it with the database
// and writes the revision that closes the gap; `db check` fails while they differ. Change the
// models' tables here, then run `usertasks db migrate -m "..."`.

#include "migrate/schema.hpp"

namespace usertasks::models {

[[nodiscard]] const migrate::Schema& declared_schema();

}  // namespace usertasks::models
