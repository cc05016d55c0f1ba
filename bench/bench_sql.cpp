// Prints the SQL text of one statement of src/repository/statements.cpp, so that the benchmark's
// pgbench scripts run exactly what the service runs and cannot drift from it.
//   bench_sql NAME                        the PostgreSQL text
//   bench_sql NAME --sqlite               the SQLite text
//   bench_sql NAME --roles                each placeholder and what it stands for
//   bench_sql NAME --pgbench [--set ROLE=EXPR]...
//                                         the text for a pgbench script: each $n becomes EXPR when
//                                         its role was --set, otherwise the variable :ROLE

#include <array>
#include <cstdio>
#include <exception>
#include <map>
#include <string>
#include <string_view>

#include "models/models.hpp"
#include "repository/statements.hpp"

namespace sql = usertasks::repository::sql;
using usertasks::repository::Sql;
using usertasks::store::Dialect;

namespace {

// What a parameter no --set names stands for in a pgbench script: NULL for a nullable body field
// of an entity (left as it is) and for a list's filter (not given), false for a `_given` flag,
// otherwise the variable :NAME.
std::string default_value(const std::string& name) {
  namespace models = usertasks::models;
  if (name.ends_with("_given")) return "false";
  for (const models::FilterSpec& f : models::Entity<models::Task>::filters) {
    if (f.parameter == name) return "NULL";
  }
  for (const models::FilterSpec& f : models::Entity<models::User>::filters) {
    if (f.parameter == name) return "NULL";
  }
  bool nullable = false;
  for (const models::Field& f : models::Entity<models::Task>::fields) {
    nullable = nullable || (f.name == name && f.nullable);
  }
  for (const models::Field& f : models::Entity<models::User>::fields) {
    nullable = nullable || (f.name == name && f.nullable);
  }
  return nullable ? "NULL" : ":" + name;
}

}  // namespace

int main(int argc, char** argv) try {
  constexpr std::array statements = {
      &sql::ping,
      &sql::users_page,
      &sql::user_with_tasks,
      &sql::tasks_of_users,
      &sql::tasks_page_of_user,
      &sql::task_with_user,
      &sql::task_insert,
      &sql::task_update,
      &sql::tasks_page,
      &sql::tasks_page_tagged,
  };
  if (argc < 2) {
    std::fputs("usage: bench_sql NAME [--sqlite | --roles | --pgbench [--set ROLE=EXPR]...]\n",
               stderr);
    return 2;
  }
  const std::string_view name = argv[1];
  const Sql* statement = nullptr;
  for (const Sql* s : statements) {
    if (s->statement().name == name) statement = s;
  }
  if (statement == nullptr) {
    std::fprintf(stderr, "bench_sql: no statement named %s\n", argv[1]);
    return 1;
  }
  Dialect dialect = Dialect::postgresql;
  bool roles = false;
  bool pgbench = false;
  std::map<std::string, std::string> set;
  for (int i = 2; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--sqlite") {
      dialect = Dialect::sqlite;
    } else if (arg == "--roles") {
      roles = true;
    } else if (arg == "--pgbench") {
      pgbench = true;
    } else if (arg == "--set" && i + 1 < argc) {
      const std::string assignment = argv[++i];
      const auto eq = assignment.find('=');
      if (eq == std::string::npos) throw std::runtime_error("--set wants ROLE=EXPR");
      set[assignment.substr(0, eq)] = assignment.substr(eq + 1);
    } else {
      throw std::runtime_error("unknown argument " + std::string(arg));
    }
  }
  const std::string text(statement->statement().text(dialect));
  const std::vector<std::string>& placeholders = statement->parameters();
  if (roles) {
    for (std::size_t n = 0; n < placeholders.size(); ++n) {
      std::printf("$%zu %s\n", n + 1, placeholders[n].c_str());
    }
    return 0;
  }
  if (!pgbench) {
    std::printf("%s\n", text.c_str());
    return 0;
  }
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '$' && i + 1 < text.size() && text[i + 1] >= '0' && text[i + 1] <= '9') {
      std::size_t end = i + 1;
      while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
      const std::string& role = placeholders.at(std::stoul(text.substr(i + 1, end - i - 1)) - 1);
      const auto found = set.find(role);
      out += found != set.end() ? found->second : default_value(role);
      i = end - 1;
    } else {
      out += text[i];
    }
  }
  std::printf("%s\n", out.c_str());
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "bench_sql: %s\n", e.what());
  return 1;
}
