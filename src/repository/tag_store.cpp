// The Store's tags, and the links between tasks and tags.

#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "base/utf8.hpp"
#include "repository/rows.hpp"
#include "repository/statements.hpp"
#include "repository/store.hpp"

namespace usertasks::repository {

using store::Access;
using store::ConstraintViolation;
using store::Row;
using store::with_connection;

using models::Tag;
using models::TagWithTaskCount;
using models::Task;

namespace {

using namespace rows;  // NOLINT(google-build-using-namespace): the store's own helpers

// The ids of the rows (their first column) as a JSON array.
std::string ids_of(const Rows& rows) {
  std::string out = "[";
  for (const Row& r : rows) {
    if (out.size() > 1) out += ',';
    out += std::to_string(r.integer(0));
  }
  out += ']';
  return out;
}

// The JSON array of one name, as the statements of several take it.
std::string one_name(std::string name) {
  return boost::json::serialize(boost::json::array{boost::json::string(std::move(name))});
}

}  // namespace

awaitable<std::vector<std::string>> Store::task_tag_names(Connection& c, std::int64_t task_id) {
  std::vector<Value> values = bind(sql::task_tag_names, arg("task_id", task_id));
  Rows rows = co_await exec(c, sql::task_tag_names, std::move(values));
  co_return split_names(rows.front(), 0);
}

awaitable<std::vector<std::string>> Store::set_task_tags(Connection& c, std::int64_t task_id,
                                                         const std::string& names, bool created) {
  const bool none = names == "[]";
  if (!none) co_await insert_missing_tags(c, names, base::utc_now());
  if (!created) {
    std::vector<Value> values =
        bind(sql::task_tags_unlink_others, arg("task_id", task_id), arg("names", names));
    co_await exec(c, sql::task_tags_unlink_others, std::move(values));
  }
  if (none) co_return std::vector<std::string>();
  std::vector<Value> values =
      bind(sql::task_tags_link, arg("task_id", task_id), arg("names", names));
  co_await exec(c, sql::task_tags_link, std::move(values));
  co_return co_await task_tag_names(c, task_id);
}

awaitable<void> Store::insert_missing_tags(Connection& c, const std::string& names,
                                           const std::string& now) {
  std::vector<Value> values = bind(sql::tags_insert_missing, arg("names", names), arg("now", now));
  Rows created = co_await exec(c, sql::tags_insert_missing, std::move(values));
  for (Row& r : created) changes_.push_back(change(Happened::created, decode<Tag>(r, 0)));
}

awaitable<void> Store::note_tasks_updated(Connection& c, std::string ids) {
  if (ids == "[]") co_return;
  std::vector<Value> values = bind(sql::tasks_by_ids, arg("ids", std::move(ids)));
  Rows rows = co_await exec(c, sql::tasks_by_ids, std::move(values));
  for (Row& r : rows) changes_.push_back(change(Happened::updated, decode<Task>(r, 0)));
}

awaitable<PageOf<Tag>> Store::list_tags(models::FilterValues<Tag> filter, Page page) {
  co_return co_await with_connection(
      db_, page_access(page), [&](Connection& c) -> awaitable<PageOf<Tag>> {
        co_return co_await counted_page<Tag, Tag>(c, Paged::tags, sql::tags_count, filter, page,
                                                  [](Row& r) { return decode<Tag>(r, 0); });
      });
}

awaitable<std::optional<TagWithTaskCount>> Store::get_tag(std::int64_t id) {
  co_return co_await read_one<TagWithTaskCount>(sql::tag_with_task_count, id, [](Row& r) {
    return TagWithTaskCount{decode<Tag>(r, 0), r.integer(column_count<Tag>)};
  });
}

awaitable<Outcome<Versioned<Tag>>> Store::create_tag(models::Input<Tag> input) {
  co_return co_await write(sql::tag_insert, input, 0, ConstraintViolation::Kind::unique,
                           Failure::tag_taken);
}

awaitable<Outcome<Versioned<Tag>>> Store::update_tag(std::int64_t id, models::Input<Tag> input,
                                                     const Precondition& pre) {
  // The tasks carrying the tag render its new name: their JSON changed.
  After<Tag> touch = [this](Connection& c, Tag& tag) -> awaitable<void> {
    std::vector<Value> values =
        bind(sql::tag_tasks_touch, arg("tag_id", tag.id), arg("now", tag.updated_at));
    const Rows touched = co_await exec(c, sql::tag_tasks_touch, std::move(values));
    co_await note_tasks_updated(c, ids_of(touched));
  };
  co_return co_await write(sql::tag_update, input, id, ConstraintViolation::Kind::unique,
                           Failure::tag_taken, std::move(touch), pre);
}

awaitable<std::optional<Failure>> Store::delete_tag(std::int64_t id, const Precondition& pre) {
  co_return co_await transact<std::optional<Failure>>(
      [&](Connection& c) -> awaitable<std::optional<Failure>> {
        // The precondition and the lock first, so that nothing is touched when it fails.
        std::vector<Value> claim = bind(sql::tag_claim, arg("id", id), if_match(pre));
        if ((co_await exec(c, sql::tag_claim, std::move(claim))).empty()) {
          co_return pre.given ? Failure::precondition_failed : Failure::not_found;
        }
        std::vector<Value> touch =
            bind(sql::tag_tasks_touch, arg("tag_id", id), arg("now", base::utc_now()));
        const Rows touched = co_await exec(c, sql::tag_tasks_touch, std::move(touch));
        std::vector<Value> values = bind(sql::tag_delete, arg("id", id));
        co_await exec(c, sql::tag_delete, std::move(values));
        co_await note_tasks_updated(c, ids_of(touched));  // as the deletion left them
        changes_.push_back(deletion<Tag>(id));
        co_return std::nullopt;
      });
}

awaitable<std::optional<PageOf<Task>>> Store::list_tag_tasks(std::int64_t tag_id, TaskFilter filter,
                                                             Page page) {
  co_return co_await tasks_of(Paged::tag_tasks, sql::tag_tasks_count, arg("tag_id", tag_id), filter,
                              page);
}

awaitable<Outcome<bool>> Store::add_task_tag(std::int64_t task_id, std::string name) {
  co_return co_await transact<Outcome<bool>>([&](Connection& c) -> awaitable<Outcome<bool>> {
    std::vector<Value> lock = bind(sql::task_lock, arg("id", task_id));
    if ((co_await exec(c, sql::task_lock, std::move(lock))).empty()) {
      co_return Failure::not_found;
    }
    const std::vector<std::string> names = co_await task_tag_names(c, task_id);
    const std::string key = base::utf8::lower(name);
    for (const std::string& n : names) {
      if (base::utf8::lower(n) == key) co_return false;
    }
    if (names.size() >= models::field<Task>("tags").max_length) {
      co_return Failure::too_many_tags;
    }
    const std::string now = base::utc_now();
    const std::string list = one_name(std::move(name));
    co_await insert_missing_tags(c, list, now);
    std::vector<Value> link =
        bind(sql::task_tags_link, arg("task_id", task_id), arg("names", list));
    co_await exec(c, sql::task_tags_link, std::move(link));
    std::vector<Value> touch = bind(sql::task_touch, arg("id", task_id), arg("now", now));
    co_await exec(c, sql::task_touch, std::move(touch));
    co_await note_tasks_updated(c, fmt::format("[{}]", task_id));
    co_return true;
  });
}

awaitable<bool> Store::remove_task_tag(std::int64_t task_id, std::string name) {
  co_return co_await transact<bool>([&](Connection& c) -> awaitable<bool> {
    std::vector<Value> unlink =
        bind(sql::task_tags_unlink, arg("task_id", task_id), arg("name", std::move(name)));
    if ((co_await exec(c, sql::task_tags_unlink, std::move(unlink))).empty()) co_return false;
    std::vector<Value> touch =
        bind(sql::task_touch, arg("id", task_id), arg("now", base::utc_now()));
    co_await exec(c, sql::task_touch, std::move(touch));
    co_await note_tasks_updated(c, fmt::format("[{}]", task_id));
    co_return true;
  });
}

}  // namespace usertasks::repository
