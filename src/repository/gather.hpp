#pragma once
// Natural batching (docs/design.md, "Coalesced reads and group commit"): requests of one kind on
// one io thread that come while an earlier one waits for a connection join its group, and the
// group runs once for all of them. A lone request goes at once, nothing waits for a timer, and a
// group grows only while the database is busy, up to a bound.

#include <atomic>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "store/database.hpp"

namespace usertasks::repository::gather {

using store::awaitable;

// The groups run and the requests they served since start, for /metrics: coalesced point reads,
// and group commits.
struct Tally {
  std::atomic<std::uint64_t> groups{0};
  std::atomic<std::uint64_t> members{0};
  void count(std::size_t served) {
    groups.fetch_add(1, std::memory_order_relaxed);
    members.fetch_add(served, std::memory_order_relaxed);
  }
};
enum class Kind { read, write };
Tally& tally(Kind kind);

// What every member of a group has: its failure, and the timer its request sleeps on until the
// group is done with it (cancelled then, on the request's io thread). `done` is set first: a run
// that fails before it suspends ends inside co_spawn, before its member has begun to wait. A
// member type whose `abandonable` is true may stop waiting while the run serves it (a read: the
// run only writes into the member, which the group keeps alive); otherwise (a write, whose work
// lives in its request) only before the run takes it.
struct Waiting {
  explicit Waiting(const boost::asio::any_io_executor& executor) : wake(executor) {}
  std::exception_ptr failure;
  boost::asio::steady_timer wake;
  bool done = false;
};

// The members of one group. Joined and left on one io thread, where its run starts and ends; closed
// by the run, which may be on another thread (SQLite's writer): hence the mutex.
template <class Member>
class Group {
 public:
  explicit Group(std::size_t bound) : bound_(bound) {}

  // False when the group is closed or full: the caller starts another.
  bool join(std::shared_ptr<Member> member) {
    std::lock_guard lock(mutex_);
    if (closed_ || members_.size() >= bound_) return false;
    members_.push_back(std::move(member));
    return true;
  }
  // The members the run serves, when it holds its connection; later requests start a new group.
  std::vector<Member*> close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    std::vector<Member*> members;
    members.reserve(members_.size());
    for (const auto& m : members_) members.push_back(m.get());
    serving_ = members.size();
    return members;
  }
  // A member whose request was cancelled stops waiting: true when it could, then or now. The run
  // is cancelled once no member is left to wait for it.
  bool leave(const Member& member) {
    bool left = false;
    bool nobody = false;
    {
      std::lock_guard lock(mutex_);
      if (!closed_) {
        std::erase_if(members_, [&](const auto& m) { return m.get() == &member; });
        left = true;
        closed_ = nobody = members_.empty();  // none may join a run about to be cancelled
      } else if (Member::abandonable) {
        left = true;
        nobody = --serving_ == 0;
      }
    }
    if (nobody) stop.emit(boost::asio::cancellation_type::terminal);
    return left;
  }
  // After the run: the members' failures (`failure` for those without one, when the run failed)
  // and their wake-up.
  void finish(const std::exception_ptr& failure) {
    std::vector<std::shared_ptr<Member>> members;
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
      members.swap(members_);
    }
    for (const auto& m : members) {
      if (failure && !m->failure) m->failure = failure;
      m->done = true;
      m->wake.cancel();
    }
  }

  boost::asio::cancellation_signal stop;  // the run's; on the io thread

 private:
  std::mutex mutex_;
  std::vector<std::shared_ptr<Member>> members_;
  std::size_t serving_ = 0;
  bool closed_ = false;
  const std::size_t bound_;
};

// The group of (database, kind) that this thread's requests may join; kind is the address of
// something static that names the kind of request. Weak: a group lives as long as its run, and
// none outlives its io thread's io_context (its members' timers are that context's).
std::weak_ptr<void>& open_group(const store::Database& db, const void* kind);

// Adds `member` to the open group of its kind on this io thread, or starts one whose run,
// `run(group)` (awaitable<void>), goes in a coroutine of its own, cancelled only when none of its
// members waits for it any more. Returns when the run is done with `member`, and rethrows its
// failure. A cancelled request stops waiting when it may (Group::leave) and throws Unavailable;
// a write the run has taken is waited for, bounded by the pool's and the statements' timeouts.
template <class Member, class Run>
awaitable<void> join(store::Database& db, const void* kind, std::size_t bound,
                     const std::shared_ptr<Member>& member, Run run) {
  namespace asio = boost::asio;
  const asio::cancellation_state state = co_await asio::this_coro::cancellation_state;
  if (state.cancelled() != asio::cancellation_type::none) {
    throw store::Unavailable("the request was abandoned before its statement");
  }
  const asio::any_io_executor executor = co_await asio::this_coro::executor;
  std::weak_ptr<void>& open = open_group(db, kind);
  auto group = std::static_pointer_cast<Group<Member>>(open.lock());
  if (!group || !group->join(member)) {
    group = std::make_shared<Group<Member>>(bound);
    group->join(member);
    open = group;
    // Built apart from the co_spawn call: no temporary shares a full-expression with a co_await.
    auto runner = [group, run = std::move(run)]() mutable -> awaitable<void> {
      std::exception_ptr failure;
      try {
        co_await run(*group);
      } catch (...) {
        failure = std::current_exception();
      }
      group->finish(failure);
    };
    asio::co_spawn(executor, std::move(runner),
                   asio::bind_cancellation_slot(group->stop.slot(), asio::detached));
  }
  if (!member->done) {
    member->wake.expires_at(asio::steady_timer::time_point::max());
    boost::system::error_code ignored;
    co_await member->wake.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
  if (!member->done) {  // the request was cancelled
    if (group->leave(*member)) throw store::Unavailable("abandoned while waiting for the database");
    const bool throws = co_await asio::this_coro::throw_if_cancelled();
    co_await asio::this_coro::throw_if_cancelled(false);
    boost::system::error_code ignored;
    co_await member->wake.async_wait(asio::bind_cancellation_slot(
        asio::cancellation_slot(), asio::redirect_error(asio::use_awaitable, ignored)));
    co_await asio::this_coro::throw_if_cancelled(throws);
  }
  if (member->failure) std::rethrow_exception(member->failure);
}

}  // namespace usertasks::repository::gather
