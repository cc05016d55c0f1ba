#include "models/sort.hpp"

#include <fmt/format.h>

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <limits>

#include "base/time.hpp"
#include "base/token.hpp"
#include "base/utf8.hpp"

namespace usertasks::models {

namespace json = boost::json;

namespace {

constexpr std::string_view not_a_cursor =
    "is not a cursor of this list (pass on the one a next link gives, unchanged)";

std::optional<std::size_t> sortable(std::span<const Field> fields, std::string_view name) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].name == name && fields[i].sorting != Sorting::no) return i;
  }
  return std::nullopt;
}

// Short, well-formed UTF-8: fit to quote in a problem document.
bool quotable(std::string_view text) {
  if (text.size() > 64) return false;
  for (std::size_t at = 0; at < text.size();) {
    const base::utf8::Decoded next = base::utf8::decode(text, at);
    if (!next.valid) return false;
    at += next.length;
  }
  return true;
}

std::size_t id_index(std::span<const Field> fields) {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].type == FieldType::id) return i;
  }
  throw std::logic_error("an entity without an id");
}

// Whether `value` can be the value of `field` in a key: its type, and for a time the API's form
// (SQLite compares times as text, so another spelling of the same instant would compare wrongly).
bool valid_value(const Field& field, const json::value& value) {
  if (value.is_null()) return field.nullable;
  switch (field.type) {
    case FieldType::id:
    case FieldType::reference:
      return value.is_int64()
                 ? value.get_int64() > 0
                 : value.is_uint64() &&
                       value.get_uint64() <=
                           static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    case FieldType::boolean:
      return value.is_bool();
    case FieldType::timestamp: {
      if (!value.is_string()) return false;
      const std::string_view text = value.get_string();
      const auto parsed = base::parse_rfc3339(text);
      return parsed && *parsed == text;
    }
    case FieldType::text:
      return value.is_string();
    case FieldType::names:
      break;
  }
  return false;
}

Scalar scalar(const json::value& value) {
  if (value.is_bool()) return value.get_bool();
  if (value.is_int64()) return value.get_int64();
  if (value.is_uint64()) return static_cast<std::int64_t>(value.get_uint64());
  if (value.is_string()) return std::string(value.get_string());
  return {};
}

// The fields of each key of `sort` (the id order's one key: the id).
std::vector<std::size_t> key_fields(std::span<const Field> fields, const Sort& sort) {
  std::vector<std::size_t> out;
  if (sort.by_id()) out.push_back(id_index(fields));
  for (const SortKey& k : sort.keys) out.push_back(k.field);
  return out;
}

}  // namespace

std::variant<Sort, std::string> parse_sort(std::span<const Field> fields, std::string_view text) {
  const std::size_t id = id_index(fields);
  Sort sort;
  std::size_t named = 0;  // fields besides id
  for (std::size_t at = 0; at <= text.size();) {
    const std::size_t end = std::min(text.find(',', at), text.size());
    std::string_view item = text.substr(at, end - at);
    at = end + 1;
    SortKey key;
    if (item.starts_with('-')) {
      key.descending = true;
      item.remove_prefix(1);
    }
    if (item.empty()) {
      return std::string(
          "must be field names separated by commas, each led by - to descend, "
          "such as -created_at,id");
    }
    const auto field = sortable(fields, item);
    if (!field) {
      return fmt::format("cannot sort by {}; the fields are {}",
                         quotable(item) ? std::string(item) : std::string("that"),
                         sortable_names(fields));
    }
    key.field = *field;
    for (const SortKey& k : sort.keys) {
      if (k.field == key.field) return fmt::format("names {} twice", item);
    }
    if (!sort.keys.empty() && sort.keys.back().field == id) {
      return std::string("must end at id: records never tie on it, so nothing orders after it");
    }
    if (key.field != id && ++named > max_sort_fields) {
      return fmt::format("names at most {} fields besides id", max_sort_fields);
    }
    sort.keys.push_back(key);
  }
  // Ties end at the id, in the direction of the last field named.
  if (sort.keys.back().field != id) sort.keys.push_back({id, sort.keys.back().descending});
  if (sort.keys.size() == 1 && !sort.keys.front().descending) sort.keys.clear();
  return sort;
}

