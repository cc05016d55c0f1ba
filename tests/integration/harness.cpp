#include "harness.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "pg_cluster.hpp"

namespace usertasks::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

// A test that writes to a connection the server has already closed must see an error, not die.
[[maybe_unused]] const bool sigpipe_ignored = [] { return signal(SIGPIPE, SIG_IGN) != SIG_ERR; }();

std::filesystem::path make_temporary_directory(std::string_view prefix) {
  std::string templ = (std::filesystem::temp_directory_path() / (std::string(prefix) + "XXXXXX"));
  if (mkdtemp(templ.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return templ;
}

// A temporary directory removed when the test process ends.
class TemporaryDirectory {
 public:
  explicit TemporaryDirectory(std::string_view prefix) : path_(make_temporary_directory(prefix)) {}
  ~TemporaryDirectory() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;
  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// ---- backends --------------------------------------------------------------------------------

// A new database file per test, in a directory that lives as long as the test process.
class SqliteBackend final : public Backend {
 public:
  [[nodiscard]] std::string name() const override { return "sqlite"; }
  std::string fresh_database_url() override {
    return "sqlite:" + (directory_.path() / fmt::format("test-{}.db", ++databases_)).string();
  }

 private:
  TemporaryDirectory directory_{"usertasks-sqlite-"};
  std::atomic<int> databases_{0};
};

// A database per test in one throwaway PostgreSQL cluster, started on first use and stopped when
// the test process ends.
class PostgresBackend final : public Backend {
 public:
  [[nodiscard]] std::string name() const override { return "postgresql"; }
  [[nodiscard]] std::string unavailable_reason() const override {
    return PgCluster::unavailable_reason();
  }
  std::string fresh_database_url() override { return cluster().fresh_database(); }

  PgCluster& cluster() {
    std::lock_guard lock(mutex_);
    if (!cluster_) cluster_.emplace();
    return *cluster_;
  }

 private:
  std::mutex mutex_;
  std::optional<PgCluster> cluster_;
};

struct BackendEntry {
  const char* name;
  std::function<std::unique_ptr<Backend>()> make;
};

// The backends every suite runs on; a new backend adds its line here.
const std::vector<BackendEntry>& backend_table() {
  static const std::vector<BackendEntry> table{
      {"sqlite", [] { return std::make_unique<SqliteBackend>(); }},
      {"postgresql", [] { return std::make_unique<PostgresBackend>(); }},
  };
  return table;
}

// ---- processes -------------------------------------------------------------------------------

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string tail(const std::string& text, std::size_t n = 6000) {
  return text.size() <= n ? text : "..." + text.substr(text.size() - n);
}

// fork + execv of the usertasks binary with stdout and stderr going to `output`. The child dies
// with the test process (PR_SET_PDEATHSIG) so that a crashed test leaves no server behind.
pid_t spawn(const std::vector<std::string>& args, const std::filesystem::path& output,
            const ProcessOptions& process = {}) {
  std::optional<std::pair<uid_t, gid_t>> as_user;
  if (!process.user.empty()) {
    const passwd* user = getpwnam(process.user.c_str());
    if (user == nullptr) throw std::runtime_error("no user named " + process.user);
    if (geteuid() != 0) throw std::runtime_error("only root can run the server as another user");
    as_user.emplace(user->pw_uid, user->pw_gid);
  }
  const rlimit file_size{process.file_size_limit, process.file_size_limit};
  std::vector<std::string> argv_strings{process.binary.empty() ? std::string(USERTASKS_BINARY)
                                                               : process.binary.string()};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& s : argv_strings) argv.push_back(s.data());
  argv.push_back(nullptr);

  const int fd = open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot create " + output.string());
  const long max_fd = std::min(sysconf(_SC_OPEN_MAX), 65536L);
  const pid_t parent = getpid();

  const pid_t pid = fork();
  if (pid == 0) {
    // Only async-signal-safe calls from here to execv: the test process may have threads.
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    // The server must not hold the test's sockets open, or a client's close would not be seen.
    for (long i = 3; i < max_fd; ++i) close(static_cast<int>(i));
    // The test process ignores SIGPIPE; the server gets the default dispositions and mask.
    signal(SIGPIPE, SIG_DFL);
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, nullptr);
    if (process.file_size_limit > 0) {
      if (setrlimit(RLIMIT_FSIZE, &file_size) != 0) _exit(126);
      signal(SIGXFSZ, SIG_IGN);  // the write fails with EFBIG instead of killing the process
    }
    // Before PR_SET_PDEATHSIG, which a change of credentials clears.
    if (as_user && (setgroups(0, nullptr) != 0 || setgid(as_user->second) != 0 ||
                    setuid(as_user->first) != 0)) {
      _exit(126);
    }
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);  // the parent died before prctl took effect
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(fd);
  if (pid < 0) throw std::runtime_error("fork failed");
  return pid;
}

// waitpid with a deadline; nullopt when the child is still running at the deadline.
std::optional<int> wait_for(pid_t pid, std::chrono::steady_clock::duration timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    const pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return status;
    if (r < 0) return -1;
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(2ms);
  }
}

