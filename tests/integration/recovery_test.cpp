// The database going away under a running service, and coming back.

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "harness.hpp"
#include "pg_cluster.hpp"

namespace usertasks::testing {
namespace {

using namespace std::chrono_literals;

ServerConfig on_fresh_database(PgCluster& cluster) {
  return ServerConfig{.database_url = cluster.fresh_database(),
                      .extra_args = {},
                      .migrate = Migrate::flag,
                      .threads = 2};
}

// Polls `target` until it answers 200, for a bounded number of tries; returns the last status.
unsigned wait_for_ok(Client& client, std::string_view target) {
  unsigned status = 0;
  for (int attempt = 0; attempt < 100 && status != 200; ++attempt) {
    status = client.get(target).status;
    if (status != 200) std::this_thread::sleep_for(100ms);
  }
  return status;
}

TEST(DatabaseRecovery, PostgresStoppedUnderTheServiceGives503sThenRecoversWithoutARestart) {
  if (const std::string why = PgCluster::unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
  PgCluster& cluster = postgres_cluster();
  ServerProcess server(on_fresh_database(cluster));
  Client client(server.port());
  const Response created =
      client.post("/users", json::object{{"name", "Ada"}, {"email", "ada@example.com"}});
  ASSERT_EQ(created.status, 201U) << created.describe();
  const std::string user = created.header("Location");

  cluster.stop();
  for (const std::string_view target : {std::string_view("/healthz"), std::string_view(user)}) {
    for (int i = 0; i < 3; ++i) {
      const Response r = client.get(target);
      EXPECT_TRUE(IsProblem(r, 503, "unavailable")) << target << '\n' << r.describe();
      EXPECT_EQ(r.header("Retry-After"), "1");
    }
  }
  const Response refused =
      client.post("/users", json::object{{"name", "Bo"}, {"email", "bo@example.com"}});
  EXPECT_TRUE(IsProblem(refused, 503, "unavailable")) << refused.describe();

  cluster.start();
  EXPECT_EQ(wait_for_ok(client, "/healthz"), 200U);
  const Response again = client.get(user);
  EXPECT_EQ(again.status, 200U) << again.describe();
  EXPECT_EQ(again.object().at("email"), "ada@example.com");
  EXPECT_EQ(client.post("/users", json::object{{"name", "Bo"}, {"email", "bo@example.com"}}).status,
            201U);
  EXPECT_EQ(server.stop().code, 0);
}

TEST(DatabaseRecovery, PostgresKilledUnderTheServiceComesBack) {
  if (const std::string why = PgCluster::unavailable_reason(); !why.empty()) GTEST_SKIP() << why;
  PgCluster& cluster = postgres_cluster();
  ServerProcess server(on_fresh_database(cluster));
  Client client(server.port());
  ASSERT_EQ(client.get("/healthz").status, 200U);

  cluster.kill_postmaster();
  EXPECT_TRUE(IsProblem(client.get("/users"), 503, "unavailable"));
  cluster.start();
  EXPECT_EQ(wait_for_ok(client, "/users"), 200U);
}

}  // namespace
}  // namespace usertasks::testing
