#pragma once
// Runs one coroutine to completion on a private io_context: how the command-line tools (db ...)
// use the same asynchronous store as the server.

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

namespace usertasks::app {

template <class T>
T run_sync(boost::asio::awaitable<T> work) {
  boost::asio::io_context context;
  auto future = boost::asio::co_spawn(context, std::move(work), boost::asio::use_future);
  context.run();
  return future.get();
}

}  // namespace usertasks::app
