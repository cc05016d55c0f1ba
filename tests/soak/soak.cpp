// The soak test (docs/reliability.md, `make soak`): usertasks on a fresh database, 64 clients on
// loopback for SOAK_SECONDS (default 120) sending a mix of reads and writes to every endpoint.
//
// Each client owns the records it creates, and keeps a ledger of every write the service
// acknowledged: the record as the service answered it, or its deletion. Since no other client
// touches them, every read of its own records must agree with its ledger, and at the end the
// database (read back through the API) must hold exactly the union of the ledgers: nothing lost,
// nothing changed, nothing that nobody was told about. The server's resident memory (VmRSS) is
// sampled every few seconds; over the second half it may not grow by more than rss_growth_bound.
//
//   soak [--backend sqlite|postgresql|all] [--seconds N] [--clients N]
//
// Exit code 0 when every backend passed; a table per backend on stdout.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "harness.hpp"

namespace usertasks::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// How much the server's resident memory may grow between the half-way sample and the largest
// sample of the second half. Caches, pools and allocator arenas fill during the first half; a
// leak keeps growing after that. Over the second minute of a 2-minute run at 2,500 to 4,100
// requests a second (measured on a 2-core machine), 8 MiB is 35 to 60 bytes per request.
constexpr long rss_growth_bound_kib = 8 * 1024;
constexpr auto rss_sample_every = 5s;
constexpr auto client_timeout = 30s;  // a request not answered by then counts as a failure
// Each client keeps at most this many users, with at most this many tasks each, so that the
// database stops growing after a while and memory can be watched at a steady state.
constexpr std::size_t max_users_per_client = 40;
constexpr std::size_t max_tasks_per_user = 8;

// ---- counters shared by the clients ----------------------------------------------------------

struct Counters {
  std::atomic<long> requests{0};
  std::atomic<long> creates{0};
  std::atomic<long> updates{0};
  std::atomic<long> deletes{0};
  std::atomic<long> reads{0};
  std::atomic<long> checked_reads{0};  // reads compared with the client's ledger
  std::atomic<long> server_errors{0};  // 5xx
  std::atomic<long> unexpected{0};     // any other status than the one the request must get
  std::atomic<long> transport{0};      // no answer: a broken connection or a timeout
  std::atomic<long> stale{0};          // a read that disagrees with the client's own ledger

  std::mutex mutex;
  std::vector<std::string> examples;  // the first few failures, described

  void example(std::string what) {
    std::lock_guard lock(mutex);
    if (examples.size() < 12) examples.push_back(std::move(what));
  }
};

// ---- one client ------------------------------------------------------------------------------

struct Ledger {
  std::map<std::int64_t, json::object> users;  // as last acknowledged, without "tasks"
  std::map<std::int64_t, json::object> tasks;  // as last acknowledged
  std::set<std::int64_t> deleted_users;
  std::set<std::int64_t> deleted_tasks;

  [[nodiscard]] std::vector<std::int64_t> tasks_of(std::int64_t user) const {
    std::vector<std::int64_t> ids;
    for (const auto& [id, task] : tasks) {
      if (task.at("user_id").as_int64() == user) ids.push_back(id);
    }
    return ids;
  }
};

class SoakClient {
 public:
  SoakClient(int index, unsigned short port, Counters& counters)
      : index_(index), client_(port), counters_(counters), random_(1000 + index) {
    client_.set_timeout(client_timeout);
  }

  void run(const std::atomic<bool>& stop) {
    while (!stop.load(std::memory_order_relaxed)) step();
  }

  [[nodiscard]] const Ledger& ledger() const { return ledger_; }

