// UTF-8 at the JSON layer: how a sequence of bytes continues (well-formed, or the maximal
// subpart of an ill-formed one), and writing a code point. Shared by the reader, the writer,
// JSONPath's text functions and JSONata's strings.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace asl::detail {

/// How a run of string bytes starting at some byte continues: a well-formed UTF-8 sequence
/// (RFC 3629: no overlong forms, no surrogates, nothing above U+10FFFF) of `length` bytes, or an
/// ill-formed one whose maximal subpart (Unicode §3.9, "U+FFFD substitution of maximal subparts")
/// is `length` bytes long.
struct Utf8Step {
  std::size_t length;
  bool valid;
};

/// The UTF-8 sequence at `p` (a byte >= 0x80), with `avail` >= 1 bytes left. The maximal
/// subpart is the longest prefix of a well-formed sequence: a lead byte and the continuation
/// bytes that fit it. It is exactly what nlohmann's DFA rejects as one unit, so the replacement
/// matches nlohmann's error_handler_t::replace.
inline Utf8Step utf8_step(const unsigned char* p, std::size_t avail) noexcept {
  const unsigned char b0 = p[0];
  std::size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;  // overlong
    if (b0 == 0xED) hi = 0x9F;  // UTF-16 surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;  // overlong
    if (b0 == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return {1, false};  // a continuation byte, C0, C1 or F5..FF: never a lead byte
  }
  std::size_t i = 1;
  for (; i < len && i < avail; ++i) {
    const unsigned char b = p[i];
    if (b < lo || b > hi) return {i, false};
    lo = 0x80;
    hi = 0xBF;
  }
  return {i, i == len};
}

/// Length of the well-formed UTF-8 sequence (RFC 3629: no overlong forms, no surrogates, nothing
/// above U+10FFFF) that starts at `p`, with `avail` bytes left; 0 if it is not one.
inline std::size_t utf8_sequence_length(const unsigned char* p, std::size_t avail) noexcept {
  if (p[0] < 0x80) return 1;
  const Utf8Step s = utf8_step(p, avail);
  return s.valid ? s.length : 0;
}

/// Appends code point `cp` as UTF-8. A lone surrogate (a JavaScript string may hold one) gets
/// its three-byte (WTF-8) form, so a round trip through UTF-16 keeps it.
inline void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

}  // namespace asl::detail
