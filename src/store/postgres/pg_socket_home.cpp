// Where a PgConnection's socket is registered: with the reactor of the io_context that last
// borrowed it, kept there while it is idle (PgConnection::lend, park).

#include <libpq-fe.h>

#include <boost/asio/execution/context.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/query.hpp>
#include <mutex>
#include <unordered_set>

#include "store/postgres/pg_connection.hpp"

namespace usertasks::store::postgres {

namespace asio = boost::asio;

// The connections whose sockets are registered with one io_context's reactor: a service of that
// io_context, so that Asio shuts it down before the reactor (a service added later is shut down
// earlier, and the reactor exists before the first registration makes this one). At shutdown the
// idle connections are deregistered at once; a lent one is deregistered when it is parked, which
// happens as the io_context destroys the coroutine holding it, still before the reactor goes.
class SocketHome final : public asio::execution_context::service {
 public:
  static inline asio::execution_context::id id;

  explicit SocketHome(asio::execution_context& owner) : service(owner) {}

  // One mutex for every home: taken when a connection is lent or parked (uncontended, and far
  // cheaper than the two epoll_ctl calls it saves) and when an io_context shuts down.
  static std::mutex& mutex() {
    static std::mutex m;
    return m;
  }

  void shutdown() override {
    std::lock_guard lock(mutex());
    closed = true;
    for (auto it = members.begin(); it != members.end();) {
      PgConnection& connection = **it++;  // past it first: leave_home erases it from `members`
      if (!connection.lent_) connection.leave_home();
    }
  }

  std::unordered_set<PgConnection*> members;  // guarded by mutex()
  bool closed = false;                        // guarded by mutex()
};

PgConnection::~PgConnection() {
  std::lock_guard lock(SocketHome::mutex());
  leave_home();
}

asio::execution_context& context_of(const asio::any_io_executor& executor) {
  return asio::query(executor, asio::execution::context);
}

const asio::execution_context* PgConnection::registered_context() const {
  std::lock_guard lock(SocketHome::mutex());
  return home_ != nullptr && !home_->closed ? &home_->context() : nullptr;
}

void PgConnection::lend(const asio::any_io_executor& executor) {
  {
    std::lock_guard lock(SocketHome::mutex());
    lent_ = true;
    if (home_ != nullptr && !home_->closed && &home_->context() == &context_of(executor)) return;
    leave_home();
  }
  // Outside the lock: registering may create the reactor, and use_service the home.
  socket_.emplace(executor, PQsocket(conn_.get()));
  ++registrations_;
  SocketHome& home = asio::use_service<SocketHome>(context_of(executor));
  std::lock_guard lock(SocketHome::mutex());
  home_ = &home;
  home.members.insert(this);
}

void PgConnection::park() {
  std::lock_guard lock(SocketHome::mutex());
  lent_ = false;
  if (home_ != nullptr && home_->closed) leave_home();
}

void PgConnection::leave_home() {
  if (home_ == nullptr) return;
  home_->members.erase(this);
  home_ = nullptr;
  // release(), not close(): the descriptor belongs to libpq, which closes it in PQfinish.
  socket_->release();
  socket_.reset();
}

}  // namespace usertasks::store::postgres
