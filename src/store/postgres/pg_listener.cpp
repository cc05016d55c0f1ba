// PostgreSQL notifications: LISTEN on a connection of its own, awaited on an io thread.

#include <fmt/format.h>
#include <libpq-fe.h>
#include <spdlog/spdlog.h>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "store/postgres/pg_connection.hpp"
#include "store/postgres/postgres_database.hpp"

namespace usertasks::store::postgres {

namespace asio = boost::asio;

namespace {

constexpr std::chrono::milliseconds connect_timeout{5000};
constexpr std::chrono::milliseconds reconnect_pause{1000};

// What the handle that listen() returns controls: the listening coroutine's cancellation.
struct Listening {
  explicit Listening(asio::any_io_executor ex) : executor(std::move(ex)) {}
  asio::any_io_executor executor;
  asio::cancellation_signal signal;  // emitted on `executor`
  bool stopped = false;              // on `executor`
};

awaitable<void> listen_loop(std::string conninfo, std::string channel,
                            std::function<void()> notified, std::shared_ptr<Listening> state) {
  asio::steady_timer pause(state->executor);
  bool warned = false;
  while (!state->stopped) {
    try {
      auto connection = co_await PgConnection::connect(conninfo, connect_timeout);
      connection->lend(state->executor);
      warned = false;
      co_await connection->listen(channel, notified);
    } catch (const std::exception& e) {
      if (state->stopped) break;
      if (!warned) spdlog::warn("postgresql: listening on {}: {}", channel, e.what());
      warned = true;
    }
    if (state->stopped) break;
    pause.expires_after(reconnect_pause);
    boost::system::error_code ignored;
    co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
  }
}

}  // namespace

awaitable<void> PgConnection::listen(const std::string& channel,
                                     const std::function<void()>& notified) {
  co_await execute_script(fmt::format("LISTEN {}", channel));
  notified();  // what was committed before the LISTEN took effect is not announced
  for (;;) {
    co_await wait(asio::posix::descriptor_base::wait_read);
    if (PQconsumeInput(conn_.get()) == 0) connection_lost("receive");
    bool any = false;
    while (PGnotify* n = PQnotifies(conn_.get())) {
      PQfreemem(n);
      any = true;
    }
    if (any) notified();
  }
}

std::shared_ptr<void> PostgresDatabase::listen(std::string channel, asio::any_io_executor executor,
                                               std::function<void()> notified) {
  auto state = std::make_shared<Listening>(executor);
  asio::co_spawn(
      executor, listen_loop(conninfo_, std::move(channel), std::move(notified), state),
      asio::bind_cancellation_slot(state->signal.slot(), [](const std::exception_ptr&) {}));
  // Dropping the handle stops the loop on its own thread.
  return std::shared_ptr<void>(nullptr, [state](void*) {
    asio::post(state->executor, [state] {
      state->stopped = true;
      state->signal.emit(asio::cancellation_type::terminal);
    });
  });
}

}  // namespace usertasks::store::postgres
