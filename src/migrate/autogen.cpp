#include "migrate/autogen.hpp"

#include <fmt/format.h>

#include <charconv>
#include <filesystem>
#include <fstream>

#include "migrate/report.hpp"

namespace usertasks::migrate {

namespace {

std::string slug(const std::string& message) {
  std::string out;
  for (char c : message) {
    const bool word = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (c >= 'A' && c <= 'Z') {
      out += static_cast<char>(c - 'A' + 'a');
    } else if (word) {
      out += c;
    } else if (!out.empty() && out.back() != '_') {
      out += '_';
    }
    if (out.size() >= 40) break;
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  return out.empty() ? "revision" : out;
}

std::string not_at_head(const Status& status) {
  return fmt::format("the database is at {}, not at head {}: run `usertasks db upgrade` first",
                     status.current.value_or("<base>"), status.head.value_or("<base>"));
}

}  // namespace

store::awaitable<Comparison> compare_database(Migrator& migrator, const Schema& declared) {
  const Status status = co_await migrator.status();
  if (!status.consistent()) {
    std::string message = "the migration history is inconsistent:";
    for (const auto& line : current_lines(status)) message += "\n  " + line;
    throw MigrationError(message);
  }
  if (!status.at_head()) throw MigrationError(not_at_head(status));
  const Schema live = co_await migrator.introspect();
  co_return compare(live, declared, migrator.dialect(),
                    schema_at(migrator.history(), migrator.history().size()));
}

store::awaitable<CheckResult> check(Migrator& migrator, const Schema& declared) {
  CheckResult result;
  const Status status = co_await migrator.status();
  if (!status.consistent() || !status.at_head()) {
    for (const auto& line : current_lines(status)) {
      if (line.starts_with("warning: ")) result.lines.push_back(line);
    }
    if (!status.at_head()) result.lines.push_back(not_at_head(status));
    co_return result;
  }
  const Comparison comparison = co_await compare_database(migrator, declared);
  if (comparison.empty()) {
    result.ok = true;
    result.lines.emplace_back("no differences");
    co_return result;
  }
  result.lines.emplace_back(
      "the models and the database differ; run `usertasks db migrate -m ...`:");
  for (const auto& line : comparison_lines(comparison)) result.lines.push_back("  " + line);
  co_return result;
}

NewRevision new_revision(const std::vector<Revision>& chain, const std::string& message,
                         const std::vector<Operation>& operations) {
  int last = 0;
  for (const auto& revision : chain) {
    int n = 0;
    const auto* end = revision.id.data() + revision.id.size();
    if (std::from_chars(revision.id.data(), end, n).ptr == end) last = std::max(last, n);
  }
  const std::string id = fmt::format("{:04}", last + 1);
  std::optional<std::string> parent;
  if (!chain.empty()) parent = chain.back().id;
  return {fmt::format("{}_{}.json", id, slug(message)),
          write_revision(id, parent, message, operations)};
}

std::string write_revision_file(const std::string& directory, const NewRevision& revision) {
  const std::filesystem::path dir(directory);
  std::filesystem::create_directories(dir);
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    const std::string id = revision.file.substr(0, revision.file.find('_') + 1);
    if (name.starts_with(id)) {
      throw MigrationError(fmt::format(
          "cannot write {}: {} already exists (rebuild usertasks to compile it in, then upgrade)",
          revision.file, (dir / name).string()));
    }
  }
  const std::filesystem::path path = dir / revision.file;
  std::ofstream out(path, std::ios::binary);
  out << revision.text;
  out.close();
  if (!out) throw MigrationError("cannot write " + path.string());
  return path.string();
}

}  // namespace usertasks::migrate
