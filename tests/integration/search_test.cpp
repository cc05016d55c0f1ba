// q= on every list: a case-insensitive substring of a task's content, of a user's name or email,
// of a tag's name, folded by the database's lower() (Unicode on both databases); %, _ and \ are
// literal; combined with the other filters, paged (the next link keeps q=) and counted; a bad q= is
// a 400 naming it.

#include <fmt/format.h>

#include <string>
#include <vector>

#include "tags_support.hpp"

namespace usertasks::testing {
namespace {

// `text` percent-encoded as a query value: every byte but the unreserved ones.
std::string encoded(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const auto b = static_cast<unsigned char>(c);
    const bool unreserved = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') ||
                            (b >= '0' && b <= '9') || b == '-' || b == '.' || b == '_' || b == '~';
    out += unreserved ? std::string(1, c) : fmt::format("%{:02X}", b);
  }
  return out;
}

class SearchTest : public TagsFixture {
 protected:
  void SetUp() override {
    TagsFixture::SetUp();
    if (IsSkipped()) return;
    ada_ = id_of(create_user("Ada Lovelace", "ada@example.com"));
    bob_ = id_of(create_user("Bob", "bob@ADA.org"));
  }

  std::int64_t task(std::int64_t user, std::string_view content,
                    const std::vector<std::string>& tags = {}, bool done = false) {
    json::object body{{"content", content}, {"user_id", user}, {"tags", as_array(tags)}};
    body["done"] = done;
    const Response r = client_->post("/tasks", body);
    EXPECT_EQ(r.status, 201U) << r.describe();
    return r.status == 201 ? id_of(r.json()) : 0;
  }

  // The ids of the first page of `path` with q=`text` (and `more`, other parameters).
  Ids search(std::string_view path, std::string_view text, std::string_view more = "") {
    const char separator = path.find('?') == std::string_view::npos ? '?' : '&';
    return ids(fmt::format("{}{}q={}{}", path, separator, encoded(text), more));
  }

