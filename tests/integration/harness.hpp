#pragma once
// The integration harness: the databases a suite runs against (Backend), the service as a child
// process (ServerProcess), a small HTTP/1.1 client on Boost.Beast (Client), and the fixture that
// every integration test derives from (ApiTest).
//
// Every test gets a new empty database and its own server, so that no test sees another's data;
// starting the service takes a few milliseconds.

#include <gtest/gtest.h>
#include <sys/types.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace usertasks::testing {

namespace json = boost::json;

// ---------------------------------------------------------------------------------------------
// Backends

// A database system the suite runs against. One instance per backend lives for the whole test
// process; it may own expensive state (a temporary directory, a throwaway cluster).
class Backend {
 public:
  virtual ~Backend() = default;
  [[nodiscard]] virtual std::string name() const = 0;
  // A URL for `usertasks --database` naming a new, empty database that no other test uses.
  virtual std::string fresh_database_url() = 0;
  // Non-empty when this backend cannot run here (e.g. no PostgreSQL binaries); tests then skip.
  [[nodiscard]] virtual std::string unavailable_reason() const { return {}; }
};

// Every backend name the suites are instantiated over. Adding a backend is one Backend subclass
// plus one entry in the table in harness.cpp.
std::vector<std::string> backend_names();
// The process-wide instance of a backend, created on first use.
Backend& backend(const std::string& name);

class PgCluster;
// The cluster behind the "postgresql" backend (started on first use), for tests that stop and
// restart the database under a running service.
PgCluster& postgres_cluster();

// The name of a suite instance: its backend's.
std::string backend_test_name(const ::testing::TestParamInfo<std::string>& param);

// Instantiates a value-parameterized suite over every backend, naming each instance by backend.
#define USERTASKS_INSTANTIATE_FOR_ALL_BACKENDS(suite)                                  \
  INSTANTIATE_TEST_SUITE_P(Backends, suite,                                            \
                           ::testing::ValuesIn(::usertasks::testing::backend_names()), \
                           ::usertasks::testing::backend_test_name)

// ---------------------------------------------------------------------------------------------
// Processes

// The scratch directory of this test process (removed when the process ends).
const std::filesystem::path& scratch_directory();

struct CommandResult {
  int exit_code = -1;  // -1 when the command did not exit normally
  std::string output;  // stdout and stderr, interleaved
};
// Runs the usertasks binary with `args` to completion (killed after 30 s).
CommandResult run_usertasks(const std::vector<std::string>& args);

// How the server's database gets its schema before it serves.
enum class Migrate {
  flag,     // `serve --migrate`: one process, the fast default
  command,  // `db upgrade` first, as an operator would
  none,     // the database is already migrated (or a test wants it not to be)
};

struct ServerConfig {
  std::string database_url;
  std::vector<std::string> extra_args;  // e.g. {"--body-limit", "1000"}
  Migrate migrate = Migrate::flag;
  unsigned threads = 2;
};

// How the server's process is set up beyond its command line, for fault tests.
struct ProcessOptions {
  // Run as this user (by name) rather than as the test; needs root. A root server ignores file
  // modes, so a test that wants a file the server cannot write runs it as someone else.
  std::string user;
  // RLIMIT_FSIZE in bytes (0: none), with SIGXFSZ ignored: a write that would make any file the
  // server writes (database, journal, log) larger fails with EFBIG, as on a full disk.
  std::uint64_t file_size_limit = 0;
  // The executable to run instead of the build's usertasks, e.g. a copy of it that `user` can
  // reach when the build directory is not open to other users.
  std::filesystem::path binary;
};

// `usertasks serve` as a child process on a free port. The destructor stops it with SIGTERM and
// records a test failure unless it exits 0 (or was kill()ed); a server never outlives the test
// process (it is killed when its parent dies, and SIGKILLed when SIGTERM does not stop it within
// 10 s).
class ServerProcess {
 public:
  explicit ServerProcess(ServerConfig config);
  ServerProcess(ServerConfig config, const ProcessOptions& process);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  [[nodiscard]] unsigned short port() const { return port_; }
  [[nodiscard]] pid_t pid() const { return pid_; }
  // What the server has written to stdout and stderr so far.
  [[nodiscard]] std::string log() const;

  struct Exit {
    bool exited = false;  // exited normally (rather than by a signal)
    int code = -1;        // the exit code, or the signal number
    bool killed = false;  // it ignored SIGTERM for 10 s and was SIGKILLed
  };
  // SIGTERM, then waits (SIGKILL after 10 s). Idempotent: later calls return the first result.
  Exit stop();
  // SIGTERM without waiting; a later stop() waits for the exit without signalling again.
  void terminate();
  // SIGKILL at once (a crash), then reaps. Later stop() calls return this exit, which the
  // destructor accepts.
  Exit kill();
  // The process has not exited yet (an exit seen here is what stop() then returns).
  bool running();

 private:
  Exit wait_for_exit();

  std::filesystem::path log_path_;
  pid_t pid_ = -1;
  unsigned short port_ = 0;
  std::optional<Exit> exit_;
  bool terminated_ = false;
  bool killed_on_purpose_ = false;
};

// ---------------------------------------------------------------------------------------------
// HTTP

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Response {
  unsigned status = 0;
  Headers headers;  // in the order received
  std::string body;
  bool keep_alive = false;

  [[nodiscard]] bool has_header(std::string_view name) const;
  // The first value of a header (case-insensitive name); empty when absent.
  [[nodiscard]] std::string header(std::string_view name) const;
  // The body parsed as JSON; a test failure (and null) when it is not JSON.
  [[nodiscard]] json::value json() const;
  [[nodiscard]] json::object object() const;
  [[nodiscard]] json::array array() const;
  // For failure messages.
  [[nodiscard]] std::string describe() const;
};