std::string sort_text(std::span<const Field> fields, const Sort& sort) {
  if (sort.by_id()) return "id";
  std::string out;
  for (std::size_t i = 0; i < sort.keys.size(); ++i) {
    const SortKey& k = sort.keys[i];
    // The id last in the direction of the key before it is implied.
    const bool implied =
        i > 0 && i + 1 == sort.keys.size() && k.descending == sort.keys[i - 1].descending;
    if (implied) break;
    if (!out.empty()) out += ',';
    if (k.descending) out += '-';
    out += fields[k.field].name;
  }
  return out;
}

std::string sortable_names(std::span<const Field> fields) {
  std::string out;
  for (const Field& f : fields) {
    if (f.sorting == Sorting::no) continue;
    if (!out.empty()) out += ", ";
    out += f.name;
  }
  return out;
}

std::string sort_pattern(std::span<const Field> fields) {
  std::string names;
  for (const Field& f : fields) {
    if (f.sorting == Sorting::no) continue;
    if (!names.empty()) names += '|';
    names += f.name;
  }
  return fmt::format("^-?({0})(,-?({0})){{0,{1}}}$", names, max_sort_fields);
}

std::string_view prefix(std::string_view text, std::size_t characters) {
  if (characters == 0) return text;
  std::size_t at = 0;
  for (std::size_t n = 0; n < characters && at < text.size(); ++n) {
    at += base::utf8::decode(text, at).length;
  }
  return text.substr(0, at);
}

std::string encode_cursor(std::string_view entity, std::span<const Field> fields, const Sort& sort,
                          const std::vector<Scalar>& key) {
  json::array payload;
  payload.reserve(key.size() + 2);
  payload.emplace_back(entity);
  payload.emplace_back(sort_text(fields, sort));
  for (const Scalar& value : key) {
    std::visit(
        [&](const auto& v) {
          if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::monostate>) {
            payload.emplace_back(nullptr);
          } else {
            payload.emplace_back(v);
          }
        },
        value);
  }
  return base::encode_token(json::serialize(payload));
}

std::variant<std::vector<Scalar>, std::string> decode_cursor(std::string_view entity,
                                                             std::span<const Field> fields,
                                                             const Sort& sort,
                                                             std::string_view token) {
  const auto bytes = base::decode_token(token);
  if (!bytes) return std::string(not_a_cursor);
  boost::system::error_code ec;
  const json::value payload = json::parse(*bytes, ec);
  const json::array* items = ec ? nullptr : payload.if_array();
  if (items == nullptr || items->size() < 2 || !(*items)[0].is_string() ||
      (*items)[0].get_string() != entity || !(*items)[1].is_string()) {
    return std::string(not_a_cursor);
  }
  const std::string_view made_for = (*items)[1].get_string();
  const std::string wanted = sort_text(fields, sort);
  if (made_for != wanted) {
    // Quoted only when it is an order of this list (the cursor's bytes are the client's).
    const auto other = parse_sort(fields, made_for);
    if (const Sort* s = std::get_if<Sort>(&other); s && sort_text(fields, *s) == made_for) {
      return fmt::format("was made for sort={}, not sort={}: a cursor pages the order it came from",
                         made_for, wanted);
    }
    return std::string(not_a_cursor);
  }
  const std::vector<std::size_t> keys = key_fields(fields, sort);
  if (items->size() != keys.size() + 2) return std::string(not_a_cursor);
  std::vector<Scalar> key;
  key.reserve(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const json::value& value = (*items)[i + 2];
    if (!valid_value(fields[keys[i]], value)) return std::string(not_a_cursor);
    key.push_back(scalar(value));
  }
  return key;
}

}  // namespace usertasks::models
