#pragma once
// How the statement files write their texts: the same in both dialects, or one per dialect.

#include <functional>
#include <string>
#include <utility>

#include "repository/sql.hpp"

namespace usertasks::repository::sql {

using Text = std::function<std::string(Dialect)>;

// A statement that reads the same in both dialects.
inline Text same(std::string text) {
  return [text = std::move(text)](Dialect) { return text; };
}

// A statement whose text differs between the dialects.
inline Text per_dialect(std::string postgresql, std::string sqlite) {
  return [postgresql = std::move(postgresql), sqlite = std::move(sqlite)](Dialect d) {
    return d == Dialect::postgresql ? postgresql : sqlite;
  };
}

// The id of the tag named by the first name of the JSON array :tag (tag=), by its lower case.
inline std::string first_tag_id(Dialect d) {
  return fmt::format("(SELECT id FROM tags WHERE lower(name) = lower({}))",
                     first_json_value(d, "tag"));
}

}  // namespace usertasks::repository::sql
