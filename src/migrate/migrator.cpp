#include "migrate/migrator.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <set>

#include "migrate/dialect.hpp"

namespace usertasks::migrate {

namespace {

// "+3" / "-3" -> 3; anything else -> nothing.
std::optional<std::size_t> relative_steps(std::string_view target, char sign) {
  if (target.size() < 2 || target[0] != sign) return std::nullopt;
  std::size_t n = 0;
  const auto* end = target.data() + target.size();
  const auto [ptr, ec] = std::from_chars(target.data() + 1, end, n);
  if (ec != std::errc{} || ptr != end || n == 0) return std::nullopt;
  return n;
}

std::string mismatch_message(const ChecksumMismatch& m) {
  return fmt::format(
      "revision {} ({}) was changed after it was applied: recorded checksum {}, file now {}. "
      "Restore the file; to change the schema, add a new revision",
      m.revision, m.file, m.recorded, m.expected);
}

}  // namespace

Status compute_status(const std::vector<Revision>& chain, std::vector<AppliedRevision> applied) {
  Status status;
  if (!chain.empty()) status.head = chain.back().id;
  std::set<std::string> known;
  for (const auto& revision : chain) {
    known.insert(revision.id);
    const auto row = std::find_if(applied.begin(), applied.end(), [&](const AppliedRevision& a) {
      return a.revision == revision.id;
    });
    if (row == applied.end()) {
      status.pending.push_back(revision.id);
      continue;
    }
    status.current = revision.id;
    if (row->checksum != revision.checksum) {
      status.mismatches.push_back({revision.id, revision.file, row->checksum, revision.checksum});
    }
  }
  for (const auto& row : applied) {
    if (known.count(row.revision) == 0) status.unknown.push_back(row.revision);
  }
  status.applied = std::move(applied);
  return status;
}

namespace {

// Follows `operation` where it can. One that does not fit (say, a column added to a table that raw
// SQL created) leaves the schema as it was: only a table rebuild needs it, and says what it lacks.
void follow(Schema& schema, const Operation& operation) {
  try {
    apply(schema, operation);
  } catch (const std::invalid_argument&) {
  }
}

}  // namespace

Schema schema_at(const std::vector<Revision>& chain, std::size_t count) {
  Schema schema;
  for (std::size_t i = 0; i < count && i < chain.size(); ++i) {
    for (const auto& operation : chain[i].operations) follow(schema, operation);
  }
  return schema;
}

std::vector<std::string> render_revision(const Revision& revision, const SqlDialect& dialect,
                                         bool reverse, const Schema& before) {
  std::vector<std::string> statements;
  // Each operation is rendered against the schema as the operations before it left it.
  Schema schema = before;
  if (reverse) {
    for (const auto& operation : revision.operations) follow(schema, operation);
  }
  auto add = [&](const Operation& operation) {
    for (auto& sql : dialect.render(operation, schema)) statements.push_back(std::move(sql));
    follow(schema, operation);
  };
  try {
    if (!reverse) {
      for (const auto& operation : revision.operations) add(operation);
    } else {
      for (auto it = revision.operations.rbegin(); it != revision.operations.rend(); ++it) {
        add(migrate::reverse(*it));
      }
    }
  } catch (const IrreversibleOperation& e) {
    throw IrreversibleOperation(
        fmt::format("revision {} cannot be reverted: {}", revision.id, e.what()));
  } catch (const std::invalid_argument& e) {
    throw MigrationError(
        fmt::format("revision {} cannot run on {}: {}", revision.id, dialect.name(), e.what()));
  }
  return statements;
}

Migrator::Migrator(store::Database& database) : Migrator(database, embedded_chain()) {}

Migrator::Migrator(store::Database& database, std::vector<Revision> revisions)
    : database_(database),
      dialect_(sql_dialect(database.dialect())),
      chain_(linearize(std::move(revisions))) {}

std::size_t Migrator::position(std::string_view id) const {
  const auto it =
      std::find_if(chain_.begin(), chain_.end(), [&](const Revision& r) { return r.id == id; });
  if (it == chain_.end()) {
    std::vector<std::string> ids;
    for (const auto& r : chain_) ids.push_back(r.id);
    throw MigrationError(fmt::format("unknown revision \"{}\" (known: {})", id,
                                     ids.empty() ? std::string("none") : comma_list(ids)));
  }
  return static_cast<std::size_t>(it - chain_.begin());
}

store::awaitable<Status> Migrator::status() {
  std::vector<AppliedRevision> applied;
  co_await database_.run(store::Access::read, [&](store::Connection& c) -> store::awaitable<void> {
    if (co_await version_table::exists(c, dialect_)) applied = co_await version_table::read_all(c);
  });
  co_return compute_status(chain_, std::move(applied));
}

store::awaitable<Status> Migrator::checked_status(std::string_view action) {
  std::vector<AppliedRevision> applied;
  co_await database_.run(store::Access::write, [&](store::Connection& c) -> store::awaitable<void> {
    co_await version_table::lock_and_create(c, dialect_);
    applied = co_await version_table::read_all(c);
  });
  Status status = compute_status(chain_, std::move(applied));
  if (!status.mismatches.empty()) {
    std::string message = fmt::format("cannot {}:", action);
    for (const auto& m : status.mismatches) message += "\n  " + mismatch_message(m);
    throw MigrationError(message);
  }
  if (!status.unknown.empty()) {
    throw MigrationError(fmt::format(
        "cannot {}: the database has revision(s) {} that this binary does not know (was it "
        "migrated by a newer version?)",
        action, comma_list(status.unknown)));
  }
  co_return status;
}

store::awaitable<void> Migrator::run_statements(store::Connection& connection, const Step& step,
                                                std::string_view action) {
  for (std::size_t i = 0; i < step.statements.size(); ++i) {
    try {
      co_await connection.execute_script(step.statements[i]);
    } catch (const store::Unavailable&) {
      throw;  // an outage, not a fault of the revision; callers may retry
    } catch (const std::exception& e) {
      const std::string& sql = step.statements[i];
      throw MigrationError(fmt::format("{} revision {} ({}) failed at statement {}: {}: {}", action,
                                       step.revision->id, step.revision->file, i + 1,
                                       sql.substr(0, sql.find('\n')), e.what()));
    }
  }
  if (const store::Statement* check = dialect_.foreign_key_check()) {
    const store::Rows violations = co_await connection.execute(*check, {});
    if (!violations.empty()) {
      std::string rows;
      for (const auto& row : violations) {
        rows += fmt::format("\n  {} rowid {} has no row in {}", row.text(0), row.integer(1),
                            row.text(2));
      }
      throw MigrationError(
          fmt::format("{} revision {} breaks foreign keys:{}", action, step.revision->id, rows));
    }
  }
}

store::awaitable<bool> Migrator::apply(const Step& step) {
  const Revision& revision = *step.revision;
  bool applied = false;
  co_await database_.run(store::Access::write, [&](store::Connection& c) -> store::awaitable<void> {
    co_await version_table::lock_and_create(c, dialect_);
    // Re-read under the lock: another upgrader may have got here first.
    const Status now = compute_status(chain_, co_await version_table::read_all(c));
    if (std::find(now.pending.begin(), now.pending.end(), revision.id) == now.pending.end()) {
      const auto m =
          std::find_if(now.mismatches.begin(), now.mismatches.end(),
                       [&](const ChecksumMismatch& x) { return x.revision == revision.id; });
      if (m != now.mismatches.end())
        throw MigrationError("cannot upgrade: " + mismatch_message(*m));
      spdlog::info("migrate: {} was applied meanwhile by another process", revision.id);
      co_return;
    }
    if (revision.parent &&
        std::find(now.pending.begin(), now.pending.end(), *revision.parent) != now.pending.end()) {
      throw MigrationError(
          fmt::format("cannot apply revision {}: its parent {} is not applied (a concurrent "
                      "downgrade?)",
                      revision.id, *revision.parent));
    }
    spdlog::info("migrate: applying {} ({})", revision.id, revision.message);
    co_await run_statements(c, step, "applying");
    co_await version_table::record(c, revision);
    applied = true;
  });
  co_return applied;
}

store::awaitable<bool> Migrator::revert(const Step& step) {
  const Revision& revision = *step.revision;
  bool reverted = false;
  co_await database_.run(store::Access::write, [&](store::Connection& c) -> store::awaitable<void> {
    co_await version_table::lock_and_create(c, dialect_);
    const Status now = compute_status(chain_, co_await version_table::read_all(c));
    if (std::find(now.pending.begin(), now.pending.end(), revision.id) != now.pending.end()) {
      spdlog::info("migrate: {} was reverted meanwhile by another process", revision.id);
      co_return;
    }
    if (now.current != revision.id || !now.consistent()) {
      throw MigrationError(
          fmt::format("cannot revert revision {}: it is no longer the latest applied revision (a "
                      "concurrent upgrade?)",
                      revision.id));
    }
    spdlog::info("migrate: reverting {} ({})", revision.id, revision.message);
    co_await run_statements(c, step, "reverting");
    co_await version_table::forget(c, revision.id);
    reverted = true;
  });
  co_return reverted;
}

store::awaitable<std::vector<std::string>> Migrator::upgrade(std::string target) {
  const Status status = co_await checked_status("upgrade");
  std::vector<std::string> done;
  if (status.pending.empty() && (target == "head" || relative_steps(target, '+'))) co_return done;

  std::size_t last = 0;
  if (target == "head") {
    last = chain_.size() - 1;
  } else if (const auto n = relative_steps(target, '+')) {
    if (*n > status.pending.size()) {
      throw MigrationError(fmt::format("cannot upgrade {}: only {} revision(s) pending", target,
                                       status.pending.size()));
    }
    last = position(status.pending[*n - 1]);
  } else {
    last = position(target);
  }

  // Render everything first, so that a revision this database cannot run fails before any runs.
  std::vector<Step> steps;
  for (std::size_t i = 0; i <= last; ++i) {
    const Revision& r = chain_[i];
    if (std::find(status.pending.begin(), status.pending.end(), r.id) == status.pending.end()) {
      continue;
    }
    steps.push_back({&r, render_revision(r, dialect_, false, schema_at(chain_, i))});
  }
  for (const auto& step : steps) {
    if (co_await apply(step)) done.push_back(step.revision->id);
  }
  co_return done;
}

store::awaitable<std::vector<std::string>> Migrator::downgrade(std::string target) {
  const Status status = co_await checked_status("downgrade");
  std::vector<const Revision*> applied;  // oldest first
  for (const auto& r : chain_) {
    if (std::find(status.pending.begin(), status.pending.end(), r.id) == status.pending.end()) {
      applied.push_back(&r);
    }
  }

  std::size_t keep = 0;  // how many of `applied` stay
  if (target == "base") {
    keep = 0;
  } else if (const auto n = relative_steps(target, '-')) {
    if (*n > applied.size()) {
      throw MigrationError(
          fmt::format("cannot downgrade {}: only {} revision(s) applied", target, applied.size()));
    }
    keep = applied.size() - *n;
  } else {
    const std::size_t pos = position(target);
    if (status.current && pos > position(*status.current)) {
      throw MigrationError(
          fmt::format("cannot downgrade to {}: it is newer than the current revision {}", target,
                      *status.current));
    }
    keep = static_cast<std::size_t>(std::count_if(
        applied.begin(), applied.end(), [&](const Revision* r) { return position(r->id) <= pos; }));
  }

  std::vector<Step> steps;
  for (auto i = applied.size(); i > keep; --i) {
    const Revision& r = *applied[i - 1];
    steps.push_back({&r, render_revision(r, dialect_, true, schema_at(chain_, position(r.id)))});
  }
  std::vector<std::string> done;
  for (const auto& step : steps) {
    if (co_await revert(step)) done.push_back(step.revision->id);
  }
  co_return done;
}

store::awaitable<void> Migrator::stamp(std::string target) {
  std::size_t count = 0;  // how many revisions of the chain end up recorded
  if (target == "head") {
    count = chain_.size();
  } else if (target != "base") {
    count = position(target) + 1;
  }
  co_await database_.run(store::Access::write, [&](store::Connection& c) -> store::awaitable<void> {
    co_await version_table::lock_and_create(c, dialect_);
    for (const auto& row : co_await version_table::read_all(c)) {
      co_await version_table::forget(c, row.revision);
    }
    for (std::size_t i = 0; i < count; ++i) co_await version_table::record(c, chain_[i]);
  });
}

store::awaitable<Schema> Migrator::introspect() {
  co_return co_await store::with_connection(
      database_, store::Access::read,
      [this](store::Connection& c) -> store::awaitable<Schema> { return dialect_.introspect(c); });
}

}  // namespace usertasks::migrate
