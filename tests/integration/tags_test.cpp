// The /tags endpoints of API.md (migration 0004): the Tag's shape, Location, the name's rules and
// its case-insensitive uniqueness, paging, task_count, rename, delete, and that deleting a user
// deletes its tasks' links but never a tag.

#include <fmt/format.h>

#include <set>
#include <sstream>
#include <tuple>

#include "tags_support.hpp"

namespace usertasks::testing {
namespace {

std::set<std::string> split_list(const std::string& value) {
  std::set<std::string> out;
  std::stringstream in(value);
  std::string item;
  while (std::getline(in, item, ',')) {
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (!item.empty()) out.insert(item);
  }
  return out;
}

class TagsTest : public TagsFixture {};

TEST_P(TagsTest, CreateAnswers201WithTheTagAndItsLocation) {
  const Response r = post_tag("home");
  ASSERT_EQ(r.status, 201U) << r.describe();
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  const json::object tag = r.object();
  ASSERT_TRUE(IsTag(tag));  // exactly id, name, created_at, updated_at: no task_count
  EXPECT_EQ(tag.at("name"), "home");
  EXPECT_EQ(tag.at("created_at"), tag.at("updated_at"));
  EXPECT_EQ(r.header("Location"), tag_path(id_of(tag)));

  json::object got = get_json(r.header("Location")).as_object();
  ASSERT_TRUE(IsTag(got, /*with_task_count=*/true));
  EXPECT_EQ(got.at("task_count"), 0);
  got.erase("task_count");
  EXPECT_EQ(to_text(got), to_text(tag));
  EXPECT_EQ(tag_names(), Names{"home"});
}

TEST_P(TagsTest, NameIsStoredTrimmed) {
  const json::object tag = create_tag(" \t to do \u00a0\n");
  EXPECT_EQ(tag.at("name"), "to do");
  EXPECT_EQ(get_json(tag_path(id_of(tag))).at("name"), "to do");
  // Surrounding white space does not count towards the 64 characters.
  const Response padded = post_tag(json::value("  " + repeat("p", 64) + "\u3000"));
  ASSERT_EQ(padded.status, 201U) << padded.describe();
  EXPECT_EQ(padded.object().at("name"), json::value(repeat("p", 64)));
}

TEST_P(TagsTest, ATakenNameIs409ComparedCaseInsensitively) {
  create_tag("Home");
  create_tag("Été");
  for (const char* taken : {"Home", "home", "HOME", " hOmE ", "été", "ÉTÉ", "Été"}) {
    EXPECT_TRUE(IsProblem(post_tag(taken), 409, "tag-taken")) << taken;
  }
  EXPECT_EQ(tag_names(), (Names{"Home", "Été"}));
  // Names that only look alike are other tags.
  EXPECT_EQ(post_tag("homes").status, 201U);
  EXPECT_EQ(post_tag("Ete").status, 201U);
  EXPECT_EQ(tag_names(), (Names{"Home", "Été", "homes", "Ete"}));
}

TEST_P(TagsTest, NameIs1To64CodePoints) {
  EXPECT_EQ(post_tag(json::value(repeat("a", 64))).status, 201U);
  EXPECT_TRUE(IsValidationProblemFor(post_tag(json::value(repeat("b", 65))), {"name"}));
  // 64 two-byte characters are 128 bytes and still a valid name; 65 are not.
  const Response accented = post_tag(json::value(repeat("é", 64)));
  ASSERT_EQ(accented.status, 201U) << accented.describe();
  EXPECT_EQ(accented.object().at("name"), json::value(repeat("é", 64)));
  EXPECT_EQ(post_tag(json::value(repeat("😀", 64))).status, 201U);
  EXPECT_TRUE(IsValidationProblemFor(post_tag(json::value(repeat("è", 65))), {"name"}));
  EXPECT_EQ(post_tag("x").status, 201U);
  EXPECT_EQ(all_tags().size(), 4U);
}

TEST_P(TagsTest, NameAllowsSingleSpacesInsideAndNoOtherWhiteSpaceOrControl) {
  for (const char* bad :
       {"", " ", " \t\r\n ", "\u00a0\u3000", "to  do", "to\tdo", "to\ndo", "to\u00a0do",
        "to\u3000do", "a\u0001b", "a\u007fb", "a\u0085b", "\u0007"}) {
    EXPECT_TRUE(IsValidationProblemFor(post_tag(bad), {"name"})) << '"' << bad << '"';
  }
  EXPECT_EQ(client_->get("/tags").body, "[]");
  for (const char* good : {"to do", "a b c", "x-y_z.1", "été à faire"}) {
    const Response r = post_tag(good);
    ASSERT_EQ(r.status, 201U) << good << "\n" << r.describe();
    EXPECT_EQ(r.object().at("name"), good);
  }
}

TEST_P(TagsTest, TheBodyIsExactlyAStringName) {
  for (const json::value& v : {json::value(42), json::value(true), json::value(json::array{"a"}),
                               json::value(json::object{{"a", 1}})}) {
    EXPECT_TRUE(IsValidationProblem(post_tag(v), {{"name", "must be a string"}})) << to_text(v);
  }
  EXPECT_TRUE(IsValidationProblem(post_tag(nullptr), {{"name", "must not be null"}}));
  EXPECT_TRUE(
      IsValidationProblem(client_->post("/tags", json::object{}), {{"name", "is required"}}));
  EXPECT_TRUE(
      IsValidationProblem(client_->post("/tags", json::object{{"name", "x"}, {"color", "red"}}),
                          {{"color", "is not a known field"}}));
  EXPECT_TRUE(IsValidationProblem(client_->post("/tags", json::object{{"name", "x"}, {"id", 3}}),
                                  {{"id", "is not a known field"}}));
  EXPECT_TRUE(IsValidationProblemFor(client_->request("POST", "/tags", "[\"x\"]"), {"body"}));
  EXPECT_TRUE(IsProblem(client_->request("POST", "/tags", "{\"name\":"), 400, "malformed-json"));
  EXPECT_EQ(client_->get("/tags").body, "[]");
}

TEST_P(TagsTest, ListIsOrderedByIdAndPaged) {
  const Response empty = client_->get("/tags");
  ASSERT_EQ(empty.status, 200U) << empty.describe();
  EXPECT_EQ(empty.body, "[]");
  EXPECT_FALSE(empty.has_header("Link"));

  Ids created;  // in an order that is not the names' order
  for (const char* name : {"zeta", "alpha", "Mid", "beta", "omega"}) {
    created.push_back(id_of(create_tag(name)));
  }
  const json::value list = get_json("/tags");
  for (const json::value& tag : list.as_array()) EXPECT_TRUE(IsTag(tag));  // no task_count
  EXPECT_EQ(ids("/tags"), created);
  EXPECT_EQ(tag_names(), (Names{"zeta", "alpha", "Mid", "beta", "omega"}));

  const Response page = client_->get("/tags?limit=2");
  EXPECT_EQ(ids("/tags?limit=2"), (Ids{created[0], created[1]}));
  EXPECT_EQ(page.header("Link"), fmt::format("</tags?limit=2&after={}>; rel=\"next\"", created[1]));
  EXPECT_EQ(ids(fmt::format("/tags?after={}", created[2])), (Ids{created[3], created[4]}));
  EXPECT_FALSE(client_->get(fmt::format("/tags?limit=2&after={}", created[2])).has_header("Link"));
  int pages = 0;
  Ids walked;
  for (const json::value& tag : collect_pages("/tags?limit=2", &pages))
    walked.push_back(id_of(tag));
  EXPECT_EQ(walked, created);
  EXPECT_EQ(pages, 3);
}

TEST_P(TagsTest, ListRejectsBadQueryParameters) {
  const std::string tag = tag_path(id_of(create_tag("home")));
  const std::vector<std::pair<std::string, std::string>> cases{
      {"/tags?limit=0", "limit"},  {"/tags?limit=1001", "limit"},     {"/tags?after=x", "after"},
      {"/tags?after=-1", "after"}, {"/tags?name=home", "name"},       {"/tags?tag=home", "tag"},
      {tag + "?limit=1", "limit"}, {tag + "/tasks?bogus=1", "bogus"},
  };
  for (const auto& [target, parameter] : cases) {
    EXPECT_TRUE(IsBadQuery(client_->get(target), parameter)) << target;
  }
}

TEST_P(TagsTest, GetCountsTheTasksCarryingTheTag) {
  const std::int64_t ada = id_of(create_user("Ada"));
  const std::int64_t bob = id_of(create_user("Bob"));
  const std::int64_t home = id_of(create_tag("home"));
  EXPECT_EQ(task_count(home), 0);
  const std::int64_t first = id_of(create_tagged_task(ada, {"home", "work"}));
  const std::int64_t second = id_of(create_tagged_task(bob, {"HOME"}));
  create_tagged_task(ada, {"work"});
  create_task(ada, "untagged");
  create_tagged_task(bob, {"home"});
  EXPECT_EQ(task_count(home), 3);
  EXPECT_EQ(task_count(tag_id("work")), 2);

  ASSERT_EQ(remove_tag(first, "home").status, 204U);
  EXPECT_EQ(task_count(home), 2);
  ASSERT_EQ(client_->del(task_path(second)).status, 204U);
  EXPECT_EQ(task_count(home), 1);
  const Response r = client_->get(tag_path(home));
  ASSERT_TRUE(IsTag(r.json(), /*with_task_count=*/true));
  EXPECT_EQ(r.object().at("name"), "home");
}

TEST_P(TagsTest, AnUnknownOrMalformedIdIs404) {
  const std::int64_t known = id_of(create_tag("home"));
  for (const std::string& id : {std::to_string(known + 1), std::string("0"), std::string("-1"),
                                std::string("abc"), std::string("1.5"), std::string("%31x")}) {
    const std::string target = "/tags/" + id;
    EXPECT_TRUE(IsProblem(client_->get(target), 404, "not-found")) << target;
    EXPECT_TRUE(
        IsProblem(client_->patch(target, json::object{{"name", "other"}}), 404, "not-found"))
        << target;
    EXPECT_TRUE(IsProblem(client_->del(target), 404, "not-found")) << target;
    EXPECT_TRUE(IsProblem(client_->get(target + "/tasks"), 404, "not-found")) << target;
  }
  EXPECT_EQ(tag_names(), Names{"home"});  // the PATCH of another id renamed nothing
}

TEST_P(TagsTest, PatchRenamesAndMovesUpdatedAt) {
  const json::object home = create_tag("home");
  const std::string target = tag_path(id_of(home));
  let_the_clock_tick();
  Response r = client_->patch(target, json::object{{"name", "  house "}});
  ASSERT_EQ(r.status, 200U) << r.describe();
  json::object renamed = r.object();
  ASSERT_TRUE(IsTag(renamed));
  EXPECT_EQ(renamed.at("id"), home.at("id"));
  EXPECT_EQ(renamed.at("name"), "house");
  EXPECT_EQ(renamed.at("created_at"), home.at("created_at"));
  EXPECT_GT(std::string(renamed.at("updated_at").as_string()),
            std::string(home.at("updated_at").as_string()));
  json::object got = get_json(target).as_object();
  got.erase("task_count");
  EXPECT_EQ(to_text(got), to_text(renamed));

  // Another case of its own name is the same tag: allowed.
  r = client_->patch(target, json::object{{"name", "HOUSE"}});
  ASSERT_EQ(r.status, 200U) << r.describe();
  EXPECT_EQ(r.object().at("name"), "HOUSE");
  r = client_->patch(target, json::object{{"name", "HOUSE"}});
  EXPECT_EQ(r.status, 200U) << r.describe();
  EXPECT_EQ(tag_names(), Names{"HOUSE"});
}

TEST_P(TagsTest, PatchToATakenOrBadNameChangesNothing) {
  const std::string target = tag_path(id_of(create_tag("home")));
  create_tag("Work");
  create_tag("Été");
  const std::string before = client_->get("/tags").body;
  EXPECT_TRUE(IsProblem(client_->patch(target, json::object{{"name", "work"}}), 409, "tag-taken"));
  EXPECT_TRUE(IsProblem(client_->patch(target, json::object{{"name", " ÉTÉ"}}), 409, "tag-taken"));
  for (const json::value& bad : {json::value(""), json::value("a  b"), json::value("a\tb"),
                                 json::value(repeat("z", 65)), json::value(7), json::value()}) {
    EXPECT_TRUE(
        IsValidationProblemFor(client_->patch(target, json::object{{"name", bad}}), {"name"}))
        << to_text(bad);
  }
  EXPECT_TRUE(
      IsValidationProblem(client_->patch(target, json::object{{"name", "ok"}, {"created_at", "x"}}),
                          {{"created_at", "is not a known field"}}));
  EXPECT_EQ(client_->get("/tags").body, before);
}

TEST_P(TagsTest, DeleteRemovesTheTagFromEveryTaskAndDeletesNoTask) {
  const std::int64_t ada = id_of(create_user("Ada"));
  const std::int64_t first = id_of(create_tagged_task(ada, {"home", "work"}));
  const std::int64_t second = id_of(create_tagged_task(ada, {"home"}));
  const std::int64_t home = tag_id("home");
  const std::string target = tag_path(home);

  const Response r = client_->del(target);
  ASSERT_EQ(r.status, 204U) << r.describe();
  EXPECT_TRUE(r.body.empty());
  EXPECT_TRUE(IsProblem(client_->get(target), 404, "not-found"));
  EXPECT_TRUE(IsProblem(client_->get(target + "/tasks"), 404, "not-found"));
  EXPECT_TRUE(IsProblem(client_->del(target), 404, "not-found"));
  EXPECT_EQ(tag_names(), Names{"work"});
  EXPECT_EQ(ids("/tasks"), (Ids{first, second}));
  EXPECT_EQ(tags_of_task(first), Names{"work"});
  EXPECT_EQ(tags_of_task(second), Names{});
  EXPECT_EQ(client_->get("/tasks?tag=home").body, "[]");
  // The name is free again: naming it creates a new tag.
  EXPECT_EQ(tags_of(create_tagged_task(ada, {"Home"})), Names{"Home"});
  EXPECT_NE(tag_id("Home"), home);
}

TEST_P(TagsTest, OnlyTheDeclaredMethodsAreAllowed) {
  const std::int64_t tag = id_of(create_tag("home"));
  const std::int64_t task = id_of(create_tagged_task(id_of(create_user()), {"home"}));
  const std::vector<std::tuple<std::string, std::string, std::set<std::string>>> cases{
      {"PUT", tag_path(tag), {"GET", "HEAD", "PATCH", "DELETE", "OPTIONS"}},
      {"POST", tag_path(tag), {"GET", "HEAD", "PATCH", "DELETE", "OPTIONS"}},
      {"PUT", "/tags", {"GET", "HEAD", "POST", "OPTIONS"}},
      {"DELETE", "/tags", {"GET", "HEAD", "POST", "OPTIONS"}},
      {"POST", tag_path(tag) + "/tasks", {"GET", "HEAD", "OPTIONS"}},
      {"GET", task_tag_path(task, "home"), {"PUT", "DELETE", "OPTIONS"}},
      {"POST", task_tag_path(task, "home"), {"PUT", "DELETE", "OPTIONS"}},
  };
  for (const auto& [method, target, allow] : cases) {
    const bool with_body = method == "POST" || method == "PUT";
    const Response r = client_->request(method, target, with_body ? "{\"name\":\"other\"}" : "");
    EXPECT_TRUE(IsProblem(r, 405, "method-not-allowed")) << method << ' ' << target;
    EXPECT_EQ(split_list(r.header("Allow")), allow) << method << ' ' << target;
  }
  EXPECT_EQ(tag_names(), Names{"home"});
  EXPECT_EQ(tags_of_task(task), Names{"home"});
}

TEST_P(TagsTest, DeletingAUserDeletesItsTasksLinksButNoTag) {
  const std::int64_t ada = id_of(create_user("Ada"));
  const std::int64_t bob = id_of(create_user("Bob"));
  create_tagged_task(ada, {"home", "ada only"});
  create_tagged_task(ada, {"home"});
  const std::int64_t bobs = id_of(create_tagged_task(bob, {"home"}));
  const std::int64_t home = tag_id("home");
  const std::int64_t ada_only = tag_id("ada only");
  EXPECT_EQ(task_count(home), 3);

  ASSERT_EQ(client_->del(fmt::format("/users/{}", ada)).status, 204U);
  EXPECT_EQ(tag_name_set(), (NameSet{"home", "ada only"}));
  EXPECT_EQ(task_count(home), 1);
  EXPECT_EQ(task_count(ada_only), 0);  // a tag no task carries stays until it is deleted
  EXPECT_EQ(ids(tag_path(home) + "/tasks"), Ids{bobs});
  EXPECT_EQ(client_->get(tag_path(ada_only) + "/tasks").body, "[]");
  EXPECT_EQ(tags_of_task(bobs), Names{"home"});
}

USERTASKS_INSTANTIATE_FOR_ALL_BACKENDS(TagsTest);

}  // namespace
}  // namespace usertasks::testing
