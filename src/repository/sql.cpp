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
    case FieldType::names:
      return "TEXT";  // a JSON array
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

Sql::Sql(std::string_view name, const std::function<std::string(Dialect)>& render, bool kept)
    : name_(name) {
  postgresql_ = number_placeholders(render(Dialect::postgresql), parameters_);
  std::vector<std::string> sqlite_parameters;
  sqlite_ = number_placeholders(render(Dialect::sqlite), sqlite_parameters);
  if (sqlite_parameters != parameters_) {
    throw std::logic_error(fmt::format("statement {}: the dialects' parameters differ", name_));
  }
  if (sqlite_ == postgresql_) sqlite_.clear();
  statement_ = store::Statement{name_, postgresql_, sqlite_, kept};
  each_time_ = statement_;
  each_time_.plan_each_time = true;
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

std::string first_json_value(Dialect dialect, std::string_view name) {
  if (dialect == Dialect::sqlite) return fmt::format("json_extract(:{}, '$[0]')", name);
  return fmt::format("CAST(:{} AS TEXT)::json ->> 0", name);
}

std::string json_values(Dialect dialect, std::string_view name) {
  if (dialect == Dialect::sqlite) return fmt::format("json_each(:{})", name);
  return fmt::format("json_array_elements_text(CAST(:{} AS TEXT)::json)", name);
}

std::string names_of(Dialect dialect, const models::Link& link, std::string_view owner_id) {
  const std::string_view aggregate = dialect == Dialect::sqlite ? "group_concat" : "string_agg";
  const std::string_view newline = dialect == Dialect::sqlite ? "char(10)" : "chr(10)";
  return fmt::format(
      "(SELECT {0}({2}.{3}, {1}) FROM {4} JOIN {2} ON {2}.id = {4}.{5} WHERE {4}.{6} = {7})",
      aggregate, newline, link.target_table, link.name->name, link.table, link.target, link.owner,
      owner_id);
}

namespace {

// Whether a field is a column of its table (a names field is a join table's rows).
bool in_column(const Field& f) {
  return f.type != FieldType::names;
}

}  // namespace

std::string columns(Dialect dialect, std::string_view table, std::span<const Field> fields,
                    std::string_view alias) {
  std::string out;
  for (const Field& f : fields) {
    if (!out.empty()) out += ", ";
    if (!in_column(f)) {
      const std::string owner = fmt::format("{}.id", alias.empty() ? table : alias);
      fmt::format_to(std::back_inserter(out), "{} AS {}", names_of(dialect, *f.link, owner),
                     f.name);
      continue;
    }
    if (!alias.empty()) fmt::format_to(std::back_inserter(out), "{}.", alias);
    out += f.name;
  }
  fmt::format_to(std::back_inserter(out), ", {}{}{}", alias, alias.empty() ? "" : ".",
                 models::version_column);
  return out;
}

namespace {

// The columns an insert writes (every column field that is not the database's), and the value of
// each as `value` writes it, both comma-separated.
template <class Value>
std::pair<std::string, std::string> inserted(std::span<const Field> fields, Value value) {
  std::string names;
  std::string values;
  for (const Field& f : fields) {
    if (f.source == Source::database || !in_column(f)) continue;
    if (!names.empty()) {
      names += ", ";
      values += ", ";
    }
    names += f.name;
    values += value(f);
  }
  return {std::move(names), std::move(values)};
}

}  // namespace

std::string insert(Dialect dialect, std::string_view table, std::span<const Field> fields,
                   std::string_view embedded) {
  const auto [names, values] = inserted(fields, [](const Field& f) {
    return f.source == Source::body ? fmt::format(":{}", f.name) : std::string(":now");
  });
  return fmt::format("INSERT INTO {} ({}) VALUES ({}) RETURNING {}, {}", table, names, values,
                     columns(dialect, table, fields), embedded);
}

std::string insert_each(Dialect dialect, std::string_view table, std::span<const Field> fields) {
  const bool sqlite = dialect == Dialect::sqlite;
  const auto [names, values] = inserted(fields, [sqlite](const Field& f) {
    if (f.source != Source::body) {
      return std::string(sqlite ? ":now" : "CAST(:now AS TIMESTAMPTZ)");
    }
    if (sqlite) return fmt::format("json_extract(r.value, '$.{}')", f.name);
    return fmt::format("CAST(r.value ->> '{}' AS {})", f.name, postgresql_type(f.type));
  });
  const std::string_view rows =
      sqlite ? "json_each(:records) r WHERE true ORDER BY r.key"
             : "json_array_elements(CAST(:records AS TEXT)::json) WITH ORDINALITY AS r(value, n) "
               "ORDER BY r.n";
  return fmt::format("INSERT INTO {} ({}) SELECT {} FROM {} RETURNING {}", table, names, values,
                     rows, columns(dialect, table, fields));
}

std::string update(Dialect dialect, std::string_view table, std::span<const Field> fields,
                   std::string_view embedded) {
  std::string sets;
  for (const Field& f : fields) {
    if (!in_column(f)) continue;
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
  sets += fmt::format("{0} = {0} + 1", models::version_column);
  return fmt::format("UPDATE {} SET {} WHERE id = :id{} RETURNING {}, {}", table, sets,
                     if_match(dialect, table, embedded), columns(dialect, table, fields), embedded);
}

namespace {

// " AND (...)": the records linked with every name of the JSON array :`parameter` (names compared
// in lower case, each matching at most one linked record). A count per record through the join
// table's primary key, so that a list walks only the records it would walk without the filter;
// an IN over the links of the names was planned as a scan of every link.
std::string all_names(Dialect dialect, const Field& field, std::string_view parameter,
                      std::string_view id) {
  const models::Link& link = *field.link;
  const std::string names = json_values(dialect, parameter);
  return fmt::format(
      " AND ({0} IS NULL OR (SELECT count(*) FROM {2} JOIN {4} ON {4}.id = {2}.{5} "
      "WHERE {2}.{3} = {1} AND lower({4}.{6}) IN (SELECT lower(value) FROM {7})) "
      "= (SELECT count(DISTINCT lower(value)) FROM {7}))",
      typed(dialect, parameter, FieldType::text), id, link.table, link.owner, link.target_table,
      link.target, link.name->name, names);
}

// " AND (...)": the records whose `field` (or `or_field`) contains the text :`parameter`, in
// lower case on both sides (the database's lower(), as the unique indexes of emails and tag names
// fold case); %, _ and \ in the text match themselves. The form PostgreSQL's trigram indexes on
// lower(field) serve: lower(field) LIKE '%' || text || '%'.
std::string contains(Dialect dialect, const models::FilterSpec& filter, std::string_view prefix) {
  const std::string text = typed(dialect, filter.parameter, FieldType::text);
  const std::string pattern = fmt::format(
      R"('%' || replace(replace(replace(lower({}), '\', '\\'), '%', '\%'), '_', '\_') || '%')",
      text);
  std::string out = fmt::format(" AND ({} IS NULL OR lower({}{}) LIKE {} ESCAPE '\\'", text, prefix,
                                filter.field, pattern);
  if (!filter.or_field.empty()) {
    fmt::format_to(std::back_inserter(out), " OR lower({}{}) LIKE {} ESCAPE '\\'", prefix,
                   filter.or_field, pattern);
  }
  out += ')';
  return out;
}

}  // namespace

std::string filters(Dialect dialect, std::string_view table,
                    std::span<const models::FilterSpec> filters, std::span<const Field> fields,
                    std::string_view alias) {
  std::string out;
  const std::string prefix = alias.empty() ? std::string() : fmt::format("{}.", alias);
  for (const models::FilterSpec& filter : filters) {
    const Field& field = models::find_field(fields, filter.field);
    if (filter.compare == models::Compare::all) {
      out += all_names(dialect, field, filter.parameter,
                       fmt::format("{}.id", alias.empty() ? table : alias));
      continue;
    }
    if (filter.compare == models::Compare::contains) {
      out += contains(dialect, filter, prefix);
      continue;
    }
    const std::string value = typed(dialect, filter.parameter, field.type);
    const std::string_view op = filter.compare == models::Compare::equal    ? "="
                                : filter.compare == models::Compare::before ? "<"
                                                                            : ">";
    fmt::format_to(std::back_inserter(out), " AND ({0} IS NULL OR {1}{2} {3} {0})", value, prefix,
                   field.name, op);
  }
  return out;
}

std::string sort_expression(Dialect dialect, const Field& field, std::string_view prefix) {
  const std::string column = fmt::format("{}{}", prefix, field.name);
  if (field.type == FieldType::text) {
    std::string text = field.sort_prefix == 0
                           ? column
                           : fmt::format("substr({}, 1, {})", column, field.sort_prefix);
    if (dialect == Dialect::postgresql) text += " COLLATE \"C\"";
    return text;
  }
  // 'infinity' is after every time on both: PostgreSQL's timestamptz infinity, and on SQLite after
  // every RFC 3339 text, which starts with a digit.
  if (field.nullable) return fmt::format("COALESCE({}, 'infinity')", column);
  return column;
}

PageOrder id_order(std::string_view id) {
  return {fmt::format("{} > :after", id), std::string(id)};
}

std::string cursor_parameter(std::size_t i) {
  return fmt::format("cursor_{}", i);
}

namespace {

// The value of key `i` of a cursor, as sort_expression compares its field.
std::string cursor_value(Dialect dialect, const Field& field, std::size_t i) {
  const std::string value = typed(dialect, cursor_parameter(i), field.type);
  if (field.nullable) return fmt::format("COALESCE({}, 'infinity')", value);
  return value;
}

// "a" for one item, "(a, b)" for several: a row value.
std::string row(const std::vector<std::string>& items) {
  if (items.size() == 1) return items.front();
  std::string out = "(";
  for (const std::string& item : items) {
    if (out.size() > 1) out += ", ";
    out += item;
  }
  return out + ")";
}

}  // namespace

PageOrder sort_order(Dialect dialect, std::span<const Field> fields, const models::Sort& sort,
                     bool first, std::string_view prefix) {
  struct Run {
    std::vector<std::string> columns;
    std::vector<std::string> values;
    bool descending = false;
  };
  std::vector<Run> runs;  // the keys, by runs of one direction
  PageOrder order;
  for (std::size_t i = 0; i < sort.keys.size(); ++i) {
    const models::SortKey& key = sort.keys[i];
    const Field& field = fields[key.field];
    std::string column = sort_expression(dialect, field, prefix);
    if (!order.by.empty()) order.by += ", ";
    order.by += fmt::format("{} {}", column, key.descending ? "DESC" : "ASC");
    if (runs.empty() || runs.back().descending != key.descending)
      runs.push_back({{}, {}, key.descending});
    runs.back().columns.push_back(std::move(column));
    runs.back().values.push_back(cursor_value(dialect, field, i));
  }
  if (first) {
    order.after = "true";
    return order;
  }
  // After the key: past it on the first run, or equal there and after it on the rest.
  for (std::size_t i = runs.size(); i-- > 0;) {
    const Run& r = runs[i];
    const std::string past =
        fmt::format("{} {} {}", row(r.columns), r.descending ? "<" : ">", row(r.values));
    order.after = order.after.empty() ? past
                                      : fmt::format("({} OR ({} = {} AND {}))", past,
                                                    row(r.columns), row(r.values), order.after);
  }
  // The bound of the first run alone, which an index on its columns can start from.
  if (runs.size() > 1) {
    const Run& r = runs.front();
    order.after = fmt::format("{} {}= {} AND {}", row(r.columns), r.descending ? "<" : ">",
                              row(r.values), order.after);
  }
  return order;
}

}  // namespace usertasks::repository
