#pragma once
// Human-readable lines for `usertasks db history` and `usertasks db current`, in the spirit of
// alembic's output. Pure functions, so the CLI only prints.

#include <optional>
#include <string>
#include <vector>

#include "migrate/migrator.hpp"
#include "migrate/revision.hpp"

namespace usertasks::migrate {

// Newest first, e.g.
//   0001 -> 0002 (head) (current), add done column
//   <base> -> 0001, create users and tasks
// `current` (from Status::current) is marked when given.
[[nodiscard]] std::vector<std::string> history_lines(const std::vector<Revision>& chain,
                                                     const std::optional<std::string>& current);

// First line: the current revision id, with " (head)" when nothing is pending, or "<base>" when
// no revision is applied. Then one line per problem or pending revision, e.g.
//   0002 (head)
//   warning: revision 0001 (0001_x.json) was changed after it was applied: ...
[[nodiscard]] std::vector<std::string> current_lines(const Status& status);

}  // namespace usertasks::migrate
