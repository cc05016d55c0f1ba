#pragma once
// The change feed's outbox: the events table, written in the transaction of each change it
// reports, and the statements that read and purge it. Knows nothing of HTTP or streams.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "migrate/schema.hpp"
#include "store/database.hpp"

namespace usertasks::repository {

enum class EventType : std::uint8_t {
  user_created,
  user_updated,
  user_deleted,
  task_created,
  task_updated,
  task_deleted,
  tag_created,
  tag_updated,
  tag_deleted,
};
inline constexpr std::size_t event_type_count = 9;

// "task.updated" and so on.
[[nodiscard]] std::string_view event_type_name(EventType type);
[[nodiscard]] std::optional<EventType> parse_event_type(std::string_view name);
inline constexpr std::array<std::string_view, event_type_count> event_type_names = {
    "user.created", "user.updated", "user.deleted", "task.created", "task.updated",
    "task.deleted", "tag.created",  "tag.updated",  "tag.deleted"};

// A change a write noted, to be recorded in its transaction.
struct Change {
  EventType type;
  std::optional<std::int64_t> user_id;  // the user's id, or a task's user; none for tags
  std::string data;                     // the record as JSON text
};

// A recorded event, as the feed reads it back.
struct Event {
  std::int64_t id = 0;
  EventType type = EventType::user_created;
  std::optional<std::int64_t> user_id;
  std::string data;
};

// The ids the outbox holds: the oldest kept (none when empty) and the newest ever assigned (0
// before the first).
struct EventBounds {
  std::optional<std::int64_t> oldest;
  std::int64_t newest = 0;
};

// Adds the events and event_head tables to a declared schema (repository/schema.cpp).
void declare_events(migrate::Schema& schema);

// Records `changes` as events in the transaction open on `c`, with ids that follow every event
// committed before and precede every event committed after (docs/design.md, "The change feed").
// PostgreSQL also notifies the channel `event_channel` of the new newest id, at commit. Returns
// the statements it ran (one on PostgreSQL, two on SQLite).
store::awaitable<std::size_t> record_events(store::Connection& c,
                                            const std::vector<Change>& changes,
                                            const std::string& now);
inline constexpr std::string_view event_channel = "usertasks_events";

// At most `limit` events with ids above `after`, in id order.
store::awaitable<std::vector<Event>> read_events(store::Connection& c, std::int64_t after,
                                                 std::int64_t limit);
store::awaitable<EventBounds> event_bounds(store::Connection& c);
// Whether the oldest event was recorded at or before `cutoff`.
store::awaitable<bool> events_expired(store::Connection& c, const std::string& cutoff);
// Deletes up to `limit` of the oldest events recorded at or before `cutoff`; how many.
store::awaitable<std::size_t> purge_events(store::Connection& c, const std::string& cutoff,
                                           std::int64_t limit);

}  // namespace usertasks::repository
