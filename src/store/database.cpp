#include "store/database.hpp"

#include <algorithm>

#include "store/database_url.hpp"
#include "store/postgres/postgres_database.hpp"
#include "store/sqlite/sqlite_database.hpp"

namespace usertasks::store {

bool Row::is_null(std::size_t i) const {
  return std::holds_alternative<std::monostate>(values_.at(i));
}

std::int64_t Row::integer(std::size_t i) const {
  return std::get<std::int64_t>(values_.at(i));
}

bool Row::boolean(std::size_t i) const {
  const Value& v = values_.at(i);
  if (const auto* b = std::get_if<bool>(&v)) return *b;
  return std::get<std::int64_t>(v) != 0;
}

const std::string& Row::text(std::size_t i) const {
  return std::get<std::string>(values_.at(i));
}

std::string Row::take_text(std::size_t i) {
  return std::move(std::get<std::string>(values_.at(i)));
}

namespace {

// Prepared once per connection, as the store's statements are: a savepoint then costs its
// execution only (SQLite: about half the cost of parsing it again each time).
constexpr Statement savepoint{"savepoint_nested", "SAVEPOINT nested"};
constexpr Statement release{"release_nested", "RELEASE SAVEPOINT nested"};
constexpr Statement rollback_to{"rollback_to_nested", "ROLLBACK TO SAVEPOINT nested"};

}  // namespace

awaitable<void> Database::run_nested(Connection& connection, Access access, Work work) {
  if (access != Access::write) {
    co_await work(connection);
    co_return;
  }
  const std::span<const Value> none;
  co_await connection.execute(savepoint, none);
  std::exception_ptr failure;
  try {
    co_await work(connection);
  } catch (...) {
    failure = std::current_exception();
  }
  if (!failure) {
    co_await connection.execute(release, none);
    co_return;
  }
  // Should this fail too (an interrupted SQLite connection ends its transaction by itself), its
  // error is the one thrown: the transaction around cannot go on either way.
  co_await connection.execute(rollback_to, none);
  co_await connection.execute(release, none);
  std::rethrow_exception(failure);
}

std::unique_ptr<Database> open_database(const std::string& url, const DatabaseOptions& options) {
  constexpr std::string_view sqlite_scheme = "sqlite:";
  switch (database_kind(url)) {
    case DatabaseKind::sqlite:
      return std::make_unique<sqlite::SqliteDatabase>(url.substr(sqlite_scheme.size()),
                                                      options.statement_timeout);
    case DatabaseKind::unsupported:
      throw std::invalid_argument(unsupported_database_message(url));
    case DatabaseKind::postgresql:
      break;
  }
  // postgresql://, postgres:// or a keyword string: libpq's to read, so that everything it
  // supports (several hosts, target_session_attrs, TLS, service files) works as documented.
  postgres::PoolOptions pool;
  pool.size = std::max(1U, options.pool);
  pool.acquire_timeout = options.pool_timeout;
  pool.statement_timeout = options.statement_timeout;
  return std::make_unique<postgres::PostgresDatabase>(url, pool);
}

std::shared_ptr<void> Database::listen(std::string /*channel*/,
                                       boost::asio::any_io_executor /*executor*/,
                                       std::function<void()> /*notified*/) {
  return nullptr;
}

}  // namespace usertasks::store
