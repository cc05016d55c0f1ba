#include "migrate/report.hpp"

#include <fmt/format.h>

namespace usertasks::migrate {

std::vector<std::string> history_lines(const std::vector<Revision>& chain,
                                       const std::optional<std::string>& current) {
  std::vector<std::string> lines;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    std::string line = fmt::format("{} -> {}", it->parent.value_or("<base>"), it->id);
    if (it == chain.rbegin()) line += " (head)";
    if (current == it->id) line += " (current)";
    line += ", " + it->message;
    lines.push_back(std::move(line));
  }
  return lines;
}

std::vector<std::string> current_lines(const Status& status) {
  std::vector<std::string> lines;
  if (status.current) {
    lines.push_back(*status.current + (status.at_head() ? " (head)" : ""));
  } else {
    lines.emplace_back("<base>");
  }
  for (const auto& m : status.mismatches) {
    lines.push_back(fmt::format(
        "warning: revision {} ({}) was changed after it was applied (recorded checksum {}, file "
        "now {})",
        m.revision, m.file, m.recorded, m.expected));
  }
  for (const auto& id : status.unknown) {
    lines.push_back(fmt::format(
        "warning: revision {} is applied but unknown to this binary (migrated by a newer version?)",
        id));
  }
  if (!status.pending.empty()) {
    std::string line = "pending:";
    for (const auto& id : status.pending) line += " " + id;
    lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace usertasks::migrate
