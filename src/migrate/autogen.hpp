#pragma once
// `db migrate` and `db check`: the database at head compared with the models' declared schema.

#include <string>
#include <vector>

#include "migrate/compare.hpp"
#include "migrate/migrator.hpp"

namespace usertasks::migrate {

// Compares the database with `declared`. Throws MigrationError when the database is not at head
// or its migration history is inconsistent: a comparison is only meaningful at head.
store::awaitable<Comparison> compare_database(Migrator& migrator, const Schema& declared);

struct CheckResult {
  bool ok = false;
  std::vector<std::string> lines;  // "no differences", or each problem and difference
};

// Never throws for a database that is merely behind or drifted: that is the answer.
store::awaitable<CheckResult> check(Migrator& migrator, const Schema& declared);

struct NewRevision {
  std::string file;  // e.g. "0002_add_done_to_tasks.json"
  std::string text;
};

// The revision after the chain's head holding `operations`: id the next number (4 digits),
// file name from the message.
[[nodiscard]] NewRevision new_revision(const std::vector<Revision>& chain,
                                       const std::string& message,
                                       const std::vector<Operation>& operations);

// Writes `revision` into `directory` (created if missing) and returns the file's path. Refuses to
// overwrite a file (MigrationError): a revision not yet compiled in is still somebody's work.
std::string write_revision_file(const std::string& directory, const NewRevision& revision);

}  // namespace usertasks::migrate
