#pragma once
// Checks made once as `serve` starts, reported in words an operator can act on.

#include <string>
#include <string_view>

#include "store/database.hpp"

namespace usertasks::app {

// Pings `db` once, waiting no longer than a first PostgreSQL connection may take to open; when it
// cannot be reached, logs one warning saying why (passwords in `url` redacted). The service
// serves anyway: requests get 503 until the database answers.
void report_database_at_start(store::Database& db, std::string_view url);

}  // namespace usertasks::app
