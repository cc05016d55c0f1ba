// Prints the SQL text of one statement of src/store/statements.hpp, so that the benchmark's
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

#include "statement_roles.hpp"
#include "store/statements.hpp"

namespace sql = usertasks::store::sql;
using usertasks::store::Dialect;
using usertasks::store::Statement;

int main(int argc, char** argv) try {
  constexpr std::array statements = {
      &sql::ping,           &sql::users_page,         &sql::user_with_tasks,
      &sql::tasks_of_users, &sql::tasks_page_of_user, &sql::task_with_user,
      &sql::task_insert,    &sql::task_update,
  };
  if (argc < 2) {
    std::fputs("usage: bench_sql NAME [--sqlite | --roles | --pgbench [--set ROLE=EXPR]...]\n",
               stderr);
    return 2;
  }
  const std::string_view name = argv[1];
  const Statement* statement = nullptr;
  for (const Statement* s : statements) {
    if (s->name == name) statement = s;
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
  const std::string text(statement->text(dialect));
  const auto placeholders = usertasks::bench::placeholder_roles(text);
  if (roles) {
    for (const auto& [n, role] : placeholders) std::printf("$%d %s\n", n, role.c_str());
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
      const std::string& role = placeholders.at(std::stoi(text.substr(i + 1, end - i - 1)));
      const auto found = set.find(role);
      out += found != set.end() ? found->second : ":" + role;
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