 private:
  // One request, chosen at random: about 55 % writes and 45 % reads.
  void step() {
    const int dice = pick(100);
    if (ledger_.users.empty() || dice < 10) return create_user();
    if (dice < 25) return create_task();
    if (dice < 35) return update_user();
    if (dice < 47) return update_task();
    if (dice < 52) return delete_task();
    if (dice < 55) return delete_user();
    if (dice < 67) return read_user();
    if (dice < 75) return read_task();
    if (dice < 80) return read_tasks_of_user();
    if (dice < 85) return read_task_filter();
    if (dice < 96) return read_page();
    return read_service();
  }

  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(random_); }
  template <class Map>
  std::int64_t any_key(const Map& map) {
    auto it = map.begin();
    std::advance(it, pick(static_cast<int>(map.size())));
    return it->first;
  }
  std::string email() { return fmt::format("soak-{}-{}@example.com", index_, ++serial_); }
  std::string words(std::string_view what) {
    return fmt::format("{} {} of client {}", what, ++serial_, index_);
  }

  // Sends a request; the answer when its status is `expected`, nullopt (counted) otherwise.
  std::optional<Response> send(std::string_view method, const std::string& target,
                               const std::optional<json::value>& body, unsigned expected) {
    ++counters_.requests;
    Response r;
    try {
      r = client_.request(method, target, body ? json::serialize(*body) : std::string());
    } catch (const std::exception& e) {
      ++counters_.transport;
      counters_.example(fmt::format("{} {}: no answer: {}", method, target, e.what()));
      return std::nullopt;
    }
    if (r.status == expected) return r;
    if (r.status >= 500) {
      ++counters_.server_errors;
    } else {
      ++counters_.unexpected;
    }
    counters_.example(
        fmt::format("{} {}: expected {}\n{}", method, target, expected, r.describe()));
    return std::nullopt;
  }

  static json::object parse_object(const Response& r) {
    boost::system::error_code ec;
    json::value v = json::parse(r.body, ec);
    return !ec && v.is_object() ? v.get_object() : json::object{};
  }

  void stale(const std::string& what, const std::string& got, const std::string& expected) {
    ++counters_.stale;
    counters_.example(fmt::format("{}: read {}\n  ledger {}", what, got, expected));
  }

  // ---- writes ----

  void create_user() {
    if (ledger_.users.size() >= max_users_per_client) return delete_user();
    json::object body{{"name", words("user")}, {"email", email()}};
    const int embedded = pick(3) == 0 ? 1 + pick(3) : 0;
    if (embedded > 0) {
      json::array tasks;
      for (int i = 0; i < embedded; ++i) tasks.push_back(json::object{{"content", words("task")}});
      body["tasks"] = std::move(tasks);
    }
    const auto r = send("POST", "/users", body, 201);
    if (!r) return;
    ++counters_.creates;
    json::object user = parse_object(*r);
    if (const json::value* tasks = user.if_contains("tasks")) {
      for (const json::value& task : tasks->as_array()) {
        ledger_.tasks[task.at("id").as_int64()] = task.as_object();
      }
      user.erase("tasks");
    }
    ledger_.users[user.at("id").as_int64()] = std::move(user);
  }

  void create_task() {
    const std::int64_t user = any_key(ledger_.users);
    if (ledger_.tasks_of(user).size() >= max_tasks_per_user) return delete_task();
    const bool nested = pick(2) == 0;
    const auto r = nested ? send("POST", fmt::format("/users/{}/tasks", user),
                                 json::object{{"content", words("task")}}, 201)
                          : send("POST", "/tasks",
                                 json::object{{"content", words("task")}, {"user_id", user}}, 201);
    if (!r) return;
    ++counters_.creates;
    json::object task = parse_object(*r);
    ledger_.tasks[task.at("id").as_int64()] = std::move(task);
  }

  void update_user() {
    const std::int64_t user = any_key(ledger_.users);
    const std::string target = fmt::format("/users/{}", user);
    std::optional<Response> r;
    switch (pick(3)) {
      case 0:
        r = send("PATCH", target, json::object{{"name", words("renamed")}}, 200);
        break;
      case 1:
        r = send("PATCH", target, json::object{{"email", email()}}, 200);
        break;
      default:
        r = send("PUT", target, json::object{{"name", words("replaced")}, {"email", email()}}, 200);
    }
    if (!r) return;
    ++counters_.updates;
    ledger_.users[user] = parse_object(*r);
  }

  void update_task() {
    if (ledger_.tasks.empty()) return create_task();
    const std::int64_t task = any_key(ledger_.tasks);
    const std::string target = fmt::format("/tasks/{}", task);
    std::optional<Response> r;
    switch (pick(4)) {
      case 0:
        r = send("PATCH", target, json::object{{"content", words("edited")}}, 200);
        break;
      case 1:
        r = send("PATCH", target, json::object{{"done", pick(2) == 0}}, 200);
        break;
      case 2:  // to another of this client's users
        r = send("PATCH", target, json::object{{"user_id", any_key(ledger_.users)}}, 200);
        break;
      default:
        r = send("PUT", target,
                 json::object{{"content", words("rewritten")},
                              {"user_id", ledger_.tasks.at(task).at("user_id")}},
                 200);
    }
    if (!r) return;
    ++counters_.updates;
    ledger_.tasks[task] = parse_object(*r);
  }

  void delete_task() {
    if (ledger_.tasks.empty()) return;
    const std::int64_t task = any_key(ledger_.tasks);
    if (!send("DELETE", fmt::format("/tasks/{}", task), std::nullopt, 204)) return;
    ++counters_.deletes;
    ledger_.tasks.erase(task);
    ledger_.deleted_tasks.insert(task);
  }

  void delete_user() {
    const std::int64_t user = any_key(ledger_.users);
    if (!send("DELETE", fmt::format("/users/{}", user), std::nullopt, 204)) return;
    ++counters_.deletes;
    for (const std::int64_t task : ledger_.tasks_of(user)) {  // deleted with their user
      ledger_.tasks.erase(task);
      ledger_.deleted_tasks.insert(task);
    }
    ledger_.users.erase(user);
    ledger_.deleted_users.insert(user);
  }

  // ---- reads checked against the ledger ----

  // The ledger's tasks of `user`, in id order, as the API lists them.
  std::string tasks_text(std::int64_t user) const {
    json::array tasks;
    for (const std::int64_t id : ledger_.tasks_of(user)) tasks.push_back(ledger_.tasks.at(id));
    return to_text(tasks);
  }

  void read_user() {
    const std::int64_t user = any_key(ledger_.users);
    const std::string target = fmt::format("/users/{}", user);
    const auto r = send("GET", target, std::nullopt, 200);
    if (!r) return;
    ++counters_.reads;
    ++counters_.checked_reads;
    json::object got = parse_object(*r);
    const json::value tasks = got.contains("tasks") ? got.at("tasks") : json::value();
    got.erase("tasks");
    if (to_text(got) != to_text(ledger_.users.at(user))) {
      stale("GET " + target, to_text(got), to_text(ledger_.users.at(user)));
    } else if (to_text(tasks) != tasks_text(user)) {
      stale("GET " + target + " tasks", to_text(tasks), tasks_text(user));
    }
  }

  void read_task() {
    if (ledger_.tasks.empty()) return read_user();
    const std::int64_t task = any_key(ledger_.tasks);
    const std::string target = fmt::format("/tasks/{}", task);
    const auto r = send("GET", target, std::nullopt, 200);
    if (!r) return;
    ++counters_.reads;
    ++counters_.checked_reads;
    json::object got = parse_object(*r);
    const json::value user = got.contains("user") ? got.at("user") : json::value();
    got.erase("user");
    const json::object& mine = ledger_.tasks.at(task);
    const json::object& owner = ledger_.users.at(mine.at("user_id").as_int64());
    if (to_text(got) != to_text(mine)) {
      stale("GET " + target, to_text(got), to_text(mine));
    } else if (to_text(user) != to_text(owner)) {
      stale("GET " + target + " user", to_text(user), to_text(owner));
    }
  }

  void read_tasks_of_user() {
    const std::int64_t user = any_key(ledger_.users);
    const std::string target = pick(2) == 0 ? fmt::format("/users/{}/tasks", user)
                                            : fmt::format("/tasks?user_id={}", user);
    const auto r = send("GET", target, std::nullopt, 200);
    if (!r) return;
    ++counters_.reads;
    ++counters_.checked_reads;
    boost::system::error_code ec;
    const json::value got = json::parse(r->body, ec);
    if (ec || to_text(got) != tasks_text(user)) stale("GET " + target, r->body, tasks_text(user));
  }

  // Reads of other clients' records too, so only their shape is checked.
  void read_task_filter() {
    const auto r = send("GET", pick(2) == 0 ? "/tasks?done=true&limit=20" : "/tasks?done=false",
                        std::nullopt, 200);
    if (r) ++counters_.reads;
  }

  void read_page() {
    const std::int64_t after = pick(2) == 0 ? 0 : any_key(ledger_.users) - 1;
    std::string target;
    switch (pick(4)) {
      case 0:
        target = fmt::format("/users?limit=20&after={}", after);
        break;
      case 1:
        target = fmt::format("/users?include=tasks&limit=10&after={}", after);
        break;
      case 2:
        target = fmt::format("/tasks?include=user&limit=10&after={}", after);
        break;
      default:
        target = "/tasks?limit=50";
    }
    if (after == 0) target = target.substr(0, target.find("&after="));
    const auto r = send("GET", target, std::nullopt, 200);
    if (!r) return;
    ++counters_.reads;
    boost::system::error_code ec;
    const json::value got = json::parse(r->body, ec);
    if (ec || !got.is_array()) {
      ++counters_.unexpected;
      counters_.example("GET " + target + " is not a JSON array:\n" + r->describe());
    }
  }

  void read_service() {
    const int which = pick(20);
    const std::string target = which == 0 ? "/openapi.json" : which == 1 ? "/metrics" : "/healthz";
    if (send("GET", target, std::nullopt, 200)) ++counters_.reads;
  }

  int index_;
  Client client_;
  Counters& counters_;
  std::mt19937_64 random_;
  long serial_ = 0;
  Ledger ledger_;
};