// A synchronous HTTP/1.1 client on one keep-alive connection, reopened when the server closes
// it. With `fresh_connections`, every request goes on a new connection with `Connection: close`.
class Client {
 public:
  explicit Client(unsigned short port, bool fresh_connections = false);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // A body without a Content-Type header is sent as application/json; a Content-Type header with
  // an empty value sends no Content-Type at all. Transport errors throw.
  Response request(std::string_view method, std::string_view target, std::string_view body = "",
                   const Headers& headers = {});
  Response get(std::string_view target) { return request("GET", target); }
  Response post(std::string_view target, const json::value& body);
  Response put(std::string_view target, const json::value& body);
  Response patch(std::string_view target, const json::value& body);
  Response del(std::string_view target) { return request("DELETE", target); }

  // How many TCP connections this client has opened.
  [[nodiscard]] int connections_opened() const { return connections_opened_; }
  void close();
  // Bounds each later request, from connecting to the last byte of the answer: past `timeout` it
  // throws boost::system::system_error(asio::error::timed_out) and closes the connection. Other
  // transport errors throw as they do without a bound (e.g. beast's http::error::partial_message
  // when the connection closes in the middle of an answer, end_of_stream before its first byte).
  void set_timeout(std::chrono::milliseconds timeout) { timeout_ = timeout; }
  // After a request threw: whether some of its answer had arrived (an answer cut off), rather
  // than none (the connection refused or closed before the server answered).
  [[nodiscard]] bool answer_started() const { return answer_started_; }

 private:
  void connect();
  // Runs the operation just started on context_ until it completes or the request's deadline
  // passes; `error` is what its handler stored. Throws on either failure.
  void finish(std::chrono::steady_clock::time_point deadline,
              const boost::system::error_code& error);

  unsigned short port_;
  bool fresh_;
  boost::asio::io_context context_;
  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
  bool connected_ = false;
  int connections_opened_ = 0;
  std::optional<std::chrono::milliseconds> timeout_;
  bool answer_started_ = false;
};

// Writes raw bytes on a new connection (ignoring a peer that stops reading or resets), then reads
// one response. For messages the Client will not produce: huge headers, lying lengths, bad HTTP.
Response raw_exchange(unsigned short port, std::string_view bytes);

// ---------------------------------------------------------------------------------------------
// JSON helpers

std::vector<std::string> keys_of(const json::object& object);
// The keys of User and Task, in the order API.md shows them.
const std::vector<std::string>& user_keys();
const std::vector<std::string>& task_keys();
bool is_timestamp(const json::value& value);
std::int64_t id_of(const json::value& record);
std::string to_text(const json::value& value);          // serialized, for byte comparisons
std::string repeat(std::string_view piece, int times);  // `piece` `times` times over

// Checks a User (and its "tasks", when `with_tasks`), for use in EXPECT_TRUE / ASSERT_TRUE.
::testing::AssertionResult IsUser(const json::value& value, bool with_tasks = false);
::testing::AssertionResult IsTask(const json::value& value, bool with_user = false);
// A problem document: status, content type, the /problems/ type and title/detail present.
::testing::AssertionResult IsProblem(const Response& response, unsigned status,
                                     std::string_view type);
// A 422 validation problem whose errors are exactly `expected` (field, message), in order.
::testing::AssertionResult IsValidationProblem(
    const Response& response, const std::vector<std::pair<std::string, std::string>>& expected);
// A 422 validation problem with one error for each of `fields` (in order), messages unchecked.
::testing::AssertionResult IsValidationProblemFor(const Response& response,
                                                  const std::vector<std::string>& fields);
// A 400 bad-query problem naming `parameter`.
::testing::AssertionResult IsBadQuery(const Response& response, std::string_view parameter);

// The target of a `Link: <...>; rel="next"` header; nullopt when there is none.
std::optional<std::string> next_link(const Response& response);

// ---------------------------------------------------------------------------------------------
// The fixture

class ApiTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override;
  void TearDown() override;

  Backend& backend_under_test() { return backend(GetParam()); }
  // Another server over a new database of this test's backend (e.g. with other limits).
  std::unique_ptr<ServerProcess> start_server(std::vector<std::string> extra_args,
                                              Migrate migrate = Migrate::flag);

  // A unique, valid email for this test.
  std::string unique_email(std::string_view local = "user");
  // POST /users; asserts 201 and returns the user.
  json::object create_user(std::string_view name = "Ada", std::optional<std::string> email = {});
  // POST /users/{id}/tasks; asserts 201 and returns the task.
  json::object create_task(std::int64_t user_id, std::string_view content = "write report");
  // GET that must answer 200 with JSON.
  json::value get_json(std::string_view target);
  // Every user (with tasks) and every task, serialized: equal before and after a request means
  // the request changed nothing.
  std::string snapshot();
  // Follows `next` links from `target`, returning every item of every page in order.
  json::array collect_pages(std::string target, int* pages = nullptr);

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<Client> client_;

 private:
  int emails_ = 0;
};

// A suite over every backend whose tests start their own servers, each test on one new database
// (url_) that its servers share, one after another or at once. Skipped where the backend is not.
class DatabaseTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override;
  // A server on url_, with `args` and `threads` io threads.
  std::unique_ptr<ServerProcess> serve(std::vector<std::string> args = {}, unsigned threads = 2);

  std::string url_;
};

// X-Statement-Count of a response, or -1 when absent.
int statement_count(const Response& response);
// The statements a write adds to record its changes in the change feed's outbox, however many
// (repository/events.hpp): one on PostgreSQL, two on SQLite.
inline int outbox_statements(std::string_view backend) {
  return backend == "postgresql" ? 1 : 2;
}

}  // namespace usertasks::testing
