#pragma once
// Applies and reverts revisions on a database. Each revision runs in its own write transaction
// that first takes the dialect's migration lock, re-reads the version table, and skips a revision
// that a concurrent upgrader applied meanwhile, so several processes may run `--migrate` at once.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "migrate/revision.hpp"
#include "migrate/version_table.hpp"
#include "store/database.hpp"

namespace usertasks::migrate {

class SqlDialect;

struct ChecksumMismatch {
  std::string revision;
  std::string file;
  std::string recorded;  // in the version table: the file as it was applied
  std::string expected;  // of the file compiled into this binary
};

// The database's migration state as seen by this binary's revisions.
struct Status {
  std::vector<AppliedRevision> applied;      // rows of the version table, oldest first
  std::optional<std::string> current;        // the latest applied revision of the chain
  std::optional<std::string> head;           // the chain's last revision, if any
  std::vector<std::string> pending;          // known, not applied, in the order upgrade runs them
  std::vector<ChecksumMismatch> mismatches;  // applied revisions whose file has changed since
  std::vector<std::string> unknown;          // applied revisions this binary does not know

  [[nodiscard]] bool at_head() const { return pending.empty(); }
  [[nodiscard]] bool consistent() const { return mismatches.empty() && unknown.empty(); }
};

// Compares the version table's rows with the chain; no I/O.
[[nodiscard]] Status compute_status(const std::vector<Revision>& chain,
                                    std::vector<AppliedRevision> applied);

// The schema the first `count` revisions of `chain` build (raw SQL aside), in normal form: what a
// database at that revision has, and the context a SQLite table rebuild is rendered in.
[[nodiscard]] Schema schema_at(const std::vector<Revision>& chain, std::size_t count);

// The statements that apply (or, with `reverse`, revert) `revision` on `dialect`, in order.
// `before` is the schema before the revision (forward), see schema_at. Throws
// IrreversibleOperation or MigrationError when that cannot be done.
[[nodiscard]] std::vector<std::string> render_revision(const Revision& revision,
                                                       const SqlDialect& dialect, bool reverse,
                                                       const Schema& before = {});

class Migrator {
 public:
  // Uses the revisions compiled into the binary.
  explicit Migrator(store::Database& database);
  // `revisions` in any order; they are validated as one chain (MigrationError otherwise).
  Migrator(store::Database& database, std::vector<Revision> revisions);

  // Base first, head last.
  [[nodiscard]] const std::vector<Revision>& history() const { return chain_; }

  // Reads the version table; creates nothing, so it also works on a database never migrated.
  store::awaitable<Status> status();

  // Targets are taken by value: a coroutine's reference or view parameter could outlive the
  // caller's string.
  //
  // Applies pending revisions up to `target`: "head" (the default), a revision id, or "+N" for
  // the next N. Returns the ids this call applied, oldest first (empty when already there).
  // Refuses, before changing anything, when an applied revision's file has changed (checksum) or
  // the database has revisions this binary does not know.
  store::awaitable<std::vector<std::string>> upgrade(std::string target = "head");

  // Reverts applied revisions, newest first, down to `target`: a revision id (which stays
  // applied), "-N" for the last N, or "base" for all. Returns the ids reverted, in that order.
  store::awaitable<std::vector<std::string>> downgrade(std::string target);

  // Sets the version table to exactly the revisions up to `target` (an id, "head" or "base")
  // without running any of them: for a database whose schema was made some other way.
  store::awaitable<void> stamp(std::string target);

  // The live schema, read back (see SqlDialect::introspect).
  store::awaitable<Schema> introspect();

  [[nodiscard]] const SqlDialect& dialect() const { return dialect_; }

 private:
  struct Step {
    const Revision* revision;
    std::vector<std::string> statements;
  };

  [[nodiscard]] std::size_t position(std::string_view id) const;
  store::awaitable<Status> checked_status(std::string_view action);
  store::awaitable<bool> apply(const Step& step);
  store::awaitable<bool> revert(const Step& step);
  store::awaitable<void> run_statements(store::Connection& connection, const Step& step,
                                        std::string_view action);

  store::Database& database_;
  const SqlDialect& dialect_;
  std::vector<Revision> chain_;
};

}  // namespace usertasks::migrate
