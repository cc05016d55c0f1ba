#pragma once
// The table of the files of GET /docs, defined by the generated docs_assets.cpp (web/embed.mjs).
// Kept apart from docs.hpp so that the generated file, megabytes of literals, includes nothing
// heavy.

#include <span>
#include <string_view>

namespace usertasks::resources {

struct DocsAsset {
  std::string_view name;          // under /docs/; "index.html" is the page served at /docs
  std::string_view content_type;  // with its charset for text
  std::string_view etag;          // strong and quoted: a hash of the bytes
  bool immutable;                 // the name holds the hash: cached for a year
  std::span<const std::string_view> chunks;  // the bytes, in pieces of at most 16 KiB
};

// Every file of the page. Defined in the generated docs_assets.cpp; empty when the service was
// built without them (USERTASKS_DOCS=OFF).
std::span<const DocsAsset> docs_assets();

}  // namespace usertasks::resources
