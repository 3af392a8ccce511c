// json_member: an object's member by a literal key, comparing lengths before bytes.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <string_view>

#include "asl/json.hpp"

namespace asl::detail {

/// The member `key` of object `j`, or nullptr (what find() does). ordered_json's find compares
/// every key with the whole `const char*` key; comparing sizes first skips most of them.
template <std::size_t N>
const Json* json_member(const Json& j, const char (&key)[N]) {
  const auto* object = j.get_ptr<const Json::object_t*>();
  if (object == nullptr) return nullptr;
  for (const auto& kv : *object)
    if (std::string_view(kv.first) == std::string_view(key, N - 1)) return &kv.second;
  return nullptr;
}

}  // namespace asl::detail
