// Validators and conditional requests (RFC 9110 §8.8, §13; API.md "Conditional requests"): a
// strong ETag and Last-Modified on every read of one user, task or tag, changing with the record
// and with what it embeds; If-None-Match answers 304; If-Match makes a write conditional, checked
// by the write's own statement, so that of many clients with the same ETag exactly one wins.

#include <fmt/format.h>

#include <regex>
#include <string>
#include <tuple>
#include <vector>

#include "metrics_text.hpp"
#include "races.hpp"
#include "tags_support.hpp"

namespace usertasks::testing {
namespace {

constexpr int racers = 12;

Headers if_match(std::string_view tag) {
  return {{"If-Match", std::string(tag)}};
}
Headers if_none_match(std::string_view tag) {
  return {{"If-None-Match", std::string(tag)}};
}

class ConditionalTest : public TagsFixture {
 protected:
  void SetUp() override {
    TagsFixture::SetUp();
    if (IsSkipped()) return;
    ada_ = id_of(create_user("Ada"));
    task_ = id_of(create_tagged_task(ada_, {"home"}));
    home_ = tag_id("home");
  }

  std::string user_path() const { return fmt::format("/users/{}", ada_); }

  // The ETag of a GET of `target`, which must answer 200 with a strong tag and a Last-Modified.
  std::string etag(std::string_view target) {
    const Response r = client_->get(target);
    EXPECT_EQ(r.status, 200U) << r.describe();
    const std::string tag = r.header("ETag");
    EXPECT_TRUE(std::regex_match(tag, std::regex(R"("[0-9]+-[0-9]+")"))) << tag;
    EXPECT_TRUE(std::regex_match(
        r.header("Last-Modified"),
        std::regex(
            R"((Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT)")))
        << r.header("Last-Modified");
    return tag;
  }

  Response patch_if(std::string_view target, const json::object& body, std::string_view tag) {
    return client_->request("PATCH", target, to_text(body), if_match(tag));
  }

