#pragma once
// The vocabulary of an entity's home: its fields and what is known of each, its indexes and the
// filters its lists take. JSON, validation, SQL, the declared schema and the OpenAPI document are
// all derived from an Entity<T> specialisation, never restated.

#include <array>
#include <boost/describe/members.hpp>
#include <boost/mp11/algorithm.hpp>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>

#include "models/rules.hpp"

namespace usertasks::models {

// `names`: the names of the records of another entity that a record is linked with, many to many
// (a task's tags); kept in a join table (Link), not in a column.
enum class FieldType { id, text, boolean, reference, timestamp, names };

// Where a stored value comes from when a record is written.
enum class Source {
  database,  // assigned by the database (the id)
  body,      // the request body
  created,   // the time of the write that creates the record
  updated,   // the time of every write
};

// A further rule on a text value: the message of the first broken rule, or nullopt.
using Check = std::optional<std::string> (*)(std::string_view);

struct Field;

// Whether sort= may name a field (models/sort.hpp), and whether an index on (the field, id) serves
// that order on both databases (repository/schema.cpp derives it).
enum class Sorting { no, yes, indexed };

// The join table of a `names` field: one row for each pair of linked records, its primary key on
// both columns, each a reference that goes with its record (ON DELETE CASCADE).
struct Link {
  std::string_view table;         // "task_tags"
  std::string_view owner;         // the column naming the record that has the field ("task_id")
  std::string_view target;        // the column naming the linked record ("tag_id")
  std::string_view target_table;  // the linked entity's table ("tags")
  const Field* name = nullptr;    // the linked entity's field that names a record
  std::string_view target_index;  // the index from the linked side: its records' links, in order
};

struct Field {
  std::string_view name;
  FieldType type = FieldType::text;
  Source source = Source::body;
  bool nullable = false;            // null in JSON, NULL in SQL; null in a body clears the value
  bool required = false;            // in a create or replace body
  bool trimmed = false;             // white space around the text is dropped before the checks
  std::size_t min_length = 0;       // text, in characters
  std::size_t max_length = 0;       // text, in characters; names, in names; 0 when unbounded
  Check check = nullptr;            // text: a rule beyond the lengths
  std::string_view references{};    // reference: the table whose id it holds (ON DELETE CASCADE)
  std::string_view default_json{};  // the value when a create leaves it out, as JSON ("false")
  const Link* link = nullptr;       // names: where the links are kept
  Sorting sorting = Sorting::no;    // sort= may name it
  std::size_t sort_prefix = 0;      // text: sorts by its first N characters (0: all of it)
  std::string_view description{};
  std::string_view example{};  // JSON text
};

// The fields every entity has: the id the database assigns, and when the record was created and
// last written.
constexpr Field id_field(std::string_view example) {
  return {.name = "id",
          .type = FieldType::id,
          .source = Source::database,
          .sorting = Sorting::indexed,
          .description = "assigned by the service",
          .example = example};
}
inline constexpr Field created_at_field{.name = "created_at",
                                        .type = FieldType::timestamp,
                                        .source = Source::created,
                                        .sorting = Sorting::yes,
                                        .example = R"("2026-12-01T09:30:00.000000Z")"};
inline constexpr Field updated_at_field{.name = "updated_at",
                                        .type = FieldType::timestamp,
                                        .source = Source::updated,
                                        .sorting = Sorting::yes,
                                        .example = R"("2026-12-01T09:30:00.000000Z")"};
// Every entity's table also has this column, which is not a field (no JSON, no body): the count
// of the record's writes, 1 when created and raised by each write; its ETag is made of it
// (models/etag.hpp). Each record struct has it as the undescribed member `version`.
inline constexpr std::string_view version_column = "version";

// `field`, its order served by an index on (the field, id).
constexpr Field sort_indexed(Field field) {
  field.sorting = Sorting::indexed;
  return field;
}

// An index on one column, or on one SQL expression. A trigram index serves the searches of a
// text (Compare::contains) on PostgreSQL (GIN, pg_trgm); SQLite has none, and goes without.
struct IndexSpec {
  std::string_view name;
  std::string_view column{};
  std::string_view expression{};
  bool unique = false;
  bool trigram = false;
};

// A query parameter of a list that compares a field with the given value; `all`: a names field
// holds every name the parameter gives (it may be repeated); `contains`: a text field holds the
// parameter's text, regardless of case (or `or_field` does: either is enough).
enum class Compare { equal, before, after, all, contains };

struct FilterSpec {
  std::string_view parameter;
  std::string_view field;
  Compare compare = Compare::equal;
  std::string_view description{};
  std::string_view or_field{};  // contains: a second text field searched
};

// The text of a search (Compare::contains), as a query gives it: taken as it is (not trimmed),
// 1 to 200 characters of UTF-8, no control characters.
inline constexpr Field search_text{
    .name = "q", .min_length = 1, .max_length = 200, .check = check_search_text};

// The time ranges every list takes, on the fields every entity has (created_at_field,
// updated_at_field).
inline constexpr std::array<FilterSpec, 4> time_ranges = {
    FilterSpec{.parameter = "created_after",
               .field = "created_at",
               .compare = Compare::after,
               .description = "only the records created after this time (RFC 3339)"},
    FilterSpec{.parameter = "created_before",
               .field = "created_at",
               .compare = Compare::before,
               .description = "only the records created before this time (RFC 3339)"},
    FilterSpec{.parameter = "updated_after",
               .field = "updated_at",
               .compare = Compare::after,
               .description = "only the records last written after this time (RFC 3339)"},
    FilterSpec{.parameter = "updated_before",
               .field = "updated_at",
               .compare = Compare::before,
               .description = "only the records last written before this time (RFC 3339)"}};

// An entity's own filters followed by the time ranges.
template <std::size_t N>
constexpr std::array<FilterSpec, N + time_ranges.size()> with_time_ranges(
    const std::array<FilterSpec, N>& own) {
  std::array<FilterSpec, N + time_ranges.size()> all{};
  for (std::size_t i = 0; i < N; ++i) all[i] = own[i];
  for (std::size_t i = 0; i < time_ranges.size(); ++i) all[N + i] = time_ranges[i];
  return all;
}

// Specialised in each entity's home with: name (the OpenAPI schema's), table, fields (in the
// order of the struct's described members), indexes and filters.
template <class T>
struct Entity;

// A value of a field, as it travels between the layers; monostate is null. The names of a names
// field travel as the text of a JSON array of strings, the form the statements read them in.
using Scalar = std::variant<std::monostate, std::int64_t, bool, std::string>;

template <class T>
inline constexpr std::size_t field_count = std::size(Entity<T>::fields);

// The index of a field by name; a name that is not a field does not compile where it is constant.
template <class T>
constexpr std::size_t field_index(std::string_view name) {
  for (std::size_t i = 0; i < field_count<T>; ++i) {
    if (Entity<T>::fields[i].name == name) return i;
  }
  // Not a constant expression: a compile-time error where the name is constant.
  throw std::logic_error("no such field");
}

// The field named `name` of a list of fields (std::logic_error when there is none).
inline const Field& find_field(std::span<const Field> fields, std::string_view name) {
  for (const Field& f : fields) {
    if (f.name == name) return f;
  }
  throw std::logic_error("no such field");
}

template <class T>
constexpr const Field& field(std::string_view name) {
  return Entity<T>::fields[field_index<T>(name)];
}

// True when the fields name the struct's described members, in their order.
template <class T>
constexpr bool fields_match_members() {
  using Members = boost::describe::describe_members<T, boost::describe::mod_public>;
  if (boost::mp11::mp_size<Members>::value != field_count<T>) return false;
  bool same = true;
  std::size_t i = 0;
  boost::mp11::mp_for_each<Members>([&](auto member) {
    same = same && std::string_view(member.name) == Entity<T>::fields[i++].name;
  });
  return same;
}

// A body's accepted values, by field index: nullopt where the body left the field out.
template <class T>
class Input {
 public:
  [[nodiscard]] const std::optional<Scalar>& operator[](std::size_t i) const { return values_[i]; }
  [[nodiscard]] const std::optional<Scalar>& get(std::string_view name) const {
    return values_[field_index<T>(name)];
  }
  void set(std::string_view name, Scalar value) {
    values_[field_index<T>(name)] = std::move(value);
  }
  void set(std::size_t i, Scalar value) { values_[i] = std::move(value); }
  // Every value, by field index, for a reader that fills them in.
  std::span<std::optional<Scalar>> values() { return values_; }
  // The text or integer of a field that is present and not null.
  [[nodiscard]] const std::string& text(std::string_view name) const {
    return std::get<std::string>(*get(name));
  }
  [[nodiscard]] std::int64_t integer(std::string_view name) const {
    return std::get<std::int64_t>(*get(name));
  }
  bool operator==(const Input&) const = default;

 private:
  std::array<std::optional<Scalar>, field_count<T>> values_{};
};

// The values of a list's filters, by filter index: nullopt where the query left them out.
template <class T>
using FilterValues = std::array<std::optional<Scalar>, std::size(Entity<T>::filters)>;

}  // namespace usertasks::models