int kill_and_reap(pid_t pid) {
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

std::string next_output_name(std::string_view what) {
  static std::atomic<int> counter{0};
  return fmt::format("{}-{}.log", what, ++counter);
}

// ---- HTTP ------------------------------------------------------------------------------------

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

Response from_beast(http::response<http::string_body>&& msg) {
  Response r;
  r.status = msg.result_int();
  for (const auto& field : msg) {
    r.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  r.keep_alive = msg.keep_alive();
  r.body = std::move(msg.body());
  return r;
}

// What holds for every answer of the service, whatever the request: no server error but 503 (the
// database is away), a request id, the CORS header, and a problem document for every error.
void check_invariants(const Response& r, std::string_view what) {
  EXPECT_TRUE(r.status < 500 || r.status == 503) << what << " answered a server error:\n"
                                                 << r.describe();
  EXPECT_FALSE(r.header("X-Request-Id").empty()) << what << " has no X-Request-Id\n"
                                                 << r.describe();
  EXPECT_EQ(r.header("Access-Control-Allow-Origin"), "*") << what << "\n" << r.describe();
  if (r.status >= 400) {
    EXPECT_EQ(r.header("Content-Type"), "application/problem+json")
        << what << ": an error that is not a problem document\n"
        << r.describe();
  }
}

}  // namespace

// ---- backends --------------------------------------------------------------------------------

std::vector<std::string> backend_names() {
  std::vector<std::string> names;
  for (const BackendEntry& entry : backend_table()) names.emplace_back(entry.name);
  return names;
}

std::string backend_test_name(const ::testing::TestParamInfo<std::string>& param) {
  return param.param;
}

Backend& backend(const std::string& name) {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<Backend>> instances;
  std::lock_guard lock(mutex);
  auto& instance = instances[name];
  if (!instance) {
    for (const BackendEntry& entry : backend_table()) {
      if (name == entry.name) instance = entry.make();
    }
    if (!instance) throw std::invalid_argument("no backend named " + name);
  }
  return *instance;
}

// ---- processes -------------------------------------------------------------------------------

const std::filesystem::path& scratch_directory() {
  static const TemporaryDirectory directory("usertasks-it-");
  return directory.path();
}

CommandResult run_usertasks(const std::vector<std::string>& args) {
  const std::filesystem::path output = scratch_directory() / next_output_name("command");
  const pid_t pid = spawn(args, output);
  std::optional<int> status = wait_for(pid, 30s);
  if (!status) status = kill_and_reap(pid);
  CommandResult result;
  result.exit_code = WIFEXITED(*status) ? WEXITSTATUS(*status) : -1;
  result.output = read_file(output);
  return result;
}

ServerProcess::ServerProcess(ServerConfig config) : ServerProcess(std::move(config), {}) {}

ServerProcess::ServerProcess(ServerConfig config, const ProcessOptions& process)
    : log_path_(scratch_directory() / next_output_name("server")) {
  if (config.migrate == Migrate::command) {
    const CommandResult upgraded =
        run_usertasks({"--database", config.database_url, "db", "upgrade"});
    if (upgraded.exit_code != 0) {
      throw std::runtime_error("db upgrade failed (" + std::to_string(upgraded.exit_code) + "):\n" +
                               upgraded.output);
    }
  }
  std::vector<std::string> args{"--database",
                                config.database_url,
                                "serve",
                                "--port",
                                "0",
                                "--host",
                                "127.0.0.1",
                                "--threads",
                                std::to_string(config.threads),
                                "--statement-count-header"};
  if (config.migrate == Migrate::flag) args.emplace_back("--migrate");
  args.insert(args.end(), config.extra_args.begin(), config.extra_args.end());
  pid_ = spawn(args, log_path_, process);

  // The server logs "serving http://HOST:PORT" once it listens.
  static const std::regex serving(R"(serving http://[^:\s]+:(\d+))");
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  for (;;) {
    std::smatch m;
    const std::string text = read_file(log_path_);
    if (std::regex_search(text, m, serving)) {
      port_ = static_cast<unsigned short>(std::stoi(m[1].str()));
      return;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("the server exited before serving:\n" + tail(read_file(log_path_)));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      kill_and_reap(pid_);
      pid_ = -1;
      throw std::runtime_error("the server did not start within 10 s:\n" +
                               tail(read_file(log_path_)));
    }
    std::this_thread::sleep_for(2ms);
  }
}

ServerProcess::~ServerProcess() {
  const Exit exit = stop();
  if (killed_on_purpose_) return;
  EXPECT_FALSE(exit.killed) << "the server ignored SIGTERM for 10 s\n" << tail(log());
  EXPECT_TRUE(exit.exited && exit.code == 0)
      << "the server did not exit with 0 after SIGTERM (exited=" << exit.exited
      << ", code/signal=" << exit.code << ")\n"
      << tail(log());
}

std::string ServerProcess::log() const {
  return read_file(log_path_);
}

ServerProcess::Exit ServerProcess::stop() {
  if (exit_) return *exit_;
  terminate();
  return wait_for_exit();
}

void ServerProcess::terminate() {
  if (exit_ || pid_ <= 0 || terminated_) return;
  terminated_ = true;
  ::kill(pid_, SIGTERM);
}

ServerProcess::Exit ServerProcess::wait_for_exit() {
  if (exit_) return *exit_;
  Exit exit;
  if (pid_ > 0) {
    std::optional<int> status = wait_for(pid_, 10s);
    if (!status) {
      exit.killed = true;
      status = kill_and_reap(pid_);
    }
    exit.exited = WIFEXITED(*status);
    exit.code = exit.exited ? WEXITSTATUS(*status) : WTERMSIG(*status);
    pid_ = -1;
  }
  exit_ = exit;
  return exit;
}

ServerProcess::Exit ServerProcess::kill() {
  if (exit_) return *exit_;
  killed_on_purpose_ = true;
  Exit exit;
  if (pid_ > 0) {
    const int status = kill_and_reap(pid_);
    exit.exited = WIFEXITED(status);
    exit.code = exit.exited ? WEXITSTATUS(status) : WTERMSIG(status);
    exit.killed = true;
    pid_ = -1;
  }
  exit_ = exit;
  return exit;
}

bool ServerProcess::running() {
  if (exit_ || pid_ <= 0) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) != pid_) return true;
  Exit exit;
  exit.exited = WIFEXITED(status);
  exit.code = exit.exited ? WEXITSTATUS(status) : WTERMSIG(status);
  exit_ = exit;
  pid_ = -1;
  return false;
}

