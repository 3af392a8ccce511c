// Serialized-size bounds for the payload limit (States.DataLimitExceeded) without serializing.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "asl/json.hpp"

namespace asl::detail {

inline std::size_t escaped_string_size(const std::string& s) {
  std::size_t n = 2;  // quotes
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\' || c == '\b' || c == '\f' || c == '\n' || c == '\r' || c == '\t')
      n += 2;
    else if (c < 0x20)
      n += 6;  // \u00XX
    else
      n += 1;
  }
  return n;
}

inline std::size_t digits(std::uint64_t v) {
  std::size_t n = 1;
  while (v >= 10) {
    v /= 10;
    ++n;
  }
  return n;
}

/// An upper bound of `j.dump().size()` that is exact except for floating-point numbers
/// (bounded by 25 characters). Walks the tree once, allocates nothing.
inline std::size_t json_size_bound(const Json& j) {
  switch (j.type()) {
    case Json::value_t::null: return 4;
    case Json::value_t::boolean: return j.get<bool>() ? 4 : 5;
    case Json::value_t::number_unsigned: return digits(j.get<std::uint64_t>());
    case Json::value_t::number_integer: {
      auto v = j.get<std::int64_t>();
      return v < 0 ? 1 + digits(static_cast<std::uint64_t>(-(v + 1)) + 1) : digits(static_cast<std::uint64_t>(v));
    }
    case Json::value_t::number_float: return 25;
    case Json::value_t::string: return escaped_string_size(j.get_ref<const std::string&>());
    case Json::value_t::array: {
      std::size_t n = 2 + (j.empty() ? 0 : j.size() - 1);
      for (const auto& e : j) n += json_size_bound(e);
      return n;
    }
    case Json::value_t::object: {
      std::size_t n = 2 + (j.empty() ? 0 : j.size() - 1);
      for (auto it = j.begin(); it != j.end(); ++it)
        n += escaped_string_size(it.key()) + 1 + json_size_bound(it.value());
      return n;
    }
    default: return j.dump().size();
  }
}

}  // namespace asl::detail
