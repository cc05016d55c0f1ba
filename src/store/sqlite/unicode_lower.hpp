#pragma once

struct sqlite3;

namespace usertasks::store::sqlite {

// Replaces SQLite's ASCII-only lower() on `db` with one that lowers every Unicode letter, so that
// the unique index on lower(email) compares addresses case-insensitively beyond ASCII, as
// PostgreSQL's lower() does. Deterministic, as an index expression requires.
void install_unicode_lower(sqlite3* db);

}  // namespace usertasks::store::sqlite
