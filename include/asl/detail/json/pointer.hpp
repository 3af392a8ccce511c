// JSON Pointer (RFC 6901) reference tokens: diagnostics name the faulty node by its pointer.
// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <string_view>

namespace asl::detail {

/// Escapes one reference token: `~` -> `~0`, `/` -> `~1`.
inline std::string pointer_token(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (const char c : s) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace asl::detail
