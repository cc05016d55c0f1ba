// The Store's gathered units of work (repository/gather.hpp): point reads coalesced into one
// statement on PostgreSQL, and single-record writes committed together.

#include <fmt/format.h>

#include <algorithm>
#include <boost/asio/this_coro.hpp>

#include "base/time.hpp"
#include "repository/gather.hpp"
#include "repository/rows.hpp"
#include "repository/statements.hpp"
#include "repository/store.hpp"

namespace usertasks::repository {

using store::Access;

namespace {

// The most requests one coalesced statement reads, and one group commit writes.
constexpr std::size_t reads_at_most = 64;
constexpr std::size_t writes_at_most = 32;

// The kinds of group, by address.
constexpr char single_record_writes = 0;

template <class R>
struct PointRead : gather::Waiting {
  static constexpr bool abandonable = true;
  PointRead(const boost::asio::any_io_executor& executor, std::int64_t record)
      : Waiting(executor), id(record) {}
  std::int64_t id;
  std::optional<R> answer;
};

struct GatheredWrite : gather::Waiting {
  static constexpr bool abandonable = false;
  GatheredWrite(const boost::asio::any_io_executor& executor, std::vector<Change>& noted,
                std::function<awaitable<void>(Connection&)> unit)
      : Waiting(executor), changes(noted), work(std::move(unit)) {}
  std::vector<Change>& changes;  // the member's Store's, which its work fills
  std::function<awaitable<void>(Connection&)> work;
  std::size_t events_statements = 0;  // those of the group's events, when some were its own
};

// The records of `ids` on `c`, each at its id's place (nullopt: none): by `one` for one id, by
// `many` for several. `split` turns either's rows into (id, record) pairs.
template <class R>
awaitable<std::vector<std::optional<R>>> read_ids(
    Connection& c, const std::vector<std::int64_t>& ids, const Sql& one, const Sql& many,
    std::vector<std::pair<std::int64_t, R>> (*split)(Rows&)) {
  const bool alone = ids.size() == 1;
  std::vector<Value> values;
  if (alone) {
    values = bind(one, rows::arg("id", ids.front()));
  } else {
    std::string list;  // as :ids wants them: "1,2,3"
    for (const std::int64_t id : ids) list += (list.empty() ? "" : ",") + std::to_string(id);
    values = bind(many, rows::arg("ids", std::move(list)));
  }
  Rows rows = co_await c.execute((alone ? one : many).statement(), values);
  auto records = split(rows);
  const auto by_id = [](const auto& r) { return r.first; };
  std::ranges::sort(records, {}, by_id);
  std::vector<std::optional<R>> found(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    auto it = std::ranges::lower_bound(records, ids[i], {}, by_id);
    if (it != records.end() && it->first == ids[i]) found[i] = it->second;
  }
  co_return found;
}

}  // namespace

template <class R>
awaitable<std::optional<R>> Store::read_coalesced(const Sql& one, const Sql& many, std::int64_t id,
                                                  Split<R> split) {
  ++statements_;
  if (!db_.gathers() || db_.dialect() != store::Dialect::postgresql) {
    co_return co_await store::with_connection(
        db_, Access::read, [&](Connection& c) -> awaitable<std::optional<R>> {
          const std::vector<std::int64_t> ids{id};
          std::vector<std::optional<R>> found = co_await read_ids(c, ids, one, many, split);
          co_return std::move(found.front());
        });
  }
  const boost::asio::any_io_executor executor = co_await boost::asio::this_coro::executor;
  const auto member = std::make_shared<PointRead<R>>(executor, id);
  Database* db = &db_;
  const auto run = [db, &one, &many, split](gather::Group<PointRead<R>>& group) {
    return db->run(Access::read, [&](Connection& c) -> awaitable<void> {
      const std::vector<PointRead<R>*> members = group.close();
      if (members.empty()) co_return;
      gather::tally(gather::Kind::read).count(members.size());
      std::vector<std::int64_t> ids;
      ids.reserve(members.size());
      for (const PointRead<R>* m : members) ids.push_back(m->id);
      std::vector<std::optional<R>> found = co_await read_ids(c, ids, one, many, split);
      for (std::size_t i = 0; i < members.size(); ++i) members[i]->answer = std::move(found[i]);
    });
  };
  co_await gather::join(db_, &many, reads_at_most, member, run);
  co_return std::move(member->answer);
}

template awaitable<std::optional<models::UserWithTasks>> Store::read_coalesced(
    const Sql&, const Sql&, std::int64_t, Split<models::UserWithTasks>);
template awaitable<std::optional<models::TaskWithUser>> Store::read_coalesced(
    const Sql&, const Sql&, std::int64_t, Split<models::TaskWithUser>);

namespace {

// One group commit, in the transaction `c` is in. A lone member runs as a write of its own would;
// several run each in a savepoint, so that one's failure undoes only its own statements, and then
// all their events are recorded in one statement (or two: record_events).
awaitable<void> commit_group(Database& db, Connection& c, std::vector<GatheredWrite*>& members,
                             bool record) {
  std::vector<Change> changes;
  if (members.size() == 1) {
    co_await members.front()->work(c);
    changes = std::move(members.front()->changes);
  } else {
    for (GatheredWrite* m : members) {
      try {
        co_await db.run_nested(c, Access::write, m->work);
        std::ranges::move(m->changes, std::back_inserter(changes));
        m->changes.clear();
      } catch (...) {
        m->failure = std::current_exception();
      }
    }
  }
  if (changes.empty() || !record) co_return;
  const std::size_t statements = co_await record_events(c, changes, base::utc_now());
  for (GatheredWrite* m : members) {
    if (!m->failure) m->events_statements = statements;
  }
}

}  // namespace

awaitable<void> Store::write_gathered(std::function<awaitable<void>(Connection&)> work) {
  const boost::asio::any_io_executor executor = co_await boost::asio::this_coro::executor;
  const auto member = std::make_shared<GatheredWrite>(executor, changes_, std::move(work));
  Database* db = &db_;
  const bool record = record_events_;
  const auto run = [db, record](gather::Group<GatheredWrite>& group) {
    return db->run(Access::write, [db, record, &group](Connection& c) -> awaitable<void> {
      std::vector<GatheredWrite*> members = group.close();
      if (members.empty()) co_return;
      gather::tally(gather::Kind::write).count(members.size());
      co_await commit_group(*db, c, members, record);
    });
  };
  co_await gather::join(db_, &single_record_writes, writes_at_most, member, run);
  statements_ += member->events_statements;
}

}  // namespace usertasks::repository