// ---- memory ----------------------------------------------------------------------------------

long vm_rss_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

struct RssSample {
  double seconds;
  long kib;
};

// ---- the database read back ------------------------------------------------------------------

std::map<std::int64_t, std::string> read_all(Client& client, const std::string& collection,
                                             std::vector<std::string>& errors) {
  std::map<std::int64_t, std::string> records;
  std::optional<std::string> target = "/" + collection + "?limit=1000";
  for (int pages = 0; target && pages < 10000; ++pages) {
    const Response r = client.get(*target);
    if (r.status != 200) {
      errors.push_back("GET " + *target + ":\n" + r.describe());
      break;
    }
    for (const json::value& record : r.array()) {
      records[record.at("id").as_int64()] = to_text(record);
    }
    target = next_link(r);
  }
  return records;
}

struct Comparison {
  long lost = 0;     // acknowledged, not in the database
  long changed = 0;  // in the database, not as last acknowledged
  long phantom = 0;  // in the database, never acknowledged or acknowledged as deleted
  std::vector<std::string> examples;
};

void compare(const std::map<std::int64_t, std::string>& expected,
             const std::map<std::int64_t, std::string>& stored, std::string_view what,
             Comparison& out) {
  for (const auto& [id, text] : expected) {
    const auto found = stored.find(id);
    if (found == stored.end()) {
      ++out.lost;
      if (out.examples.size() < 10) out.examples.push_back(fmt::format("lost {} {}", what, text));
    } else if (found->second != text) {
      ++out.changed;
      if (out.examples.size() < 10) {
        out.examples.push_back(
            fmt::format("{} {}: stored {}\n  acknowledged {}", what, id, found->second, text));
      }
    }
  }
  for (const auto& [id, text] : stored) {
    if (!expected.contains(id)) {
      ++out.phantom;
      if (out.examples.size() < 10) {
        out.examples.push_back(fmt::format("phantom {} {}", what, text));
      }
    }
  }
}

