#include "resources/docs.hpp"

#include <gtest/gtest.h>

#include "app/app.hpp"
#include "app/run_sync.hpp"
#include "http/auth.hpp"
#include "resources/openapi.hpp"

namespace usertasks::resources {
namespace {

using http::Field;
using http::Request;
using http::Response;
using http::Status;
using http::Verb;

Response get(const http::Router& router, std::string_view target,
             std::string_view if_none_match = {}) {
  Request req{Verb::get, target, 11};
  if (!if_none_match.empty()) req.set(Field::if_none_match, if_none_match);
  const http::Match match = router.match(Verb::get, target);
  const auto* matched = std::get_if<http::Matched>(&match);
  if (matched == nullptr) return Response{Status::not_found, 11};
  return app::run_sync(matched->route->handler(req, matched->params));
}

const DocsAsset* asset_named(std::string_view name) {
  for (const DocsAsset& a : docs_assets()) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

const DocsAsset* first_immutable() {
  for (const DocsAsset& a : docs_assets()) {
    if (a.immutable) return &a;
  }
  return nullptr;
}

TEST(Docs, EtagMatchingIsWeakComparisonOverAList) {
  EXPECT_TRUE(etag_matches(R"("abc")", R"("abc")"));
  EXPECT_TRUE(etag_matches(R"(W/"abc")", R"("abc")"));
  EXPECT_TRUE(etag_matches(R"("x", "abc")", R"("abc")"));
  EXPECT_TRUE(etag_matches(R"("x",W/"abc" ,"y")", R"("abc")"));
  EXPECT_TRUE(etag_matches("*", R"("abc")"));
  EXPECT_TRUE(etag_matches(" * ", R"("abc")"));
  EXPECT_FALSE(etag_matches("", R"("abc")"));
  EXPECT_FALSE(etag_matches(R"("abcd")", R"("abc")"));
  EXPECT_FALSE(etag_matches("abc", R"("abc")"));
  EXPECT_FALSE(etag_matches(R"("x", "y")", R"("abc")"));
  EXPECT_FALSE(etag_matches(",,", R"("abc")"));
}

TEST(Docs, RoutesExistExactlyWhenTheAssetsWereBuiltIn) {
  http::Router router;
  add_docs_routes(router);
  if (docs_assets().empty()) {
    EXPECT_TRUE(router.routes().empty());  // USERTASKS_DOCS=OFF: /docs is a 404
    return;
  }
  std::vector<std::string> paths;
  for (const http::Route& r : router.routes()) {
    paths.push_back(r.path);
    EXPECT_EQ(r.method, Verb::get) << r.path;
    EXPECT_FALSE(r.in_openapi) << r.path;
  }
  EXPECT_EQ(paths, (std::vector<std::string>{"/docs", "/docs/", "/docs/{asset}"}));
  // Not API routes: the OpenAPI document leaves them out.
  const boost::json::value doc = openapi_document(router);
  EXPECT_TRUE(doc.at("paths").as_object().empty());
}

TEST(Docs, ThePageIsRevalidatedAndPointsAtContentAddressedFiles) {
  const DocsAsset* index = asset_named("index.html");
  if (index == nullptr) GTEST_SKIP() << "built with USERTASKS_DOCS=OFF";
  http::Router router;
  add_docs_routes(router);

  const Response page = get(router, "/docs");
  ASSERT_EQ(page.result(), Status::ok);
  EXPECT_EQ(page[Field::content_type], "text/html; charset=utf-8");
  EXPECT_EQ(page[Field::cache_control], "no-cache");
  EXPECT_EQ(page[Field::etag], index->etag);
  EXPECT_EQ(page["Content-Security-Policy"], docs_content_security_policy);
  EXPECT_EQ(page["X-Content-Type-Options"], "nosniff");
  EXPECT_EQ(page[Field::content_length], std::to_string(page.body().size()));
  EXPECT_NE(page.body().find("<div id=\"swagger-ui\">"), std::string::npos);
  // Every asset the page names is served under that name; no placeholder is left.
  EXPECT_EQ(page.body().find("{{"), std::string::npos);
  for (const DocsAsset& a : docs_assets()) {
    if (!a.immutable) continue;
    EXPECT_NE(page.body().find("docs/" + std::string(a.name)), std::string::npos) << a.name;
  }
  // No inline script: the Content-Security-Policy allows none.
  EXPECT_EQ(page.body().find("<script>"), std::string::npos);

  const Response unchanged = get(router, "/docs", index->etag);
  EXPECT_EQ(unchanged.result(), Status::not_modified);
  EXPECT_TRUE(unchanged.body().empty());
  EXPECT_EQ(unchanged[Field::etag], index->etag);
  EXPECT_FALSE(unchanged.has_content_length());

  const Response changed = get(router, "/docs", R"("0000000000000000")");
  EXPECT_EQ(changed.result(), Status::ok);
}

TEST(Docs, ContentAddressedFilesAreImmutable) {
  const DocsAsset* asset = first_immutable();
  if (asset == nullptr) GTEST_SKIP() << "built with USERTASKS_DOCS=OFF";
  http::Router router;
  add_docs_routes(router);

  const std::string target = "/docs/" + std::string(asset->name);
  const Response res = get(router, target);
  ASSERT_EQ(res.result(), Status::ok);
  EXPECT_EQ(res[Field::content_type], asset->content_type);
  EXPECT_EQ(res[Field::cache_control], "public, max-age=31536000, immutable");
  std::string joined;
  for (std::string_view chunk : asset->chunks) joined += chunk;
  EXPECT_EQ(res.body(), joined);
  // The name holds the ETag's hash: name.<hash>.ext and "<hash>".
  const std::string etag(asset->etag);
  EXPECT_NE(std::string(asset->name).find("." + etag.substr(1, etag.size() - 2) + "."),
            std::string::npos);
  EXPECT_EQ(get(router, target, "W/" + etag).result(), Status::not_modified);
}

TEST(Docs, UnknownFilesAndThePageUnderItsFileNameAre404) {
  if (docs_assets().empty()) GTEST_SKIP() << "built with USERTASKS_DOCS=OFF";
  http::Router router;
  add_docs_routes(router);
  for (const char* target : {"/docs/swagger-ui-bundle.js", "/docs/index.html", "/docs/%2e%2e"}) {
    const Response res = get(router, target);
    EXPECT_EQ(res.result(), Status::not_found) << target;
    EXPECT_EQ(res[Field::content_type], "application/problem+json") << target;
  }
  const Response slash = get(router, "/docs/");
  EXPECT_EQ(slash.result(), Status::moved_permanently);
  EXPECT_EQ(slash[Field::location], "../docs");
}

TEST(Docs, ThePageTheDocumentAndTheHealthCheckAreOpenRoutes) {
  const auto db = store::open_database("sqlite::memory:", 1);
  const auto router = app::build_router(*db, {}, [] { return std::string(); });
  const auto open_route = [&](const char* path) {
    const http::Match m = router->match(Verb::get, path);
    const auto* matched = std::get_if<http::Matched>(&m);
    return matched != nullptr && matched->route->open;
  };
  const std::vector<const char*> open = {"/openapi.json", "/healthz"};
  for (const char* path : open) EXPECT_TRUE(open_route(path)) << path;
  if (!docs_assets().empty()) {  // built with the page
    for (const char* path : {"/docs", "/docs/", "/docs/anything.js"}) {
      EXPECT_TRUE(open_route(path)) << path;
    }
  }
  for (const char* closed :
       {"/docsx", "/doc", "/users", "/users/1", "/openapi.jsonx", "/metrics"}) {
    EXPECT_FALSE(open_route(closed)) << closed;
  }
  db->close();
}

}  // namespace
}  // namespace usertasks::resources
