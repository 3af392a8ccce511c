// Nesting depth of a JSON value, measured without recursion: the guard that keeps hostile documents away from nlohmann's recursive copy, compare and dump.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <limits>
#include <vector>

#include "asl/json.hpp"

namespace asl {
namespace detail {

namespace json_depth_impl {

/// Depth of `j` when it is at most `budget` levels deep, else 0 (unknown). Recurses at most
/// `budget` levels, a constant, whatever the document: the common small document (a task's
/// `{"ok": true}`) is measured in a few dozen instructions, without the walker's set-up.
inline std::size_t shallow_depth(const Json& j, int budget) {
  if (!j.is_structured()) return 0;
  if (budget == 0) return static_cast<std::size_t>(-1);
  std::size_t deepest = 0;
  if (j.is_array()) {
    for (const Json& v : j.get_ref<const Json::array_t&>())
      if (v.is_structured()) deepest = std::max(deepest, shallow_depth(v, budget - 1));
  } else {
    for (const auto& member : j.get_ref<const Json::object_t&>())
      if (member.second.is_structured()) deepest = std::max(deepest, shallow_depth(member.second, budget - 1));
  }
  return deepest == static_cast<std::size_t>(-1) ? deepest : deepest + 1;
}

}  // namespace json_depth_impl

/// The number of nested objects/arrays on the deepest path of `root` (a scalar is 0, `[]` and
/// `{}` are 1, `[[1]]` is 2). Stops early and returns a value above `stop_above` as soon as the
/// depth exceeds it. Documents deeper than a few levels are walked with an explicit stack (the
/// first 64 levels need no allocation), so the depth of the input is never the depth of the call
/// stack.
inline std::size_t json_depth(const Json& root,
                              std::size_t stop_above = std::numeric_limits<std::size_t>::max()) {
  if (!root.is_structured()) return 0;
  if (const std::size_t d = json_depth_impl::shallow_depth(root, 8); d != static_cast<std::size_t>(-1)) return d;
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