// ---- one run ---------------------------------------------------------------------------------

struct Settings {
  std::vector<std::string> backends;
  int seconds = 120;
  int clients = 64;
};

std::string mib(long kib) {
  return fmt::format("{:.1f}", static_cast<double>(kib) / 1024.0);
}

std::string thousands(long n) {
  const std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    const std::size_t left = digits.size() - i;
    if (i > 0 && left % 3 == 0 && digits[i - 1] != '-') out += ',';
    out += digits[i];
  }
  return out;
}

bool soak(const std::string& backend_name, const Settings& settings) {
  Backend& b = backend(backend_name);
  if (const std::string why = b.unavailable_reason(); !why.empty()) {
    std::cout << "soak " << backend_name << ": cannot run: " << why << "\n";
    return false;
  }
  std::cout << fmt::format("soak {}: {} clients for {} s ...\n", backend_name, settings.clients,
                           settings.seconds)
            << std::flush;
  ServerProcess server(ServerConfig{.database_url = b.fresh_database_url(),
                                    .extra_args = {},
                                    .migrate = Migrate::flag,
                                    .threads = 2});
  Counters counters;
  std::atomic<bool> stop{false};
  std::vector<std::unique_ptr<SoakClient>> clients;
  for (int i = 0; i < settings.clients; ++i) {
    clients.push_back(std::make_unique<SoakClient>(i, server.port(), counters));
  }

  const auto started = Clock::now();
  const auto deadline = started + std::chrono::seconds(settings.seconds);
  std::vector<std::thread> threads;
  for (auto& c : clients) threads.emplace_back([&c, &stop] { c->run(stop); });

  std::vector<RssSample> samples;
  auto sample = [&] {
    const double at = std::chrono::duration<double>(Clock::now() - started).count();
    samples.push_back({at, vm_rss_kib(server.pid())});
  };
  sample();
  for (auto next = started + rss_sample_every; next < deadline; next += rss_sample_every) {
    std::this_thread::sleep_until(next);
    sample();
  }
  std::this_thread::sleep_until(deadline);
  sample();
  stop = true;
  for (auto& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - started).count();

  // The database, read back, against the union of the ledgers.
  std::map<std::int64_t, std::string> expected_users;
  std::map<std::int64_t, std::string> expected_tasks;
  for (const auto& c : clients) {
    for (const auto& [id, user] : c->ledger().users) expected_users[id] = to_text(user);
    for (const auto& [id, task] : c->ledger().tasks) expected_tasks[id] = to_text(task);
  }
  std::vector<std::string> read_errors;
  Client reader(server.port());
  reader.set_timeout(client_timeout);
  const auto stored_users = read_all(reader, "users", read_errors);
  const auto stored_tasks = read_all(reader, "tasks", read_errors);
  Comparison comparison;
  compare(expected_users, stored_users, "user", comparison);
  compare(expected_tasks, stored_tasks, "task", comparison);
  reader.close();

  const ServerProcess::Exit exit = server.stop();
  const bool exited_cleanly = exit.exited && exit.code == 0 && !exit.killed;

  // Memory: the first sample, the one nearest half-way, the last, the largest, and the growth
  // from half-way to the largest sample after it.
  const std::size_t half = std::min(samples.size() - 1, samples.size() / 2);
  long second_half_max = 0;
  long overall_max = 0;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    overall_max = std::max(overall_max, samples[i].kib);
    if (i >= half) second_half_max = std::max(second_half_max, samples[i].kib);
  }
  const long growth = second_half_max - samples[half].kib;
  const bool memory_flat = samples.front().kib > 0 && growth <= rss_growth_bound_kib;
  const bool harness_clean = !::testing::UnitTest::GetInstance()->ad_hoc_test_result().Failed();

  const bool passed = counters.server_errors == 0 && counters.unexpected == 0 &&
                      counters.transport == 0 && counters.stale == 0 && comparison.lost == 0 &&
                      comparison.changed == 0 && comparison.phantom == 0 && read_errors.empty() &&
                      memory_flat && exited_cleanly && harness_clean;

  std::cout << fmt::format("\n### soak: {}, {} clients, {:.0f} s\n\n", backend_name,
                           settings.clients, elapsed);
  std::cout << "| measure | value |\n|---|---:|\n";
  auto row = [](std::string_view what, const std::string& value) {
    std::cout << fmt::format("| {} | {} |\n", what, value);
  };
  row("requests",
      fmt::format("{} ({}/s)", thousands(counters.requests),
                  thousands(std::lround(static_cast<double>(counters.requests) / elapsed))));
  row("writes acknowledged: creates / updates / deletes",
      fmt::format("{} / {} / {}", thousands(counters.creates), thousands(counters.updates),
                  thousands(counters.deletes)));
  row("reads answered / of them checked against the ledger",
      fmt::format("{} / {}", thousands(counters.reads), thousands(counters.checked_reads)));
  row("5xx answers", std::to_string(counters.server_errors));
  row("other unexpected answers", std::to_string(counters.unexpected));
  row("requests without an answer", std::to_string(counters.transport));
  row("reads disagreeing with the ledger", std::to_string(counters.stale));
  row("records at the end: users / tasks",
      fmt::format("{} / {}", thousands(static_cast<long>(stored_users.size())),
                  thousands(static_cast<long>(stored_tasks.size()))));
  row("lost writes (missing / changed)",
      fmt::format("{} / {}", comparison.lost, comparison.changed));
  row("phantom writes", std::to_string(comparison.phantom));
  row("VmRSS MiB: start / half-way / end / max",
      fmt::format("{} / {} / {} / {}", mib(samples.front().kib), mib(samples[half].kib),
                  mib(samples.back().kib), mib(overall_max)));
  row("VmRSS growth over the second half",
      fmt::format("{} MiB (bound {} MiB)", mib(growth), mib(rss_growth_bound_kib)));
  row("server exit after SIGTERM",
      exited_cleanly
          ? std::string("0")
          : fmt::format("exited={} code={} killed={}", exit.exited, exit.code, exit.killed));
  row("verdict", passed ? "PASS" : "FAIL");
  std::cout << "\nVmRSS samples (s: MiB):";
  for (const RssSample& s : samples) std::cout << fmt::format(" {:.0f}: {}", s.seconds, mib(s.kib));
  std::cout << "\n";

  if (!passed) {
    std::cout << "\nFailures:\n";
    for (const std::string& e : counters.examples) std::cout << "- " << e << "\n";
    for (const std::string& e : comparison.examples) std::cout << "- " << e << "\n";
    for (const std::string& e : read_errors) std::cout << "- " << e << "\n";
    if (!harness_clean) std::cout << "- the harness reported failures (above)\n";
    std::cout << "Server warnings and errors:\n";
    std::istringstream log(server.log());
    int shown = 0;
    for (std::string line; std::getline(log, line) && shown < 20;) {
      if (line.find(" warning ") != std::string::npos ||
          line.find(" error ") != std::string::npos) {
        std::cout << line << "\n";
        ++shown;
      }
    }
  }
  std::cout << std::flush;
  return passed;
}

