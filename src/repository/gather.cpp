#include "repository/gather.hpp"

#include <algorithm>

namespace usertasks::repository::gather {

Tally& tally(Kind kind) {
  static Tally reads;
  static Tally writes;
  return kind == Kind::read ? reads : writes;
}

std::weak_ptr<void>& open_group(const store::Database& db, const void* kind) {
  struct Entry {
    const store::Database* db;
    const void* kind;
    std::weak_ptr<void> group;
  };
  // A few kinds per database: a vector is the cheapest map.
  thread_local std::vector<Entry> groups;
  auto it =
      std::ranges::find_if(groups, [&](const Entry& e) { return e.db == &db && e.kind == kind; });
  if (it == groups.end()) it = groups.insert(groups.end(), Entry{&db, kind, {}});
  return it->group;
}

}  // namespace usertasks::repository::gather
