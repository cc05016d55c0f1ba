#pragma once
// The revision files of migrations/, compiled into the binary by cmake/embed_revisions.cmake so
// that a deployed binary can upgrade its own database without the source tree.

#include <span>
#include <string_view>

namespace usertasks::migrate {

struct EmbeddedRevision {
  std::string_view file;  // file name, e.g. "0001_create_users_and_tasks.json"
  std::string_view text;  // the file's exact bytes; its checksum is recorded when applied
};

// Sorted by file name. Defined in the generated revisions.cpp.
std::span<const EmbeddedRevision> embedded_revisions();

}  // namespace usertasks::migrate
