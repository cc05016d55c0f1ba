// The API description against the route table and the entities it is generated from.

#include "resources/openapi.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>
#include <string>

#include "app/app.hpp"
#include "models/models.hpp"
#include "store/database.hpp"

namespace usertasks::resources {
namespace {

namespace json = boost::json;

struct Service {
  std::unique_ptr<store::Database> db = store::open_database("sqlite::memory:", 1);
  std::unique_ptr<const http::Router> router =
      app::build_router(*db, {}, [] { return std::string(); });
  ~Service() { db->close(); }
};

bool writes(http::Verb method) {
  return method == http::Verb::post || method == http::Verb::put || method == http::Verb::patch;
}

// Every route of the API says what it takes and answers: a body for every write that answers a
// record (a PUT that answers 204 takes what it adds from its path), a schema for every answer with
// content, and the problems it can give. Adding a route without them fails here.
TEST(OpenApi, EveryRouteHasItsSchemasAndProblems) {
  const Service service;
  for (const http::Route& r : service.router->routes()) {
    if (!r.in_openapi) continue;
    EXPECT_EQ(writes(r.method) && r.success != http::Status::no_content, !r.request.empty())
        << r.name;
    EXPECT_EQ(r.success != http::Status::no_content, !r.response.empty()) << r.name;
    EXPECT_FALSE(r.problems.empty()) << r.name;
    EXPECT_FALSE(r.summary.empty()) << r.name;
  }
}

// A route naming a schema the description lacks cannot produce a description.
TEST(OpenApi, ARouteNamingAnUnknownSchemaIsRefused) {
  http::Router router;
  router.add({.method = http::Verb::get,
              .path = "/things",
              .name = "things.list",
              .summary = "List things",
              .response = {"Thing", true}});
  EXPECT_THROW(openapi_document(router), std::logic_error);
}

TEST(OpenApi, TheEntitiesSchemasFollowTheirFields) {
  const Service service;
  const json::value doc = openapi_document(*service.router);
  const json::object& schemas = doc.at("components").at("schemas").as_object();
  const json::object& task = schemas.at("Task").as_object();
  std::set<std::string> properties;
  for (const auto& p : task.at("properties").as_object()) properties.emplace(p.key());
  std::set<std::string> fields;
  for (const models::Field& f : models::Entity<models::Task>::fields) fields.emplace(f.name);
  EXPECT_EQ(properties, fields);
  EXPECT_EQ(task.at("properties").at("content").at("maxLength"),
            models::field<models::Task>("content").max_length);
  EXPECT_EQ(schemas.at("User").at("properties").at("email").at("maxLength"),
            models::field<models::User>("email").max_length);
  // Create and replace bodies require what the fields require; a patch requires nothing.
  EXPECT_EQ(schemas.at("NewTask").at("required"), (json::array{"content", "user_id"}));
  EXPECT_FALSE(schemas.at("TaskPatch").as_object().contains("required"));
  EXPECT_EQ(schemas.at("NewUserTask").at("properties").as_object().count("user_id"), 0U);
}

TEST(OpenApi, EveryOperationListsItsProblemsWithTheProblemSchema) {
  const Service service;
  const json::value doc = openapi_document(*service.router, /*token=*/true);
  const json::object& get_user = doc.at("paths").at("/users/{id}").at("get").as_object();
  const json::object& responses = get_user.at("responses").as_object();
  for (const char* status : {"200", "400", "401", "404", "503"}) {
    EXPECT_TRUE(responses.contains(status)) << status;
  }
  EXPECT_EQ(responses.at("404").at("content").at("application/problem+json").at("schema"),
            (json::object{{"$ref", "#/components/schemas/Problem"}}));
  const json::object& create = doc.at("paths").at("/users").at("post").at("responses").as_object();
  for (const char* status : {"201", "400", "401", "409", "413", "415", "422", "503"}) {
    EXPECT_TRUE(create.contains(status)) << status;
  }
  // Open routes answer without a token: no 401.
  EXPECT_FALSE(
      doc.at("paths").at("/healthz").at("get").at("responses").as_object().contains("401"));
  // Without a token configured, no operation answers 401.
  const json::value open = openapi_document(*service.router);
  EXPECT_FALSE(
      open.at("paths").at("/users/{id}").at("get").at("responses").as_object().contains("401"));
  EXPECT_EQ(doc.at("servers"), (json::array{json::object{{"url", "/"}}}));
  EXPECT_TRUE(doc.at("info").as_object().contains("license"));
}

// The five lists, and only they, take Prefer and document the count's answer headers.
TEST(OpenApi, ListsDocumentTheirCount) {
  const Service service;
  const json::value doc = openapi_document(*service.router);
  std::set<std::string> counted;
  for (const auto& [path, item] : doc.at("paths").as_object()) {
    for (const auto& [method, op] : item.as_object()) {
      bool prefer = false;
      if (const auto* parameters = op.as_object().if_contains("parameters")) {
        for (const json::value& p : parameters->as_array()) {
          prefer = prefer || (p.at("name") == "Prefer" && p.at("in") == "header");
        }
      }
      const json::object& success = op.at("responses").as_object().begin()->value().as_object();
      const auto* headers = success.if_contains("headers");
      const bool counts = headers != nullptr && headers->as_object().contains("X-Total-Count");
      EXPECT_EQ(prefer, counts) << method << ' ' << path;
      if (!prefer) continue;
      counted.insert(std::string(method) + ' ' + std::string(path));
      EXPECT_TRUE(headers->as_object().contains("X-Total-Count")) << path;
      EXPECT_TRUE(headers->as_object().contains("Preference-Applied")) << path;
    }
  }
  EXPECT_EQ(counted, (std::set<std::string>{"get /users", "get /tasks", "get /users/{id}/tasks",
                                            "get /tags", "get /tags/{id}/tasks"}));
}

// The records' routes, and only they, document their ETag and the conditional requests they take.
TEST(OpenApi, RecordRoutesDocumentTheirValidators) {
  const Service service;
  const json::value doc = openapi_document(*service.router);
  std::set<std::string> conditional;
  for (const auto& [path, item] : doc.at("paths").as_object()) {
    for (const auto& [method, op] : item.as_object()) {
      std::set<std::string> headers;
      if (const auto* parameters = op.as_object().if_contains("parameters")) {
        for (const json::value& p : parameters->as_array()) {
          if (p.at("in") == "header") headers.insert(std::string(p.at("name").as_string()));
        }
      }
      if (!headers.contains("If-Match")) continue;
      const std::string name = std::string(method) + ' ' + std::string(path);
      conditional.insert(name);
      const json::object& responses = op.at("responses").as_object();
      EXPECT_TRUE(responses.contains("412")) << name;
      EXPECT_EQ(headers.contains("If-None-Match"), method == "get") << name;
      EXPECT_EQ(responses.contains("304"), method == "get") << name;
      const json::object& success = responses.begin()->value().as_object();
      if (method != "delete") {
        EXPECT_TRUE(success.at("headers").as_object().contains("ETag")) << name;
      }
    }
  }
  EXPECT_EQ(conditional,
            (std::set<std::string>{"get /users/{id}", "put /users/{id}", "patch /users/{id}",
                                   "delete /users/{id}", "get /tasks/{id}", "put /tasks/{id}",
                                   "patch /tasks/{id}", "delete /tasks/{id}", "get /tags/{id}",
                                   "patch /tags/{id}", "delete /tags/{id}"}));
}

// Every POST, and only a POST, takes Idempotency-Key, documents Idempotent-Replayed on its
// success, and its 409 (in flight) and 422 (reused).
TEST(OpenApi, PostsDocumentTheirIdempotencyKey) {
  const Service service;
  const json::value doc = openapi_document(*service.router);
  std::set<std::string> keyed;
  for (const auto& [path, item] : doc.at("paths").as_object()) {
    for (const auto& [method, op] : item.as_object()) {
      bool key = false;
      if (const auto* parameters = op.as_object().if_contains("parameters")) {
        for (const json::value& p : parameters->as_array()) {
          key = key || (p.at("name") == "Idempotency-Key" && p.at("in") == "header");
        }
      }
      EXPECT_EQ(key, method == "post") << method << ' ' << path;
      if (!key) continue;
      keyed.insert(std::string(path));
      const json::object& responses = op.at("responses").as_object();
      EXPECT_TRUE(responses.at("201").at("headers").as_object().contains("Idempotent-Replayed"))
          << path;
      const std::string conflict(responses.at("409").at("description").as_string());
      EXPECT_NE(conflict.find("/problems/idempotency-key-in-flight"), std::string::npos) << path;
      EXPECT_TRUE(responses.at("409").at("headers").as_object().contains("Retry-After")) << path;
      const std::string reused(responses.at("422").at("description").as_string());
      EXPECT_NE(reused.find("/problems/idempotency-key-reused"), std::string::npos) << path;
    }
  }
  EXPECT_EQ(keyed, (std::set<std::string>{"/users", "/users/{id}/tasks", "/tasks", "/tags"}));
}

}  // namespace
}  // namespace usertasks::resources
