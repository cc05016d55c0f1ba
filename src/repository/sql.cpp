#include "repository/sql.hpp"

#include <algorithm>
#include <stdexcept>

namespace usertasks::repository {

using models::Field;
using models::FieldType;
using models::Source;

namespace {

bool identifier_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// `text` with each :name replaced by $N, N numbering the names in order of first appearance;
// `::type` casts are left as they are.
std::string number_placeholders(std::string_view text, std::vector<std::string>& names) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool placeholder = text[i] == ':' && (i == 0 || text[i - 1] != ':') &&
                             i + 1 < text.size() && identifier_char(text[i + 1]) &&
                             text[i + 1] != ':';
    if (!placeholder) {
      out += text[i];
      continue;
    }
    std::size_t end = i + 1;
    while (end < text.size() && identifier_char(text[end])) ++end;
    const std::string name(text.substr(i + 1, end - i - 1));
    auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) it = names.insert(names.end(), name);
    out += fmt::format("${}", it - names.begin() + 1);
    i = end - 1;
  }
  return out;
}

// The type PostgreSQL is told a filter's parameter has (`$n IS NULL` alone does not tell it).
std::string_view postgresql_type(FieldType type) {
  switch (type) {
    case FieldType::boolean:
      return "BOOLEAN";
    case FieldType::timestamp:
      return "TIMESTAMPTZ";
    case FieldType::text:
      return "TEXT";
    case FieldType::id:
    case FieldType::reference:
      break;
  }
  return "BIGINT";
}

// A parameter as the dialect needs it written: PostgreSQL is told its type where the statement
// alone does not tell it (`$n IS NULL`, `CASE WHEN $n`).
std::string typed(Dialect dialect, std::string_view name, FieldType type) {
  if (dialect == Dialect::sqlite) return fmt::format(":{}", name);
  return fmt::format("CAST(:{} AS {})", name, postgresql_type(type));
}

}  // namespace

Sql::Sql(std::string_view name, const std::function<std::string(Dialect)>& render) : name_(name) {
  postgresql_ = number_placeholders(render(Dialect::postgresql), parameters_);
  std::vector<std::string> sqlite_parameters;
  sqlite_ = number_placeholders(render(Dialect::sqlite), sqlite_parameters);
  if (sqlite_parameters != parameters_) {
    throw std::logic_error(fmt::format("statement {}: the dialects' parameters differ", name_));
  }
  if (sqlite_ == postgresql_) sqlite_.clear();
  statement_ = store::Statement{name_, postgresql_, sqlite_};
}

std::vector<Value> bind(const Sql& sql, std::span<Arg> args) {
  std::vector<Value> values;
  values.reserve(sql.parameters().size());
  for (const std::string& name : sql.parameters()) {
    const auto it =
        std::find_if(args.begin(), args.end(), [&](const Arg& a) { return a.name == name; });
    if (it == args.end()) {
      throw std::logic_error(
          fmt::format("statement {}: no argument for :{}", sql.statement().name, name));
    }
    values.push_back(std::move(it->value));  // a name is one placeholder: used once
  }
  return values;
}

std::string columns(std::span<const Field> fields, std::string_view alias) {
  std::string out;
  for (const Field& f : fields) {
    if (!out.empty()) out += ", ";
    if (!alias.empty()) fmt::format_to(std::back_inserter(out), "{}.", alias);
    out += f.name;
  }
  return out;
}

std::string insert(std::string_view table, std::span<const Field> fields) {
  std::string names;
  std::string values;
  for (const Field& f : fields) {
    if (f.source == Source::database) continue;
    if (!names.empty()) {
      names += ", ";
      values += ", ";
    }
    names += f.name;
    values += f.source == Source::body ? fmt::format(":{}", f.name) : std::string(":now");
  }
  return fmt::format("INSERT INTO {} ({}) VALUES ({}) RETURNING {}", table, names, values,
                     columns(fields));
}

std::string update(Dialect dialect, std::string_view table, std::span<const Field> fields) {
  std::string sets;
  for (const Field& f : fields) {
    if (f.source == Source::body && f.nullable) {
      sets += fmt::format("{0} = CASE WHEN {1} THEN {2} ELSE {0} END, ", f.name,
                          typed(dialect, fmt::format("{}_given", f.name), FieldType::boolean),
                          typed(dialect, f.name, f.type));
    } else if (f.source == Source::body) {
      sets += fmt::format("{0} = COALESCE(:{0}, {0}), ", f.name);
    } else if (f.source == Source::updated) {
      sets += fmt::format("{} = :now, ", f.name);
    }
  }
  sets.resize(sets.size() - 2);
  return fmt::format("UPDATE {} SET {} WHERE id = :id RETURNING {}", table, sets, columns(fields));
}

std::string filters(Dialect dialect, std::span<const models::FilterSpec> filters,
                    std::span<const Field> fields, std::string_view alias) {
  std::string out;
  const std::string prefix = alias.empty() ? std::string() : fmt::format("{}.", alias);
  for (const models::FilterSpec& filter : filters) {
    const Field& field = models::find_field(fields, filter.field);
    const std::string value = typed(dialect, filter.parameter, field.type);
    const std::string_view op = filter.compare == models::Compare::equal    ? "="
                                : filter.compare == models::Compare::before ? "<"
                                                                            : ">";
    fmt::format_to(std::back_inserter(out), " AND ({0} IS NULL OR {1}{2} {3} {0})", value, prefix,
                   field.name, op);
  }
  return out;
}

}  // namespace usertasks::repository
