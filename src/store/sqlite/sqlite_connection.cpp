#include "store/sqlite/sqlite_connection.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <string>
#include <system_error>
#include <thread>

#include "store/sqlite/unicode_lower.hpp"

namespace usertasks::store::sqlite {

void CloseDb::operator()(sqlite3* db) const {
  sqlite3_close_v2(db);
}
void FinalizeStmt::operator()(sqlite3_stmt* stmt) const {
  sqlite3_finalize(stmt);
}

std::string to_sqlite_placeholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  char quote = 0;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '$' && i + 1 < sql.size() &&
               std::isdigit(static_cast<unsigned char>(sql[i + 1])) != 0) {
      out += '?';
      continue;
    }
    out += c;
  }
  return out;
}

namespace {

// How long a statement waits for another connection's lock before it gives up (SQLITE_BUSY).
constexpr std::chrono::milliseconds busy_timeout{5000};
// The waits between retries: short first, as SQLite's own busy handler does, then at most 10 ms,
// so that an interrupted request notices within 10 ms.
constexpr std::array<std::chrono::milliseconds, 4> busy_steps = {
    std::chrono::milliseconds{1}, std::chrono::milliseconds{2}, std::chrono::milliseconds{5},
    std::chrono::milliseconds{10}};
// How many virtual-machine instructions run between two checks of the interrupt flag.
constexpr int progress_interval = 500;

}  // namespace

int SqliteConnection::on_busy(void* self, int attempt) {
  auto* c = static_cast<SqliteConnection*>(self);
  const auto now = std::chrono::steady_clock::now();
  if (attempt == 0) c->busy_since_ = now;
  if (c->interrupted()) return 0;
  const auto left = busy_timeout - (now - c->busy_since_);
  if (left <= std::chrono::steady_clock::duration::zero()) return 0;
  const auto step =
      busy_steps[std::min<std::size_t>(static_cast<std::size_t>(attempt), busy_steps.size() - 1)];
  std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(step, left));
  return 1;
}

int SqliteConnection::on_progress(void* self) {
  return static_cast<SqliteConnection*>(self)->interrupted() ? 1 : 0;
}

SqliteConnection::SqliteConnection(const std::string& path) {
  sqlite3* raw = nullptr;
  const int flags =
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  db_.reset(raw);
  if (rc != SQLITE_OK) fail(rc, "open " + path);
  sqlite3_extended_result_codes(db_.get(), 1);
  sqlite3_busy_handler(db_.get(), &SqliteConnection::on_busy, this);
  sqlite3_progress_handler(db_.get(), progress_interval, &SqliteConnection::on_progress, this);
  install_unicode_lower(db_.get());
  exec(connection_setup);
}

void SqliteConnection::fail(int code, std::string_view context, int os_error) {
  std::string message =
      fmt::format("{}: {}", context, db_ ? sqlite3_errmsg(db_.get()) : sqlite3_errstr(code));
  // SQLite says "disk I/O error" for every failed read or write; the system's error names the
  // cause (no space left, file too large, permission denied, ...).
  const int primary = code & 0xff;
  if (db_ && (primary == SQLITE_IOERR || primary == SQLITE_FULL || primary == SQLITE_CANTOPEN)) {
    if (const int kept = sqlite3_system_errno(db_.get()); kept != 0) os_error = kept;
    if (os_error != 0) message += fmt::format(" ({})", std::system_category().message(os_error));
  }
  switch (code) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
      throw ConstraintViolation(ConstraintViolation::Kind::unique, message);
    case SQLITE_CONSTRAINT_FOREIGNKEY:
      throw ConstraintViolation(ConstraintViolation::Kind::foreign_key, message);
    default:
      break;
  }
  switch (code & 0xff) {
    case SQLITE_CONSTRAINT:
      throw ConstraintViolation(ConstraintViolation::Kind::other, message);
    case SQLITE_INTERRUPT:  // the request was abandoned (watch()) or ran out of time (limit())
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_READONLY:
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_PROTOCOL:
    case SQLITE_NOLFS:
      throw Unavailable(message);
    default:
      throw std::runtime_error(message);
  }
}

