#pragma once
// A revision: one file of migrations/, parsed, with the checksum of its exact text. Revisions form
// one linear chain from a single root (parent null) to the head.

#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "migrate/operations.hpp"

namespace usertasks::migrate {

// Anything wrong with the revisions themselves or with the database's migration state. The
// message is meant for the person running `usertasks db ...`.
class MigrationError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A revision file that is not valid. The message names the file and the offending JSON path.
class RevisionParseError : public MigrationError {
 public:
  using MigrationError::MigrationError;
};

struct Revision {
  std::string id;
  std::optional<std::string> parent;
  std::string message;
  std::vector<Operation> operations;
  std::string file;      // e.g. "0001_create_users_and_tasks.json"
  std::string checksum;  // FNV-1a 64 of the file's text, 16 lowercase hex digits
};

// 64-bit FNV-1a of `text` as 16 lowercase hex digits. Not cryptographic: it detects edits, it
// does not resist forgery, and nobody forges their own migrations.
[[nodiscard]] std::string checksum(std::string_view text);

// Parses one revision file. `file` is its name, used in messages and checked against the id (the
// name must start with "<id>_"); pass an empty name for text that comes from no file.
// Throws RevisionParseError; never anything else for bad input.
[[nodiscard]] Revision parse_revision(std::string_view text, std::string_view file);

// The text of a revision file holding `operations`, in the format parse_revision reads back to the
// same values: what `db migrate` writes. One operation per line where it fits, for review.
[[nodiscard]] std::string write_revision(const std::string& id,
                                         const std::optional<std::string>& parent,
                                         const std::string& message,
                                         const std::vector<Operation>& operations);

// Orders revisions from base to head, checking that they form one chain: unique ids, one root,
// every parent known, no revision with two children, none unreachable. Throws MigrationError
// listing every problem found.
[[nodiscard]] std::vector<Revision> linearize(std::vector<Revision> revisions);

// The revisions compiled into this binary, parsed and linearized.
[[nodiscard]] std::vector<Revision> embedded_chain();

}  // namespace usertasks::migrate
