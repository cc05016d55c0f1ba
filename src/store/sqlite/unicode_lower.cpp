#include "store/sqlite/unicode_lower.hpp"

#include <fmt/format.h>
#include <sqlite3.h>

#include <stdexcept>
#include <string>
#include <string_view>

#include "base/utf8.hpp"

namespace usertasks::store::sqlite {

namespace {

void lower_function(sqlite3_context* context, int /*argc*/, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
    sqlite3_result_null(context);
    return;
  }
  const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
  const auto size = static_cast<std::size_t>(sqlite3_value_bytes(argv[0]));
  const std::string lowered = base::utf8::lower(std::string_view(text, size));
  sqlite3_result_text64(context, lowered.data(), lowered.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

}  // namespace

void install_unicode_lower(sqlite3* db) {
  (void)base::utf8::lower("");  // throws now, not in a query, when the locale is missing
  const int rc = sqlite3_create_function_v2(db, "lower", 1,
                                            SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
                                            nullptr, lower_function, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK)
    throw std::runtime_error(fmt::format("cannot install lower(): {}", sqlite3_errstr(rc)));
}

}  // namespace usertasks::store::sqlite
