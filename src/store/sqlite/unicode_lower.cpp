#include "store/sqlite/unicode_lower.hpp"

#include <fmt/format.h>
#include <locale.h>
#include <sqlite3.h>

#include <clocale>
#include <cwctype>
#include <stdexcept>
#include <string>
#include <string_view>

#include "base/utf8.hpp"

namespace usertasks::store::sqlite {

namespace {

// The C library's case mapping, from a locale that does not depend on the process environment.
locale_t utf8_locale() {
  static const locale_t locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", nullptr);
  return locale;
}

// Lowers each code point; the bytes of an ill-formed sequence are copied as they are.
std::string lower_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t at = 0; at < text.size();) {
    const base::utf8::Decoded next = base::utf8::decode(text, at);
    if (next.valid) {
      const auto lowered = towlower_l(static_cast<wint_t>(next.code_point), utf8_locale());
      base::utf8::append(out, static_cast<char32_t>(lowered));
    } else {
      out.append(text.substr(at, next.length));
    }
    at += next.length;
  }
  return out;
}

void lower_function(sqlite3_context* context, int /*argc*/, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
    sqlite3_result_null(context);
    return;
  }
  const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
  const auto size = static_cast<std::size_t>(sqlite3_value_bytes(argv[0]));
  const std::string lowered = lower_utf8(std::string_view(text, size));
  sqlite3_result_text64(context, lowered.data(), lowered.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

}  // namespace

void install_unicode_lower(sqlite3* db) {
  if (utf8_locale() == nullptr) throw std::runtime_error("the C.UTF-8 locale is not available");
  const int rc = sqlite3_create_function_v2(db, "lower", 1,
                                            SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
                                            nullptr, lower_function, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK)
    throw std::runtime_error(fmt::format("cannot install lower(): {}", sqlite3_errstr(rc)));
}

}  // namespace usertasks::store::sqlite
