// The SQLite ceiling of one endpoint: the statements the service runs for it (the very text of
// src/repository/statements.cpp), run directly on the database file from as many threads as the
// service's pool, each with its own connection set up as the service sets up its own (WAL,
// synchronous=NORMAL, foreign keys, 5 s busy timeout), writes in BEGIN IMMEDIATE transactions.
// No HTTP, no JSON, no thread hand-off: what the service could do at best on this file.
//
//   sqlite_ceiling --db PATH --op OP [--threads 4] [--seconds 10] [--users N] [--tasks N]
//                  [--tagged-users N] [--tags NAME,NAME,...]
//   OP: ping | user_with_tasks | user_with_tagged_tasks | task_with_user | tasks_page_of_user |
//       tasks_page_of_tag | tasks_page_search | users_page_with_tasks | tasks_page_newest |
//       task_insert | task_update
//
// --tagged-users N: users 1..N carry tags on their tasks (bench/run.sh seeds them so); the ops
// of the untagged rows draw their users and tasks from the others (users N+1.., their tasks), as
// bench/wrk.lua does, and user_with_tagged_tasks draws from 1..N. tasks_page_of_tag filters on one
// name of --tags drawn at random (GET /tasks?tag=NAME&limit=100); tasks_page_search searches for
// "number N", N drawn from 100 to 999 (GET /tasks?q=number%20N&limit=100). A list's filters that
// an op does not give are NULL.
//
// Prints one line: "CEILING op=OP threads=T ops=N seconds=S ops_per_s=R p50_ms=A p99_ms=B".

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <map>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <variant>
#include <vector>

#include "models/models.hpp"
#include "models/sort.hpp"
#include "repository/page_statements.hpp"
#include "repository/statements.hpp"
#include "store/sqlite/sqlite_connection.hpp"

namespace {

namespace sql = usertasks::repository::sql;
using usertasks::repository::Sql;
using usertasks::store::Dialect;
using usertasks::store::Value;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string db;
  std::string op;
  unsigned threads = 4;
  double seconds = 10;
  std::int64_t users = 10'000;
  std::int64_t tasks = 100'000;
  std::int64_t tagged_users = 0;
  std::vector<std::string> tags;
};

[[noreturn]] void fail(sqlite3* db, const std::string& what) {
  throw std::runtime_error(what + ": " + (db != nullptr ? sqlite3_errmsg(db) : "out of memory"));
}

class Stmt {
 public:
  Stmt(sqlite3* db, std::string_view text, std::vector<std::string> roles = {})
      : db_(db), roles_(std::move(roles)) {
    if (sqlite3_prepare_v3(db, text.data(), static_cast<int>(text.size()),
                           SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr) != SQLITE_OK) {
      fail(db, "prepare " + std::string(text));
    }
  }
  Stmt(sqlite3* db, const Sql& s) : Stmt(db, s.statement().text(Dialect::sqlite), s.parameters()) {}
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  // Binds every placeholder by its name (Sql::parameters()); `value_of` throws on a
  // role it does not know, so a statement that gained a parameter stops the benchmark.
  template <class F>
  void bind(F value_of) {
    for (std::size_t n = 1; n <= roles_.size(); ++n) {
      const std::string& role = roles_[n - 1];
      const std::string name = "$" + std::to_string(n);
      const int i = sqlite3_bind_parameter_index(stmt_, name.c_str());
      if (i == 0) throw std::runtime_error("no parameter " + name);
      const Value value = value_of(role);
      if (const auto* integer = std::get_if<std::int64_t>(&value)) {
        sqlite3_bind_int64(stmt_, i, *integer);
      } else if (const auto* boolean = std::get_if<bool>(&value)) {
        sqlite3_bind_int(stmt_, i, *boolean ? 1 : 0);
      } else if (const auto* text = std::get_if<std::string>(&value)) {
        sqlite3_bind_text64(stmt_, i, text->data(), text->size(), SQLITE_TRANSIENT, SQLITE_UTF8);
      } else {
        sqlite3_bind_null(stmt_, i);
      }
    }
  }

