#pragma once
// Reading a live schema back, per database. Internal to migrate/: callers use
// SqlDialect::introspect, which is where the two databases part ways.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "migrate/schema.hpp"
#include "store/database.hpp"

namespace usertasks::migrate {

store::awaitable<Schema> introspect_sqlite(store::Connection& connection);
store::awaitable<Schema> introspect_postgresql(store::Connection& connection);

// A column default as a database prints it ("0", "'a''b'", "false", "'x'::text") as a literal of
// `type`; the text itself when it is an expression no revision can write (e.g. now()), so that it
// still shows as a difference.
[[nodiscard]] DefaultValue parse_default_sql(std::string_view sql, LogicalType type);

// "a, lower(b)" -> {"a", "lower(b)"}: splits at the commas outside parentheses and quotes.
[[nodiscard]] std::vector<std::string> split_top_level(std::string_view list);

}  // namespace usertasks::migrate
