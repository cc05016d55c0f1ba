#include "store/sqlite/unicode_lower.hpp"

#include <locale.h>
#include <sqlite3.h>

#include <clocale>
#include <cwctype>
#include <stdexcept>
#include <string>

namespace usertasks::store::sqlite {

namespace {

// The C library's case mapping, from a locale that does not depend on the process environment.
locale_t utf8_locale() {
  static const locale_t locale = newlocale(LC_CTYPE_MASK, "C.UTF-8", nullptr);
  return locale;
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

// Lowers valid UTF-8; a byte that does not start a well-formed sequence is copied as it is.
std::string lower_utf8(const unsigned char* text, std::size_t size) {
  std::string out;
  out.reserve(size);
  for (std::size_t i = 0; i < size;) {
    const unsigned char lead = text[i];
    std::size_t n = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 0;
    if (n == 0 || i + n > size) {
      out += static_cast<char>(lead);
      ++i;
      continue;
    }
    char32_t c = n == 1 ? lead : lead & (0xFF >> (n + 1));
    for (std::size_t k = 1; k < n; ++k) c = (c << 6) | (text[i + k] & 0x3F);
    const auto lowered = static_cast<char32_t>(towlower_l(static_cast<wint_t>(c), utf8_locale()));
    append_utf8(out, lowered);
    i += n;
  }
  return out;
}

void lower_function(sqlite3_context* context, int /*argc*/, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
    sqlite3_result_null(context);
    return;
  }
  const unsigned char* text = sqlite3_value_text(argv[0]);
  const auto size = static_cast<std::size_t>(sqlite3_value_bytes(argv[0]));
  const std::string lowered = lower_utf8(text, size);
  sqlite3_result_text64(context, lowered.data(), lowered.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

}  // namespace

void install_unicode_lower(sqlite3* db) {
  if (utf8_locale() == nullptr) throw std::runtime_error("the C.UTF-8 locale is not available");
  const int rc = sqlite3_create_function_v2(db, "lower", 1,
                                            SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS,
                                            nullptr, lower_function, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK)
    throw std::runtime_error("cannot install lower(): " + std::string(sqlite3_errstr(rc)));
}

}  // namespace usertasks::store::sqlite
