#pragma once
// What a --database string names, and the same string fit for a log line or an error message.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace usertasks::store {

enum class DatabaseKind {
  sqlite,  // "sqlite:PATH", "sqlite::memory:"
  postgresql,  // "postgresql://…", "postgres://…", or a libpq keyword string ("host=… dbname=…")
  unsupported,  // any other "scheme:" or "scheme://", or text that is no keyword string
};

[[nodiscard]] DatabaseKind database_kind(std::string_view url);

// The message for an unsupported `url`: what was given (redacted) and what is supported.
[[nodiscard]] std::string unsupported_database_message(std::string_view url);

// Where the passwords of `url` are, as (offset, length): the password of a URL's user info, and
// the values of `password` and `sslpassword` in a URL's query or a keyword string.
[[nodiscard]] std::vector<std::pair<std::size_t, std::size_t>> password_spans(std::string_view url);

// `url` with each password replaced by ***: "postgresql://me:***@host/db", "password=***".
[[nodiscard]] std::string redact_passwords(std::string_view url);

// `text` (e.g. an error message that quotes part of `url`) with each password of `url` that it
// quotes ("…") replaced by ***.
[[nodiscard]] std::string redact_quoted_passwords(std::string text, std::string_view url);

}  // namespace usertasks::store
