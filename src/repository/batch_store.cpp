// The Store's writes of several records at once: POST /tasks with an array.

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <set>

#include "base/utf8.hpp"
#include "repository/rows.hpp"
#include "repository/statements.hpp"
#include "repository/store.hpp"

namespace usertasks::repository {

using store::Row;

using models::Task;

namespace json = boost::json;

namespace {

using namespace rows;  // NOLINT(google-build-using-namespace): the store's own helpers

// The tasks as the JSON array tasks_insert_each reads: each task's body column fields by name.
std::string records_of(const std::vector<models::Input<Task>>& tasks) {
  json::array records;
  records.reserve(tasks.size());
  for (const models::Input<Task>& input : tasks) {
    json::object record;
    for (std::size_t i = 0; i < models::field_count<Task>; ++i) {
      const models::Field& f = models::Entity<Task>::fields[i];
      if (f.source != models::Source::body || f.type == models::FieldType::names) continue;
      record[f.name] = input[i] ? models::to_json(*input[i]) : json::value(nullptr);
    }
    records.push_back(std::move(record));
  }
  return json::serialize(records);
}

// The users the tasks name, as a JSON array of distinct ids.
std::string user_ids_of(const std::vector<models::Input<Task>>& tasks) {
  std::set<std::int64_t> ids;
  for (const models::Input<Task>& input : tasks) ids.insert(input.integer("user_id"));
  return json::serialize(json::array(ids.begin(), ids.end()));
}

}  // namespace

awaitable<std::variant<std::vector<Task>, Store::MissingUsers>> Store::create_tasks(
    std::vector<models::Input<Task>> tasks) {
  using Result = std::variant<std::vector<Task>, MissingUsers>;
  co_return co_await transact<Result>([&](Connection& c) -> awaitable<Result> {
    const std::string ids = user_ids_of(tasks);
    std::vector<Value> users = bind(sql::users_existing, arg("ids", ids));
    const Rows found = co_await exec(c, sql::users_existing, std::move(users));
    std::set<std::int64_t> existing;
    for (const Row& r : found) existing.insert(r.integer(0));
    MissingUsers missing;
    for (std::size_t i = 0; i < tasks.size(); ++i) {
      if (!existing.contains(tasks[i].integer("user_id"))) missing.push_back(i);
    }
    if (!missing.empty()) co_return missing;

    std::vector<Value> values = bind(sql::tasks_insert_each, arg("records", records_of(tasks)),
                                     arg("now", base::utc_now()));
    Rows rows = co_await exec(c, sql::tasks_insert_each, std::move(values));
    std::vector<Task> created;
    created.reserve(rows.size());
    for (Row& r : rows) created.push_back(decode<Task>(r, 0));
    std::ranges::sort(created, {}, &Task::id);  // ids were assigned in the array's order
    co_await link_tags(c, tasks, created);
    for (const Task& task : created) changes_.push_back(change(Happened::created, task));
    co_return created;
  });
}

awaitable<void> Store::link_tags(Connection& c, const std::vector<models::Input<Task>>& tasks,
                                 std::vector<Task>& created) {
  json::array names;  // a new tag takes the spelling of its first use
  std::set<std::string> seen;
  json::array pairs;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    const auto& given = tasks[i].get("tags");
    if (!given) continue;
    const json::value list = json::parse(std::get<std::string>(*given));
    for (const json::value& name : list.as_array()) {
      if (seen.insert(base::utf8::lower(name.as_string())).second) names.push_back(name);
      pairs.push_back(json::array{created[i].id, name});
    }
  }
  if (pairs.empty()) co_return;
  co_await insert_missing_tags(c, json::serialize(names), created.front().created_at);
  std::vector<Value> link = bind(sql::task_tags_link_pairs, arg("pairs", json::serialize(pairs)));
  co_await exec(c, sql::task_tags_link_pairs, std::move(link));
  json::array ids;
  for (const Task& t : created) ids.push_back(t.id);
  std::vector<Value> read = bind(sql::tasks_tag_names, arg("ids", json::serialize(ids)));
  Rows rows = co_await exec(c, sql::tasks_tag_names, std::move(read));
  for (Row& r : rows) {
    const std::int64_t id = r.integer(0);
    auto it = std::ranges::lower_bound(created, id, {}, &Task::id);
    if (it != created.end() && it->id == id) it->tags = split_names(r, 1);
  }
}

}  // namespace usertasks::repository