// ---- HTTP ------------------------------------------------------------------------------------

bool Response::has_header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return true;
  }
  return false;
}

std::string Response::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (iequals(key, name)) return value;
  }
  return {};
}

json::value Response::json() const {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) {
    ADD_FAILURE() << "the body is not JSON (" << ec.message() << "):\n" << describe();
    return nullptr;
  }
  return v;
}

json::object Response::object() const {
  const json::value v = json();
  if (!v.is_object()) {
    ADD_FAILURE() << "expected a JSON object:\n" << describe();
    return {};
  }
  return v.get_object();
}

json::array Response::array() const {
  const json::value v = json();
  if (!v.is_array()) {
    ADD_FAILURE() << "expected a JSON array:\n" << describe();
    return {};
  }
  return v.get_array();
}

std::string Response::describe() const {
  std::string out = fmt::format("HTTP {}\n", status);
  for (const auto& [key, value] : headers) out += fmt::format("{}: {}\n", key, value);
  out += "\n";
  out += body.size() > 3000 ? body.substr(0, 3000) + "..." : body;
  return out;
}

Client::Client(unsigned short port, bool fresh_connections)
    : port_(port), fresh_(fresh_connections), socket_(context_) {}

Client::~Client() {
  close();
}

void Client::connect() {
  close();
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), port_);
  if (timeout_) {
    boost::system::error_code error;
    socket_.async_connect(endpoint, [&error](boost::system::error_code ec) { error = ec; });
    finish(std::chrono::steady_clock::now() + *timeout_, error);
  } else {
    socket_.connect(endpoint);
  }
  socket_.set_option(tcp::no_delay(true));
  connected_ = true;
  ++connections_opened_;
}

