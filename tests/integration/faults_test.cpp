// Faults under a running service, each a test:
// - PostgreSQL stopped, or its postmaster killed with SIGKILL while clients keep sending: only
//   2xx or 503 problems with Retry-After come back, no request hangs, the service stays up, and
//   once the cluster is back requests succeed again without a restart of usertasks;
// - usertasks killed with SIGKILL during a stream of writes: after a restart on the same database,
//   every write that was answered 201 is there with the content it was answered with, and the
//   only records nobody was told about come from requests in flight at the kill (both backends);
// - a SQLite file the service cannot write (read-only) or cannot grow (full): writes answer 503
//   with a log line naming the cause, reads go on, and the file passes PRAGMA integrity_check.

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <pwd.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "harness.hpp"
#include "pg_cluster.hpp"

namespace usertasks::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// A request with no complete answer within this has hung (the answers under test take
// milliseconds; the bound only keeps a broken service from hanging the suite).
constexpr auto client_timeout = 15s;

ServerConfig on_database(std::string url, Migrate migrate = Migrate::flag) {
  return ServerConfig{
      .database_url = std::move(url), .extra_args = {}, .migrate = migrate, .threads = 2};
}

// Polls `target` until it answers 200, for a bounded number of tries; returns the last status.
unsigned wait_for_ok(Client& client, std::string_view target) {
  unsigned status = 0;
  for (int attempt = 0; attempt < 100 && status != 200; ++attempt) {
    status = client.get(target).status;
    if (status != 200) std::this_thread::sleep_for(100ms);
  }
  return status;
}