  std::int64_t ada_ = 0, task_ = 0, home_ = 0;
};

// Every record kind: a strong ETag and Last-Modified, stable while nothing changes, the same on
// HEAD, and the same as the answer of the write that made the record.
TEST_P(ConditionalTest, ReadsAndCreatesAnswerTheSameStrongETag) {
  const Response user =
      client_->post("/users", json::object{{"name", "Bo"},
                                           {"email", unique_email()},
                                           {"tasks", json::array{json::object{{"content", "a"}},
                                                                 json::object{{"content", "b"}}}}});
  ASSERT_EQ(user.status, 201U) << user.describe();
  const Response task =
      client_->post("/tasks", json::object{{"content", "c"}, {"user_id", ada_}, {"tags", {"x"}}});
  ASSERT_EQ(task.status, 201U) << task.describe();
  const Response tag = post_tag("fresh");
  ASSERT_EQ(tag.status, 201U) << tag.describe();
  for (const auto& [created, path] :
       {std::pair{&user, fmt::format("/users/{}", id_of(user.json()))},
        std::pair{&task, task_path(id_of(task.json()))},
        std::pair{&tag, tag_path(id_of(tag.json()))}}) {
    const std::string current = etag(path);
    EXPECT_EQ(created->header("ETag"), current) << path;
    EXPECT_EQ(etag(path), current) << path;
    EXPECT_EQ(client_->request("HEAD", path).header("ETag"), current) << path;
  }
}

// A user's ETag follows its tasks; a task's its user and tags; a tag's its task count. A write
// elsewhere changes none of them.
TEST_P(ConditionalTest, TheETagChangesWithTheRecordAndWhatItEmbeds) {
  const std::string user = user_path();
  const std::string task = task_path(task_);
  const std::string tag = tag_path(home_);
  // Each step changes the ETags it names from what they were just before it. (A user whose tasks
  // are again what they were has its earlier ETag again: the representation is the same.)
  std::string last_user = etag(user);
  std::string last_task = etag(task);
  std::string last_tag = etag(tag);
  const auto changes = [&](std::string_view step, bool user_too, bool task_too, bool tag_too) {
    for (auto [path, last, expected] :
         {std::tuple{&user, &last_user, user_too}, std::tuple{&task, &last_task, task_too},
          std::tuple{&tag, &last_tag, tag_too}}) {
      const std::string now = etag(*path);
      EXPECT_EQ(now != *last, expected) << *path << " after " << step;
      *last = now;
    }
  };

  const std::int64_t bob = id_of(create_user("Bob"));
  changes("a new user", false, false, false);
  create_task(bob, "not Ada's");
  changes("another user's new task", false, false, false);

  ASSERT_EQ(client_->patch(user, json::object{{"name", "Ada L."}}).status, 200U);
  changes("the user's rename", true, true, false);
  ASSERT_EQ(client_->patch(task, json::object{{"done", true}}).status, 200U);
  changes("a task's change", true, true, false);
  ASSERT_EQ(add_tag(task_, "urgent").status, 204U);
  changes("a tag added to the task", true, true, false);
  ASSERT_EQ(client_->patch(tag, json::object{{"name", "Home"}}).status, 200U);
  changes("the tag's rename", true, true, true);
  const std::int64_t other = id_of(create_task(ada_, "second"));
  changes("a new task of the user", true, false, false);
  ASSERT_EQ(add_tag(other, "home").status, 204U);
  changes("the tag on another task", true, false, true);
  ASSERT_EQ(client_->patch(task_path(other), json::object{{"user_id", bob}}).status, 200U);
  changes("a task moved to another user", true, false, false);
  const std::int64_t third = id_of(create_task(ada_, "third"));
  changes("another new task", true, false, false);
  ASSERT_EQ(client_->del(task_path(third)).status, 204U);
  changes("a task deleted", true, false, false);
}

TEST_P(ConditionalTest, IfNoneMatchAnswers304WhenATagMatchesWeakly) {
  for (const std::string& path : {user_path(), task_path(task_), tag_path(home_)}) {
    const std::string current = etag(path);
    for (const std::string& condition :
         {current, "W/" + current, "\"0-0\", " + current, std::string("*")}) {
      for (const std::string_view method : {"GET", "HEAD"}) {
        const Response r = client_->request(method, path, "", if_none_match(condition));
        EXPECT_EQ(r.status, 304U) << method << ' ' << path << " If-None-Match: " << condition;
        EXPECT_EQ(r.header("ETag"), current);
        EXPECT_TRUE(r.body.empty()) << r.body;
      }
    }
    for (const std::string& condition : {std::string("\"0-0\""), std::string("W/\"9-9\"")}) {
      const Response r = client_->request("GET", path, "", if_none_match(condition));
      EXPECT_EQ(r.status, 200U) << path << " If-None-Match: " << condition;
      EXPECT_EQ(r.header("ETag"), current);
    }
  }
}

// A write whose If-Match does not hold is 412 with the current ETag and changes nothing; one
// whose does is answered the new ETag, the one a read then gives.
TEST_P(ConditionalTest, IfMatchMakesEveryWriteConditional) {
  struct Write {
    std::string path;
    json::object body;
  };
  const std::vector<Write> writes{{user_path(), json::object{{"name", "Ada B."}}},
                                  {task_path(task_), json::object{{"content", "new words"}}},
                                  {tag_path(home_), json::object{{"name", "house"}}}};
  for (const Write& w : writes) {
    const std::string current = etag(w.path);
    const std::string state = snapshot();
    for (const std::string& stale :
         {std::string("\"1-999\""), "W/" + current, std::string("\"0-0\", W/") + current}) {
      const Response r = patch_if(w.path, w.body, stale);
      EXPECT_TRUE(IsProblem(r, 412, "precondition-failed")) << w.path << ' ' << stale;
      EXPECT_EQ(r.header("ETag"), current) << w.path;
      const Response d = client_->request("DELETE", w.path, "", if_match(stale));
      EXPECT_TRUE(IsProblem(d, 412, "precondition-failed")) << w.path << ' ' << stale;
    }
    EXPECT_EQ(snapshot(), state) << "a failed precondition changed something";
    EXPECT_EQ(etag(w.path), current);

    const Response ok = patch_if(w.path, w.body, "\"0-0\", " + current);
    ASSERT_EQ(ok.status, 200U) << ok.describe();
    EXPECT_NE(ok.header("ETag"), current);
    EXPECT_EQ(ok.header("ETag"), etag(w.path)) << w.path;
    const Response again = patch_if(w.path, w.body, current);
    EXPECT_TRUE(IsProblem(again, 412, "precondition-failed")) << "the old ETag, again";
  }
  for (const Write& w : writes) {
    const Response put = client_->request("PUT", w.path, to_text(w.body), if_match("*"));
    EXPECT_NE(put.status, 412U) << w.path << ' ' << put.describe();
  }
  // Deletions, last to first (the user takes its tasks).
  for (auto w = writes.rbegin(); w != writes.rend(); ++w) {
    const Response r = client_->request("DELETE", w->path, "", if_match(etag(w->path)));
    EXPECT_EQ(r.status, 204U) << w->path << ' ' << r.describe();
    const Response star = client_->request("DELETE", w->path, "", if_match("*"));
    EXPECT_TRUE(IsProblem(star, 412, "precondition-failed")) << "* on a missing " << w->path;
    EXPECT_FALSE(star.has_header("ETag"));
    EXPECT_EQ(client_->del(w->path).status, 404U) << "without If-Match: not found";
  }
}

TEST_P(ConditionalTest, AMalformedIfMatchIs400AndChangesNothing) {
  const std::string state = snapshot();
  for (const std::string_view bad : {"1-1", "\"1-1", "*, \"1-1\"", "W/1-1", ","}) {
    const Response r = patch_if(task_path(task_), json::object{{"done", true}}, bad);
    EXPECT_TRUE(IsProblem(r, 400, "bad-header")) << bad << '\n' << r.describe();
  }
  EXPECT_EQ(snapshot(), state);
}

// Of many clients that send the same If-Match at once, exactly one wins: on each record kind, for
// updates and for deletions.
TEST_P(ConditionalTest, OfManyWritesWithTheSameETagExactlyOneWins) {
  const std::int64_t tag = id_of(create_tag("contested"));
  for (const std::string& path : {user_path(), task_path(task_), tag_path(tag)}) {
    const std::string current = etag(path);
    const std::vector<Response> answers = race(server_->port(), racers, [&](int i, Client& c) {
      const json::object body =
          path == user_path()     ? json::object{{"name", fmt::format("Ada {}", i)}}
          : path == tag_path(tag) ? json::object{{"name", fmt::format("contested {}", i)}}
                                  : json::object{{"content", fmt::format("take {}", i)}};
      return c.request("PATCH", path, to_text(body), if_match(current));
    });
    EXPECT_EQ(count_status(answers, 200), 1) << path;
    EXPECT_EQ(count_status(answers, 412), racers - 1) << path;
    for (const Response& r : answers) {
      if (r.status == 200) {
        EXPECT_EQ(r.header("ETag"), etag(path)) << "the winner's is current";
      }
    }
  }
  const std::string current = etag(task_path(task_));
  const std::vector<Response> deletions = race(server_->port(), racers, [&](int, Client& c) {
    return c.request("DELETE", task_path(task_), "", if_match(current));
  });
  EXPECT_EQ(count_status(deletions, 204), 1);
  EXPECT_EQ(count_status(deletions, 412), racers - 1);
}

// With --require-if-match, a write of a record without If-Match is 428; reads, creates and the
// tag link routes are as before.
TEST_P(ConditionalTest, RequireIfMatchAnswers428WithoutIt) {
  const auto strict = start_server({"--require-if-match"});
  Client client(strict->port());
  const Response user =
      client.post("/users", json::object{{"name", "Cy"},
                                         {"email", unique_email()},
                                         {"tasks", json::array{json::object{{"content", "t"}}}}});
  ASSERT_EQ(user.status, 201U) << user.describe();
  const std::string path = fmt::format("/users/{}", id_of(user.json()));
  const std::string task = task_path(id_of(user.object().at("tasks").as_array().at(0)));
  for (const std::string& target : {path, task}) {
    EXPECT_TRUE(IsProblem(client.patch(target, json::object{{"done", true}}), 428,
                          "precondition-required"));
    EXPECT_TRUE(IsProblem(client.request("PUT", target, "{}"), 428, "precondition-required"));
    EXPECT_TRUE(IsProblem(client.del(target), 428, "precondition-required"));
  }
  EXPECT_EQ(client.request("PUT", task + "/tags/home").status, 204U);
  const Response read = client.get(task);
  ASSERT_EQ(read.status, 200U);
  const Response ok =
      client.request("PATCH", task, R"({"done": true})", if_match(read.header("ETag")));
  EXPECT_EQ(ok.status, 200U) << ok.describe();
  EXPECT_EQ(client.request("DELETE", path, "", if_match("*")).status, 204U);
}

TEST_P(ConditionalTest, MetricsCount304And412AndCorsLetsBrowsersUseThem) {
  const std::string path = task_path(task_);
  const std::string current = etag(path);
  ASSERT_EQ(client_->request("GET", path, "", if_none_match(current)).status, 304U);
  ASSERT_EQ(patch_if(path, json::object{{"done", true}}, "\"0-0\"").status, 412U);
  const MetricsText metrics = scrape(*client_);
  const auto series = [](std::string_view method, unsigned status) {
    return fmt::format(
        R"(usertasks_http_requests_total{{method="{}",route="/tasks/{{id}}",status="{}"}})", method,
        status);
  };
  EXPECT_EQ(metrics[series("GET", 304)], 1);
  EXPECT_EQ(metrics[series("PATCH", 412)], 1);

  const Response preflight = client_->request(
      "OPTIONS", path, "",
      {{"Origin", "https://app.example"}, {"Access-Control-Request-Method", "PATCH"}});
  const std::string allowed = preflight.header("Access-Control-Allow-Headers");
  EXPECT_NE(allowed.find("If-Match"), std::string::npos) << allowed;
  EXPECT_NE(allowed.find("If-None-Match"), std::string::npos) << allowed;
  const std::string exposed = client_->get(path).header("Access-Control-Expose-Headers");
  EXPECT_NE(exposed.find("ETag"), std::string::npos) << exposed;
}

USERTASKS_INSTANTIATE_FOR_ALL_BACKENDS(ConditionalTest);

}  // namespace
}  // namespace usertasks::testing
