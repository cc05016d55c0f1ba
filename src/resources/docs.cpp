// GET /docs and its files (docs.hpp).

#include "resources/docs.hpp"

#include <fmt/format.h>

#include <string>
#include <vector>

namespace usertasks::resources {

namespace {

using http::Field;
using http::Response;
using http::Status;

constexpr std::string_view index_name = "index.html";

// The bytes of each asset, joined from its chunks once, in the order of docs_assets().
const std::vector<std::string>& bodies() {
  static const std::vector<std::string> joined = [] {
    std::vector<std::string> out;
    for (const DocsAsset& asset : docs_assets()) {
      std::string bytes;
      for (std::string_view chunk : asset.chunks) bytes += chunk;
      out.push_back(std::move(bytes));
    }
    return out;
  }();
  return joined;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The opaque tag of an entity tag, without a weakness prefix: W/"x" and "x" both give "x".
std::string_view opaque(std::string_view tag) {
  if (tag.starts_with("W/")) tag.remove_prefix(2);
  return tag;
}

void set_common_headers(Response& res, const DocsAsset& asset) {
  res.set(Field::etag, asset.etag);
  // A content-addressed name never changes its bytes; the page and the license text do, and are
  // revalidated with their ETag on each use.
  res.set(Field::cache_control,
          asset.immutable ? "public, max-age=31536000, immutable" : "no-cache");
  res.set("Content-Security-Policy", docs_content_security_policy);
  res.set("X-Content-Type-Options", "nosniff");
  res.set("Referrer-Policy", "no-referrer");
}

}  // namespace

bool etag_matches(std::string_view if_none_match, std::string_view etag) {
  if (trim(if_none_match) == "*") return true;
  while (!if_none_match.empty()) {
    const auto comma = if_none_match.find(',');
    const std::string_view tag = trim(if_none_match.substr(0, comma));
    if (!tag.empty() && opaque(tag) == opaque(etag)) return true;
    if (comma == std::string_view::npos) break;
    if_none_match.remove_prefix(comma + 1);
  }
  return false;
}

Response docs_asset_response(const http::Request& req, const DocsAsset& asset,
                             std::string_view body) {
  if (etag_matches(req[Field::if_none_match], asset.etag)) {
    // No Content-Length: a 304's would have to be that of the 200 it stands for.
    Response res{Status::not_modified, 11};
    set_common_headers(res, asset);
    return res;
  }
  Response res{Status::ok, 11};
  set_common_headers(res, asset);
  res.set(Field::content_type, asset.content_type);
  res.body().assign(body);
  res.prepare_payload();
  return res;
}

void add_docs_routes(http::Router& router) {
  const std::span<const DocsAsset> assets = docs_assets();
  std::size_t index = assets.size();
  for (std::size_t i = 0; i < assets.size(); ++i) {
    if (assets[i].name == index_name) index = i;
  }
  if (index == assets.size()) return;  // built without the page (USERTASKS_DOCS=OFF)

  const auto add = [&router](std::string path, std::string name, std::string summary,
                             http::Handler handler) {
    router.add({.method = http::Verb::get,
                .path = std::move(path),
                .name = std::move(name),
                .summary = std::move(summary),
                .in_openapi = false,
                .open = true,  // a person opens the page, then enters the token in it
                .handler = std::move(handler)});
  };
  add("/docs", "docs", "Interactive API documentation (Swagger UI over /openapi.json)",
      [index](http::Request& req, const http::PathParams&) -> http::awaitable<Response> {
        co_return docs_asset_response(req, docs_assets()[index], bodies()[index]);
      });
  add("/docs/", "docs.slash", "Redirects to /docs",
      [](http::Request&, const http::PathParams&) -> http::awaitable<Response> {
        // Relative, so that it holds behind a path prefix too: /docs/ + ../docs = /docs.
        Response res = http::empty_response(Status::moved_permanently);
        res.set(Field::location, "../docs");
        co_return res;
      });
  add("/docs/{asset}", "docs.asset",
      "A file of the documentation page (content-addressed names are immutable)",
      [index](http::Request& req, const http::PathParams& params) -> http::awaitable<Response> {
        const std::string_view name = params.get("asset");
        const std::span<const DocsAsset> all = docs_assets();
        for (std::size_t i = 0; i < all.size(); ++i) {
          // The page is served at /docs only: its relative links resolve from there.
          if (i != index && all[i].name == name) {
            co_return docs_asset_response(req, all[i], bodies()[i]);
          }
        }
        co_return http::problem(Status::not_found, "not-found",
                                fmt::format("no file /docs/{}", name));
      });
}

}  // namespace usertasks::resources
