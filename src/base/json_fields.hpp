#pragma once
// Reading a JSON object field by field: known keys, required and optional values, type checks,
// and errors named by their path ("tasks[0].content"), either collected or thrown.

#include <boost/json/object.hpp>
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace usertasks::base {

struct FieldError {
  std::string field;  // the path: "email", "tasks[0].content", "operations[1].columns[0].type"
  std::string message;
  bool operator==(const FieldError&) const = default;
};
using FieldErrors = std::vector<FieldError>;

// What a JsonFields that stops at the first error throws; what() is "path: message".
class InvalidField : public std::runtime_error {
 public:
  explicit InvalidField(FieldError error);
  [[nodiscard]] const FieldError& error() const noexcept { return error_; }

 private:
  FieldError error_;
};

// The messages of the errors JsonFields finds itself. They are the caller's: its clients read them.
struct FieldWording {
  std::string_view unknown;   // a key that is not one of the known ones
  std::string_view required;  // a required key that is absent
  std::string_view null;      // a key whose value is null; empty: null counts as absent
  std::string_view not_string;
  std::string_view not_boolean;
  std::string_view not_array;
};

enum class Presence { optional, required };

// `path[i]`: the path of an array's element.
std::string element_path(std::string_view path, std::size_t i);

// One object's fields. A key's path is `prefix.key`, or `key` when the prefix is empty.
class JsonFields {
 public:
  // Appends every error to `errors` and goes on walking.
  JsonFields(const boost::json::object& object, std::string prefix, const FieldWording& wording,
             FieldErrors& errors);
  // Throws the first error, as InvalidField.
  JsonFields(const boost::json::object& object, std::string prefix, const FieldWording& wording);

  [[nodiscard]] std::string path(std::string_view key) const;

  // An error for each key not in `known`, in the object's order.
  void reject_unknown(std::initializer_list<std::string_view> known) const;
  // The same, with `is_known(key)` saying which keys are known.
  template <class IsKnown>
  void reject_unknown_if(IsKnown is_known) const {
    for (const auto& entry : object_) {
      if (!is_known(entry.key())) add(entry.key(), std::string(wording_.unknown));
    }
  }

  // Whether the object has `key`, null or not.
  [[nodiscard]] bool contains(std::string_view key) const;

  // The value of `key`, or nullptr when it is absent (an error when required) or null (an error
  // when the wording has a message for null, else the same as absent).
  [[nodiscard]] const boost::json::value* get(std::string_view key, Presence presence) const;
  // The same, and an error when the value is not of the type.
  [[nodiscard]] std::optional<std::string_view> string(std::string_view key,
                                                       Presence presence) const;
  [[nodiscard]] std::optional<bool> boolean(std::string_view key, Presence presence) const;
  [[nodiscard]] const boost::json::array* array(std::string_view key, Presence presence) const;

  // An error of the caller's at path(key).
  void add(std::string_view key, std::string message) const;

 private:
  void report(std::string path, std::string message) const;

  const boost::json::object& object_;
  std::string prefix_;
  FieldWording wording_;
  FieldErrors* errors_;  // nullptr: throw
};

}  // namespace usertasks::base
