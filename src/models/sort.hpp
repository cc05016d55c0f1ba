#pragma once
// The orders of a list (sort=): read from the query against an entity's sortable fields (Field::
// sorting), written back in one canonical form, and the cursor that carries the key of a page's
// last record to the next page (docs/api.md, "Sorting and cursors").

#include <boost/describe/members.hpp>
#include <boost/mp11/algorithm.hpp>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

#include "models/entity.hpp"

namespace usertasks::models {

struct SortKey {
  std::size_t field = 0;  // the index of a field of the entity
  bool descending = false;
  bool operator==(const SortKey&) const = default;
};

// An order of an entity's records. No keys: the id order, ascending, which after= pages. Otherwise
// the keys, the last of them always the id, so that no two records tie.
struct Sort {
  std::vector<SortKey> keys;
  [[nodiscard]] bool by_id() const { return keys.empty(); }
  bool operator==(const Sort&) const = default;
};

// The most fields an order names besides id: every order is an SQL statement of its own, and this
// bounds how many a client can make the service write (repository/sorted_statements.cpp).
inline constexpr std::size_t max_sort_fields = 2;

// sort= read against `fields`: comma-separated names, each `-` for descending. The id breaks ties
// in the direction of the last field named, unless the order ends with `id` or `-id`. Otherwise
// the message of what is wrong.
std::variant<Sort, std::string> parse_sort(std::span<const Field> fields, std::string_view text);
template <class T>
std::variant<Sort, std::string> parse_sort(std::string_view text) {
  return parse_sort(Entity<T>::fields, text);
}

// The canonical text of an order: "-created_at" for created_at then id, both descending; "id" for
// the id order. Two texts of one order (`-created_at,-id`, `-created_at`) give the same.
std::string sort_text(std::span<const Field> fields, const Sort& sort);
// The names of the fields sort= takes, comma-separated, and a regular expression of its values.
std::string sortable_names(std::span<const Field> fields);
std::string sort_pattern(std::span<const Field> fields);

// A field's value as a Scalar; a text field with a sort_prefix cut to that many characters, as
// the order compares it.
template <class T>
Scalar sort_value(const T& record, std::size_t index);

// The key of a record in `sort`: the value of each key's field.
template <class T>
std::vector<Scalar> sort_key(const T& record, const Sort& sort) {
  std::vector<Scalar> key;
  if (sort.by_id()) {
    key.emplace_back(record.id);
    return key;
  }
  key.reserve(sort.keys.size());
  for (const SortKey& k : sort.keys) key.push_back(sort_value(record, k.field));
  return key;
}

// A cursor: the entity (a list of its records), `sort` and the key of the record the next page
// starts after, as an opaque token.
std::string encode_cursor(std::string_view entity, std::span<const Field> fields, const Sort& sort,
                          const std::vector<Scalar>& key);
template <class T>
std::string make_cursor(const Sort& sort, const T& last) {
  return encode_cursor(Entity<T>::name, Entity<T>::fields, sort, sort_key(last, sort));
}
// The key a cursor made for a list of `entity` in `sort` holds, each value checked against its
// field; otherwise the message of what is wrong (not a cursor of such a list, or one made for
// another order).
std::variant<std::vector<Scalar>, std::string> decode_cursor(std::string_view entity,
                                                             std::span<const Field> fields,
                                                             const Sort& sort,
                                                             std::string_view token);
template <class T>
std::variant<std::vector<Scalar>, std::string> read_cursor(const Sort& sort,
                                                           std::string_view token) {
  return decode_cursor(Entity<T>::name, Entity<T>::fields, sort, token);
}

// The first `characters` code points of UTF-8 text (all of it when 0).
std::string_view prefix(std::string_view text, std::size_t characters);

template <class T>
Scalar sort_value(const T& record, std::size_t index) {
  Scalar out;
  std::size_t i = 0;
  boost::mp11::mp_for_each<boost::describe::describe_members<T, boost::describe::mod_public>>(
      [&](auto member) {
        if (i++ != index) return;
        const auto& v = record.*member.pointer;
        using M = std::remove_cvref_t<decltype(v)>;
        if constexpr (std::is_same_v<M, std::string>) {
          out = std::string(prefix(v, Entity<T>::fields[index].sort_prefix));
        } else if constexpr (std::is_same_v<M, std::optional<std::string>>) {
          if (v) out = *v;
        } else if constexpr (std::is_same_v<M, std::int64_t> || std::is_same_v<M, bool>) {
          out = v;
        }
      });
  return out;
}

}  // namespace usertasks::models
