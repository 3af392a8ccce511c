// Nesting depth of a JSON value, measured without recursion: the guard that keeps hostile documents away from nlohmann's recursive copy, compare and dump.
// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <cstddef>
#include <limits>
#include <vector>

#include "asl/json.hpp"

namespace asl {
namespace detail {

/// The number of nested objects/arrays on the deepest path of `root` (a scalar is 0, `[]` and
/// `{}` are 1, `[[1]]` is 2). Stops early and returns a value above `stop_above` as soon as the
/// depth exceeds it. Walks with an explicit stack (the first 64 levels need no allocation), so
/// the depth of the input is never the depth of the call stack.
inline std::size_t json_depth(const Json& root,
                              std::size_t stop_above = std::numeric_limits<std::size_t>::max()) {
  if (!root.is_structured()) return 0;
  struct Level {
    const Json* node;
    std::size_t next;  ///< index of the next child to look at
  };
  std::array<Level, 64> inline_levels;
  std::vector<Level> more;  // levels past the inline ones
  std::size_t size = 0;
  auto at = [&](std::size_t i) -> Level& {
    return i < inline_levels.size() ? inline_levels[i] : more[i - inline_levels.size()];
  };
  auto push = [&](const Json* node) {
    if (size < inline_levels.size()) inline_levels[size] = Level{node, 0};
    else if (size - inline_levels.size() < more.size()) more[size - inline_levels.size()] = Level{node, 0};
    else more.push_back(Level{node, 0});
    ++size;
  };
  push(&root);
  std::size_t deepest = 1;
  while (size > 0) {
    Level& top = at(size - 1);
    const Json* child = nullptr;
    if (top.node->is_array()) {
      const auto& items = top.node->get_ref<const Json::array_t&>();
      while (top.next < items.size() && !items[top.next].is_structured()) ++top.next;
      if (top.next < items.size()) child = &items[top.next++];
    } else {
      // ordered_json's object is a vector of members: index it like the array.
      const auto& members = static_cast<const Json::object_t::Container&>(top.node->get_ref<const Json::object_t&>());
      while (top.next < members.size() && !members[top.next].second.is_structured()) ++top.next;
      if (top.next < members.size()) child = &members[top.next++].second;
    }
    if (child == nullptr) {
      --size;
      continue;
    }
    push(child);
    if (size > deepest) {
      deepest = size;
      if (deepest > stop_above) return deepest;
    }
  }
  return deepest;
}

/// True when `j` is nested deeper than `limit` levels (0 = no limit).
inline bool too_deep(const Json& j, std::size_t limit) { return limit != 0 && json_depth(j, limit) > limit; }

}  // namespace detail
}  // namespace asl
