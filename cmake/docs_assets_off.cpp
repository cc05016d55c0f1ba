// Built with USERTASKS_DOCS=OFF (cmake/docs_assets.cmake): no files, so no /docs routes.
#include "resources/docs_assets.hpp"

namespace usertasks::resources {

std::span<const DocsAsset> docs_assets() {
  return {};
}

}  // namespace usertasks::resources
