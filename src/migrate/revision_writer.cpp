// Writes operations as revision JSON: the inverse of revision_parser.cpp. Keys the parser treats
// as defaults (nullable true, no default, no key) are left out, as a person would write them.

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include "migrate/revision.hpp"

namespace usertasks::migrate {

namespace json = boost::json;

namespace {

json::array names(const std::vector<std::string>& items) {
  json::array out;
  for (const auto& item : items) out.emplace_back(item);
  return out;
}

json::object column_json(const Column& c) {
  json::object o{{"name", c.name}, {"type", std::string(to_string(c.type))}};
  if (c.primary_key) o["primary_key"] = true;
  if (c.identity) o["identity"] = true;
  if (c.nullable == c.primary_key) o["nullable"] = c.nullable;  // differs from the parser's default
  if (c.default_value) {
    std::visit([&](const auto& v) { o["default"] = v; }, *c.default_value);
  }
  return o;
}

json::object key_json(const ForeignKey& k) {
  json::object o;
  if (k.name) o["name"] = *k.name;
  o["columns"] = names(k.columns);
  o["references"] = k.references;
  o["ref_columns"] = names(k.ref_columns);
  if (k.on_delete != OnDelete::no_action) o["on_delete"] = std::string(to_string(k.on_delete));
  return o;
}

json::object unique_json(const UniqueConstraint& u) {
  json::object o;
  if (u.name) o["name"] = *u.name;
  o["columns"] = names(u.columns);
  return o;
}

json::object table_json(std::string_view op, const Table& t) {
  json::object o{{"op", op}, {"name", t.name}};
  json::array columns;
  for (const auto& c : t.columns) columns.emplace_back(column_json(c));
  o["columns"] = std::move(columns);
  if (!t.foreign_keys.empty()) {
    json::array keys;
    for (const auto& k : t.foreign_keys) keys.emplace_back(key_json(k));
    o["foreign_keys"] = std::move(keys);
  }
  if (!t.unique.empty()) {
    json::array uniques;
    for (const auto& u : t.unique) uniques.emplace_back(unique_json(u));
    o["unique"] = std::move(uniques);
  }
  return o;
}

json::object index_json(std::string_view op, const Index& i) {
  json::object o{{"op", op}, {"name", i.name}, {"table", i.table}};
  if (!i.columns.empty()) o["columns"] = names(i.columns);
  if (!i.expressions.empty()) o["expressions"] = names(i.expressions);
  if (i.unique) o["unique"] = true;
  if (i.trigram) o["trigram"] = true;
  return o;
}

json::object dialect_json(const DialectSql& sql) {
  return {{"sqlite", sql.sqlite}, {"postgresql", sql.postgresql}};
}

struct ToJson {
  json::object operator()(const CreateTable& op) const {
    return table_json("create_table", op.table);
  }
  json::object operator()(const DropTable& op) const { return table_json("drop_table", op.table); }
  json::object operator()(const AddColumn& op) const {
    return {{"op", "add_column"}, {"table", op.table}, {"column", column_json(op.column)}};
  }
  json::object operator()(const DropColumn& op) const {
    return {{"op", "drop_column"}, {"table", op.table}, {"column", column_json(op.column)}};
  }
  json::object operator()(const CreateIndex& op) const {
    return index_json("create_index", op.index);
  }
  json::object operator()(const DropIndex& op) const { return index_json("drop_index", op.index); }
  json::object operator()(const AlterColumn& op) const {
    return {{"op", "alter_column"},
            {"table", op.table},
            {"from", column_json(op.from)},
            {"to", column_json(op.to)}};
  }
  json::object operator()(const AddForeignKey& op) const {
    return {{"op", "add_foreign_key"}, {"table", op.table}, {"foreign_key", key_json(op.key)}};
  }
  json::object operator()(const DropForeignKey& op) const {
    return {{"op", "drop_foreign_key"}, {"table", op.table}, {"foreign_key", key_json(op.key)}};
  }
  json::object operator()(const AddUnique& op) const {
    return {{"op", "add_unique"}, {"table", op.table}, {"unique", unique_json(op.constraint)}};
  }
  json::object operator()(const DropUnique& op) const {
    return {{"op", "drop_unique"}, {"table", op.table}, {"unique", unique_json(op.constraint)}};
  }
  json::object operator()(const RawSql& op) const {
    json::object o{
        {"op", "sql"}, {"sqlite", op.forward.sqlite}, {"postgresql", op.forward.postgresql}};
    if (op.backward) o["reverse"] = dialect_json(*op.backward);
    return o;
  }
};

// On one line, spaced as people write JSON: {"a": 1, "b": [2, 3]}.
std::string flat(const json::value& v) {
  std::string out;
  if (const auto* object = v.if_object()) {
    for (const auto& member : *object) {
      out += (out.empty() ? "{" : ", ") + json::serialize(json::value(member.key())) + ": " +
             flat(member.value());
    }
    return out.empty() ? "{}" : out + "}";
  }
  if (const auto* array = v.if_array()) {
    for (const auto& element : *array) out += (out.empty() ? "[" : ", ") + flat(element);
    return out.empty() ? "[]" : out + "]";
  }
  return json::serialize(v);
}

// Short values on one line, longer ones broken into one member per line.
void pretty(const json::value& v, const std::string& indent, std::string& out) {
  const std::string line = flat(v);
  if (indent.size() + line.size() <= 100 || (!v.is_object() && !v.is_array())) {
    out += line;
    return;
  }
  const std::string inner = indent + "  ";
  const bool object = v.is_object();
  out += object ? "{" : "[";
  bool first = true;
  auto next = [&] {
    out += first ? "\n" : ",\n";
    out += inner;
    first = false;
  };
  if (object) {
    for (const auto& member : v.get_object()) {
      next();
      out += json::serialize(json::value(member.key())) + ": ";
      pretty(member.value(), inner, out);
    }
  } else {
    for (const auto& element : v.get_array()) {
      next();
      pretty(element, inner, out);
    }
  }
  out += "\n" + indent + (object ? "}" : "]");
}

}  // namespace

std::string write_revision(const std::string& id, const std::optional<std::string>& parent,
                           const std::string& message, const std::vector<Operation>& operations) {
  json::array ops;
  for (const auto& op : operations) ops.emplace_back(std::visit(ToJson{}, op));
  json::object root{{"revision", id}, {"parent", nullptr}, {"message", message}};
  if (parent) root["parent"] = *parent;
  root["operations"] = std::move(ops);
  std::string out;
  // The top level always breaks, so that each operation starts a line.
  out += "{\n";
  bool first = true;
  for (const auto& member : root) {
    out += first ? "  " : ",\n  ";
    first = false;
    out += json::serialize(json::value(member.key())) + ": ";
    if (member.value().is_array()) {
      const auto& array = member.value().get_array();
      out += "[";
      for (std::size_t i = 0; i < array.size(); ++i) {
        out += i == 0 ? "\n    " : ",\n    ";
        pretty(array[i], "    ", out);
      }
      out += array.empty() ? "]" : "\n  ]";
    } else {
      pretty(member.value(), "  ", out);
    }
  }
  out += "\n}\n";
  return out;
}

}  // namespace usertasks::migrate
