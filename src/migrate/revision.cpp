#include "migrate/revision.hpp"

#include <fmt/format.h>

#include <map>
#include <set>

#include "migrate/embedded.hpp"

namespace usertasks::migrate {

std::string checksum(std::string_view text) {
  std::uint64_t hash = 14695981039346656037ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return fmt::format("{:016x}", hash);
}

std::vector<Revision> linearize(std::vector<Revision> revisions) {
  std::vector<std::string> problems;
  std::map<std::string, std::size_t> by_id;
  for (std::size_t i = 0; i < revisions.size(); ++i) {
    const auto [it, inserted] = by_id.emplace(revisions[i].id, i);
    if (!inserted) {
      problems.push_back(fmt::format("revision {} is defined twice ({}, {})", revisions[i].id,
                                     revisions[it->second].file, revisions[i].file));
    }
  }
  std::optional<std::size_t> root;
  std::map<std::string, std::size_t> child_of;  // parent id -> index of its child
  for (std::size_t i = 0; i < revisions.size(); ++i) {
    const Revision& r = revisions[i];
    if (!r.parent) {
      if (root) {
        problems.push_back(fmt::format(
            "revisions {} and {} both have no parent; there must be exactly one first revision",
            revisions[*root].id, r.id));
      } else {
        root = i;
      }
      continue;
    }
    if (by_id.count(*r.parent) == 0) {
      problems.push_back(
          fmt::format("revision {} names parent {}, which does not exist", r.id, *r.parent));
    }
    const auto [it, inserted] = child_of.emplace(*r.parent, i);
    if (!inserted) {
      problems.push_back(fmt::format(
          "revisions {} and {} both have parent {}; the history must be linear (re-parent one of "
          "them)",
          revisions[it->second].id, r.id, *r.parent));
    }
  }
  if (!revisions.empty() && !root && problems.empty()) {
    problems.emplace_back("no revision has a null parent; the parents form a cycle");
  }

  std::vector<Revision> chain;
  if (problems.empty() && root) {
    std::set<std::size_t> seen;
    for (std::optional<std::size_t> at = root; at && seen.insert(*at).second;) {
      chain.push_back(revisions[*at]);
      const auto child = child_of.find(revisions[*at].id);
      at = child == child_of.end() ? std::nullopt : std::optional(child->second);
    }
    for (std::size_t i = 0; i < revisions.size(); ++i) {
      if (seen.count(i) == 0) {
        problems.push_back(fmt::format(
            "revision {} cannot be reached from the first revision (its parents form a cycle)",
            revisions[i].id));
      }
    }
  }
  if (!problems.empty()) {
    std::string message = "invalid revision history:";
    for (const auto& p : problems) message += "\n  " + p;
    throw MigrationError(message);
  }
  return chain;
}

std::vector<Revision> embedded_chain() {
  std::vector<Revision> revisions;
  for (const auto& embedded : embedded_revisions()) {
    revisions.push_back(parse_revision(embedded.text, embedded.file));
  }
  return linearize(std::move(revisions));
}

}  // namespace usertasks::migrate