StmtHandle SqliteConnection::prepare(const Statement& statement, unsigned flags) {
  const std::string sql = to_sqlite_placeholders(statement.text(Dialect::sqlite));
  sqlite3_stmt* raw = nullptr;
  const int rc =
      sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()), flags, &raw, nullptr);
  StmtHandle handle(raw);
  if (rc != SQLITE_OK) fail(rc, fmt::format("prepare {}", statement.name));
  return handle;
}

sqlite3_stmt* SqliteConnection::prepared(const Statement& statement) {
  auto it = statements_.find(&statement);
  if (it != statements_.end()) return it->second.get();
  StmtHandle handle = prepare(statement, SQLITE_PREPARE_PERSISTENT);
  return statements_.emplace(&statement, std::move(handle)).first->second.get();
}

Rows SqliteConnection::run(const Statement& statement, std::span<const Value> params) {
  StmtHandle once;  // a statement that is not kept: finalized when this run ends
  if (!statement.kept) once = prepare(statement, 0);
  sqlite3_stmt* stmt = statement.kept ? prepared(statement) : once.get();
  struct Reset {
    sqlite3_stmt* s;
    ~Reset() {
      sqlite3_reset(s);
      sqlite3_clear_bindings(s);
    }
  } reset{stmt};

  for (std::size_t i = 0; i < params.size(); ++i) {
    const int index = static_cast<int>(i) + 1;
    int rc = SQLITE_OK;
    if (const auto* n = std::get_if<std::int64_t>(&params[i])) {
      rc = sqlite3_bind_int64(stmt, index, *n);
    } else if (const auto* b = std::get_if<bool>(&params[i])) {
      rc = sqlite3_bind_int(stmt, index, *b ? 1 : 0);
    } else if (const auto* s = std::get_if<std::string>(&params[i])) {
      rc = sqlite3_bind_text64(stmt, index, s->data(), s->size(), SQLITE_TRANSIENT, SQLITE_UTF8);
    } else {
      rc = sqlite3_bind_null(stmt, index);
    }
    if (rc != SQLITE_OK) fail(rc, fmt::format("bind {}", statement.name));
  }

  Rows rows;
  for (;;) {
    errno = 0;
    const int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) fail(rc, std::string(statement.name), errno);
    const int columns = sqlite3_column_count(stmt);
    std::vector<Value> values;
    values.reserve(static_cast<std::size_t>(columns));
    for (int c = 0; c < columns; ++c) {
      switch (sqlite3_column_type(stmt, c)) {
        case SQLITE_INTEGER:
          values.emplace_back(static_cast<std::int64_t>(sqlite3_column_int64(stmt, c)));
          break;
        case SQLITE_NULL:
          values.emplace_back(std::monostate{});
          break;
        default: {
          const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
          values.emplace_back(
              std::string(text, static_cast<std::size_t>(sqlite3_column_bytes(stmt, c))));
        }
      }
    }
    rows.emplace_back(std::move(values));
  }
  return rows;
}

bool SqliteConnection::in_transaction() const {
  return sqlite3_get_autocommit(db_.get()) == 0;
}

void SqliteConnection::exec(std::string_view sql) {
  const std::string text(sql);
  char* error = nullptr;
  errno = 0;
  const int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &error);
  const int os_error = errno;
  sqlite3_free(error);
  if (rc != SQLITE_OK) fail(rc, "exec " + text.substr(0, text.find_first_of(";\n")), os_error);
}

awaitable<Rows> SqliteConnection::execute(const Statement& statement,
                                          std::span<const Value> params) {
  co_return run(statement, params);
}

awaitable<void> SqliteConnection::execute_script(std::string_view sql) {
  exec(sql);
  co_return;
}

}  // namespace usertasks::store::sqlite
