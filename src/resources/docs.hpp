#pragma once
// GET /docs: the interactive API documentation (Swagger UI over /openapi.json), served from files
// compiled into the binary by web/embed.mjs. Nothing is read from disk and no other host
// is asked for anything.

#include <string_view>

#include "http/message.hpp"
#include "http/router.hpp"
#include "resources/docs_assets.hpp"

namespace usertasks::resources {

// The Content-Security-Policy of the page: its own scripts, styles and API calls only.
inline constexpr std::string_view docs_content_security_policy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'";

// Whether an If-None-Match header value names `etag` (weak comparison, RFC 9110 13.1.2).
bool etag_matches(std::string_view if_none_match, std::string_view etag);

// The answer for one file: 200 with its bytes, or 304 when the request's If-None-Match names it.
http::Response docs_asset_response(const http::Request& req, const DocsAsset& asset,
                                   std::string_view body);

// GET /docs, GET /docs/ (a redirect to /docs) and GET /docs/{asset}; nothing when docs_assets()
// is empty. They are not in the OpenAPI document: they are not part of the API.
void add_docs_routes(http::Router& router);

}  // namespace usertasks::resources
