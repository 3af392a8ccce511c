// UTF-8 <-> UTF-16 conversion: JSONata strings behave as JavaScript's (UTF-16 code units), asl stores UTF-8.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "asl/detail/json/utf8.hpp"

namespace asl::detail::jsonata {

/// Decodes one code point at `i` (advancing it). Invalid bytes decode as U+FFFD, one byte each, so
/// that a malformed input can never stall a loop.
inline char32_t utf8_next(std::string_view s, std::size_t& i) {
  auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  int extra = (b0 >= 0xF0) ? 3 : (b0 >= 0xE0) ? 2 : (b0 >= 0xC0) ? 1 : -1;
  if (extra < 0 || i + static_cast<std::size_t>(extra) >= s.size()) {
    ++i;
    return 0xFFFD;
  }
  char32_t cp = b0 & (0x3F >> extra);
  for (int k = 1; k <= extra; ++k) {
    auto b = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  i += static_cast<std::size_t>(extra) + 1;
  return cp;
}

/// Appends a code point as UTF-8 (a lone surrogate in its WTF-8 form: json/utf8.hpp).
inline void utf8_append(std::string& out, char32_t cp) { append_utf8(out, static_cast<std::uint32_t>(cp)); }

inline std::u16string to_utf16(std::string_view s) {
  std::u16string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    char32_t cp = utf8_next(s, i);
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out += static_cast<char16_t>(0xD800 + (cp >> 10));
      out += static_cast<char16_t>(0xDC00 + (cp & 0x3FF));
    } else {
      out += static_cast<char16_t>(cp);
    }
  }
  return out;
}

inline std::string to_utf8(std::u16string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    char32_t c = s[i];
    if (c >= 0xD800 && c <= 0xDBFF && i + 1 < s.size() && s[i + 1] >= 0xDC00 && s[i + 1] <= 0xDFFF) {
      c = 0x10000 + ((c - 0xD800) << 10) + (s[i + 1] - 0xDC00);
      ++i;
    }
    utf8_append(out, c);
  }
  return out;
}

/// Number of code points (what jsonata-js's `$length` counts: `Array.from(str).length`).
inline std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size();) {
    utf8_next(s, i);
    ++n;
  }
  return n;
}

/// Number of UTF-16 code units of a UTF-8 string.
inline std::size_t utf16_length(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size();) n += utf8_next(s, i) >= 0x10000 ? 2u : 1u;
  return n;
}

/// Compares two UTF-8 strings in UTF-16 code-unit order (JavaScript's `<` on strings).
inline int compare_utf16(std::string_view a, std::string_view b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    char32_t x = utf8_next(a, i);
    char32_t y = utf8_next(b, j);
    if (x == y) continue;
    auto unit = [](char32_t c) -> std::uint32_t {
      return c >= 0x10000 ? static_cast<std::uint32_t>(0xD800 + ((c - 0x10000) >> 10)) : static_cast<std::uint32_t>(c);
    };
    std::uint32_t ux = unit(x), uy = unit(y);
    if (ux != uy) return ux < uy ? -1 : 1;
    // Same high surrogate: the low surrogates decide.
    std::uint32_t lx = (x - 0x10000) & 0x3FF, ly = (y - 0x10000) & 0x3FF;
    return lx < ly ? -1 : 1;
  }
  if (i < a.size()) return 1;
  if (j < b.size()) return -1;
  return 0;
}

}  // namespace asl::detail::jsonata