int usage(const char* program) {
  std::cerr << "usage: " << program
            << " [--backend sqlite|postgresql|all] [--seconds N] [--clients N]\n"
               "  --seconds defaults to SOAK_SECONDS, or 120\n";
  return 2;
}

}  // namespace
}  // namespace usertasks::testing

int main(int argc, char** argv) {
  using namespace usertasks::testing;
  Settings settings;
  settings.backends = backend_names();
  if (const char* seconds = std::getenv("SOAK_SECONDS"); seconds != nullptr && *seconds != '\0') {
    settings.seconds = std::atoi(seconds);
  }
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) return usage(argv[0]);
    const std::string value = argv[++i];
    if (arg == "--backend") {
      if (value != "all") settings.backends = {value};
    } else if (arg == "--seconds") {
      settings.seconds = std::atoi(value.c_str());
    } else if (arg == "--clients") {
      settings.clients = std::atoi(value.c_str());
    } else {
      return usage(argv[0]);
    }
  }
  if (settings.seconds <= 0 || settings.clients <= 0) return usage(argv[0]);
  for (const std::string& name : settings.backends) {
    const auto& names = backend_names();
    if (std::find(names.begin(), names.end(), name) == names.end()) return usage(argv[0]);
  }

  int passed = 0;
  int failed = 0;
  for (const std::string& name : settings.backends) {
    (soak(name, settings) ? passed : failed) += 1;
  }
  std::cout << fmt::format("\nsoak: {} passed, {} failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
