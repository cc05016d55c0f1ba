#pragma once
// The pages of the lists that take sort=: their texts in any order; in the id order they are the
// statements of statements.hpp (users_page, tasks_page, …), in another order statements made when
// an order is first asked for.

#include <cstddef>
#include <memory>
#include <string>

#include "repository/sql.hpp"

namespace usertasks::repository {

// The lists whose pages take sort=. The `_tagged` ones walk the links of the first name of tag=.
enum class Paged {
  users,
  tags,
  tasks,
  tasks_of_user,
  tasks_tagged,
  tasks_with_user,
  tasks_with_user_of_user,
  tasks_with_user_tagged,
  user_tasks,  // one user's, and whether the user exists (statements.hpp, user_tasks_page)
  tag_tasks,   // one tag's, and whether the tag exists (tag_tasks_page)
};

// The text of a page of `list` in `sort`: in the id order (keyset :after) when sort.by_id(),
// otherwise its first page (`first`) or a page after the key in :cursor_0, :cursor_1, ….
std::string page_text(Paged list, Dialect dialect, const models::Sort& sort, bool first);

// The statement of a page: one of the service's own, or one made for a request alone.
class PageSql {
 public:
  [[nodiscard]] const Sql& get() const { return *sql_; }

 private:
  friend PageSql page_statement(Paged list, const models::Sort& sort, bool first);
  const Sql* sql_ = nullptr;
  std::unique_ptr<const Sql> owned_;
};

// The statement of a page of `list` in `sort` (page_text). The statements of the first
// `kept_orders` pages of other orders than the id's asked for are kept, each prepared once per
// connection; past them, a page's statement is made and prepared for that page alone, so that
// clients cannot make the service (and PostgreSQL) hold an unbounded number of statements.
PageSql page_statement(Paged list, const models::Sort& sort, bool first);
inline constexpr std::size_t kept_orders = 64;

}  // namespace usertasks::repository
