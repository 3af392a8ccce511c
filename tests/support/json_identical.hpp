// asl::testing::identical: strict JSON equality for tests (types, double bits, key order), unlike nlohmann's ==.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstring>

#include "asl/json.hpp"

namespace asl::testing {

/// Same value, same number types (nlohmann's == equates 1u, 1 and 1.0), same key order, same
/// double bits (-0.0 is not 0.0). Recurses on depth: for documents of moderate nesting.
inline bool identical(const Json& a, const Json& b) {
  if (a.type() != b.type()) return false;
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto x = a.begin(), y = b.begin(); x != a.end(); ++x, ++y)
      if (x.key() != y.key() || !identical(*x, *y)) return false;
    return true;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!identical(a[i], b[i])) return false;
    return true;
  }
  if (a.is_number_float()) {
    const double x = a.get<double>(), y = b.get<double>();
    return std::memcmp(&x, &y, sizeof x) == 0;
  }
  return a == b;
}

}  // namespace asl::testing
