#include "pg_cluster.hpp"

#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>

namespace usertasks::testing {

namespace fs = std::filesystem;

namespace {

std::string binary(const std::string& name) {
  return std::string(PgCluster::bin_dir) + "/" + name;
}

// A port nobody listens on now. The kernel picks it; the server binds it a moment later.
int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::system_error(errno, std::generic_category(), "socket");
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  auto* any = reinterpret_cast<sockaddr*>(&address);
  if (::bind(fd, any, sizeof address) != 0 || ::getsockname(fd, any, &length) != 0) {
    const int error = errno;
    ::close(fd);
    throw std::system_error(error, std::generic_category(), "bind");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

void chown_to(const fs::path& path, const passwd& user) {
  if (::chown(path.c_str(), user.pw_uid, user.pw_gid) != 0) {
    throw std::system_error(errno, std::generic_category(), "chown " + path.string());
  }
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Running, rather than gone or a zombie (an exited process that nobody reaped).
bool process_alive(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!std::getline(in, stat)) return false;
  const auto paren = stat.rfind(')');  // the command name, in parentheses, may hold anything
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}

// The live processes whose working directory is `directory`.
std::vector<pid_t> processes_in(const fs::path& directory) {
  std::vector<pid_t> found;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::error_code unreadable;  // gone meanwhile, a zombie, or not ours to look at
    if (fs::read_symlink(entry.path() / "cwd", unreadable) == directory && !unreadable) {
      found.push_back(static_cast<pid_t>(std::stol(name)));
    }
  }
  return found;
}

}  // namespace

std::string PgCluster::unavailable_reason() {
  if (!fs::exists(binary("postgres")) || !fs::exists(binary("initdb"))) {
    return std::string("PostgreSQL 15 server not installed (") + bin_dir +
           "/postgres); apt-get install postgresql-15";
  }
  if (::geteuid() == 0 && ::getpwnam("postgres") == nullptr) {
    return "running as root and there is no `postgres` user to run the server as";
  }
  return {};
}

PgCluster::PgCluster() {
  if (const std::string reason = unavailable_reason(); !reason.empty()) {
    throw std::runtime_error(reason);
  }
  // /tmp rather than TMPDIR: a unix socket path must stay under ~100 bytes.
  std::string pattern = "/tmp/usertasks-pg-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::system_error(errno, std::generic_category(), "mkdtemp");
  }
  dir_ = pattern;
  data_ = dir_ / "data";
  socket_dir_ = dir_ / "socket";
  log_ = dir_ / "server.log";
  fs::create_directory(socket_dir_);
  port_ = free_port();

  try {
    as_postgres_ = ::geteuid() == 0;
    if (as_postgres_) {
      const passwd* user = ::getpwnam("postgres");
      chown_to(dir_, *user);
      chown_to(socket_dir_, *user);
      std::ofstream(log_).flush();
      chown_to(log_, *user);
    }
    // C.UTF-8 rather than C: lower() and upper() then know letters beyond ASCII (the unique index
    // on lower(email) depends on it), while sorting stays by code point on every machine.
    run_or_throw({binary("initdb"), "-D", data_.string(), "-U", "postgres", "-A", "trust", "-E",
                  "UTF8", "--locale=C.UTF-8", "--no-sync", "--no-instructions"});
    // Appended, so these win over initdb's defaults; the file stays the server user's. fsync=off
    // survives a crash of the server (the kernel still has the pages); synchronous_commit stays
    // on, since an asynchronous commit is lost by the immediate stop that restart tests use.
    std::ofstream conf(data_ / "postgresql.conf", std::ios::app);
    conf << "\nport = " << port_ << "\nlisten_addresses = '127.0.0.1'"
         << "\nunix_socket_directories = '" << socket_dir_.string() << "'"
         << "\nfsync = off\nfull_page_writes = off"
         << "\nshared_buffers = 16MB\nmax_connections = 40\nmax_wal_size = 64MB"
         << "\nlogging_collector = off\nlog_min_messages = warning\n";
    conf.close();
    start_watchdog();
    start();
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
    if (watchdog_pipe_ >= 0) ::close(watchdog_pipe_);
    if (watchdog_pid_ > 0) ::waitpid(watchdog_pid_, nullptr, 0);
    throw;
  }
}

PgCluster::~PgCluster() {
  try {
    stop();
  } catch (...) {  // a destructor reports nothing; the directory goes anyway
  }
  std::error_code ignored;
  fs::remove_all(dir_, ignored);
  if (watchdog_pipe_ >= 0) ::close(watchdog_pipe_);  // the watchdog wakes, finds nothing, exits
  if (watchdog_pid_ > 0) ::waitpid(watchdog_pid_, nullptr, 0);
}

std::vector<std::string> PgCluster::command(const std::vector<std::string>& args) const {
  std::vector<std::string> full;
  if (as_postgres_) full = {"/usr/sbin/runuser", "-u", "postgres", "--"};
  full.insert(full.end(), args.begin(), args.end());
  return full;
}

