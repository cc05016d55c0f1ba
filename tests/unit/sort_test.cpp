// sort= and cursor=: the orders an entity's fields allow (models/sort.hpp), the opaque tokens that
// carry a page's last key (base/token.hpp), and the keyset SQL of an order (repository/sql.hpp).

#include "models/sort.hpp"

#include <gtest/gtest.h>

#include <string>
#include <variant>
#include <vector>

#include "base/token.hpp"
#include "models/models.hpp"
#include "repository/page_statements.hpp"
#include "repository/sql.hpp"

namespace usertasks {
namespace {

using models::Scalar;
using models::Sort;
using models::Task;
using models::User;

// ---- tokens

TEST(Token, RoundTripsAnyBytes) {
  for (const std::string& bytes : {std::string(), std::string("a"), std::string("ab"),
                                   std::string("abc"), std::string("\0\xff\x80 x", 5)}) {
    const std::string token = base::encode_token(bytes);
    EXPECT_EQ(
        token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
        std::string::npos)
        << token;
    EXPECT_EQ(base::decode_token(token), bytes);
  }
}

// Every character of a token replaced by every other character of the alphabet: never accepted.
TEST(Token, AnyChangedCharacterIsRefused) {
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (const std::string& bytes :
       {std::string("[\"-created_at\",\"2026-12-01T09:30:00.000000Z\",7]"), std::string("xy")}) {
    const std::string token = base::encode_token(bytes);
    for (std::size_t i = 0; i < token.size(); ++i) {
      for (const char c : alphabet) {
        if (c == token[i]) continue;
        std::string changed = token;
        changed[i] = c;
        EXPECT_EQ(base::decode_token(changed), std::nullopt) << i << ' ' << c;
      }
    }
  }
}

TEST(Token, MalformedTokensAreRefused) {
  const std::string token = base::encode_token("abcd");
  EXPECT_EQ(base::decode_token(""), std::nullopt);
  EXPECT_EQ(base::decode_token(token + "="), std::nullopt);
  EXPECT_EQ(base::decode_token(token + "A"), std::nullopt);  // another length
  EXPECT_EQ(base::decode_token(token.substr(1)), std::nullopt);
  EXPECT_EQ(base::decode_token(token + "AAAA"), std::nullopt);
  std::string plus = token;
  plus[0] = '+';  // base64, not base64url
  EXPECT_EQ(base::decode_token(plus), std::nullopt);
  EXPECT_EQ(base::decode_token("not a token"), std::nullopt);
}

// ---- sort=

Sort parsed(std::string_view text) {
  auto sort = models::parse_sort<Task>(text);
  EXPECT_TRUE(std::holds_alternative<Sort>(sort)) << text << ": " << std::get<std::string>(sort);
  return std::holds_alternative<Sort>(sort) ? std::get<Sort>(sort) : Sort{};
}

std::string problem(std::string_view text) {
  auto sort = models::parse_sort<Task>(text);
  EXPECT_TRUE(std::holds_alternative<std::string>(sort)) << text;
  return std::holds_alternative<std::string>(sort) ? std::get<std::string>(sort) : std::string();
}

std::size_t index(std::string_view name) {
  return models::field_index<Task>(name);
}

TEST(SortParam, IdBreaksTiesInTheDirectionOfTheLastField) {
  const std::size_t id = index("id");
  EXPECT_EQ(parsed("-created_at").keys,
            (std::vector<models::SortKey>{{index("created_at"), true}, {id, true}}));
  EXPECT_EQ(
      parsed("done,-due_at").keys,
      (std::vector<models::SortKey>{{index("done"), false}, {index("due_at"), true}, {id, true}}));
  EXPECT_EQ(parsed("content,-id").keys,
            (std::vector<models::SortKey>{{index("content"), false}, {id, true}}));
  EXPECT_EQ(parsed("-id").keys, (std::vector<models::SortKey>{{id, true}}));
  EXPECT_TRUE(parsed("id").by_id());
}

TEST(SortParam, OneOrderHasOneText) {
  const auto text = [](std::string_view s) {
    return models::sort_text(models::Entity<Task>::fields, parsed(s));
  };
  EXPECT_EQ(text("-created_at"), "-created_at");
  EXPECT_EQ(text("-created_at,-id"), "-created_at");
  EXPECT_EQ(text("created_at,-id"), "created_at,-id");
  EXPECT_EQ(text("-done,created_at,id"), "-done,created_at");
  EXPECT_EQ(text("id"), "id");
  EXPECT_EQ(text("-id"), "-id");
}

TEST(SortParam, BadOrdersSayWhatIsWrong) {
  EXPECT_EQ(problem(""), problem("-"));
  EXPECT_NE(problem("-").find("separated by commas"), std::string::npos);
  EXPECT_NE(problem("created_at,").find("separated by commas"), std::string::npos);
  EXPECT_NE(problem("--created_at").find("cannot sort by -created_at"), std::string::npos);
  EXPECT_NE(problem("user_id").find("cannot sort by user_id; the fields are id, content, done, "
                                    "due_at, created_at, updated_at"),
            std::string::npos);
  EXPECT_NE(problem("tags").find("cannot sort by tags"), std::string::npos);
  EXPECT_NE(problem("done,-done").find("names done twice"), std::string::npos);
  EXPECT_NE(problem("id,done").find("must end at id"), std::string::npos);
  EXPECT_NE(problem("done,due_at,content").find("at most 2 fields"), std::string::npos);
  EXPECT_NE(problem(std::string("\xff")).find("cannot sort by that"), std::string::npos);
  // A user's fields are not a task's.
  EXPECT_TRUE(std::holds_alternative<std::string>(models::parse_sort<User>("done")));
  EXPECT_TRUE(std::holds_alternative<Sort>(models::parse_sort<User>("email,-name")));
}

// ---- cursors

TEST(Cursor, CarriesTheKeyOfTheLastRecord) {
  Task task;
  task.id = 42;
  task.done = true;
  task.content = std::string(300, 'x');
  task.created_at = "2026-12-01T09:30:00.000000Z";
  const Sort sort = parsed("-done,content");
  const std::string cursor = models::make_cursor(sort, task);
  const auto key = models::read_cursor<Task>(sort, cursor);
  ASSERT_TRUE(std::holds_alternative<std::vector<Scalar>>(key));
  // content by its first 255 characters, as the order compares it.
  EXPECT_EQ(std::get<std::vector<Scalar>>(key),
            (std::vector<Scalar>{true, std::string(255, 'x'), std::int64_t{42}}));
  // A null due_at travels as null.
  const Sort due = parsed("due_at");
  const auto null_key = models::read_cursor<Task>(due, models::make_cursor(due, task));
  ASSERT_TRUE(std::holds_alternative<std::vector<Scalar>>(null_key));
  EXPECT_EQ(std::get<std::vector<Scalar>>(null_key),
            (std::vector<Scalar>{Scalar(), std::int64_t{42}}));
}

std::string cursor_problem(const Sort& sort, std::string_view token) {
  const auto key = models::read_cursor<Task>(sort, token);
  EXPECT_TRUE(std::holds_alternative<std::string>(key)) << token;
  return std::holds_alternative<std::string>(key) ? std::get<std::string>(key) : std::string();
}

TEST(Cursor, OneOfAnotherOrderOrNotACursorIsRefused) {
  Task task;
  task.id = 7;
  task.created_at = "2026-12-01T09:30:00.000000Z";
  const std::string cursor = models::make_cursor(parsed("-created_at"), task);
  EXPECT_NE(cursor_problem(parsed("created_at"), cursor)
                .find("was made for sort=-created_at, not sort=created_at"),
            std::string::npos);
  EXPECT_NE(cursor_problem(Sort{}, cursor).find("not sort=id"), std::string::npos);
  // Equivalent spellings of one order share cursors.
  EXPECT_TRUE(std::holds_alternative<std::vector<Scalar>>(
      models::read_cursor<Task>(parsed("-created_at,-id"), cursor)));
  EXPECT_NE(cursor_problem(parsed("-created_at"), "abc").find("is not a cursor"),
            std::string::npos);
  // Made by hand with a valid checksum, but holding what no page of this order ends with.
  const Sort sort = parsed("-created_at");
  for (const std::string payload :
       {R"(["Task","-created_at","2026-12-01T09:30:00Z",7])", R"(["Task","-created_at",null,7])",
        R"(["Task","-created_at","2026-12-01T09:30:00.000000Z",0])",
        R"(["Task","-created_at","2026-12-01T09:30:00.000000Z"])", R"(["Task","-created_at",1,2])",
        R"(["User","-created_at","2026-12-01T09:30:00.000000Z",7])",
        R"(["-created_at","2026-12-01T09:30:00.000000Z",7])", R"({"s":1})",
        R"(["Task","-nonsense",1,2])", "not json"}) {
    EXPECT_NE(cursor_problem(sort, base::encode_token(payload)).find("is not a cursor"),
              std::string::npos)
        << payload;
  }
}

// ---- SQL

TEST(SortSql, DirectionsRunTogetherAsRowValues) {
  using repository::Dialect;
  const auto& fields = models::Entity<Task>::fields;
  const repository::PageOrder same =
      repository::sort_order(Dialect::sqlite, fields, parsed("-created_at"), false, "t.");
  EXPECT_EQ(same.by, "t.created_at DESC, t.id DESC");
  EXPECT_EQ(same.after, "(t.created_at, t.id) < (:cursor_0, :cursor_1)");
  const repository::PageOrder mixed =
      repository::sort_order(Dialect::postgresql, fields, parsed("-done,content"), false, "");
  EXPECT_EQ(mixed.by, "done DESC, substr(content, 1, 255) COLLATE \"C\" ASC, id ASC");
  EXPECT_EQ(mixed.after,
            "done <= CAST(:cursor_0 AS BOOLEAN) AND (done < CAST(:cursor_0 AS BOOLEAN) OR "
            "(done = CAST(:cursor_0 AS BOOLEAN) AND (substr(content, 1, 255) COLLATE \"C\", id) > "
            "(CAST(:cursor_1 AS TEXT), CAST(:cursor_2 AS BIGINT))))");
  const repository::PageOrder due =
      repository::sort_order(Dialect::sqlite, fields, parsed("due_at"), false, "");
  EXPECT_EQ(due.after,
            "(COALESCE(due_at, 'infinity'), id) > (COALESCE(:cursor_0, 'infinity'), :cursor_1)");
  EXPECT_EQ(repository::sort_order(Dialect::sqlite, fields, parsed("due_at"), true, "").after,
            "true");
}

// The id order's statements keep their text; another order's are made once and kept, up to a
// bound past which each page gets a statement of its own that is not kept.
TEST(SortSql, StatementsOfOrdersAreKeptUpToABound) {
  using repository::Paged;
  const auto first = repository::page_statement(Paged::tasks, parsed("-created_at"), false);
  const auto again = repository::page_statement(Paged::tasks, parsed("-created_at,-id"), false);
  EXPECT_EQ(&first.get(), &again.get());
  EXPECT_TRUE(first.get().statement().kept);
  EXPECT_EQ(repository::page_statement(Paged::tasks, Sort{}, true).get().statement().name,
            "tasks_page");
  // Made for the task lists (Paged::tasks and after), first pages and later ones: more than kept.
  for (const std::string_view order : {"done", "-content", "due_at,-id", "-done,created_at"}) {
    for (int list = static_cast<int>(Paged::tasks); list <= static_cast<int>(Paged::tag_tasks);
         ++list) {
      for (const bool first_page : {true, false}) {
        (void)repository::page_statement(static_cast<Paged>(list), parsed(order), first_page);
      }
    }
  }
  const auto late = repository::page_statement(Paged::tasks, parsed("-updated_at,done"), true);
  EXPECT_FALSE(late.get().statement().kept);
  EXPECT_EQ(late.get().statement().name, "tasks_page");
}

}  // namespace
}  // namespace usertasks
