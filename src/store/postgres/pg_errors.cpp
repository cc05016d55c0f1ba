#include "store/postgres/pg_errors.hpp"

#include <array>

#include "store/database.hpp"

namespace usertasks::store::postgres {

namespace {

// Conditions after which the same request can succeed later, once the server is back, has room,
// or (for a standby) once the client reaches the new primary.
constexpr std::array<std::string_view, 9> retryable = {
    "57P01",  // admin_shutdown
    "57P02",  // crash_shutdown
    "57P03",  // cannot_connect_now (starting up, shutting down, in recovery)
    "57P04",  // database_dropped
    "57P05",  // idle_session_timeout
    "25006",  // read_only_sql_transaction: a standby, after a failover
    "40001",  // serialization_failure
    "40P01",  // deadlock_detected: the transaction was rolled back and may be retried
    "55P03",  // lock_not_available
};

}  // namespace

ErrorClass classify_sqlstate(std::string_view sqlstate) {
  if (sqlstate == "23505") return ErrorClass::unique;
  if (sqlstate == "23503") return ErrorClass::foreign_key;
  if (sqlstate.starts_with("23")) return ErrorClass::constraint;
  // Class 08: connection exceptions; class 53: insufficient resources (too many connections,
  // disk full, out of memory). Both are outages, not bugs.
  if (sqlstate.starts_with("08") || sqlstate.starts_with("53")) return ErrorClass::unavailable;
  for (std::string_view code : retryable) {
    if (sqlstate == code) return ErrorClass::unavailable;
  }
  return ErrorClass::other;
}

void throw_for_sqlstate(std::string_view sqlstate, const std::string& message) {
  switch (classify_sqlstate(sqlstate)) {
    case ErrorClass::unique:
      throw ConstraintViolation(ConstraintViolation::Kind::unique, message);
    case ErrorClass::foreign_key:
      throw ConstraintViolation(ConstraintViolation::Kind::foreign_key, message);
    case ErrorClass::constraint:
      throw ConstraintViolation(ConstraintViolation::Kind::other, message);
    case ErrorClass::unavailable:
      throw Unavailable(message);
    case ErrorClass::other:
      break;
  }
  throw PgError(std::string(sqlstate), message);
}

}  // namespace usertasks::store::postgres