  std::int64_t ada_ = 0, bob_ = 0;
};

// A substring anywhere, in any case; the rest of the list stays out.
TEST_P(SearchTest, TasksMatchASubstringRegardlessOfCase) {
  const std::int64_t report = task(ada_, "Write the REPORT");
  const std::int64_t back = task(bob_, "report back");
  task(ada_, "something else");
  EXPECT_EQ(search("/tasks", "report"), (Ids{report, back}));
  EXPECT_EQ(search("/tasks", "RePoRt"), (Ids{report, back}));
  EXPECT_EQ(search("/tasks", "the rep"), Ids{report});
  EXPECT_EQ(search("/tasks", "t b"), Ids{back});
  EXPECT_EQ(search("/tasks", "reports"), Ids{});
  // Spaces count: q= is not trimmed.
  EXPECT_EQ(search("/tasks", " report"), Ids{report});
}

// Letters beyond ASCII fold one by one, as lower() does on both databases (a UTF-8 locale on
// PostgreSQL): Ä and ä, Σ and σ, ẞ and ß are one letter in two cases; ß is not "ss".
TEST_P(SearchTest, NonAsciiLettersFoldOneByOne) {
  const std::int64_t aerger = task(ada_, "Ärger im BÜRO");
  const std::int64_t strasse = task(ada_, "Straße fegen");
  const std::int64_t greek = task(ada_, "ΣΟΦΊΑ ruft an");
  EXPECT_EQ(search("/tasks", "äRGER"), Ids{aerger});
  EXPECT_EQ(search("/tasks", "ÄRGER"), Ids{aerger});
  EXPECT_EQ(search("/tasks", "büro"), Ids{aerger});
  EXPECT_EQ(search("/tasks", "STRAẞE"), Ids{strasse});
  EXPECT_EQ(search("/tasks", "straße"), Ids{strasse});
  EXPECT_EQ(search("/tasks", "STRASSE"), Ids{});
  EXPECT_EQ(search("/tasks", "σοφία"), Ids{greek});
  // A letter is not its base letter: ä is not a.
  EXPECT_EQ(search("/tasks", "arger"), Ids{});
}

// %, _ and \ match themselves, not any text or any character.
TEST_P(SearchTest, PercentUnderscoreAndBackslashAreLiteral) {
  const std::int64_t percent = task(ada_, "100% sure");
  const std::int64_t thousand = task(ada_, "1000 sure");
  const std::int64_t snake = task(ada_, "snake_case");
  const std::int64_t camel = task(ada_, "snakeXcase");
  const std::int64_t slash = task(ada_, "back\\slash");
  const std::int64_t plain = task(ada_, "backslash");
  EXPECT_EQ(search("/tasks", "%"), Ids{percent});
  EXPECT_EQ(search("/tasks", "0%"), Ids{percent});
  EXPECT_EQ(search("/tasks", "100%"), Ids{percent});
  EXPECT_EQ(search("/tasks", "10%0"), Ids{});
  EXPECT_EQ(search("/tasks", "_"), Ids{snake});
  EXPECT_EQ(search("/tasks", "e_c"), Ids{snake});
  EXPECT_EQ(search("/tasks", "\\"), Ids{slash});
  EXPECT_EQ(search("/tasks", "k\\s"), Ids{slash});
  EXPECT_EQ(search("/tasks", "\\%"), Ids{});
  EXPECT_EQ(search("/tasks", "sure"), (Ids{percent, thousand}));
  EXPECT_EQ(search("/tasks", "case"), (Ids{snake, camel}));
  EXPECT_EQ(search("/tasks", "slash"), (Ids{slash, plain}));
}

// A user matches by name or by email; with include=tasks, the page's users bring all their tasks.
TEST_P(SearchTest, UsersMatchByNameOrEmail) {
  const std::int64_t grace = id_of(create_user("Grace Hopper", "grace@navy.mil"));
  task(ada_, "one");
  task(bob_, "two");
  EXPECT_EQ(search("/users", "ada"), (Ids{ada_, bob_}));  // Ada by her name, Bob by his email
  EXPECT_EQ(search("/users", "LOVELACE"), Ids{ada_});
  EXPECT_EQ(search("/users", "Navy.MIL"), Ids{grace});
  EXPECT_EQ(search("/users", "@"), (Ids{ada_, bob_, grace}));
  EXPECT_EQ(search("/users", "hopper@"), Ids{});  // not across the name and the email
  const json::value with_tasks = get_json("/users?include=tasks&q=BOB");
  ASSERT_TRUE(with_tasks.is_array());
  ASSERT_EQ(with_tasks.as_array().size(), 1U);
  EXPECT_TRUE(IsUser(with_tasks.as_array()[0], /*with_tasks=*/true));
  EXPECT_EQ(id_of(with_tasks.as_array()[0]), bob_);
  EXPECT_EQ(with_tasks.as_array()[0].at("tasks").as_array().size(), 1U);
}

TEST_P(SearchTest, TagsMatchByName) {
  const std::int64_t home = id_of(create_tag("Home office"));
  const std::int64_t garden = id_of(create_tag("garden"));
  const std::int64_t homework = id_of(create_tag("HOMEWORK"));
  EXPECT_EQ(search("/tags", "home"), (Ids{home, homework}));
  EXPECT_EQ(search("/tags", "e o"), Ids{home});
  EXPECT_EQ(search("/tags", "DEN"), Ids{garden});
}

// Every list of tasks takes q=, with the list's other filters.
TEST_P(SearchTest, EveryTaskListSearchesWithItsOtherFilters) {
  const std::int64_t a1 = task(ada_, "Call the bank", {"home"});
  const std::int64_t a2 = task(ada_, "bank statement", {"work"}, true);
  const std::int64_t b1 = task(bob_, "BANK holiday", {"home"});
  const std::int64_t b2 = task(bob_, "call mom", {"home"});
  const std::int64_t home = tag_id("home");
  EXPECT_EQ(search("/tasks", "bank"), (Ids{a1, a2, b1}));
  EXPECT_EQ(search("/tasks?include=user", "bank"), (Ids{a1, a2, b1}));
  EXPECT_EQ(search("/tasks?done=false", "bank"), (Ids{a1, b1}));
  EXPECT_EQ(search("/tasks?done=false&include=user", "bank"), (Ids{a1, b1}));
  EXPECT_EQ(search(fmt::format("/tasks?user_id={}", ada_), "bank"), (Ids{a1, a2}));
  EXPECT_EQ(search(fmt::format("/tasks?user_id={}&include=user", bob_), "bank"), Ids{b1});
  EXPECT_EQ(search("/tasks?tag=home", "bank"), (Ids{a1, b1}));
  EXPECT_EQ(search("/tasks?tag=home&include=user", "CALL"), (Ids{a1, b2}));
  EXPECT_EQ(search(fmt::format("/users/{}/tasks", ada_), "bank"), (Ids{a1, a2}));
  EXPECT_EQ(search(fmt::format("/users/{}/tasks?done=true", ada_), "bank"), Ids{a2});
  EXPECT_EQ(search(fmt::format("/tags/{}/tasks", home), "bank"), (Ids{a1, b1}));
  EXPECT_EQ(search(fmt::format("/tags/{}/tasks", home), "mom"), Ids{b2});
  // A record that does not exist is still a 404.
  EXPECT_TRUE(IsProblem(client_->get("/users/999/tasks?q=bank"), 404, "not-found"));
  EXPECT_TRUE(IsProblem(client_->get("/tags/999/tasks?q=bank"), 404, "not-found"));
}

// The next link keeps q=, encoded: walking the pages gives every match once, in order.
TEST_P(SearchTest, PagesOfASearchKeepItInTheNextLink) {
  Ids matching;
  for (int i = 0; i < 7; ++i) {
    matching.push_back(task(ada_, fmt::format("Ärger 50% #{}", i)));
    task(ada_, fmt::format("calm {}", i));
  }
  const std::string q = encoded("ärger 50%");
  const Response first = client_->get(fmt::format("/tasks?q={}&limit=3", q));
  ASSERT_EQ(first.status, 200U) << first.describe();
  const auto next = next_link(first);
  ASSERT_TRUE(next.has_value());
  EXPECT_NE(next->find(fmt::format("q={}", q)), std::string::npos) << *next;
  for (const std::string path : {"/tasks", "/tasks?include=user", "/users/{}/tasks"}) {
    const std::string target = fmt::format(fmt::runtime(path), ada_);
    const char separator = target.find('?') == std::string::npos ? '?' : '&';
    int pages = 0;
    const json::array items =
        collect_pages(fmt::format("{}{}q={}&limit=3", target, separator, q), &pages);
    Ids got;
    for (const json::value& item : items) got.push_back(id_of(item));
    EXPECT_EQ(got, matching) << target;
    EXPECT_EQ(pages, 3) << target;
  }
}

// Prefer: count=exact counts what q= matches, whatever the page.
TEST_P(SearchTest, CountsCountTheMatches) {
  for (int i = 0; i < 3; ++i) task(ada_, fmt::format("Bank {}", i), {"home"});
  task(bob_, "bank", {"home"});
  task(bob_, "other", {"home"});
  create_tag("banking");
  create_tag("hobby");
  const std::int64_t home = tag_id("home");
  const Headers count_exact{{"Prefer", "count=exact"}};
  const auto total = [&](const std::string& target) -> std::string {
    const Response r = client_->request("GET", target, "", count_exact);
    EXPECT_EQ(r.status, 200U) << target << '\n' << r.describe();
    return r.header("X-Total-Count");
  };
  EXPECT_EQ(total("/tasks?q=BANK&limit=1"), "4");
  EXPECT_EQ(total("/tasks?q=BANK&limit=1&include=user"), "4");
  EXPECT_EQ(total(fmt::format("/tasks?q=bank&user_id={}&limit=1", bob_)), "1");
  EXPECT_EQ(total("/tasks?q=bank&tag=home&limit=1"), "4");
  EXPECT_EQ(total(fmt::format("/users/{}/tasks?q=bank&limit=1", ada_)), "3");
  EXPECT_EQ(total(fmt::format("/tags/{}/tasks?q=bank&limit=1", home)), "4");
  EXPECT_EQ(total("/users?q=ADA&limit=1"), "2");
  EXPECT_EQ(total("/users?q=ADA&limit=1&include=tasks"), "2");
  EXPECT_EQ(total("/tags?q=bank"), "1");
  EXPECT_EQ(total("/tags?q=HO"), "2");
}

// An empty q=, one over 200 characters, with a control character or not UTF-8, or given twice:
// a 400 naming q, on every list.
TEST_P(SearchTest, ABadSearchIsA400NamingQ) {
  task(ada_, "anything");
  const std::string before = snapshot();
  const std::vector<std::string> bad = {"",
                                        encoded(repeat("a", 201)),
                                        encoded(repeat("ä", 201)),
                                        "a%0Ab",
                                        "%09",
                                        "a%00",
                                        "%7F",
                                        "%C2%85",  // U+0085, a C1 control
                                        "%FF",
                                        "%C3",
                                        "a&q=b"};
  const std::vector<std::string> lists = {"/tasks",
                                          "/tasks?include=user",
                                          fmt::format("/tasks?user_id={}", ada_),
                                          "/tasks?tag=x",
                                          fmt::format("/users/{}/tasks", ada_),
                                          "/users",
                                          "/users?include=tasks",
                                          "/tags",
                                          "/tags/1/tasks"};
  for (const std::string& list : lists) {
    const char separator = list.find('?') == std::string::npos ? '?' : '&';
    for (const std::string& q : bad) {
      const std::string target = fmt::format("{}{}q={}", list, separator, q);
      EXPECT_TRUE(IsBadQuery(client_->get(target), "q")) << target;
    }
  }
  EXPECT_EQ(snapshot(), before);
  // 200 characters is the most: ASCII or not.
  EXPECT_EQ(client_->get(fmt::format("/tasks?q={}", encoded(repeat("a", 200)))).status, 200U);
  EXPECT_EQ(client_->get(fmt::format("/users?q={}", encoded(repeat("ä", 200)))).status, 200U);
}

USERTASKS_INSTANTIATE_FOR_ALL_BACKENDS(SearchTest);

}  // namespace
}  // namespace usertasks::testing
