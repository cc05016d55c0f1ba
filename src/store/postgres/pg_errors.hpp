#pragma once
// One classifier turns a PostgreSQL SQLSTATE into the store's error types (as libpqxx's
// result.cxx does), so that no other part of the driver inspects error codes.

#include <stdexcept>
#include <string>
#include <string_view>

namespace usertasks::store::postgres {

enum class ErrorClass {
  unique,       // ConstraintViolation(unique)
  foreign_key,  // ConstraintViolation(foreign_key)
  constraint,   // ConstraintViolation(other)
  unavailable,  // Unavailable: the request may succeed if retried later
  other,        // PgError: a bug or a misconfiguration
};

[[nodiscard]] ErrorClass classify_sqlstate(std::string_view sqlstate);

// An error the caller cannot act on; keeps the SQLSTATE for logs and tests.
class PgError : public std::runtime_error {
 public:
  PgError(std::string sqlstate, const std::string& what)
      : std::runtime_error(what), sqlstate_(std::move(sqlstate)) {}
  [[nodiscard]] const std::string& sqlstate() const { return sqlstate_; }

 private:
  std::string sqlstate_;
};

// Throws ConstraintViolation, Unavailable or PgError, as classify_sqlstate says.
[[noreturn]] void throw_for_sqlstate(std::string_view sqlstate, const std::string& message);

}  // namespace usertasks::store::postgres
