#pragma once
// UTF-8: decoding one code point, encoding one, counting code points, Unicode White_Space, and
// lowering case.

#include <cstddef>
#include <string>
#include <string_view>

namespace usertasks::base::utf8 {

// One step of decoding: the code point at some byte of a text and the bytes it takes.
struct Decoded {
  char32_t code_point = 0;  // U+FFFD when !valid
  std::size_t length = 0;   // at least 1
  bool valid = false;
};

// The code point whose encoding starts at text[at] (at < text.size()), checked against Unicode's
// table of well-formed byte sequences: overlong forms, surrogates, code points past U+10FFFF and
// truncated sequences are ill-formed. An ill-formed sequence is as long as its longest well-formed
// prefix, and at least one byte: the "maximal subpart" that one U+FFFD replaces.
Decoded decode(std::string_view text, std::size_t at);

// Appends the encoding of `c`, a Unicode scalar value.
void append(std::string& out, char32_t c);

// The number of code points in valid UTF-8 text: its bytes that are not continuation bytes.
std::size_t length(std::string_view text);

// Unicode's White_Space property (PropList.txt).
bool is_white_space(char32_t c);

// `text` without the White_Space at either end; an ill-formed sequence is not white space.
std::string_view trim(std::string_view text);

// `text` with every letter in lower case by the C library's Unicode case mapping (as PostgreSQL's
// lower() under a UTF-8 locale); the bytes of an ill-formed sequence are kept as they are.
// Throws std::runtime_error when the C.UTF-8 locale is missing.
std::string lower(std::string_view text);

}  // namespace usertasks::base::utf8