void Client::finish(std::chrono::steady_clock::time_point deadline,
                    const boost::system::error_code& error) {
  context_.restart();
  context_.run_until(deadline);
  if (!context_.stopped()) {  // still waiting: abandon the operation and the connection
    boost::system::error_code ignored;
    socket_.close(ignored);
    context_.restart();
    context_.run();  // the abandoned operation's handler
    close();
    throw boost::system::system_error(asio::error::timed_out);
  }
  if (error) {
    close();
    throw boost::system::system_error(error);
  }
}

void Client::close() {
  if (!connected_) return;
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  buffer_.clear();
  connected_ = false;
}

Response Client::request(std::string_view method, std::string_view target, std::string_view body,
                         const Headers& headers) {
  answer_started_ = false;
  if (fresh_ || !connected_) connect();
  http::request<http::string_body> req;
  req.version(11);
  req.method_string(method);
  req.target(target);
  req.set(http::field::host, fmt::format("127.0.0.1:{}", port_));
  bool content_type_given = false;
  for (const auto& [name, value] : headers) {
    if (iequals(name, "Content-Type")) {
      content_type_given = true;
      if (value.empty()) continue;
    }
    req.insert(name, value);
  }
  if (!body.empty() && !content_type_given) req.set(http::field::content_type, "application/json");
  req.body() = std::string(body);
  if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
    req.content_length(body.size());
  }
  if (fresh_) req.keep_alive(false);
  const auto deadline = std::chrono::steady_clock::now() + timeout_.value_or(0ms);
  if (timeout_) {
    boost::system::error_code error;
    http::async_write(socket_, req,
                      [&error](boost::system::error_code ec, std::size_t) { error = ec; });
    finish(deadline, error);
  } else {
    http::write(socket_, req);
  }

  // Interim answers (100 Continue) precede the real one.
  Response r;
  do {
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    parser.header_limit(1024 * 1024);
    if (method == "HEAD") parser.skip(true);
    try {
      if (timeout_) {
        boost::system::error_code error;
        http::async_read(socket_, buffer_, parser,
                         [&error](boost::system::error_code ec, std::size_t) { error = ec; });
        finish(deadline, error);
      } else {
        http::read(socket_, buffer_, parser);
      }
    } catch (const boost::system::system_error&) {
      answer_started_ = parser.got_some();
      throw;
    }
    r = from_beast(parser.release());
  } while (r.status >= 100 && r.status < 200);
  if (fresh_ || !r.keep_alive) close();
  check_invariants(r, fmt::format("{} {}", method, target));
  return r;
}

Response Client::post(std::string_view target, const json::value& body) {
  return request("POST", target, json::serialize(body));
}

Response Client::put(std::string_view target, const json::value& body) {
  return request("PUT", target, json::serialize(body));
}

Response Client::patch(std::string_view target, const json::value& body) {
  return request("PATCH", target, json::serialize(body));
}

Response raw_exchange(unsigned short port, std::string_view bytes) {
  asio::io_context context;
  tcp::socket socket(context);
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  boost::system::error_code write_ec;
  asio::write(socket, asio::buffer(bytes.data(), bytes.size()), write_ec);

  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  boost::system::error_code read_ec;
  http::read(socket, buffer, parser, read_ec);
  if (read_ec) {
    Response failed;
    failed.body = fmt::format("no response could be read: {} (writing: {})", read_ec.message(),
                              write_ec ? write_ec.message() : "ok");
    return failed;
  }
  Response r = from_beast(parser.release());
  check_invariants(r, "a raw request");
  return r;
}

// ---- JSON helpers ----------------------------------------------------------------------------

std::vector<std::string> keys_of(const json::object& object) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : object) keys.emplace_back(key);
  return keys;
}

const std::vector<std::string>& user_keys() {
  static const std::vector<std::string> keys{"id", "name", "email", "created_at", "updated_at"};
  return keys;
}

const std::vector<std::string>& task_keys() {
  static const std::vector<std::string> keys{"id",     "content", "done",       "user_id",
                                             "due_at", "tags",    "created_at", "updated_at"};
  return keys;
}

