#include "repository/page_statements.hpp"

#include <map>
#include <mutex>

#include "models/models.hpp"
#include "repository/statement_text.hpp"
#include "repository/statements.hpp"

namespace usertasks::repository {

using models::Sort;
using models::Tag;
using models::Task;
using models::User;

namespace {

// The order of a page of T's records: the id order by the column `prefix`id, or `sort` over the
// columns `prefix`<field>.
template <class T>
PageOrder order_of(Dialect d, const Sort& sort, bool first, std::string_view prefix) {
  if (sort.by_id()) return id_order(fmt::format("{}id", prefix));
  return sort_order(d, models::Entity<T>::fields, sort, first, prefix);
}

template <class T>
std::string plain_page(Dialect d, const Sort& sort, bool first) {
  const PageOrder o = order_of<T>(d, sort, first, "");
  return fmt::format("SELECT {} FROM {} WHERE {}{} ORDER BY {} LIMIT :limit", columns<T>(d),
                     models::Entity<T>::table, o.after, filters<T>(d), o.by);
}

std::string tasks_of_user(Dialect d, const Sort& sort, bool first) {
  const PageOrder o = order_of<Task>(d, sort, first, "");
  return fmt::format(
      "SELECT {} FROM tasks WHERE user_id = :user_id AND {}{} ORDER BY {} LIMIT :limit",
      columns<Task>(d), o.after, filters<Task>(d), o.by);
}

// `scope` narrows the tasks (" AND t.user_id = :user_id" or nothing).
std::string tasks_with_user(Dialect d, const Sort& sort, bool first, std::string_view scope) {
  const PageOrder o = order_of<Task>(d, sort, first, "t.");
  return fmt::format(
      "SELECT {}, {} FROM tasks t JOIN users u ON u.id = t.user_id WHERE {}{}{} ORDER BY {} "
      "LIMIT :limit",
      columns<Task>(d, "t"), columns<User>(d, "u"), o.after, scope, filters<Task>(d, "t"), o.by);
}

// The pages of all tasks that carry the tags :tag names, walked from the links of its first name:
// in the id order in task order (task_tags' index on tag_id, task_id), so that LIMIT ends the
// walk; a list of every task that filtered them one by one would read every link or every task.
// The tag filter then checks each for all the names. Put the rarest name first.
std::string first_tag_links(Dialect d, const Sort& sort, bool first) {
  const PageOrder o = sort.by_id() ? id_order("l.task_id")
                                   : sort_order(d, models::Entity<Task>::fields, sort, first, "t.");
  return fmt::format("WHERE l.tag_id = {} AND {}{} ORDER BY {} LIMIT :limit", sql::first_tag_id(d),
                     o.after, filters<Task>(d, "t"), o.by);
}

std::string tasks_tagged(Dialect d, const Sort& sort, bool first) {
  return fmt::format("SELECT {} FROM task_tags l JOIN tasks t ON t.id = l.task_id {}",
                     columns<Task>(d, "t"), first_tag_links(d, sort, first));
}

std::string tasks_with_user_tagged(Dialect d, const Sort& sort, bool first) {
  return fmt::format(
      "SELECT {}, {} FROM task_tags l JOIN tasks t ON t.id = l.task_id "
      "JOIN users u ON u.id = t.user_id {}",
      columns<Task>(d, "t"), columns<User>(d, "u"), first_tag_links(d, sort, first));
}

// No row at all means no such user; a row with a NULL task means a user without (more) tasks.
std::string user_tasks(Dialect d, const Sort& sort, bool first) {
  const PageOrder o = order_of<Task>(d, sort, first, "t.");
  return fmt::format(
      "SELECT u.id, {} FROM users u LEFT JOIN tasks t ON t.user_id = u.id AND {}{} "
      "WHERE u.id = :user_id ORDER BY {} LIMIT :limit",
      columns<Task>(d, "t"), o.after, filters<Task>(d, "t"), o.by);
}

// A page of the tasks carrying a tag, and whether the tag exists, in one statement: no row at
// all means no such tag; one row with a NULL task, a tag without (more) tasks.
std::string tag_tasks(Dialect d, const Sort& sort, bool first) {
  const PageOrder inner = sort.by_id()
                              ? id_order("l.task_id")
                              : sort_order(d, models::Entity<Task>::fields, sort, first, "t.");
  const std::string outer =
      sort.by_id() ? "s.id" : sort_order(d, models::Entity<Task>::fields, sort, true, "s.").by;
  return fmt::format(
      "SELECT g.id, s.* FROM tags g LEFT JOIN (SELECT {} FROM task_tags l "
      "JOIN tasks t ON t.id = l.task_id WHERE l.tag_id = :tag_id AND {}{} "
      "ORDER BY {} LIMIT :limit) s ON true WHERE g.id = :tag_id ORDER BY {}",
      columns<Task>(d, "t"), inner.after, filters<Task>(d, "t"), inner.by, outer);
}

std::string_view name_of(Paged list) {
  switch (list) {
    case Paged::users:
      return "users_page";
    case Paged::tags:
      return "tags_page";
    case Paged::tasks:
      return "tasks_page";
    case Paged::tasks_of_user:
      return "tasks_page_of_user";
    case Paged::tasks_tagged:
      return "tasks_page_tagged";
    case Paged::tasks_with_user:
      return "tasks_with_user_page";
    case Paged::tasks_with_user_of_user:
      return "tasks_with_user_page_of_user";
    case Paged::tasks_with_user_tagged:
      return "tasks_with_user_page_tagged";
    case Paged::user_tasks:
      return "user_tasks_page";
    case Paged::tag_tasks:
      break;
  }
  return "tag_tasks_page";
}

// The id order's statement of each list (statements.hpp).
const Sql& id_order_statement(Paged list);

// The statements kept for other orders, by list, first page or not, and keys.
struct Kept {
  std::mutex mutex;
  std::map<std::string, std::unique_ptr<const Sql>, std::less<>> statements;
};

Kept& kept() {
  static Kept k;
  return k;
}

std::string kept_key(Paged list, const Sort& sort, bool first) {
  std::string key = fmt::format("{}{}", static_cast<int>(list), first ? 'f' : 'a');
  for (const models::SortKey& k : sort.keys) {
    fmt::format_to(std::back_inserter(key), "{}{}", k.descending ? '-' : '+', k.field);
  }
  return key;
}

}  // namespace

std::string page_text(Paged list, Dialect d, const Sort& sort, bool first) {
  switch (list) {
    case Paged::users:
      return plain_page<User>(d, sort, first);
    case Paged::tags:
      return plain_page<Tag>(d, sort, first);
    case Paged::tasks:
      return plain_page<Task>(d, sort, first);
    case Paged::tasks_of_user:
      return tasks_of_user(d, sort, first);
    case Paged::tasks_tagged:
      return tasks_tagged(d, sort, first);
    case Paged::tasks_with_user:
      return tasks_with_user(d, sort, first, "");
    case Paged::tasks_with_user_of_user:
      return tasks_with_user(d, sort, first, " AND t.user_id = :user_id");
    case Paged::tasks_with_user_tagged:
      return tasks_with_user_tagged(d, sort, first);
    case Paged::user_tasks:
      return user_tasks(d, sort, first);
    case Paged::tag_tasks:
      break;
  }
  return tag_tasks(d, sort, first);
}

PageSql page_statement(Paged list, const Sort& sort, bool first) {
  PageSql out;
  if (sort.by_id()) {
    out.sql_ = &id_order_statement(list);
    return out;
  }
  auto render = [list, sort, first](Dialect d) { return page_text(list, d, sort, first); };
  Kept& k = kept();
  const std::string key = kept_key(list, sort, first);
  {
    const std::lock_guard lock(k.mutex);
    if (auto it = k.statements.find(key); it != k.statements.end()) {
      out.sql_ = it->second.get();
      return out;
    }
    if (k.statements.size() < kept_orders) {
      const std::string name = fmt::format("{}_{}", name_of(list), k.statements.size() + 1);
      auto made = std::make_unique<const Sql>(name, render);
      out.sql_ = made.get();
      k.statements.emplace(key, std::move(made));
      return out;
    }
  }
  out.owned_ = std::make_unique<const Sql>(name_of(list), render, false);
  out.sql_ = out.owned_.get();
  return out;
}

// The statements of the id order; their texts are page_text's with a by_id sort.
namespace sql {

namespace {

template <Paged list>
std::string id_order_text(Dialect d) {
  return page_text(list, d, Sort{}, true);
}

}  // namespace

const Sql users_page{"users_page", id_order_text<Paged::users>};
const Sql tags_page{"tags_page", id_order_text<Paged::tags>};
const Sql tasks_page{"tasks_page", id_order_text<Paged::tasks>};
const Sql tasks_page_of_user{"tasks_page_of_user", id_order_text<Paged::tasks_of_user>};
const Sql tasks_page_tagged{"tasks_page_tagged", id_order_text<Paged::tasks_tagged>};
const Sql tasks_with_user_page{"tasks_with_user_page", id_order_text<Paged::tasks_with_user>};
const Sql tasks_with_user_page_of_user{"tasks_with_user_page_of_user",
                                       id_order_text<Paged::tasks_with_user_of_user>};
const Sql tasks_with_user_page_tagged{"tasks_with_user_page_tagged",
                                      id_order_text<Paged::tasks_with_user_tagged>};
const Sql user_tasks_page{"user_tasks_page", id_order_text<Paged::user_tasks>};
const Sql tag_tasks_page{"tag_tasks_page", id_order_text<Paged::tag_tasks>};

}  // namespace sql

namespace {

const Sql& id_order_statement(Paged list) {
  switch (list) {
    case Paged::users:
      return sql::users_page;
    case Paged::tags:
      return sql::tags_page;
    case Paged::tasks:
      return sql::tasks_page;
    case Paged::tasks_of_user:
      return sql::tasks_page_of_user;
    case Paged::tasks_tagged:
      return sql::tasks_page_tagged;
    case Paged::tasks_with_user:
      return sql::tasks_with_user_page;
    case Paged::tasks_with_user_of_user:
      return sql::tasks_with_user_page_of_user;
    case Paged::tasks_with_user_tagged:
      return sql::tasks_with_user_page_tagged;
    case Paged::user_tasks:
      return sql::user_tasks_page;
    case Paged::tag_tasks:
      break;
  }
  return sql::tag_tasks_page;
}

}  // namespace

}  // namespace usertasks::repository
