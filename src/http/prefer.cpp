#include "http/prefer.hpp"

#include <cctype>

namespace usertasks::http {

namespace {

bool tchar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

bool same_name(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// Reads one list of preferences (a Prefer field's value) from its start.
class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  [[nodiscard]] bool done() const { return at_ >= text_.size(); }

  // The next element: its name and value; nullopt for an empty or broken one. Leaves the reader
  // after the element's comma.
  std::optional<std::pair<std::string_view, std::string>> next() {
    skip_space();
    const std::string_view name = token();
    std::optional<std::string> value = std::string();
    skip_space();
    if (!name.empty() && peek('=')) {
      ++at_;
      skip_space();
      value = peek('"') ? quoted() : std::optional<std::string>(std::string(token()));
      skip_space();
    }
    // What may follow: parameters (skipped), the end of the element, or else a broken element.
    const bool well_formed = !name.empty() && value && (done() || peek(',') || peek(';'));
    skip_element();
    if (!well_formed) return std::nullopt;
    return std::pair{name, std::move(*value)};
  }

 private:
  bool peek(char c) const { return at_ < text_.size() && text_[at_] == c; }

  void skip_space() {
    while (peek(' ') || peek('\t')) ++at_;
  }

  std::string_view token() {
    const std::size_t start = at_;
    while (at_ < text_.size() && tchar(text_[at_])) ++at_;
    return text_.substr(start, at_ - start);
  }

  // A quoted-string's text, escapes undone; nullopt when it does not end.
  std::optional<std::string> quoted() {
    std::string out;
    for (++at_; at_ < text_.size(); ++at_) {
      if (text_[at_] == '"') {
        ++at_;
        return out;
      }
      if (text_[at_] == '\\' && at_ + 1 < text_.size()) ++at_;
      out += text_[at_];
    }
    return std::nullopt;
  }

  // To just past the next comma that is not in a quoted string, or to the end.
  void skip_element() {
    while (!done() && !peek(',')) {
      if (peek('"')) {
        quoted();
      } else {
        ++at_;
      }
    }
    if (!done()) ++at_;
  }

  std::string_view text_;
  std::size_t at_ = 0;
};

}  // namespace

std::optional<std::string> preference(const Request& req, std::string_view name) {
  const auto [first, last] = req.equal_range("Prefer");
  for (auto field = first; field != last; ++field) {
    Reader reader(field->value());
    while (!reader.done()) {
      auto element = reader.next();
      if (element && same_name(element->first, name)) return std::move(element->second);
    }
  }
  return std::nullopt;
}

}  // namespace usertasks::http
