#pragma once
// Load for the change feed's race tests: writers that create, change and delete their own users
// and tasks at random and note, from each 2xx answer, the events the feed owes for it; and the
// check that a feed replayed from its start rebuilds what the service holds.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "harness.hpp"
#include "sse_client.hpp"

namespace usertasks::testing {

// An event as the writers' answers name it: its type and its record's id.
using EventKey = std::pair<std::string, std::int64_t>;

// What the writers were told.
struct Ledger {
  std::mutex mutex;
  std::map<EventKey, int> owed;       // the events of acknowledged writes, with multiplicity
  std::map<std::string, int> writes;  // acknowledged writes by kind ("PATCH /tasks/{id}", ...)
  long events = 0;                    // how many events are owed in all
  std::atomic<long> failures{0};      // answers that were not 2xx (each a test failure)

  void acknowledge(const std::string& kind, const std::vector<EventKey>& events_owed) {
    std::lock_guard lock(mutex);
    ++writes[kind];
    for (const EventKey& key : events_owed) ++owed[key];
    events += static_cast<long>(events_owed.size());
  }
};

// One client writing at random among its own records, so that every write it sends is one that
// succeeds and whose events it can name from the answer.
class Writer {
 public:
  Writer(unsigned short port, int index, Ledger& ledger)
      : rng_(static_cast<unsigned>(index) * 7919U + 17U),
        client_(port),
        index_(index),
        ledger_(ledger) {
    client_.set_timeout(std::chrono::seconds(20));
  }

  // One write. Throws when the service cannot be reached (the write's fate is then unknown).
  void step() {
    if (users_.empty()) return create_user(0);
    const auto dice = rng_() % 100;
    const bool has_task = std::any_of(users_.begin(), users_.end(),
                                      [](const auto& user) { return !user.second.empty(); });
    if (dice < 30 || (dice < 65 && !has_task)) return create_task();
    if (dice < 50) return patch_task();
    if (dice < 60) return delete_task();
    if (dice < 70) return create_user(static_cast<int>(rng_() % 3));
    if (dice < 80) return patch_user();
    if (dice < 85 && users_.size() > 1) return delete_user();
    return create_tasks(1 + static_cast<int>(rng_() % 3));
  }

 private:
  std::string unique(std::string_view what) { return fmt::format("w{}-{}-{}", index_, what, ++n_); }

  std::int64_t some_user() {
    auto it = users_.begin();
    std::advance(it, static_cast<long>(rng_() % users_.size()));
    return it->first;
  }
  std::pair<std::int64_t, std::int64_t> some_task() {  // {user, task}
    std::vector<std::pair<std::int64_t, std::int64_t>> all;
    for (const auto& [user, tasks] : users_) {
      for (std::int64_t task : tasks) all.emplace_back(user, task);
    }
    return all[rng_() % all.size()];
  }

  bool ok(const Response& r, unsigned status, std::string_view what) {
    if (r.status == status) return true;
    ADD_FAILURE() << "writer " << index_ << ", " << what << ":\n" << r.describe();
    ++ledger_.failures;
    return false;
  }

  void create_user(int tasks) {
    json::object body{{"name", unique("user")}, {"email", unique("e") + "@example.com"}};
    if (tasks > 0) {
      json::array list;
      for (int i = 0; i < tasks; ++i) list.push_back(json::object{{"content", unique("t")}});
      body["tasks"] = std::move(list);
    }
    const Response r = client_.post("/users", body);
    if (!ok(r, 201, "POST /users")) return;
    const json::object user = r.object();
    std::vector<EventKey> owed{{"user.created", id_of(user)}};
    auto& mine = users_[id_of(user)];
    if (const json::value* embedded = user.if_contains("tasks")) {
      for (const json::value& t : embedded->as_array()) {
        owed.emplace_back("task.created", id_of(t));
        mine.insert(id_of(t));
      }
    }
    ledger_.acknowledge(tasks > 0 ? "POST /users with tasks" : "POST /users", owed);
  }

  void create_task() {
    const std::int64_t user = some_user();
    const Response r =
        client_.post(fmt::format("/users/{}/tasks", user), json::object{{"content", unique("t")}});
    if (!ok(r, 201, "POST /users/{id}/tasks")) return;
    users_[user].insert(id_of(r.json()));
    ledger_.acknowledge("POST /users/{id}/tasks", {{"task.created", id_of(r.json())}});
  }

  void create_tasks(int n) {
    json::array body;
    std::vector<std::int64_t> owners;
    for (int i = 0; i < n; ++i) {
      owners.push_back(some_user());
      body.push_back(json::object{{"content", unique("t")}, {"user_id", owners.back()}});
    }
    const Response r = client_.post("/tasks", body);
    if (!ok(r, 201, "POST /tasks (array)")) return;
    std::vector<EventKey> owed;
    const json::array created = r.array();
    for (std::size_t i = 0; i < created.size() && i < owners.size(); ++i) {
      users_[owners[i]].insert(id_of(created[i]));
      owed.emplace_back("task.created", id_of(created[i]));
    }
    ledger_.acknowledge("POST /tasks (array)", owed);
  }

