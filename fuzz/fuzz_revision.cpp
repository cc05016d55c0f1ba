// Bytes as a migration revision file (migrations/*.json). When it parses, its operations are
// rendered for SQLite and PostgreSQL, forwards and backwards, both on an empty database and after
// the revisions compiled into the binary, and the revision is written back as a file.
//
// For every input: a bad file fails with RevisionParseError and nothing else; rendering fails only
// with MigrationError (the database cannot express an operation) or IrreversibleOperation; no
// statement rendered from structured operations holds a ';' or "--" outside quotes (only "sql"
// operations carry SQL text of their own); and the written file parses back to the same revision.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "fuzz_support.hpp"
#include "migrate/dialect.hpp"
#include "migrate/migrator.hpp"
#include "migrate/revision.hpp"

namespace {

using namespace usertasks;
using namespace usertasks::migrate;

// True when `sql` is one statement with no comment: no ';' or "--" outside '...' and "...".
bool single_statement(std::string_view sql) {
  char quote = 0;
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (quote != 0) {
      if (c == quote) quote = 0;  // a doubled quote closes and reopens: the same to this scan
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == ';' || (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-')) {
      return false;
    }
  }
  return true;
}

void render(const Revision& revision, const SqlDialect& dialect, bool reverse, const Schema& before,
            bool structured) {
  std::vector<std::string> statements;
  try {
    statements = render_revision(revision, dialect, reverse, before);
  } catch (const MigrationError&) {
    return;
  } catch (const IrreversibleOperation&) {
    return;
  }
  for (const auto& sql : statements) {
    fuzz::require(!sql.empty(), "no rendered statement is empty");
    if (structured) {
      fuzz::require(single_statement(sql), "an operation renders single statements", sql);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Schema head = schema_at(embedded_chain(), std::numeric_limits<std::size_t>::max());
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  Revision revision;
  try {
    revision = parse_revision(text, "");
  } catch (const RevisionParseError&) {
    return 0;
  }

  bool structured = true;
  for (const auto& op : revision.operations) {
    structured = structured && !std::holds_alternative<RawSql>(op);
  }
  const Schema empty;
  for (const SqlDialect* dialect : {&sqlite_dialect(), &postgresql_dialect()}) {
    for (const Schema* before : {&empty, &head}) {
      for (bool reverse : {false, true}) render(revision, *dialect, reverse, *before, structured);
    }
  }

  const std::string written =
      write_revision(revision.id, revision.parent, revision.message, revision.operations);
  Revision again;
  try {
    again = parse_revision(written, "");
  } catch (const RevisionParseError& e) {
    fuzz::fail("a written revision parses", std::string(e.what()) + "\n" + written);
  }
  fuzz::require(again.id == revision.id && again.parent == revision.parent &&
                    again.message == revision.message && again.operations == revision.operations,
                "a written revision parses back to the same revision", written);
  return 0;
}
