#pragma once
// Races: `n` clients, each on a connection of its own opened beforehand, released together.

#include <chrono>
#include <exception>
#include <functional>
#include <latch>
#include <thread>
#include <vector>

#include "harness.hpp"

namespace usertasks::testing {

// Runs `request(i, client)` for i in [0, n) on as many threads, all released at once; the answers
// in the order of i. A request that throws answers status 0 with the error as its body.
inline std::vector<Response> race(unsigned short port, int n,
                                  const std::function<Response(int, Client&)>& request) {
  std::vector<Response> answers(static_cast<std::size_t>(n));
  std::latch start(n);
  {
    std::vector<std::jthread> threads;
    for (int i = 0; i < n; ++i) {
      threads.emplace_back([&, i] {
        Response& answer = answers[static_cast<std::size_t>(i)];
        Client client(port);
        client.set_timeout(std::chrono::seconds(30));  // a deadlock fails rather than hangs
        bool connected = false;
        try {
          connected = client.get("/healthz").status == 200;
        } catch (const std::exception& e) {
          answer.body = e.what();
        }
        start.arrive_and_wait();
        if (!connected) return;
        try {
          answer = request(i, client);
        } catch (const std::exception& e) {
          answer.body = e.what();
        }
      });
    }
  }
  return answers;
}

// How many of `answers` have `status`.
inline long count_status(const std::vector<Response>& answers, unsigned status) {
  long n = 0;
  for (const Response& r : answers) n += r.status == status ? 1 : 0;
  return n;
}

}  // namespace usertasks::testing