  // Steps to the end, reading every column of every row as the service's decoder does; calls
  // `row(stmt)` on each row. Returns the number of rows.
  template <class F>
  std::size_t run(F row) {
    std::size_t rows = 0;
    int rc = 0;
    while ((rc = sqlite3_step(stmt_)) == SQLITE_ROW) {
      ++rows;
      const int n = sqlite3_column_count(stmt_);
      for (int i = 0; i < n; ++i) {
        switch (sqlite3_column_type(stmt_, i)) {
          case SQLITE_INTEGER:
            sink_ += static_cast<std::uint64_t>(sqlite3_column_int64(stmt_, i));
            break;
          case SQLITE_NULL:
            break;
          default:
            sink_ += std::string(reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i)),
                                 static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i)))
                         .size();
        }
      }
      row(stmt_);
    }
    if (rc != SQLITE_DONE) fail(db_, "step");
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    return rows;
  }
  std::size_t run() {
    return run([](sqlite3_stmt*) {});
  }
  [[nodiscard]] std::uint64_t sink() const { return sink_; }

 private:
  sqlite3* db_;
  std::vector<std::string> roles_;
  sqlite3_stmt* stmt_ = nullptr;
  std::uint64_t sink_ = 0;
};

sqlite3* open(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) !=
      SQLITE_OK) {
    fail(db, "open " + path);
  }
  sqlite3_busy_timeout(db, 5000);
  const std::string setup(usertasks::store::sqlite::connection_setup);
  if (sqlite3_exec(db, setup.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    fail(db, "pragmas");
  }
  return db;
}

