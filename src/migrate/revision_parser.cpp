// Revision files are input that people edit by hand (and that a fuzzer will feed), so the parser
// is strict: unknown keys, wrong types and impossible definitions are errors that name the file
// and the JSON path, e.g. "0002_x.json: operations[1].columns[0].type: expected one of ...".

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <initializer_list>
#include <limits>
#include <set>

#include "base/json_fields.hpp"
#include "migrate/revision.hpp"

namespace usertasks::migrate {

namespace json = boost::json;

namespace {

[[noreturn]] void fail(std::string path, std::string message) {
  throw base::InvalidField({std::move(path), std::move(message)});
}

bool is_identifier(std::string_view s) {
  // Lower case only, so that SQLite (case-insensitive) and PostgreSQL (folds unquoted names to
  // lower case) agree on every name; 63 bytes is PostgreSQL's limit.
  if (s.empty() || s.size() > 63 || (s[0] >= '0' && s[0] <= '9')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool is_revision_id(std::string_view s) {
  return !s.empty() && s.size() <= 32 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// The words of a revision file's errors.
constexpr base::FieldWording wording{.unknown = "unknown key",
                                     .required = "required",
                                     .null = {},  // null is the same as absent
                                     .not_string = "expected a string",
                                     .not_boolean = "expected true or false",
                                     .not_array = "expected an array"};

using base::JsonFields;
using base::Presence;

// The fields of the object `value`, which may hold no key but the `known` ones. Every error
// ends the parse: it is thrown.
JsonFields fields_of(const json::value& value, std::string path,
                     std::initializer_list<std::string_view> known) {
  const json::object* object = value.if_object();
  if (object == nullptr) fail(std::move(path), "expected an object");
  JsonFields fields(*object, std::move(path), wording);
  fields.reject_unknown(known);
  return fields;
}

// Required values: JsonFields throws when one is absent, so these always have one to return.
const json::value& required_value(const JsonFields& f, std::string_view key) {
  return *f.get(key, Presence::required);
}

std::string required_text(const JsonFields& f, std::string_view key) {
  return std::string(*f.string(key, Presence::required));
}

const json::array& required_array(const JsonFields& f, std::string_view key) {
  return *f.array(key, Presence::required);
}

std::optional<std::string> optional_text(const JsonFields& f, std::string_view key) {
  const auto s = f.string(key, Presence::optional);
  return s ? std::optional<std::string>(*s) : std::nullopt;
}

std::string sql_name(const JsonFields& f, std::string_view key) {
  std::string s = required_text(f, key);
  if (!is_identifier(s)) fail(f.path(key), "expected a lower-case SQL name ([a-z_][a-z0-9_]*)");
  return s;
}

std::vector<std::string> sql_names(const JsonFields& f, std::string_view key) {
  std::vector<std::string> out;
  const json::array* a = f.array(key, Presence::optional);
  if (a == nullptr) return out;
  for (std::size_t i = 0; i < a->size(); ++i) {
    std::string path = base::element_path(f.path(key), i);
    const auto* s = (*a)[i].if_string();
    if (s == nullptr || !is_identifier(*s)) fail(std::move(path), "expected a lower-case SQL name");
    if (std::find(out.begin(), out.end(), *s) != out.end()) fail(std::move(path), "listed twice");
    out.emplace_back(*s);
  }
  return out;
}

LogicalType parse_type(const JsonFields& f) {
  const std::string type = required_text(f, "type");
  for (auto t :
       {LogicalType::bigint, LogicalType::text, LogicalType::timestamp, LogicalType::boolean}) {
    if (type == to_string(t)) return t;
  }
  fail(f.path("type"), "expected one of bigint, text, timestamp, boolean");
}

DefaultValue parse_default(const json::value& v, LogicalType type, const std::string& path) {
  switch (type) {
    case LogicalType::bigint:
      if (const auto* n = v.if_int64()) return *n;
      if (const auto* u = v.if_uint64(); u && *u <= std::numeric_limits<std::int64_t>::max()) {
        return static_cast<std::int64_t>(*u);
      }
      fail(path, "expected a 64-bit integer for a bigint column");
    case LogicalType::boolean:
      if (const auto* b = v.if_bool()) return *b;
      fail(path, "expected true or false for a boolean column");
    case LogicalType::text:
    case LogicalType::timestamp:
      if (const auto* s = v.if_string()) return std::string(*s);
      fail(path, "expected a string");
  }
  fail(path, "unsupported default");
}

Column parse_column(const json::value& v, const std::string& path) {
  const JsonFields f =
      fields_of(v, path, {"name", "type", "nullable", "default", "primary_key", "identity"});
  Column c;
  c.name = sql_name(f, "name");
  c.type = parse_type(f);
  c.identity = f.boolean("identity", Presence::optional).value_or(false);
  const auto primary_key = f.boolean("primary_key", Presence::optional);
  if (c.identity && primary_key == false)
    fail(f.path("identity"), "an identity is the primary key");
  c.primary_key = primary_key.value_or(c.identity);
  c.nullable = f.boolean("nullable", Presence::optional).value_or(!c.primary_key);
  if (c.primary_key && c.nullable) fail(f.path("nullable"), "a primary key column cannot be null");
  if (c.identity && c.type != LogicalType::bigint) fail(f.path("identity"), "requires type bigint");
  if (const json::value* d = f.get("default", Presence::optional)) {
    if (c.identity) fail(f.path("default"), "an identity column takes no default");
    c.default_value = parse_default(*d, c.type, f.path("default"));
  }
  return c;
}

OnDelete parse_on_delete(const JsonFields& f) {
  const auto text = optional_text(f, "on_delete");
  if (!text) return OnDelete::no_action;
  for (auto a : {OnDelete::no_action, OnDelete::restrict, OnDelete::cascade, OnDelete::set_null,
                 OnDelete::set_default}) {
    if (*text == to_string(a)) return a;
  }
  fail(f.path("on_delete"), "expected one of cascade, restrict, set null, set default, no action");
}

ForeignKey parse_foreign_key(const json::value& v, const std::string& path) {
  const JsonFields k =
      fields_of(v, path, {"name", "columns", "references", "ref_columns", "on_delete"});
  ForeignKey fk;
  if (k.get("name", Presence::optional) != nullptr) fk.name = sql_name(k, "name");
  fk.columns = sql_names(k, "columns");
  if (fk.columns.empty()) fail(k.path("columns"), "expected at least one column");
  fk.references = sql_name(k, "references");
  fk.ref_columns = sql_names(k, "ref_columns");
  if (fk.ref_columns.size() != fk.columns.size()) {
    fail(k.path("ref_columns"), "expected as many columns as \"columns\"");
  }
  fk.on_delete = parse_on_delete(k);
  return fk;
}

UniqueConstraint parse_unique(const json::value& v, const std::string& path) {
  const JsonFields u = fields_of(v, path, {"name", "columns"});
  UniqueConstraint constraint;
  if (u.get("name", Presence::optional) != nullptr) constraint.name = sql_name(u, "name");
  constraint.columns = sql_names(u, "columns");
  if (constraint.columns.empty()) fail(u.path("columns"), "expected at least one column");
  return constraint;
}

Table parse_table(const JsonFields& f) {
  Table t;
  t.name = sql_name(f, "name");
  const json::array& columns = required_array(f, "columns");
  if (columns.empty()) fail(f.path("columns"), "a table needs at least one column");
  std::set<std::string> names;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    Column c = parse_column(columns[i], base::element_path(f.path("columns"), i));
    if (!names.insert(c.name).second)
      fail(base::element_path(f.path("columns"), i), "duplicate column " + c.name);
    t.columns.push_back(std::move(c));
  }
  const auto keys = std::count_if(t.columns.begin(), t.columns.end(),
                                  [](const Column& c) { return c.primary_key; });
  const bool has_identity =
      std::any_of(t.columns.begin(), t.columns.end(), [](const Column& c) { return c.identity; });
  if (has_identity && keys > 1) fail(f.path("columns"), "an identity must be the only key column");

  auto check_columns = [&](const std::vector<std::string>& cols, const std::string& path) {
    if (cols.empty()) fail(path, "expected at least one column");
    for (const auto& c : cols) {
      if (names.count(c) == 0) fail(path, "no column " + c + " in table " + t.name);
    }
  };
  if (const json::array* fks = f.array("foreign_keys", Presence::optional)) {
    for (std::size_t i = 0; i < fks->size(); ++i) {
      ForeignKey fk = parse_foreign_key((*fks)[i], base::element_path(f.path("foreign_keys"), i));
      check_columns(fk.columns, base::element_path(f.path("foreign_keys"), i) + ".columns");
      t.foreign_keys.push_back(std::move(fk));
    }
  }
  if (const json::array* uniques = f.array("unique", Presence::optional)) {
    for (std::size_t i = 0; i < uniques->size(); ++i) {
      UniqueConstraint constraint =
          parse_unique((*uniques)[i], base::element_path(f.path("unique"), i));
      check_columns(constraint.columns, base::element_path(f.path("unique"), i) + ".columns");
      t.unique.push_back(std::move(constraint));
    }
  }
  return t;
}

Index parse_index(const JsonFields& f) {
  Index index;
  index.name = sql_name(f, "name");
  index.table = sql_name(f, "table");
  index.unique = f.boolean("unique", Presence::optional).value_or(false);
  index.trigram = f.boolean("trigram", Presence::optional).value_or(false);
  if (index.trigram && index.unique) fail(f.path("trigram"), "a trigram index cannot be unique");
  index.columns = sql_names(f, "columns");
  if (const json::array* expressions = f.array("expressions", Presence::optional)) {
    for (std::size_t i = 0; i < expressions->size(); ++i) {
      const std::string path = base::element_path(f.path("expressions"), i);
      const auto* s = (*expressions)[i].if_string();
      if (s == nullptr || s->empty() || s->size() > 1000) fail(path, "expected an SQL expression");
      const std::string_view text = *s;
      // An expression is spliced into CREATE INDEX; it must not end that statement or comment
      // out the rest of it.
      if (text.find_first_of(";") != std::string_view::npos ||
          text.find("--") != std::string_view::npos || text.find("/*") != std::string_view::npos) {
        fail(path, "an expression may not contain ';', '--' or '/*'");
      }
      index.expressions.emplace_back(text);
    }
  }
  if (index.columns.empty() == index.expressions.empty()) {
    fail(f.path("columns"), "give either \"columns\" or \"expressions\", not both or neither");
  }
  return index;
}

DialectSql parse_dialect_sql(const json::value& v, const std::string& path, bool allow_reverse) {
  const JsonFields f = fields_of(
      v, path,
      allow_reverse
          ? std::initializer_list<std::string_view>{"op", "sqlite", "postgresql", "reverse"}
          : std::initializer_list<std::string_view>{"sqlite", "postgresql"});
  // Present but possibly empty: a revision states what it does on each database.
  if (f.get("sqlite", Presence::optional) == nullptr)
    fail(f.path("sqlite"), "required (use \"\" for nothing)");
  if (f.get("postgresql", Presence::optional) == nullptr)
    fail(f.path("postgresql"), "required (use \"\" for nothing)");
  return DialectSql{required_text(f, "sqlite"), required_text(f, "postgresql")};
}

Operation parse_operation(const json::value& v, const std::string& path) {
  const json::object* object = v.if_object();
  if (object == nullptr) fail(path, "expected an object");
  const json::value* op_value = object->if_contains("op");
  if (op_value == nullptr || !op_value->is_string()) fail(path + ".op", "required string");
  const std::string_view op = op_value->get_string();

  if (op == "create_table" || op == "drop_table") {
    const Table table =
        parse_table(fields_of(v, path, {"op", "name", "columns", "foreign_keys", "unique"}));
    if (op == "create_table") return CreateTable{table};
    return DropTable{table};
  }
  if (op == "add_column" || op == "drop_column") {
    const JsonFields f = fields_of(v, path, {"op", "table", "column"});
    std::string table = sql_name(f, "table");
    Column column = parse_column(required_value(f, "column"), f.path("column"));
    if (op == "add_column") return AddColumn{std::move(table), std::move(column)};
    return DropColumn{std::move(table), std::move(column)};
  }
  if (op == "create_index" || op == "drop_index") {
    const Index index = parse_index(
        fields_of(v, path, {"op", "name", "table", "columns", "expressions", "unique", "trigram"}));
    if (op == "create_index") return CreateIndex{index};
    return DropIndex{index};
  }
  if (op == "alter_column") {
    const JsonFields f = fields_of(v, path, {"op", "table", "from", "to"});
    AlterColumn alter{sql_name(f, "table"), parse_column(required_value(f, "from"), f.path("from")),
                      parse_column(required_value(f, "to"), f.path("to"))};
    if (alter.from.name != alter.to.name) fail(f.path("to.name"), "must equal from.name");
    if (alter.from.primary_key != alter.to.primary_key ||
        alter.from.identity != alter.to.identity) {
      fail(f.path("to"), "alter_column cannot change primary_key or identity");
    }
    return alter;
  }
  if (op == "add_foreign_key" || op == "drop_foreign_key") {
    const JsonFields f = fields_of(v, path, {"op", "table", "foreign_key"});
    std::string table = sql_name(f, "table");
    ForeignKey key = parse_foreign_key(required_value(f, "foreign_key"), f.path("foreign_key"));
    if (op == "add_foreign_key") return AddForeignKey{std::move(table), std::move(key)};
    return DropForeignKey{std::move(table), std::move(key)};
  }
  if (op == "add_unique" || op == "drop_unique") {
    const JsonFields f = fields_of(v, path, {"op", "table", "unique"});
    std::string table = sql_name(f, "table");
    UniqueConstraint unique = parse_unique(required_value(f, "unique"), f.path("unique"));
    if (op == "add_unique") return AddUnique{std::move(table), std::move(unique)};
    return DropUnique{std::move(table), std::move(unique)};
  }
  if (op == "sql") {
    RawSql raw{parse_dialect_sql(v, path, true), std::nullopt};
    if (const json::value* r = object->if_contains("reverse"); r != nullptr && !r->is_null()) {
      raw.backward = parse_dialect_sql(*r, path + ".reverse", false);
    }
    return raw;
  }
  fail(path + ".op",
       "unknown operation \"" + std::string(op) +
           "\" (expected create_table, drop_table, add_column, drop_column, create_index, "
           "drop_index, alter_column, add_foreign_key, drop_foreign_key, add_unique, "
           "drop_unique or sql)");
}

Revision parse(std::string_view text, std::string_view file) {
  boost::system::error_code ec;
  const json::value root = json::parse(text, ec);
  if (ec) fail("", "not valid JSON: " + ec.message());
  const JsonFields f = fields_of(root, "", {"revision", "parent", "message", "operations"});

  Revision r;
  r.id = required_text(f, "revision");
  if (!is_revision_id(r.id)) fail("revision", "expected 1 to 32 characters of [a-z0-9_]");
  if (!file.empty() && !file.starts_with(r.id + "_")) {
    fail("revision", "file name must start with \"" + r.id + "_\"");
  }
  if (!f.contains("parent")) {
    fail("parent", "required (null for the first revision)");
  }
  r.parent = optional_text(f, "parent");
  if (r.parent && (!is_revision_id(*r.parent) || *r.parent == r.id)) {
    fail("parent", "expected another revision's id, or null");
  }
  r.message = required_text(f, "message");
  const json::array& operations = required_array(f, "operations");
  for (std::size_t i = 0; i < operations.size(); ++i) {
    r.operations.push_back(parse_operation(operations[i], base::element_path("operations", i)));
  }
  r.file = std::string(file);
  r.checksum = checksum(text);
  return r;
}

}  // namespace

Revision parse_revision(std::string_view text, std::string_view file) {
  const std::string name = file.empty() ? std::string("revision") : std::string(file);
  try {
    return parse(text, file);
  } catch (const base::InvalidField& e) {
    throw RevisionParseError(name + ": " + e.what());
  } catch (const std::exception& e) {
    // Boost.JSON reports some limits (depth, size) by throwing; they are bad input too.
    throw RevisionParseError(name + ": " + e.what());
  }
}

}  // namespace usertasks::migrate