  void patch_task() {
    const auto [user, task] = some_task();
    json::object body{{"content", unique("c")}, {"done", rng_() % 2 == 0}};
    std::int64_t owner = user;
    if (rng_() % 4 == 0) {  // sometimes to another of this writer's users
      owner = some_user();
      body["user_id"] = owner;
    }
    const Response r = client_.patch(fmt::format("/tasks/{}", task), body);
    if (!ok(r, 200, "PATCH /tasks/{id}")) return;
    users_[user].erase(task);
    users_[owner].insert(task);
    ledger_.acknowledge("PATCH /tasks/{id}", {{"task.updated", task}});
  }

  void delete_task() {
    const auto [user, task] = some_task();
    const Response r = client_.del(fmt::format("/tasks/{}", task));
    if (!ok(r, 204, "DELETE /tasks/{id}")) return;
    users_[user].erase(task);
    ledger_.acknowledge("DELETE /tasks/{id}", {{"task.deleted", task}});
  }

  void patch_user() {
    const std::int64_t user = some_user();
    const Response r =
        client_.patch(fmt::format("/users/{}", user), json::object{{"name", unique("n")}});
    if (!ok(r, 200, "PATCH /users/{id}")) return;
    ledger_.acknowledge("PATCH /users/{id}", {{"user.updated", user}});
  }

  void delete_user() {
    const std::int64_t user = some_user();
    const Response r = client_.del(fmt::format("/users/{}", user));
    if (!ok(r, 204, "DELETE /users/{id}")) return;
    std::vector<EventKey> owed;
    for (std::int64_t task : users_[user]) owed.emplace_back("task.deleted", task);
    owed.emplace_back("user.deleted", user);
    users_.erase(user);
    ledger_.acknowledge("DELETE /users/{id}", owed);
  }

  std::mt19937 rng_;
  Client client_;
  int index_;
  Ledger& ledger_;
  int n_ = 0;
  std::map<std::int64_t, std::set<std::int64_t>> users_;  // this writer's users and their tasks
};

// The events by (type, record id), with multiplicity.
inline std::map<EventKey, int> keys_of(const std::vector<SseMessage>& events) {
  std::map<EventKey, int> keys;
  for (const SseMessage& e : events) ++keys[{e.event, id_of(e.object())}];
  return keys;
}

// Users and tasks as a feed replayed from its start leaves them: id -> serialized record.
struct Replayed {
  std::map<std::int64_t, std::string> users;
  std::map<std::int64_t, std::string> tasks;
};

inline Replayed replay(const std::vector<SseMessage>& events) {
  Replayed state;
  for (const SseMessage& e : events) {
    if (!e.event.starts_with("user.") && !e.event.starts_with("task.")) continue;
    const json::object data = e.object();
    const std::int64_t id = id_of(data);
    auto& records = e.event.starts_with("user.") ? state.users : state.tasks;
    if (e.event.ends_with(".deleted")) {
      EXPECT_EQ(records.erase(id), 1U) << "deleted, never created (or deleted twice): " << e.raw;
    } else {
      if (e.event.ends_with(".created")) {
        EXPECT_FALSE(records.contains(id)) << "created twice: " << e.raw;
      } else {
        EXPECT_TRUE(records.contains(id)) << "updated, never created: " << e.raw;
      }
      records[id] = to_text(data);
    }
  }
  return state;
}

// Every user and task the service lists, serialized as GET /users and GET /tasks render them.
inline Replayed listed(Client& client) {
  Replayed state;
  for (const char* collection : {"/users", "/tasks"}) {
    auto& records = std::string_view(collection) == "/users" ? state.users : state.tasks;
    std::optional<std::string> target = fmt::format("{}?limit=1000", collection);
    while (target) {
      const Response page = client.get(*target);
      EXPECT_EQ(page.status, 200U) << page.describe();
      if (page.status != 200) break;
      for (const json::value& record : page.array()) records[id_of(record)] = to_text(record);
      target = next_link(page);
    }
  }
  return state;
}

// The records that differ between a replayed feed and the service, for failure messages.
inline std::string differences(const Replayed& feed, const Replayed& service) {
  std::string out;
  int shown = 0;
  for (const auto* kind : {"users", "tasks"}) {
    const bool users = std::string_view(kind) == "users";
    const auto& a = users ? feed.users : feed.tasks;
    const auto& b = users ? service.users : service.tasks;
    std::set<std::int64_t> ids;
    for (const auto& [id, text] : a) ids.insert(id);
    for (const auto& [id, text] : b) ids.insert(id);
    for (std::int64_t id : ids) {
      const auto x = a.find(id);
      const auto y = b.find(id);
      const std::string left = x == a.end() ? "(none)" : x->second;
      const std::string right = y == b.end() ? "(none)" : y->second;
      if (left == right || ++shown > 10) continue;
      out += fmt::format("{} {}: the feed says {}\n  the service has {}\n", kind, id, left, right);
    }
  }
  return out;
}

}  // namespace usertasks::testing
