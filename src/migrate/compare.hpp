#pragma once
// Autogenerate's comparison, like alembic's compare: the operations that turn the live schema into
// the declared one. The result is a proposal for a person to read: a rename, for one, comes out as
// a drop and an add, with a warning saying so.

#include <string>
#include <vector>

#include "migrate/dialect.hpp"
#include "migrate/operations.hpp"

namespace usertasks::migrate {

struct Comparison {
  std::vector<Operation> operations;  // in the order to apply them
  std::vector<std::string> warnings;  // things a person must look at before applying

  [[nodiscard]] bool empty() const { return operations.empty(); }
};

// `live` as introspected on `dialect`; `declared` as the models state it. Types are compared as
// the dialect stores them (SQLite keeps a boolean as INTEGER). `reference`, the schema the
// revisions build, names the logical type of what only the live database has (a dropped column),
// since SQLite cannot tell a boolean from a bigint.
[[nodiscard]] Comparison compare(Schema live, Schema declared, const SqlDialect& dialect,
                                 const Schema& reference = {});

// One line per operation and warning, e.g. "add_column tasks.done", "warning: ...".
[[nodiscard]] std::vector<std::string> comparison_lines(const Comparison& comparison);

}  // namespace usertasks::migrate