// A shell that waits for EOF on a pipe whose only write end is ours (close-on-exec, so neither the
// server nor any other child holds it): when this process ends, however it ends, the shell stops
// the server and removes the directory. It ignores the signals a terminal sends the whole group.
void PgCluster::start_watchdog() {
  std::array<int, 2> fds{};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
    throw std::system_error(errno, std::generic_category(), "pipe2");
  }
  std::string stop;
  for (const auto& part :
       command({binary("pg_ctl"), "-D", data_.string(), "-m", "immediate", "-w", "stop"})) {
    stop += "'" + part + "' ";  // the paths are ours (mkdtemp): no quotes inside
  }
  std::string script = "trap '' INT TERM HUP QUIT; read -r _; " + stop +
                       ">/dev/null 2>&1; rm -rf '" + dir_.string() + "'";
  std::array<char*, 4> argv = {const_cast<char*>("/bin/sh"), const_cast<char*>("-c"), script.data(),
                               nullptr};
  const pid_t pid = ::fork();
  if (pid == 0) {                  // only async-signal-safe calls until exec
    ::dup2(fds[0], STDIN_FILENO);  // dup2 clears close-on-exec on the copy
    ::chdir("/");
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(fds[0]);
  if (pid < 0) {
    ::close(fds[1]);
    throw std::system_error(errno, std::generic_category(), "fork");
  }
  watchdog_pipe_ = fds[1];
  watchdog_pid_ = pid;
}

int PgCluster::run(const std::vector<std::string>& args) const {
  std::vector<std::string> full = command(args);
  std::vector<char*> argv;
  for (auto& a : full) argv.push_back(a.data());
  argv.push_back(nullptr);
  const int log = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log < 0) throw std::system_error(errno, std::generic_category(), "open " + log_.string());

  const pid_t pid = ::fork();
  if (pid == 0) {  // only async-signal-safe calls until exec
    ::dup2(log, STDOUT_FILENO);
    ::dup2(log, STDERR_FILENO);
    const int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0) ::dup2(null, STDIN_FILENO);
    ::chdir("/");  // the postgres user may not be allowed into the test's working directory
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(log);
  if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork");
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw std::system_error(errno, std::generic_category(), "waitpid");
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void PgCluster::run_or_throw(const std::vector<std::string>& args) const {
  const int status = run(args);
  if (status == 0) return;
  std::string command;
  for (const auto& a : args) command += a + " ";
  throw std::runtime_error(command + "exited with " + std::to_string(status) + "\n" +
                           read_file(log_));
}

void PgCluster::start() {
  if (running_) return;
  // The server appends to the same log as initdb, so a failure quotes both.
  run_or_throw(
      {binary("pg_ctl"), "-D", data_.string(), "-l", log_.string(), "-w", "-t", "60", "start"});
  running_ = true;
}

void PgCluster::stop() {
  if (!running_) return;
  running_ = false;
  run_or_throw({binary("pg_ctl"), "-D", data_.string(), "-m", "immediate", "-w", "stop"});
}

void PgCluster::kill_postmaster() {
  if (!running_) return;
  running_ = false;
  const pid_t pid = postmaster_pid();
  if (::kill(pid, SIGKILL) != 0 && errno != ESRCH) {
    throw std::system_error(errno, std::generic_category(), "kill -9 the postmaster");
  }
  // The postmaster's children (backends, checkpointer, ...) notice its death and exit by
  // themselves; a new postmaster refuses to start while one of them still holds the old shared
  // memory. Every one of them runs in the data directory.
  const fs::path data = fs::canonical(data_);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (process_alive(pid) || !processes_in(data).empty()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      throw std::runtime_error("the killed postmaster's processes did not exit within 30 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  // An init that does not reap orphans (some containers) leaves the postmaster a zombie, whose pid
  // in the lock files would make the next postmaster believe it still runs. Nothing of the old
  // server is left, so the lock files are stale.
  std::error_code ignored;
  fs::remove(data_ / "postmaster.pid", ignored);
  fs::remove(socket_dir_ / (".s.PGSQL." + std::to_string(port_) + ".lock"), ignored);
}

pid_t PgCluster::postmaster_pid() const {
  std::ifstream in(data_ / "postmaster.pid");
  long pid = 0;
  if (!(in >> pid) || pid <= 0) {
    throw std::runtime_error("no postmaster pid in " + (data_ / "postmaster.pid").string());
  }
  return static_cast<pid_t>(pid);
}

std::string PgCluster::conninfo(const std::string& name, bool tcp) const {
  const std::string host = tcp ? "127.0.0.1" : socket_dir_.string();
  return "host=" + host + " port=" + std::to_string(port_) + " dbname=" + name + " user=postgres";
}

void PgCluster::admin_sql(const std::string& sql) const {
  // Blocking libpq is fine here: this is the test's thread, not a server's io thread.
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(conninfo("postgres").c_str()),
                                                    &PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    throw std::runtime_error("connect to the test cluster: " +
                             std::string(PQerrorMessage(conn.get())));
  }
  std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(conn.get(), sql.c_str()), &PQclear);
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    throw std::runtime_error(sql + ": " + PQerrorMessage(conn.get()));
  }
}

std::string PgCluster::fresh_database() {
  const std::string name = "t_" + std::to_string(++next_database_);
  // FILE_COPY copies the small template directory at once; the default (WAL_LOG) writes it
  // through the WAL, several times slower for a database this size.
  admin_sql("CREATE DATABASE " + name + " STRATEGY = FILE_COPY");
  return conninfo(name);
}

}  // namespace usertasks::testing