// Waits (bounded) until `done` holds; returns whether it did.
bool eventually(const std::function<bool()>& done, std::chrono::seconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

// The 503 the service gives when the database cannot serve a request.
::testing::AssertionResult IsUnavailable(const Response& r) {
  if (auto problem = IsProblem(r, 503, "unavailable"); !problem) return problem;
  if (r.header("Retry-After") != "1") {
    return ::testing::AssertionFailure() << "a 503 without Retry-After: 1\n" << r.describe();
  }
  return ::testing::AssertionSuccess();
}

// What went wrong in worker threads, kept for the test's thread to report.
class Complaints {
 public:
  void add(std::string what) {
    std::lock_guard lock(mutex_);
    ++count_;
    if (list_.size() < 10) list_.push_back(std::move(what));
  }
  [[nodiscard]] int count() const {
    std::lock_guard lock(mutex_);
    return count_;
  }
  [[nodiscard]] std::string text() const {
    std::lock_guard lock(mutex_);
    std::string out;
    for (const std::string& what : list_) out += what + "\n";
    return out;
  }

 private:
  mutable std::mutex mutex_;
  int count_ = 0;
  std::vector<std::string> list_;
};

// ---- PostgreSQL going away -------------------------------------------------------------------

TEST(DatabaseRecovery, PostgresStoppedUnderTheServiceGives503sThenRecoversWithoutARestart) {
  if (const std::string why = PgCluster::unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
  PgCluster& cluster = postgres_cluster();
  ServerProcess server(on_database(cluster.fresh_database()));
  Client client(server.port());
  const Response created =
      client.post("/users", json::object{{"name", "Ada"}, {"email", "ada@example.com"}});
  ASSERT_EQ(created.status, 201U) << created.describe();
  const std::string user = created.header("Location");

  cluster.stop();
  for (const std::string_view target : {std::string_view("/healthz"), std::string_view(user)}) {
    for (int i = 0; i < 3; ++i) {
      const Response r = client.get(target);
      EXPECT_TRUE(IsUnavailable(r)) << target;
    }
  }
  const Response refused =
      client.post("/users", json::object{{"name", "Bo"}, {"email", "bo@example.com"}});
  EXPECT_TRUE(IsUnavailable(refused));

  cluster.start();
  EXPECT_EQ(wait_for_ok(client, "/healthz"), 200U);
  const Response again = client.get(user);
  EXPECT_EQ(again.status, 200U) << again.describe();
  EXPECT_EQ(again.object().at("email"), "ada@example.com");
  EXPECT_EQ(client.post("/users", json::object{{"name", "Bo"}, {"email", "bo@example.com"}}).status,
            201U);
  EXPECT_EQ(server.stop().code, 0);
}

// kill -9 of the postmaster while 8 clients send a mix of reads and writes. Phases: before the
// kill; the database gone (a request sent and answered within this phase must be a 503);
// restarting (from just before the cluster is started); restarted.
TEST(DatabaseRecovery, PostgresKilledUnderLoadGivesOnly503sAndRecoversWithoutARestart) {
  if (const std::string why = PgCluster::unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
  PgCluster& cluster = postgres_cluster();
  ServerProcess server(on_database(cluster.fresh_database()));
  Client setup(server.port());
  const Response seeded =
      setup.post("/users", json::object{{"name", "Seed"}, {"email", "seed@example.com"}});
  ASSERT_EQ(seeded.status, 201U) << seeded.describe();
  const std::int64_t seed = id_of(seeded.json());

  constexpr int clients = 8;
  enum Phase { before = 0, down = 1, restarting = 2, restarted = 3 };
  std::atomic<int> phase{before};
  std::array<std::atomic<int>, 4> ok{};
  std::array<std::atomic<int>, 4> unavailable{};
  std::atomic<bool> stop{false};
  Complaints wrong;

  auto work = [&](int index) {
    Client client(server.port());
    client.set_timeout(client_timeout);
    for (int i = 0; !stop.load(); ++i) {
      const int sent_in = phase.load();
      std::string what;
      Response r;
      try {
        switch (i % 5) {
          case 0:
            what = "GET /healthz";
            r = client.get("/healthz");
            break;
          case 1:
            what = fmt::format("GET /users/{}", seed);
            r = client.get(fmt::format("/users/{}", seed));
            break;
          case 2:
            what = "POST /users";
            r = client.post("/users",
                            json::object{{"name", "Load"},
                                         {"email", fmt::format("c{}-{}@example.com", index, i)}});
            break;
          case 3:
            what = fmt::format("POST /users/{}/tasks", seed);
            r = client.post(
                fmt::format("/users/{}/tasks", seed),
                json::object{{"content", fmt::format("task {} of client {}", i, index)}});
            break;
          default:
            what = fmt::format("GET /tasks?user_id={}&limit=5", seed);
            r = client.get(fmt::format("/tasks?user_id={}&limit=5", seed));
        }
      } catch (const std::exception& e) {  // a timeout (a hung request) or a broken connection
        wrong.add(fmt::format("{}: no answer: {}", what, e.what()));
        continue;
      }
      if (r.status >= 200 && r.status < 300) {
        ++ok[sent_in];
        if (sent_in == down && phase.load() == down) {
          wrong.add(what + " succeeded while the database was down");
        }
      } else if (IsUnavailable(r)) {
        ++unavailable[sent_in];
      } else {
        wrong.add(what + ":\n" + r.describe());
      }
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < clients; ++i) threads.emplace_back(work, i);

  const bool loaded = eventually([&] { return ok[before].load() >= 200; }, 60s);
  cluster.kill_postmaster();
  phase = down;
  const bool refused = eventually([&] { return unavailable[down].load() >= 200; }, 60s);
  const bool stayed_up = server.running();
  phase = restarting;
  cluster.start();
  phase = restarted;
  const bool recovered = eventually([&] { return ok[restarted].load() >= 200; }, 60s);
  stop = true;
  for (auto& t : threads) t.join();

  EXPECT_TRUE(loaded) << "the load never got going: " << ok[before] << " successes";
  EXPECT_TRUE(refused) << unavailable[down] << " 503s while the database was down";
  EXPECT_TRUE(stayed_up) << "usertasks died with the database\n" << server.log();
  EXPECT_TRUE(recovered) << ok[restarted] << " successes after the restart";
  EXPECT_EQ(wrong.count(), 0) << wrong.text();
  EXPECT_EQ(setup.get(fmt::format("/users/{}", seed)).status, 200U);
  const ServerProcess::Exit exit = server.stop();
  EXPECT_TRUE(exit.exited && exit.code == 0 && !exit.killed);
}

// ---- usertasks killed during writes ----------------------------------------------------------

class ServiceKilled : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (const std::string why = backend(GetParam()).unavailable_reason(); !why.empty()) {
      GTEST_SKIP() << GetParam() << " is not available: " << why;
    }
  }
};

// Every record of a collection, by id, serialized as the API answers it.
std::map<std::int64_t, std::string> read_all(Client& client, const std::string& collection) {
  std::map<std::int64_t, std::string> records;
  std::optional<std::string> target = "/" + collection + "?limit=1000";
  for (int pages = 0; target && pages < 1000; ++pages) {
    const Response r = client.get(*target);
    EXPECT_EQ(r.status, 200U) << r.describe();
    if (r.status != 200) break;
    for (const json::value& record : r.array()) records[id_of(record)] = to_text(record);
    target = next_link(r);
  }
  return records;
}

TEST_P(ServiceKilled, DuringAStreamOfWritesEveryAcknowledgedWriteSurvivesARestart) {
  const std::string url = backend(GetParam()).fresh_database_url();
  auto server = std::make_unique<ServerProcess>(on_database(url));

  // What the service acknowledged (201), as it answered it; and the writes it never answered.
  std::mutex mutex;
  std::map<std::int64_t, std::string> users;
  std::map<std::int64_t, std::string> tasks;
  std::atomic<int> acknowledged{0};
  std::atomic<int> unanswered{0};
  Complaints wrong;

  constexpr int writers = 8;
  auto write = [&](int index) {
    Client client(server->port());
    client.set_timeout(client_timeout);
    std::optional<std::int64_t> user;  // this writer's latest user, whose tasks it adds
    for (int i = 0;; ++i) {
      const bool new_user = !user || i % 3 == 0;
      Response r;
      try {
        r = new_user
                ? client.post("/users",
                              json::object{{"name", fmt::format("Writer {} #{}", index, i)},
                                           {"email", fmt::format("w{}-{}@example.com", index, i)}})
                : client.post(
                      fmt::format("/users/{}/tasks", *user),
                      json::object{{"content", fmt::format("task {} of writer {}", i, index)}});
      } catch (const std::exception&) {
        // The service is gone. This write may have been committed or not: it was in flight.
        ++unanswered;
        return;
      }
      if (r.status != 201) {
        wrong.add(r.describe());
        return;
      }
      const json::value record = r.json();
      const std::int64_t id = id_of(record);
      {
        std::lock_guard lock(mutex);
        (new_user ? users : tasks)[id] = to_text(record);
      }
      if (new_user) user = id;
      ++acknowledged;
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < writers; ++i) threads.emplace_back(write, i);
  const bool written = eventually([&] { return acknowledged.load() >= 400; }, 60s);
  const ServerProcess::Exit killed = server->kill();
  for (auto& t : threads) t.join();
  EXPECT_TRUE(written) << acknowledged << " writes acknowledged";
  EXPECT_FALSE(killed.exited) << "the service had exited before the kill\n" << server->log();
  EXPECT_EQ(wrong.count(), 0) << wrong.text();
  EXPECT_LE(unanswered.load(), writers);

  server = std::make_unique<ServerProcess>(on_database(url));
  Client client(server->port());
  const auto users_now = read_all(client, "users");
  const auto tasks_now = read_all(client, "tasks");

  int lost = 0;
  int phantoms = 0;
  for (const auto& [ledger, now, what] :
       {std::tuple(&users, &users_now, "user"), std::tuple(&tasks, &tasks_now, "task")}) {
    for (const auto& [id, text] : *ledger) {
      const auto found = now->find(id);
      if (found == now->end()) {
        ++lost;
        ADD_FAILURE() << "acknowledged " << what << " " << id << " is missing: " << text;
      } else if (found->second != text) {
        ++lost;
        ADD_FAILURE() << what << " " << id << " differs from its acknowledgement:\n  acknowledged "
                      << text << "\n  stored       " << found->second;
      }
    }
    for (const auto& [id, text] : *now) {
      if (!ledger->contains(id)) ++phantoms;
    }
  }
  EXPECT_EQ(lost, 0);
  // A write in flight at the kill may have committed without its answer reaching the client.
  EXPECT_LE(phantoms, unanswered.load())
      << phantoms << " records nobody was told about, " << unanswered << " writes in flight";
  RecordProperty("acknowledged", acknowledged.load());
  RecordProperty("in_flight", unanswered.load());
  RecordProperty("unacknowledged_but_stored", phantoms);
}

USERTASKS_INSTANTIATE_FOR_ALL_BACKENDS(ServiceKilled);

// ---- a SQLite file that cannot be written ----------------------------------------------------

// A directory of its own under /tmp, removed at the end, that another user may be let into.
class ScratchDirectory {
 public:
  ScratchDirectory() {
    std::string pattern = "/tmp/usertasks-fault-XXXXXX";
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~ScratchDirectory() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  ScratchDirectory(const ScratchDirectory&) = delete;
  ScratchDirectory& operator=(const ScratchDirectory&) = delete;
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// The file's own verdict, and its users' ids, read with the SQLite library by the test itself.
struct FileCheck {
  std::string integrity;
  std::set<std::int64_t> user_ids;
};

FileCheck check_file(const fs::path& path) {
  FileCheck check;
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
  std::unique_ptr<sqlite3, decltype(&sqlite3_close)> db(raw, &sqlite3_close);
  if (rc != SQLITE_OK) {
    check.integrity = std::string("cannot open: ") + sqlite3_errstr(rc);
    return check;
  }
  auto each_row = [&db](const char* sql, const std::function<void(sqlite3_stmt*)>& row) {
    sqlite3_stmt* raw_stmt = nullptr;
    if (sqlite3_prepare_v2(db.get(), sql, -1, &raw_stmt, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db.get());
      return;
    }
    std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> stmt(raw_stmt, &sqlite3_finalize);
    int step = SQLITE_ROW;
    while ((step = sqlite3_step(stmt.get())) == SQLITE_ROW) row(stmt.get());
    if (step != SQLITE_DONE) ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db.get());
  };
  each_row("PRAGMA integrity_check", [&check](sqlite3_stmt* stmt) {
    if (!check.integrity.empty()) check.integrity += "; ";
    check.integrity += reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  });
  each_row("SELECT id FROM users",
           [&check](sqlite3_stmt* stmt) { check.user_ids.insert(sqlite3_column_int64(stmt, 0)); });
  return check;
}

std::string sqlite_url(const fs::path& path) {
  return "sqlite:" + path.string();
}

// Creates the database (migrated) with one user; returns that user.
json::object prepare_database(const fs::path& path) {
  ServerProcess server(on_database(sqlite_url(path)));
  Client client(server.port());
  const Response r =
      client.post("/users", json::object{{"name", "Ada"}, {"email", "ada@example.com"}});
  EXPECT_EQ(r.status, 201U) << r.describe();
  EXPECT_EQ(server.stop().code, 0);
  return r.status == 201 ? r.object() : json::object{};
}

TEST(SqliteFaults, AReadOnlyFileAnswers503ToWritesAndStillServesReads) {
  const ScratchDirectory directory;
  const fs::path file = directory.path() / "read-only.db";
  const json::object ada = prepare_database(file);
  ASSERT_FALSE(ada.empty());

  // The file stays writable by nobody but its owner; the server runs as someone else. As root it
  // would ignore the file's mode, so then it runs as `nobody`, in a directory of its own where
  // SQLite may keep its shared-memory index beside the database, as it needs for reading. The
  // build directory may be closed to other users: `nobody` runs a copy of the binary kept there.
  ProcessOptions as;
  if (::geteuid() == 0) {
    as.user = "nobody";
    as.binary = directory.path() / "usertasks";
    fs::copy_file(USERTASKS_BINARY, as.binary);
    fs::permissions(as.binary, fs::perms::owner_all | fs::perms::group_read |
                                   fs::perms::group_exec | fs::perms::others_read |
                                   fs::perms::others_exec);
    const passwd* nobody = ::getpwnam("nobody");
    ASSERT_NE(nobody, nullptr) << "no user `nobody` to run the server as";
    for (const fs::path& path :
         {directory.path(), fs::path(file.string() + "-wal"), fs::path(file.string() + "-shm")}) {
      if (fs::exists(path)) {
        ASSERT_EQ(::chown(path.c_str(), nobody->pw_uid, nobody->pw_gid), 0) << path;
      }
    }
    fs::permissions(directory.path(), fs::perms::owner_all | fs::perms::group_read |
                                          fs::perms::group_exec | fs::perms::others_read |
                                          fs::perms::others_exec);
    fs::permissions(file, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read |
                              fs::perms::others_read);
  } else {
    fs::permissions(file, fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
  }

  ServerProcess server(on_database(sqlite_url(file), Migrate::none), as);
  Client client(server.port());
  client.set_timeout(client_timeout);
  const std::int64_t id = id_of(ada);
  const std::string user = fmt::format("/users/{}", id);

  const Response read = client.get(user);
  EXPECT_EQ(read.status, 200U) << read.describe();
  EXPECT_EQ(read.object().at("email"), "ada@example.com");
  EXPECT_EQ(client.get("/users").status, 200U);
  EXPECT_EQ(client.get("/healthz").status, 200U);

  EXPECT_TRUE(IsUnavailable(
      client.post("/users", json::object{{"name", "Bo"}, {"email", "bo@example.com"}})));
  EXPECT_TRUE(IsUnavailable(client.patch(user, json::object{{"name", "Ada L."}})));
  EXPECT_TRUE(
      IsUnavailable(client.post(user + "/tasks", json::object{{"content", "cannot be written"}})));
  EXPECT_TRUE(IsUnavailable(client.del(user)));
  EXPECT_EQ(client.get(user).status, 200U);  // reads go on after the failed writes

  const ServerProcess::Exit exit = server.stop();
  EXPECT_TRUE(exit.exited && exit.code == 0) << server.log();
  const std::string log = server.log();
  EXPECT_NE(log.find("database unavailable"), std::string::npos) << log;
  EXPECT_NE(log.find("readonly database"), std::string::npos) << "no log line names the cause\n"
                                                              << log;

  const FileCheck check = check_file(file);
  EXPECT_EQ(check.integrity, "ok");
  EXPECT_EQ(check.user_ids, std::set<std::int64_t>{id});
}

// A file size limit stands in for a full disk: the journal cannot grow, so a write fails as it
// would on a full file system, while the file system itself stays usable by the test.
TEST(SqliteFaults, AFileThatCannotGrowAnswers503ToWritesAndStaysIntact) {
  const ScratchDirectory directory;
  const fs::path file = directory.path() / "full.db";
  const json::object ada = prepare_database(file);
  ASSERT_FALSE(ada.empty());

  // Room for a few dozen writes in the journal; also the bound of the server's log.
  const std::uint64_t limit = fs::file_size(file) + 96 * 1024;
  ServerProcess server(on_database(sqlite_url(file), Migrate::none),
                       ProcessOptions{.user = {}, .file_size_limit = limit, .binary = {}});
  Client client(server.port());
  client.set_timeout(client_timeout);

  std::set<std::int64_t> acknowledged{id_of(ada)};
  int refused = 0;
  for (int i = 0; i < 2000 && refused < 3; ++i) {
    const Response r = client.post(
        "/users", json::object{{"name", fmt::format("User {} with a name long enough to fill", i)},
                               {"email", fmt::format("user-{}@example.com", i)}});
    if (r.status == 201) {
      acknowledged.insert(id_of(r.json()));
    } else {
      EXPECT_TRUE(IsUnavailable(r));
      ++refused;
    }
  }
  EXPECT_EQ(refused, 3) << "the file never filled up";
  EXPECT_GT(acknowledged.size(), 1U);

  // Reads still work, and see every acknowledged write.
  EXPECT_EQ(client.get(fmt::format("/users/{}", id_of(ada))).status, 200U);
  const Response all = client.get("/users?limit=1000");
  ASSERT_EQ(all.status, 200U) << all.describe();
  std::set<std::int64_t> listed;
  for (const json::value& u : all.array()) listed.insert(id_of(u));
  EXPECT_EQ(listed, acknowledged);

  const ServerProcess::Exit exit = server.stop();
  EXPECT_TRUE(exit.exited && exit.code == 0) << server.log();
  const std::string log = server.log();
  EXPECT_NE(log.find("database unavailable"), std::string::npos) << log;
  EXPECT_NE(log.find("File too large"), std::string::npos) << "no log line names the cause\n"
                                                           << log;

  const FileCheck check = check_file(file);
  EXPECT_EQ(check.integrity, "ok");
  EXPECT_EQ(check.user_ids, acknowledged);
}

}  // namespace
}  // namespace usertasks::testing
