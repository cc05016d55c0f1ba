#pragma once
// A throwaway PostgreSQL 15 cluster for tests: initdb in a temporary directory, its own unix
// socket directory and TCP port on 127.0.0.1, durability off (fsync=off) since the data dies with
// the test. As root the server runs as the `postgres` system user, since initdb refuses root.
// The destructor stops the server (immediately) and removes the directory, also when tests fail;
// a watchdog process does the same if the test process dies without running it (a crash, abort).

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace usertasks::testing {

class PgCluster {
 public:
  // Where the server binaries are expected (Debian's postgresql-15).
  static constexpr const char* bin_dir = "/usr/lib/postgresql/15/bin";

  // Why a cluster cannot run here (no server installed); empty when it can.
  static std::string unavailable_reason();

  // initdb and start; throws std::runtime_error, with the server's log, when either fails.
  PgCluster();
  ~PgCluster();
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;

  // Creates a new empty database and returns its libpq keyword string, e.g.
  // "host=/tmp/usertasks-pg-x/socket port=54321 dbname=t_3 user=postgres".
  std::string fresh_database();
  // The keyword string of database `name`, over the unix socket, or over TCP when `tcp`.
  [[nodiscard]] std::string conninfo(const std::string& name, bool tcp = false) const;

  void start();  // pg_ctl start -w
  void stop();   // pg_ctl stop -m immediate: no checkpoint, like a crash
  // kill -9 of the postmaster, as a crash or an operator would; returns once its children have
  // exited too (they notice by themselves), so that start() brings the server back.
  void kill_postmaster();
  [[nodiscard]] bool running() const { return running_; }
  [[nodiscard]] int port() const { return port_; }

 private:
  // Runs a server binary (as `postgres` when root); returns its exit status. Output goes to the
  // log file, which run_or_throw quotes on failure.
  int run(const std::vector<std::string>& args) const;
  void run_or_throw(const std::vector<std::string>& args) const;
  void admin_sql(const std::string& sql) const;
  [[nodiscard]] pid_t postmaster_pid()
      const;  // from postmaster.pid  // runs as superuser in database `postgres`
  void start_watchdog();
  [[nodiscard]] std::vector<std::string> command(const std::vector<std::string>& args) const;

  std::filesystem::path dir_;
  std::filesystem::path data_;
  std::filesystem::path socket_dir_;
  std::filesystem::path log_;
  int port_ = 0;
  bool as_postgres_ = false;
  bool running_ = false;
  int next_database_ = 0;
  int watchdog_pipe_ = -1;  // its write end; the watchdog acts when this closes
  int watchdog_pid_ = -1;
};

}  // namespace usertasks::testing
