// PostgreSQL: events in the order their transactions commit, when they commit out of the order in
// which they wrote their events.
//
// Transaction A writes its task and its event, then stalls before its COMMIT; transaction B writes
// and commits meanwhile. A naive outbox (an event id taken from a sequence inside the
// transaction) would give A the smaller id and B the larger, and B would be visible first: a
// subscriber reading "ids past the last I saw" would take B's id as its position, then never
// read A's event, committed later under a smaller id; a client resuming from B's id would miss it
// too. The feed must instead number events in commit order (or make B wait for A), so that a
// subscriber connected throughout gets both with increasing ids, and one that resumes from the
// first id it saw gets the other.
//
// The stall: the test's own session inserts, without committing, the idempotency_keys row that A's
// Idempotency-Key will need. A is a keyed POST: it takes its advisory lock, finds no stored answer
// (the row is not committed), runs its writes (task and event), then stores its answer in the same
// transaction, and that insert waits for the test's row, until the test rolls it back.

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include <atomic>
#include <thread>

#include "events_support.hpp"
#include "idempotency_support.hpp"
#include "pg_cluster.hpp"

namespace usertasks::testing {
namespace {

using namespace std::chrono_literals;

// A libpq session of the test's own.
class Session {
 public:
  explicit Session(const std::string& conninfo) : pg_(PQconnectdb(conninfo.c_str())) {
    EXPECT_EQ(PQstatus(pg_), CONNECTION_OK) << PQerrorMessage(pg_);
  }
  ~Session() { PQfinish(pg_); }
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  void exec(const std::string& sql) {
    PGresult* r = PQexec(pg_, sql.c_str());
    EXPECT_TRUE(PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK)
        << sql << ": " << PQerrorMessage(pg_);
    PQclear(r);
  }
  // The first column of each row.
  std::vector<std::string> column(const std::string& sql) {
    std::vector<std::string> out;
    PGresult* r = PQexec(pg_, sql.c_str());
    EXPECT_EQ(PQresultStatus(r), PGRES_TUPLES_OK) << sql << ": " << PQerrorMessage(pg_);
    for (int i = 0; i < PQntuples(r); ++i) out.emplace_back(PQgetvalue(r, i, 0));
    PQclear(r);
    return out;
  }
  // The statements of the database's other sessions that wait for a lock.
  std::vector<std::string> waiting_for_locks() {
    return column(
        "SELECT query FROM pg_stat_activity WHERE datname = current_database() "
        "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'");
  }

 private:
  PGconn* pg_;
};

class EventsOrder : public ::testing::Test {
 protected:
  void SetUp() override {
    if (const std::string why = PgCluster::unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
    url_ = backend("postgresql").fresh_database_url();
  }
  std::string url_;
};

json::object task_now(Client& client, std::int64_t id) {
  const Response r = client.get(fmt::format("/tasks/{}", id));
  EXPECT_EQ(r.status, 200U) << r.describe();
  json::object task = r.object();
  task.erase("user");
  return task;
}

TEST_F(EventsOrder, ATransactionCommittedLaterIsNotMissed) {
  ServerProcess server(
      ServerConfig{.database_url = url_, .extra_args = {"--pool", "8"}, .threads = 4});
  Client client(server.port());
  const Response ada =
      client.post("/users", json::object{{"name", "Ada"}, {"email", "ada@example.com"}});
  ASSERT_EQ(ada.status, 201U) << ada.describe();
  const std::int64_t user = id_of(ada.json());
  // From the start (Ada's event first): positioned after every event committed before A and B.
  auto throughout = open_stream(server.port(), SseOptions().with_query("?after=0"));
  const std::vector<SseMessage> before = throughout->events(1, 10s);
  ASSERT_EQ(before.size(), 1U);
  ASSERT_EQ(before[0].event, "user.created");

  Session blocker(url_);
  Session watcher(url_);
  blocker.exec("BEGIN");
  // Scope '' (no API token), A's key; the rest is never read.
  blocker.exec(
      "INSERT INTO idempotency_keys (scope, key, fingerprint, status, location, etag, "
      "content_type, body, created_at) VALUES ('', 'order-a', 'held by the test', 201, NULL, "
      "NULL, NULL, '', now())");

  Response a;
  std::jthread first([&] {
    Client mine(server.port());
    mine.set_timeout(30s);
    a = keyed_post(mine, "/tasks", json::object{{"content", "A"}, {"user_id", user}}, "order-a");
  });
  std::vector<std::string> waiting;
  ASSERT_TRUE(wait_until([&] { return !(waiting = watcher.waiting_for_locks()).empty(); }, 10s))
      << "A never waited for the test's row";
  ASSERT_EQ(waiting.size(), 1U);
  EXPECT_NE(waiting[0].find("idempotency_keys"), std::string::npos)
      << "A waits elsewhere than in storing its answer: " << waiting[0];

  std::atomic<bool> b_answered{false};
  Response b;
  std::jthread second([&] {
    Client mine(server.port());
    mine.set_timeout(30s);
    b = mine.post("/tasks", json::object{{"content", "B"}, {"user_id", user}});
    b_answered = true;
  });
  // B either waits for A (in the database) or commits before it.
  const bool b_waits_or_answered =
      wait_until([&] { return b_answered || watcher.waiting_for_locks().size() >= 2; }, 5s);
  const bool b_first = b_answered.load();
  blocker.exec("ROLLBACK");
  first.join();
  second.join();
  ASSERT_EQ(a.status, 201U) << a.describe();
  EXPECT_FALSE(replayed(a));
  ASSERT_EQ(b.status, 201U) << b.describe();
  const std::int64_t task_a = id_of(a.json());
  const std::int64_t task_b = id_of(b.json());

  const std::vector<SseMessage> got = throughout->events(2, 10s);
  ASSERT_EQ(got.size(), 2U) << "the subscriber connected throughout missed an event";
  EXPECT_TRUE(Consecutive(got));
  // In commit order: B first when it was answered while A was held.
  const std::int64_t first_task = b_first ? task_b : task_a;
  const std::int64_t second_task = b_first ? task_a : task_b;
  EXPECT_TRUE(IsEvent(got[0], "task.created", task_now(client, first_task)));
  EXPECT_TRUE(IsEvent(got[1], "task.created", task_now(client, second_task)));

  // Resuming from the first id seen gets the other.
  auto resumed =
      open_stream(server.port(), SseOptions().with_last_event_id(std::to_string(got[0].number())));
  const std::vector<SseMessage> rest = resumed->events(1, 10s);
  ASSERT_EQ(rest.size(), 1U) << "resuming from the first event missed the second";
  EXPECT_EQ(rest[0].raw, got[1].raw);

  RecordProperty("b", b_first               ? "committed while A was held"
                      : b_waits_or_answered ? "waited for A in the database"
                                            : "held elsewhere");
  std::cout << "B "
            << (b_first               ? "committed while A was held"
                : b_waits_or_answered ? "waited for A in the database"
                                      : "was held elsewhere")
            << "\n";
}

}  // namespace
}  // namespace usertasks::testing
