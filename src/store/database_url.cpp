#include "store/database_url.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace usertasks::store {

namespace {

using Spans = std::vector<std::pair<std::size_t, std::size_t>>;

constexpr std::array<std::string_view, 2> password_keys = {"password", "sslpassword"};

bool is_password_key(std::string_view key) {
  return std::ranges::find(password_keys, key) != password_keys.end();
}

bool is_space(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}

// The length of a leading "scheme:" (RFC 3986: a letter, then letters, digits, + - .), colon
// included; 0 when there is none. A keyword string has none: its first word ends at "=" or a space.
std::size_t scheme_length(std::string_view url) {
  if (url.empty() || std::isalpha(static_cast<unsigned char>(url[0])) == 0) return 0;
  std::size_t i = 1;
  while (i < url.size() && (std::isalnum(static_cast<unsigned char>(url[i])) != 0 ||
                            url[i] == '+' || url[i] == '-' || url[i] == '.')) {
    ++i;
  }
  return i < url.size() && url[i] == ':' ? i + 1 : 0;
}

// scheme://[user[:password]@]host…[?key=value&…]. The password runs to the last "@" before the
// path: an "@" left unencoded in it hides no part of it.
void url_password_spans(std::string_view url, std::size_t start, Spans& spans) {
  const std::size_t end_of_authority = std::min(url.find_first_of("/?", start), url.size());
  const std::size_t at = url.substr(0, end_of_authority).rfind('@');
  if (at != std::string_view::npos && at >= start) {
    const std::size_t colon = url.find(':', start);
    if (colon < at) spans.emplace_back(colon + 1, at - colon - 1);
  }
  const std::size_t query = url.find('?', start);
  if (query == std::string_view::npos) return;
  for (std::size_t i = query + 1; i <= url.size();) {
    const std::size_t amp = std::min(url.find('&', i), url.size());
    const std::string_view param = url.substr(i, amp - i);
    if (const std::size_t eq = param.find('='); eq != std::string_view::npos) {
      if (is_password_key(param.substr(0, eq)))
        spans.emplace_back(i + eq + 1, param.size() - eq - 1);
    }
    i = amp + 1;
  }
}

// The value after `at` (past "=" and spaces): 'quoted' with \-escapes, or up to a space.
std::size_t keyword_value_end(std::string_view text, std::size_t at) {
  const bool quoted = at < text.size() && text[at] == '\'';
  std::size_t i = quoted ? at + 1 : at;
  while (i < text.size()) {
    if (text[i] == '\\') {
      i += 2;
      continue;
    }
    if (quoted ? text[i] == '\'' : is_space(text[i])) return quoted ? i + 1 : i;
    ++i;
  }
  return text.size();
}

// password=… and sslpassword=… in a keyword string, or in any text that is not a URL: a
// keyword string libpq cannot parse may still hold one.
void keyword_password_spans(std::string_view text, Spans& spans) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i > 0 && !is_space(text[i - 1])) continue;
    for (std::string_view key : password_keys) {
      if (!text.substr(i).starts_with(key)) continue;
      std::size_t j = i + key.size();
      while (j < text.size() && is_space(text[j])) ++j;
      if (j == text.size() || text[j] != '=') continue;
      ++j;
      while (j < text.size() && is_space(text[j])) ++j;
      const std::size_t end = keyword_value_end(text, j);
      spans.emplace_back(j, end - j);
      i = end;
      break;
    }
  }
}

}  // namespace

DatabaseKind database_kind(std::string_view url) {
  if (url.starts_with("sqlite:")) return DatabaseKind::sqlite;
  if (url.starts_with("postgresql://") || url.starts_with("postgres://")) {
    return DatabaseKind::postgresql;
  }
  if (scheme_length(url) > 0) return DatabaseKind::unsupported;
  // A keyword string has at least one "=", unless it is blank (libpq's defaults, PGHOST etc.).
  const bool blank = std::ranges::all_of(url, is_space);
  if (!blank && url.find('=') == std::string_view::npos) return DatabaseKind::unsupported;
  return DatabaseKind::postgresql;
}

std::string unsupported_database_message(std::string_view url) {
  return fmt::format(
      "unsupported database \"{}\": use sqlite:PATH, sqlite::memory:, a postgresql:// (or "
      "postgres://) URL, or a libpq keyword string such as \"host=localhost dbname=usertasks\"",
      redact_passwords(url));
}

Spans password_spans(std::string_view url) {
  Spans spans;
  const std::size_t scheme = scheme_length(url);
  if (scheme > 0 && url.substr(scheme).starts_with("//")) {
    url_password_spans(url, scheme + 2, spans);
  } else {
    keyword_password_spans(url, spans);
  }
  return spans;
}

std::string redact_passwords(std::string_view url) {
  std::string redacted(url);
  Spans spans = password_spans(url);
  // From the last, so that earlier offsets still hold.
  std::ranges::sort(spans, std::greater{});
  for (const auto& [offset, length] : spans) {
    if (length > 0) redacted.replace(offset, length, "***");
  }
  return redacted;
}

std::string redact_quoted_passwords(std::string text, std::string_view url) {
  for (const auto& [offset, length] : password_spans(url)) {
    if (length == 0) continue;
    const std::string quoted = fmt::format("\"{}\"", url.substr(offset, length));
    for (std::size_t at = text.find(quoted); at != std::string::npos;
         at = text.find(quoted, at + 5)) {
      text.replace(at, quoted.size(), "\"***\"");
    }
  }
  return text;
}

}  // namespace usertasks::store
