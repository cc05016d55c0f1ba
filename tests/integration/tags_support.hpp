#pragma once
// What the tag suites share: the check of a Tag, and a fixture with the requests they all make
// (tags, tagged tasks, a task's tags and timestamps).

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "harness.hpp"

namespace usertasks::testing {

// A Tag: exactly id, name, created_at and updated_at, in that order (then task_count, a
// non-negative integer, when `with_task_count`: GET /tags/{id}).
inline ::testing::AssertionResult IsTag(const json::value& value, bool with_task_count = false) {
  std::vector<std::string> expected{"id", "name", "created_at", "updated_at"};
  if (with_task_count) expected.emplace_back("task_count");
  if (!value.is_object()) {
    return ::testing::AssertionFailure() << "not an object: " << to_text(value);
  }
  const json::object& o = value.get_object();
  if (keys_of(o) != expected) {
    return ::testing::AssertionFailure()
           << "keys [" << fmt::format("{}", fmt::join(keys_of(o), ", ")) << "], expected ["
           << fmt::format("{}", fmt::join(expected, ", ")) << "] in " << to_text(value);
  }
  if (!o.at("id").is_int64() || o.at("id").get_int64() <= 0) {
    return ::testing::AssertionFailure() << "id is not a positive integer: " << to_text(value);
  }
  if (!o.at("name").is_string() || o.at("name").get_string().empty()) {
    return ::testing::AssertionFailure() << "name is not a non-empty string: " << to_text(value);
  }
  if (!is_timestamp(o.at("created_at")) || !is_timestamp(o.at("updated_at"))) {
    return ::testing::AssertionFailure() << "timestamps are not RFC 3339 UTC: " << to_text(value);
  }
  if (with_task_count && (!o.at("task_count").is_int64() || o.at("task_count").get_int64() < 0)) {
    return ::testing::AssertionFailure() << "task_count is not a count: " << to_text(value);
  }
  return ::testing::AssertionSuccess();
}

class TagsFixture : public ApiTest {
 protected:
  // Timestamps have microseconds; waiting a little guarantees that a change gets a later one.
  static void let_the_clock_tick() { std::this_thread::sleep_for(std::chrono::milliseconds(2)); }

  static std::string task_path(std::int64_t id) { return fmt::format("/tasks/{}", id); }
  static std::string tag_path(std::int64_t id) { return fmt::format("/tags/{}", id); }
  // /tasks/{task}/tags/{name}, `name` written into the path as it is (already percent-encoded).
  static std::string task_tag_path(std::int64_t task, std::string_view name) {
    return fmt::format("/tasks/{}/tags/{}", task, name);
  }

  // A task's "tags", in the order answered; a test failure when they are not strings.
  static std::vector<std::string> tags_of(const json::value& task) {
    std::vector<std::string> names;
    const json::value* tags = task.is_object() ? task.get_object().if_contains("tags") : nullptr;
    if (tags == nullptr || !tags->is_array()) {
      ADD_FAILURE() << "no \"tags\" array in " << to_text(task);
      return names;
    }
    for (const json::value& name : tags->get_array()) {
      if (!name.is_string()) {
        ADD_FAILURE() << "a tag that is not a string in " << to_text(task);
        continue;
      }
      names.emplace_back(name.get_string());
    }
    return names;
  }

  // "t00", "t01", …: `n` distinct tag names.
  static std::vector<std::string> numbered(int n, std::string_view prefix = "t") {
    std::vector<std::string> names;
    for (int i = 0; i < n; ++i) names.push_back(fmt::format("{}{:02}", prefix, i));
    return names;
  }
  static json::array as_array(const std::vector<std::string>& names) {
    json::array out;
    for (const std::string& name : names) out.emplace_back(name);
    return out;
  }

  Response post_tag(json::value name) {
    return client_->post("/tags", json::object{{"name", std::move(name)}});
  }
  // POST /tags; asserts 201 and returns the tag.
  json::object create_tag(std::string_view name) {
    const Response r = post_tag(json::value(name));
    EXPECT_EQ(r.status, 201U) << r.describe();
    return r.status == 201 ? r.object() : json::object{};
  }

  // POST /tasks with "tags"; asserts 201 and returns the task.
  json::object create_tagged_task(std::int64_t user, const std::vector<std::string>& tags,
                                  std::string_view content = "tagged") {
    const Response r = client_->post(
        "/tasks", json::object{{"content", content}, {"user_id", user}, {"tags", as_array(tags)}});
    EXPECT_EQ(r.status, 201U) << r.describe();
    return r.status == 201 ? r.object() : json::object{};
  }

  // PUT and DELETE /tasks/{task}/tags/{name}, without a body.
  Response add_tag(std::int64_t task, std::string_view name) {
    return client_->request("PUT", task_tag_path(task, name));
  }
  Response remove_tag(std::int64_t task, std::string_view name) {
    return client_->del(task_tag_path(task, name));
  }

  json::object get_task(std::int64_t id) { return get_json(task_path(id)).as_object(); }
  std::vector<std::string> tags_of_task(std::int64_t id) { return tags_of(get_task(id)); }
  std::string updated_at(std::int64_t task_id) {
    const json::object t = get_task(task_id);
    const json::value* at = t.if_contains("updated_at");
    return at != nullptr && at->is_string() ? std::string(at->get_string()) : std::string();
  }

  // Every tag, walking all pages of GET /tags.
  json::array all_tags() { return collect_pages("/tags?limit=1000"); }
  std::vector<std::string> tag_names() {
    std::vector<std::string> names;
    for (const json::value& tag : all_tags()) names.emplace_back(tag.at("name").as_string());
    return names;
  }
  // The same, as a set: for tags created together, whose relative order no rule fixes.
  std::set<std::string> tag_name_set() {
    const std::vector<std::string> names = tag_names();
    return {names.begin(), names.end()};
  }
  // The id of the tag named exactly `name` in GET /tags; 0 (and a failure) when there is none.
  std::int64_t tag_id(std::string_view name) {
    for (const json::value& tag : all_tags()) {
      if (tag.at("name") == json::value(name)) return id_of(tag);
    }
    ADD_FAILURE() << "no tag named " << name << " in GET /tags";
    return 0;
  }
  // GET /tags/{id}'s task_count; -1 when it cannot be read.
  std::int64_t task_count(std::int64_t tag) {
    const json::value got = get_json(tag_path(tag));
    const json::value* count =
        got.is_object() ? got.get_object().if_contains("task_count") : nullptr;
    return count != nullptr && count->is_int64() ? count->get_int64() : -1;
  }

  // The ids of a list's items (one page), in order; the list must answer 200.
  std::vector<std::int64_t> ids(std::string_view target) {
    std::vector<std::int64_t> out;
    const json::value list = get_json(target);
    if (!list.is_array()) return out;
    for (const json::value& item : list.get_array()) out.push_back(id_of(item));
    return out;
  }
};

using Ids = std::vector<std::int64_t>;
using Names = std::vector<std::string>;
using NameSet = std::set<std::string>;

}  // namespace usertasks::testing
