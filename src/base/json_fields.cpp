#include "base/json_fields.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <utility>

namespace usertasks::base {

namespace json = boost::json;

InvalidField::InvalidField(FieldError error)
    : std::runtime_error(error.field.empty() ? error.message
                                             : fmt::format("{}: {}", error.field, error.message)),
      error_(std::move(error)) {}

std::string element_path(std::string_view path, std::size_t i) {
  return fmt::format("{}[{}]", path, i);
}

JsonFields::JsonFields(const json::object& object, std::string prefix, const FieldWording& wording,
                       FieldErrors& errors)
    : object_(object), prefix_(std::move(prefix)), wording_(wording), errors_(&errors) {}

JsonFields::JsonFields(const json::object& object, std::string prefix, const FieldWording& wording)
    : object_(object), prefix_(std::move(prefix)), wording_(wording), errors_(nullptr) {}

std::string JsonFields::path(std::string_view key) const {
  return prefix_.empty() ? std::string(key) : fmt::format("{}.{}", prefix_, key);
}

void JsonFields::reject_unknown(std::initializer_list<std::string_view> known) const {
  reject_unknown_if([known](std::string_view key) {
    return std::find(known.begin(), known.end(), key) != known.end();
  });
}

bool JsonFields::contains(std::string_view key) const {
  return object_.contains(key);
}

const json::value* JsonFields::get(std::string_view key, Presence presence) const {
  const json::value* v = object_.if_contains(key);
  if (v != nullptr && v->is_null()) {
    if (!wording_.null.empty()) {
      report(path(key), std::string(wording_.null));
      return nullptr;
    }
    v = nullptr;
  }
  if (v == nullptr && presence == Presence::required)
    report(path(key), std::string(wording_.required));
  return v;
}

std::optional<std::string_view> JsonFields::string(std::string_view key, Presence presence) const {
  const json::value* v = get(key, presence);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) {
    report(path(key), std::string(wording_.not_string));
    return std::nullopt;
  }
  return std::string_view(v->get_string());
}

std::optional<bool> JsonFields::boolean(std::string_view key, Presence presence) const {
  const json::value* v = get(key, presence);
  if (v == nullptr) return std::nullopt;
  if (!v->is_bool()) {
    report(path(key), std::string(wording_.not_boolean));
    return std::nullopt;
  }
  return v->get_bool();
}

const json::array* JsonFields::array(std::string_view key, Presence presence) const {
  const json::value* v = get(key, presence);
  if (v == nullptr) return nullptr;
  if (!v->is_array()) {
    report(path(key), std::string(wording_.not_array));
    return nullptr;
  }
  return &v->get_array();
}

void JsonFields::add(std::string_view key, std::string message) const {
  report(path(key), std::move(message));
}

void JsonFields::report(std::string path, std::string message) const {
  if (errors_ == nullptr) throw InvalidField({std::move(path), std::move(message)});
  errors_->push_back({std::move(path), std::move(message)});
}

}  // namespace usertasks::base