bool is_timestamp(const json::value& value) {
  static const std::regex format(R"(^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$)");
  return value.is_string() && std::regex_match(std::string(value.get_string()), format);
}

std::int64_t id_of(const json::value& record) {
  const json::value* id = record.is_object() ? record.get_object().if_contains("id") : nullptr;
  if (id == nullptr || !id->is_int64()) {
    ADD_FAILURE() << "no integer id in " << json::serialize(record);
    return 0;
  }
  return id->get_int64();
}

std::string repeat(std::string_view piece, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += piece;
  return out;
}

std::string to_text(const json::value& value) {
  return json::serialize(value);
}

namespace {

::testing::AssertionResult has_keys(const json::value& value,
                                    const std::vector<std::string>& expected) {
  if (!value.is_object())
    return ::testing::AssertionFailure() << "not an object: " << to_text(value);
  const auto keys = keys_of(value.get_object());
  if (keys != expected) {
    return ::testing::AssertionFailure()
           << "keys [" << fmt::format("{}", fmt::join(keys, ", ")) << "], expected ["
           << fmt::format("{}", fmt::join(expected, ", ")) << "] in " << to_text(value);
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult common_fields(const json::object& o) {
  const json::value& id = o.at("id");
  if (!id.is_int64() || id.get_int64() <= 0) {
    return ::testing::AssertionFailure() << "id is not a positive integer: " << to_text(o);
  }
  if (!is_timestamp(o.at("created_at")) || !is_timestamp(o.at("updated_at"))) {
    return ::testing::AssertionFailure()
           << "timestamps are not RFC 3339 UTC with microseconds: " << to_text(o);
  }
  return ::testing::AssertionSuccess();
}

}  // namespace

::testing::AssertionResult IsUser(const json::value& value, bool with_tasks) {
  std::vector<std::string> expected = user_keys();
  if (with_tasks) expected.emplace_back("tasks");
  if (auto r = has_keys(value, expected); !r) return r;
  const json::object& o = value.get_object();
  if (auto r = common_fields(o); !r) return r;
  if (!o.at("name").is_string() || !o.at("email").is_string()) {
    return ::testing::AssertionFailure() << "name and email must be strings: " << to_text(o);
  }
  if (with_tasks) {
    if (!o.at("tasks").is_array()) {
      return ::testing::AssertionFailure() << "tasks is not an array: " << to_text(o);
    }
    for (const json::value& task : o.at("tasks").get_array()) {
      if (auto r = IsTask(task); !r) return r;
      if (task.at("user_id") != o.at("id")) {
        return ::testing::AssertionFailure() << "an embedded task of another user: " << to_text(o);
      }
    }
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult IsTask(const json::value& value, bool with_user) {
  std::vector<std::string> expected = task_keys();
  if (with_user) expected.emplace_back("user");
  if (auto r = has_keys(value, expected); !r) return r;
  const json::object& o = value.get_object();
  if (auto r = common_fields(o); !r) return r;
  if (!o.at("content").is_string()) {
    return ::testing::AssertionFailure() << "content must be a string: " << to_text(o);
  }
  const json::value& user_id = o.at("user_id");
  if (!user_id.is_int64() || user_id.get_int64() <= 0) {
    return ::testing::AssertionFailure() << "user_id must be a positive integer: " << to_text(o);
  }
  if (!o.at("due_at").is_null() && !is_timestamp(o.at("due_at"))) {
    return ::testing::AssertionFailure() << "due_at must be null or a timestamp: " << to_text(o);
  }
  if (!o.at("tags").is_array() ||
      !std::all_of(o.at("tags").get_array().begin(), o.at("tags").get_array().end(),
                   [](const json::value& tag) { return tag.is_string(); })) {
    return ::testing::AssertionFailure() << "tags must be an array of names: " << to_text(o);
  }
  if (with_user) {
    if (auto r = IsUser(o.at("user")); !r) return r;
    if (o.at("user").at("id") != user_id) {
      return ::testing::AssertionFailure() << "the embedded user is not the task's: " << to_text(o);
    }
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult IsProblem(const Response& response, unsigned status,
                                     std::string_view type) {
  if (response.status != status) {
    return ::testing::AssertionFailure()
           << "status " << response.status << ", expected " << status << "\n"
           << response.describe();
  }
  if (response.header("Content-Type") != "application/problem+json") {
    return ::testing::AssertionFailure() << "not application/problem+json\n" << response.describe();
  }
  boost::system::error_code ec;
  const json::value body = json::parse(response.body, ec);
  if (ec || !body.is_object()) {
    return ::testing::AssertionFailure() << "the problem is not a JSON object\n"
                                         << response.describe();
  }
  const json::object& o = body.get_object();
  const auto keys = keys_of(o);
  const std::vector<std::string> leading{"type", "title", "status", "detail"};
  if (keys.size() < leading.size() || !std::equal(leading.begin(), leading.end(), keys.begin())) {
    return ::testing::AssertionFailure() << "a problem starts with type, title, status, detail\n"
                                         << response.describe();
  }
  if (o.at("type") != json::value(std::string("/problems/") + std::string(type))) {
    return ::testing::AssertionFailure() << "type is not /problems/" << type << "\n"
                                         << response.describe();
  }
  if (!o.at("status").is_number() || o.at("status").to_number<unsigned>() != status) {
    return ::testing::AssertionFailure() << "the status member disagrees\n" << response.describe();
  }
  if (!o.at("title").is_string() || o.at("title").get_string().empty() ||
      !o.at("detail").is_string() || o.at("detail").get_string().empty()) {
    return ::testing::AssertionFailure() << "title and detail must be non-empty strings\n"
                                         << response.describe();
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult IsValidationProblemFor(const Response& response,
                                                  const std::vector<std::string>& fields) {
  if (auto r = IsProblem(response, 422, "validation"); !r) return r;
  const json::object o = json::parse(response.body).get_object();
  if (o.at("title") != "Unprocessable Content") {
    return ::testing::AssertionFailure() << "title\n" << response.describe();
  }
  // API.md: "N fields are invalid"; one field reads "1 field is invalid".
  const std::string detail = fields.size() == 1
                                 ? "1 field is invalid"
                                 : fmt::format("{} fields are invalid", fields.size());
  if (o.at("detail") != json::value(detail)) {
    return ::testing::AssertionFailure() << "detail should be \"" << detail << "\"\n"
                                         << response.describe();
  }
  const json::value* errors = o.if_contains("errors");
  if (errors == nullptr || !errors->is_array() || errors->get_array().size() != fields.size()) {
    return ::testing::AssertionFailure() << "errors should list " << fields.size() << " fields\n"
                                         << response.describe();
  }
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const json::value& e = errors->get_array()[i];
    if (auto r = has_keys(e, {"field", "message"}); !r) return r << "\n" << response.describe();
    if (e.at("field") != json::value(fields[i])) {
      return ::testing::AssertionFailure()
             << "error " << i << " should be about " << fields[i] << "\n"
             << response.describe();
    }
    if (!e.at("message").is_string() || e.at("message").get_string().empty()) {
      return ::testing::AssertionFailure() << "error " << i << " has no message\n"
                                           << response.describe();
    }
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult IsValidationProblem(
    const Response& response, const std::vector<std::pair<std::string, std::string>>& expected) {
  std::vector<std::string> fields;
  for (const auto& [field, message] : expected) fields.push_back(field);
  if (auto r = IsValidationProblemFor(response, fields); !r) return r;
  const json::array errors = json::parse(response.body).at("errors").get_array();
  for (std::size_t i = 0; i < expected.size(); ++i) {
    if (errors[i].at("message") != json::value(expected[i].second)) {
      return ::testing::AssertionFailure() << "the message about " << expected[i].first
                                           << " should be \"" << expected[i].second << "\"\n"
                                           << response.describe();
    }
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult IsBadQuery(const Response& response, std::string_view parameter) {
  if (response.status != 400) {
    return ::testing::AssertionFailure() << "expected 400\n" << response.describe();
  }
  if (response.header("Content-Type") != "application/problem+json") {
    return ::testing::AssertionFailure() << "not a problem\n" << response.describe();
  }
  boost::system::error_code ec;
  const json::value body = json::parse(response.body, ec);
  const json::value* detail = body.is_object() ? body.get_object().if_contains("detail") : nullptr;
  if (ec || detail == nullptr || !detail->is_string() ||
      std::string_view(detail->get_string()).find(parameter) == std::string_view::npos) {
    return ::testing::AssertionFailure() << "the detail should name " << parameter << "\n"
                                         << response.describe();
  }
  return ::testing::AssertionSuccess();
}

std::optional<std::string> next_link(const Response& response) {
  const std::string link = response.header("Link");
  if (link.empty()) return std::nullopt;
  static const std::regex next(R"(^<([^>]*)>;\s*rel="next"$)");
  std::smatch m;
  if (!std::regex_match(link, m, next)) {
    ADD_FAILURE() << "a Link header that is not one rel=\"next\" link: " << link;
    return std::nullopt;
  }
  return m[1].str();
}

int statement_count(const Response& response) {
  const std::string value = response.header("X-Statement-Count");
  return value.empty() ? -1 : std::stoi(value);
}

// ---- the fixture -----------------------------------------------------------------------------

void ApiTest::SetUp() {
  Backend& b = backend_under_test();
  if (const std::string why = b.unavailable_reason(); !why.empty()) {
    GTEST_SKIP() << b.name() << " is not available: " << why;
  }
  server_ = std::make_unique<ServerProcess>(ServerConfig{.database_url = b.fresh_database_url(),
                                                         .extra_args = {},
                                                         .migrate = Migrate::flag,
                                                         .threads = 2});
  client_ = std::make_unique<Client>(server_->port());
}

void DatabaseTest::SetUp() {
  Backend& b = backend(GetParam());
  if (const std::string why = b.unavailable_reason(); !why.empty()) {
    GTEST_SKIP() << b.name() << " is not available: " << why;
  }
  url_ = b.fresh_database_url();
}

std::unique_ptr<ServerProcess> DatabaseTest::serve(std::vector<std::string> args,
                                                   unsigned threads) {
  return std::make_unique<ServerProcess>(
      ServerConfig{.database_url = url_, .extra_args = std::move(args), .threads = threads});
}

void ApiTest::TearDown() {
  client_.reset();
  if (server_ && HasFailure())
    std::cerr << "---- server log ----\n" << tail(server_->log()) << '\n';
  server_.reset();  // stops the server and checks that it exits 0
}

std::unique_ptr<ServerProcess> ApiTest::start_server(std::vector<std::string> extra_args,
                                                     Migrate migrate) {
  return std::make_unique<ServerProcess>(
      ServerConfig{.database_url = backend_under_test().fresh_database_url(),
                   .extra_args = std::move(extra_args),
                   .migrate = migrate,
                   .threads = 2});
}

std::string ApiTest::unique_email(std::string_view local) {
  return fmt::format("{}-{}@example.com", local, ++emails_);
}

json::object ApiTest::create_user(std::string_view name, std::optional<std::string> email) {
  const Response r = client_->post(
      "/users", json::object{{"name", name}, {"email", email ? *email : unique_email()}});
  EXPECT_EQ(r.status, 201U) << r.describe();
  return r.status == 201 ? r.object() : json::object{};
}

json::object ApiTest::create_task(std::int64_t user_id, std::string_view content) {
  const Response r =
      client_->post(fmt::format("/users/{}/tasks", user_id), json::object{{"content", content}});
  EXPECT_EQ(r.status, 201U) << r.describe();
  return r.status == 201 ? r.object() : json::object{};
}

json::value ApiTest::get_json(std::string_view target) {
  const Response r = client_->get(target);
  EXPECT_EQ(r.status, 200U) << "GET " << target << "\n" << r.describe();
  return r.json();
}

std::string ApiTest::snapshot() {
  const Response users = client_->get("/users?include=tasks&limit=1000");
  const Response tasks = client_->get("/tasks?limit=1000");
  EXPECT_EQ(users.status, 200U) << users.describe();
  EXPECT_EQ(tasks.status, 200U) << tasks.describe();
  return users.body + "\n" + tasks.body;
}

json::array ApiTest::collect_pages(std::string target, int* pages) {
  json::array items;
  int count = 0;
  // A bound on the walk, so that a Link that never ends fails the test instead of hanging it.
  for (; count < 10000; ++count) {
    const Response r = client_->get(target);
    EXPECT_EQ(r.status, 200U) << "GET " << target << "\n" << r.describe();
    if (r.status != 200) break;
    for (json::value& item : r.array()) items.push_back(std::move(item));
    const auto next = next_link(r);
    if (!next) {
      ++count;
      break;
    }
    target = *next;
  }
  if (pages != nullptr) *pages = count;
  return items;
}

}  // namespace usertasks::testing

namespace usertasks::testing {

PgCluster& postgres_cluster() {
  return dynamic_cast<PostgresBackend&>(backend("postgresql")).cluster();
}

}  // namespace usertasks::testing