std::string now_rfc3339() {
  const auto now = std::chrono::system_clock::now();
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(micros / 1'000'000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%06lldZ", static_cast<long long>(micros % 1'000'000));
  return buf;
}

struct Result {
  std::uint64_t ops = 0;
  std::vector<double> latencies_ms;  // a sample: every 16th operation
  std::uint64_t sink = 0;
};

// One worker: its own connection and statements, operations until the deadline.
Result work(const Options& o, unsigned seed, Clock::time_point deadline) {
  sqlite3* db = open(o.db);
  Result result;
  {
    std::mt19937_64 rng(seed);
    auto random_id = [&](std::int64_t n) {
      return std::uniform_int_distribution<std::int64_t>(1, n)(rng);
    };
    auto random_in = [&](std::int64_t first, std::int64_t last) {
      return std::uniform_int_distribution<std::int64_t>(first, last)(rng);
    };
    // A user without tags, and a task of one (task n belongs to user (n - 1) % users + 1).
    auto untagged_user = [&] { return random_in(o.tagged_users + 1, o.users); };
    auto untagged_task = [&] {
      return random_in(0, std::max<std::int64_t>(o.tasks / o.users, 1) - 1) * o.users +
             untagged_user();
    };
    Stmt begin(db, "BEGIN IMMEDIATE");
    Stmt commit(db, "COMMIT");
    Stmt ping(db, sql::ping);
    Stmt user_with_tasks(db, sql::user_with_tasks);
    Stmt task_with_user(db, sql::task_with_user);
    Stmt tasks_page_of_user(db, sql::tasks_page_of_user);
    Stmt tasks_page_tagged(db, sql::tasks_page_tagged);
    Stmt tasks_page(db, sql::tasks_page);
    Stmt users_page(db, sql::users_page);
    Stmt tasks_of_users(db, sql::tasks_of_users);
    Stmt task_insert(db, sql::task_insert);
    Stmt task_update(db, sql::task_update);
    // GET /tasks?sort=-created_at: the statement of that order's first page.
    const auto newest = std::get<usertasks::models::Sort>(
        usertasks::models::parse_sort<usertasks::models::Task>("-created_at"));
    const usertasks::repository::PageSql newest_page =
        usertasks::repository::page_statement(usertasks::repository::Paged::tasks, newest, true);
    Stmt tasks_page_newest(db, newest_page.get());

    // A list's filter that the request does not give is NULL, and so is :if_match (the
    // benchmark's PATCH sends no If-Match); any other role must be known.
    auto unknown = [&](const std::string& role) -> Value {
      namespace models = usertasks::models;
      if (role == "if_match") return Value{};
      for (const models::FilterSpec& f : models::Entity<models::Task>::filters) {
        if (f.parameter == role) return Value{};
      }
      for (const models::FilterSpec& f : models::Entity<models::User>::filters) {
        if (f.parameter == role) return Value{};
      }
      throw std::runtime_error("op " + o.op + ": no value for the role " + role);
    };
    // A nullable field the body leaves out: NULL, and its `_given` flag false.
    auto left_out = [&](const std::string& role) -> Value {
      namespace models = usertasks::models;
      if (role.ends_with("_given")) return false;
      for (const models::Field& f : models::Entity<models::Task>::fields) {
        if (f.name == role && f.nullable) return Value{};
      }
      return unknown(role);
    };
    // A list's filter that the request does not give (done=, due_before=, the time ranges, …).
    auto no_filter = [](const std::string& role) {
      for (const auto& f : usertasks::models::Entity<usertasks::models::Task>::filters) {
        if (f.parameter == role) return true;
      }
      for (const auto& f : usertasks::models::Entity<usertasks::models::User>::filters) {
        if (f.parameter == role) return true;
      }
      return false;
    };
    std::function<void()> op;
    if (o.op == "ping") {
      op = [&] { ping.run(); };
    } else if (o.op == "user_with_tasks") {  // GET /users/{id}
      op = [&] {
        user_with_tasks.bind([&](const std::string& role) -> Value {
          return role == "id" ? Value{untagged_user()} : unknown(role);
        });
        user_with_tasks.run();
      };
    } else if (o.op == "user_with_tagged_tasks") {  // GET /users/{id}, a user whose tasks have tags
      if (o.tagged_users < 1) throw std::runtime_error("user_with_tagged_tasks: no --tagged-users");
      op = [&] {
        user_with_tasks.bind([&](const std::string& role) -> Value {
          return role == "id" ? Value{random_id(o.tagged_users)} : unknown(role);
        });
        user_with_tasks.run();
      };
    } else if (o.op == "tasks_page_of_tag") {  // GET /tasks?tag=NAME&limit=100
      if (o.tags.empty()) throw std::runtime_error("tasks_page_of_tag: no --tags");
      op = [&] {
        const std::string& name = o.tags[static_cast<std::size_t>(
            random_id(static_cast<std::int64_t>(o.tags.size())) - 1)];
        tasks_page_tagged.bind([&](const std::string& role) -> Value {
          if (role == "after") return std::int64_t{0};
          if (role == "limit") return std::int64_t{101};
          if (role == "tag") return "[\"" + name + "\"]";  // the names, as a JSON array
          if (no_filter(role)) return Value{};
          return unknown(role);
        });
        tasks_page_tagged.run();
      };
    } else if (o.op == "tasks_page_search") {  // GET /tasks?q=number%20N&limit=100
      op = [&] {
        const std::string text = "number " + std::to_string(random_in(100, 999));
        tasks_page.bind([&](const std::string& role) -> Value {
          if (role == "after") return std::int64_t{0};
          if (role == "limit") return std::int64_t{101};
          if (role == "q") return text;
          return unknown(role);
        });
        tasks_page.run();
      };
    } else if (o.op == "task_with_user") {  // GET /tasks/{id}
      op = [&] {
        task_with_user.bind([&](const std::string& role) -> Value {
          return role == "id" ? Value{untagged_task()} : unknown(role);
        });
        task_with_user.run();
      };
    } else if (o.op == "tasks_page_of_user") {  // GET /tasks?user_id=R&limit=100
      op = [&] {
        tasks_page_of_user.bind([&](const std::string& role) -> Value {
          if (role == "after") return std::int64_t{0};
          if (role == "limit") return std::int64_t{101};  // limit + 1: is there a next page?
          if (role == "user_id") return untagged_user();
          if (no_filter(role)) return Value{};
          return unknown(role);
        });
        tasks_page_of_user.run();
      };
    } else if (o.op == "users_page_with_tasks") {  // GET /users?include=tasks&limit=50&after=R
      op = [&] {
        const std::int64_t after =
            random_in(o.tagged_users, std::max<std::int64_t>(o.users - 50, o.tagged_users));
        users_page.bind([&](const std::string& role) -> Value {
          if (role == "after") return after;
          if (role == "limit") return std::int64_t{51};
          if (no_filter(role)) return Value{};
          return unknown(role);
        });
        std::string ids = "[";
        std::size_t n = 0;
        users_page.run([&](sqlite3_stmt* s) {
          if (++n > 50) return;  // the extra row only tells that a next page exists
          if (ids.size() > 1) ids += ',';
          ids += std::to_string(sqlite3_column_int64(s, 0));
        });
        ids += ']';
        tasks_of_users.bind([&](const std::string& role) -> Value {
          return role == "ids" ? Value{ids} : unknown(role);
        });
        tasks_of_users.run();
      };
    } else if (o.op == "tasks_page_newest") {  // GET /tasks?sort=-created_at&limit=100
      op = [&] {
        tasks_page_newest.bind([&](const std::string& role) -> Value {
          if (role == "limit") return std::int64_t{101};
          if (no_filter(role)) return Value{};
          return unknown(role);
        });
        tasks_page_newest.run();
      };
    } else if (o.op == "task_insert") {  // POST /tasks {content, user_id}
      op = [&] {
        const std::string now = now_rfc3339();
        begin.run();
        task_insert.bind([&](const std::string& role) -> Value {
          if (role == "content") return std::string("benchmark task");
          if (role == "user_id") return random_id(o.users);
          if (role == "now") return now;
          if (role == "done") return false;
          return left_out(role);
        });
        task_insert.run();
        commit.run();
      };
    } else if (o.op == "task_update") {  // PATCH /tasks/{id} {"content": …}
      op = [&] {
        const std::string now = now_rfc3339();
        begin.run();
        task_update.bind([&](const std::string& role) -> Value {
          if (role == "id") return untagged_task();
          if (role == "content") return std::string("updated by the benchmark");
          if (role == "now") return now;
          if (role == "user_id" || role == "done") return Value{};  // not in the body: kept
          return left_out(role);
        });
        task_update.run();
        commit.run();
      };
    } else {
      throw std::runtime_error("unknown op " + o.op);
    }

    for (;;) {
      const auto start = Clock::now();
      if (start >= deadline) break;
      op();
      if ((result.ops++ & 15) == 0) {
        result.latencies_ms.push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - start).count());
      }
    }
    result.sink = user_with_tasks.sink() + task_with_user.sink() + tasks_of_users.sink() +
                  tasks_page_tagged.sink() + tasks_page_newest.sink() + tasks_page.sink();
  }
  sqlite3_close(db);
  return result;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view key = argv[i];
    const char* value = argv[i + 1];
    if (key == "--db") {
      o.db = value;
    } else if (key == "--op") {
      o.op = value;
    } else if (key == "--threads") {
      o.threads = static_cast<unsigned>(std::stoul(value));
    } else if (key == "--seconds") {
      o.seconds = std::stod(value);
    } else if (key == "--users") {
      o.users = std::stoll(value);
    } else if (key == "--tasks") {
      o.tasks = std::stoll(value);
    } else if (key == "--tagged-users") {
      o.tagged_users = std::stoll(value);
    } else if (key == "--tags") {
      for (std::string_view rest = value; !rest.empty();) {
        const auto comma = rest.find(',');
        o.tags.emplace_back(rest.substr(0, comma));
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      }
    } else {
      throw std::runtime_error("unknown option " + std::string(key));
    }
  }
  if (o.db.empty() || o.op.empty() || o.threads == 0 || o.users < 1 || o.tagged_users >= o.users ||
      o.tagged_users < 0) {
    throw std::runtime_error(
        "usage: sqlite_ceiling --db PATH --op OP [--threads 4] [--seconds 10] [--users N] "
        "[--tasks N] [--tagged-users N (< users)] [--tags NAME,...]");
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const Options o = parse(argc, argv);
    const auto start = Clock::now();
    const auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(o.seconds));
    std::vector<Result> results(o.threads);
    std::vector<std::string> errors(o.threads);
    {
      std::vector<std::jthread> threads;
      for (unsigned t = 0; t < o.threads; ++t) {
        threads.emplace_back([&, t] {
          try {
            results[t] = work(o, 12345 + t, deadline);
          } catch (const std::exception& e) {
            errors[t] = e.what();
          }
        });
      }
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    for (const auto& e : errors) {
      if (!e.empty()) throw std::runtime_error(e);
    }
    std::uint64_t ops = 0;
    std::vector<double> latencies;
    for (const auto& r : results) {
      ops += r.ops;
      latencies.insert(latencies.end(), r.latencies_ms.begin(), r.latencies_ms.end());
    }
    std::sort(latencies.begin(), latencies.end());
    auto percentile = [&](double p) {
      if (latencies.empty()) return 0.0;
      const auto i = static_cast<std::size_t>(p / 100 * static_cast<double>(latencies.size() - 1));
      return latencies[i];
    };
    std::printf(
        "CEILING op=%s threads=%u ops=%llu seconds=%.3f ops_per_s=%.1f p50_ms=%.3f "
        "p99_ms=%.3f\n",
        o.op.c_str(), o.threads, static_cast<unsigned long long>(ops), elapsed,
        static_cast<double>(ops) / elapsed, percentile(50), percentile(99));
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sqlite_ceiling: %s\n", e.what());
    return 1;
  }
}
