// Bytes a command printed, made fit for an error cause: valid UTF-8 and bounded in length.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "asl/detail/json/utf8.hpp"

namespace asl::detail::process {

/// `bytes` with every ill-formed UTF-8 sequence replaced by U+FFFD. Why: a cause becomes a JSON
/// string (history, the tool's result line), and nlohmann refuses to dump invalid UTF-8; a
/// command's output is whatever bytes it wrote.
inline std::string valid_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  std::size_t i = 0;
  while (i < bytes.size()) {
    if (p[i] < 0x80) {
      out += static_cast<char>(p[i++]);
      continue;
    }
    const Utf8Step s = utf8_step(p + i, bytes.size() - i);
    if (s.valid) out.append(bytes.data() + i, s.length);
    else append_utf8(out, 0xFFFD);
    i += s.length;
  }
  return out;
}

/// The first `limit` bytes of `bytes` (with "..." when cut), as valid UTF-8.
inline std::string head_text(std::string_view bytes, std::size_t limit) {
  if (bytes.size() <= limit) return valid_utf8(bytes);
  return valid_utf8(bytes.substr(0, limit)) + "...";
}

/// The last `limit` bytes of `bytes` (with "..." when cut), as valid UTF-8; a sequence cut at
/// the start becomes U+FFFD.
inline std::string tail_text(std::string_view bytes, std::size_t limit) {
  if (bytes.size() <= limit) return valid_utf8(bytes);
  return "..." + valid_utf8(bytes.substr(bytes.size() - limit));
}

}  // namespace asl::detail::process
