// Revision files are input that people edit by hand (and that a fuzzer will feed), so the parser
// is strict: unknown keys, wrong types and impossible definitions are errors that name the file
// and the JSON path, e.g. "0002_x.json: operations[1].columns[0].type: expected one of ...".

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <initializer_list>
#include <limits>
#include <set>

#include "migrate/revision.hpp"

namespace usertasks::migrate {

namespace json = boost::json;

namespace {

struct Invalid {
  std::string path;
  std::string message;
};

[[noreturn]] void fail(const std::string& path, std::string message) {
  throw Invalid{path, std::move(message)};
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

// One JSON object, read field by field; rejects keys it was not told about.
class Fields {
 public:
  Fields(const json::value& value, std::string path, std::initializer_list<std::string_view> known)
      : path_(std::move(path)) {
    object_ = value.if_object();
    if (object_ == nullptr) fail(path_, "expected an object");
    for (const auto& entry : *object_) {
      if (std::find(known.begin(), known.end(), entry.key()) == known.end()) {
        fail(at(entry.key()), "unknown key");
      }
    }
  }

  [[nodiscard]] std::string at(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }

  [[nodiscard]] const json::value* find(std::string_view key) const {
    const json::value* v = object_->if_contains(key);
    return v != nullptr && !v->is_null() ? v : nullptr;
  }

  [[nodiscard]] const json::value& required(std::string_view key) const {
    const json::value* v = find(key);
    if (v == nullptr) fail(at(key), "required");
    return *v;
  }

  [[nodiscard]] std::optional<std::string> optional_string(std::string_view key) const {
    const json::value* v = find(key);
    if (v == nullptr) return std::nullopt;
    if (!v->is_string()) fail(at(key), "expected a string");
    return std::string(v->get_string());
  }

  [[nodiscard]] std::string string(std::string_view key) const {
    auto s = optional_string(key);
    if (!s) fail(at(key), "required");
    return *s;
  }

  [[nodiscard]] std::string name(std::string_view key) const {
    std::string s = string(key);
    if (!is_identifier(s)) fail(at(key), "expected a lower-case SQL name ([a-z_][a-z0-9_]*)");
    return s;
  }

  [[nodiscard]] std::optional<bool> optional_boolean(std::string_view key) const {
    const json::value* v = find(key);
    if (v == nullptr) return std::nullopt;
    if (!v->is_bool()) fail(at(key), "expected true or false");
    return v->get_bool();
  }

  [[nodiscard]] const json::array* optional_array(std::string_view key) const {
    const json::value* v = find(key);
    if (v == nullptr) return nullptr;
    if (!v->is_array()) fail(at(key), "expected an array");
    return &v->get_array();
  }

  [[nodiscard]] const json::array& array(std::string_view key) const {
    const json::array* a = optional_array(key);
    if (a == nullptr) fail(at(key), "required");
    return *a;
  }

  [[nodiscard]] std::vector<std::string> names(std::string_view key) const {
    std::vector<std::string> out;
    const json::array* a = optional_array(key);
    if (a == nullptr) return out;
    for (std::size_t i = 0; i < a->size(); ++i) {
      const std::string path = at(key) + "[" + std::to_string(i) + "]";
      const auto* s = (*a)[i].if_string();
      if (s == nullptr || !is_identifier(*s)) fail(path, "expected a lower-case SQL name");
      if (std::find(out.begin(), out.end(), *s) != out.end()) fail(path, "listed twice");
      out.emplace_back(*s);
    }
    return out;
  }

 private:
  std::string path_;
  const json::object* object_ = nullptr;
};

std::string item(const std::string& path, std::size_t i) {
  return path + "[" + std::to_string(i) + "]";
}

LogicalType parse_type(const Fields& f) {
  const std::string type = f.string("type");
  for (auto t :
       {LogicalType::bigint, LogicalType::text, LogicalType::timestamp, LogicalType::boolean}) {
    if (type == to_string(t)) return t;
  }
  fail(f.at("type"), "expected one of bigint, text, timestamp, boolean");
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
  const Fields f(v, path, {"name", "type", "nullable", "default", "primary_key", "identity"});
  Column c;
  c.name = f.name("name");
  c.type = parse_type(f);
  c.identity = f.optional_boolean("identity").value_or(false);
  const auto primary_key = f.optional_boolean("primary_key");
  if (c.identity && primary_key == false) fail(f.at("identity"), "an identity is the primary key");
  c.primary_key = primary_key.value_or(c.identity);
  c.nullable = f.optional_boolean("nullable").value_or(!c.primary_key);
  if (c.primary_key && c.nullable) fail(f.at("nullable"), "a primary key column cannot be null");
  if (c.identity && c.type != LogicalType::bigint) fail(f.at("identity"), "requires type bigint");
  if (const json::value* d = f.find("default")) {
    if (c.identity) fail(f.at("default"), "an identity column takes no default");
    c.default_value = parse_default(*d, c.type, f.at("default"));
  }
  return c;
}

OnDelete parse_on_delete(const Fields& f) {
  const auto text = f.optional_string("on_delete");
  if (!text) return OnDelete::no_action;
  for (auto a : {OnDelete::no_action, OnDelete::restrict, OnDelete::cascade, OnDelete::set_null,
                 OnDelete::set_default}) {
    if (*text == to_string(a)) return a;
  }
  fail(f.at("on_delete"), "expected one of cascade, restrict, set null, set default, no action");
}

ForeignKey parse_foreign_key(const json::value& v, const std::string& path) {
  const Fields k(v, path, {"name", "columns", "references", "ref_columns", "on_delete"});
  ForeignKey fk;
  if (k.find("name") != nullptr) fk.name = k.name("name");
  fk.columns = k.names("columns");
  if (fk.columns.empty()) fail(k.at("columns"), "expected at least one column");
  fk.references = k.name("references");
  fk.ref_columns = k.names("ref_columns");
  if (fk.ref_columns.size() != fk.columns.size()) {
    fail(k.at("ref_columns"), "expected as many columns as \"columns\"");
  }
  fk.on_delete = parse_on_delete(k);
  return fk;
}

UniqueConstraint parse_unique(const json::value& v, const std::string& path) {
  const Fields u(v, path, {"name", "columns"});
  UniqueConstraint constraint;
  if (u.find("name") != nullptr) constraint.name = u.name("name");
  constraint.columns = u.names("columns");
  if (constraint.columns.empty()) fail(u.at("columns"), "expected at least one column");
  return constraint;
}

Table parse_table(const Fields& f) {
  Table t;
  t.name = f.name("name");
  const json::array& columns = f.array("columns");
  if (columns.empty()) fail(f.at("columns"), "a table needs at least one column");
  std::set<std::string> names;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    Column c = parse_column(columns[i], item(f.at("columns"), i));
    if (!names.insert(c.name).second) fail(item(f.at("columns"), i), "duplicate column " + c.name);
    t.columns.push_back(std::move(c));
  }
  const auto keys = std::count_if(t.columns.begin(), t.columns.end(),
                                  [](const Column& c) { return c.primary_key; });
  const bool has_identity =
      std::any_of(t.columns.begin(), t.columns.end(), [](const Column& c) { return c.identity; });
  if (has_identity && keys > 1) fail(f.at("columns"), "an identity must be the only key column");

  auto check_columns = [&](const std::vector<std::string>& cols, const std::string& path) {
    if (cols.empty()) fail(path, "expected at least one column");
    for (const auto& c : cols) {
      if (names.count(c) == 0) fail(path, "no column " + c + " in table " + t.name);
    }
  };
  if (const json::array* fks = f.optional_array("foreign_keys")) {
    for (std::size_t i = 0; i < fks->size(); ++i) {
      ForeignKey fk = parse_foreign_key((*fks)[i], item(f.at("foreign_keys"), i));
      check_columns(fk.columns, item(f.at("foreign_keys"), i) + ".columns");
      t.foreign_keys.push_back(std::move(fk));
    }
  }
  if (const json::array* uniques = f.optional_array("unique")) {
    for (std::size_t i = 0; i < uniques->size(); ++i) {
      UniqueConstraint constraint = parse_unique((*uniques)[i], item(f.at("unique"), i));
      check_columns(constraint.columns, item(f.at("unique"), i) + ".columns");
      t.unique.push_back(std::move(constraint));
    }
  }
  return t;
}

Index parse_index(const Fields& f) {
  Index index;
  index.name = f.name("name");
  index.table = f.name("table");
  index.unique = f.optional_boolean("unique").value_or(false);
  index.columns = f.names("columns");
  if (const json::array* expressions = f.optional_array("expressions")) {
    for (std::size_t i = 0; i < expressions->size(); ++i) {
      const std::string path = item(f.at("expressions"), i);
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
    fail(f.at("columns"), "give either \"columns\" or \"expressions\", not both or neither");
  }
  return index;
}

DialectSql parse_dialect_sql(const json::value& v, const std::string& path, bool allow_reverse) {
  const Fields f(v, path,
                 allow_reverse ? std::initializer_list<std::string_view>{"op", "sqlite",
                                                                         "postgresql", "reverse"}
                               : std::initializer_list<std::string_view>{"sqlite", "postgresql"});
  // Present but possibly empty: a revision states what it does on each database.
  if (f.find("sqlite") == nullptr) fail(f.at("sqlite"), "required (use \"\" for nothing)");
  if (f.find("postgresql") == nullptr) fail(f.at("postgresql"), "required (use \"\" for nothing)");
  return DialectSql{f.string("sqlite"), f.string("postgresql")};
}

Operation parse_operation(const json::value& v, const std::string& path) {
  const json::object* object = v.if_object();
  if (object == nullptr) fail(path, "expected an object");
  const json::value* op_value = object->if_contains("op");
  if (op_value == nullptr || !op_value->is_string()) fail(path + ".op", "required string");
  const std::string_view op = op_value->get_string();

  if (op == "create_table" || op == "drop_table") {
    const Table table =
        parse_table(Fields(v, path, {"op", "name", "columns", "foreign_keys", "unique"}));
    if (op == "create_table") return CreateTable{table};
    return DropTable{table};
  }
  if (op == "add_column" || op == "drop_column") {
    const Fields f(v, path, {"op", "table", "column"});
    std::string table = f.name("table");
    Column column = parse_column(f.required("column"), f.at("column"));
    if (op == "add_column") return AddColumn{std::move(table), std::move(column)};
    return DropColumn{std::move(table), std::move(column)};
  }
  if (op == "create_index" || op == "drop_index") {
    const Index index =
        parse_index(Fields(v, path, {"op", "name", "table", "columns", "expressions", "unique"}));
    if (op == "create_index") return CreateIndex{index};
    return DropIndex{index};
  }
  if (op == "alter_column") {
    const Fields f(v, path, {"op", "table", "from", "to"});
    AlterColumn alter{f.name("table"), parse_column(f.required("from"), f.at("from")),
                      parse_column(f.required("to"), f.at("to"))};
    if (alter.from.name != alter.to.name) fail(f.at("to.name"), "must equal from.name");
    if (alter.from.primary_key != alter.to.primary_key ||
        alter.from.identity != alter.to.identity) {
      fail(f.at("to"), "alter_column cannot change primary_key or identity");
    }
    return alter;
  }
  if (op == "add_foreign_key" || op == "drop_foreign_key") {
    const Fields f(v, path, {"op", "table", "foreign_key"});
    std::string table = f.name("table");
    ForeignKey key = parse_foreign_key(f.required("foreign_key"), f.at("foreign_key"));
    if (op == "add_foreign_key") return AddForeignKey{std::move(table), std::move(key)};
    return DropForeignKey{std::move(table), std::move(key)};
  }
  if (op == "add_unique" || op == "drop_unique") {
    const Fields f(v, path, {"op", "table", "unique"});
    std::string table = f.name("table");
    UniqueConstraint unique = parse_unique(f.required("unique"), f.at("unique"));
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
  const Fields f(root, "", {"revision", "parent", "message", "operations"});

  Revision r;
  r.id = f.string("revision");
  if (!is_revision_id(r.id)) fail("revision", "expected 1 to 32 characters of [a-z0-9_]");
  if (!file.empty() && !file.starts_with(r.id + "_")) {
    fail("revision", "file name must start with \"" + r.id + "_\"");
  }
  if (!f.find("parent") && !root.as_object().contains("parent")) {
    fail("parent", "required (null for the first revision)");
  }
  r.parent = f.optional_string("parent");
  if (r.parent && (!is_revision_id(*r.parent) || *r.parent == r.id)) {
    fail("parent", "expected another revision's id, or null");
  }
  r.message = f.string("message");
  const json::array& operations = f.array("operations");
  for (std::size_t i = 0; i < operations.size(); ++i) {
    r.operations.push_back(parse_operation(operations[i], item("operations", i)));
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
  } catch (const Invalid& e) {
    throw RevisionParseError(name + ": " + (e.path.empty() ? "" : e.path + ": ") + e.message);
  } catch (const std::exception& e) {
    // Boost.JSON reports some limits (depth, size) by throwing; they are bad input too.
    throw RevisionParseError(name + ": " + e.what());
  }
}

}  // namespace usertasks::migrate
