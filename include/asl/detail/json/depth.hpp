// Nesting depth of a JSON value, measured without recursion: the guard that keeps hostile documents away from nlohmann's recursive copy, compare and dump.
// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <cstddef>
#include <limits>
#include <vector>

#include "asl/detail/base/config.hpp"
#include "asl/json.hpp"

namespace asl {
namespace detail {

namespace json_depth_impl {

inline constexpr std::size_t unknown = static_cast<std::size_t>(-1);

/// True when no child of the structured `j` is structured itself: `j` is 1 level deep. The
/// common documents are made of these (a task's `{"ok": true}`, the items of an input array),
/// and one loop over the children measures them without a call.
inline bool flat(const Json& j) noexcept {
  if (j.is_object()) {
    for (const auto& member : *j.get_ptr<const Json::object_t*>())
      if (member.second.is_structured()) return false;
  } else {
    for (const Json& v : *j.get_ptr<const Json::array_t*>())
      if (v.is_structured()) return false;
  }
  return true;
}

/// Depth of the structured `j` when it is at most `budget` levels deep, else `unknown`.
/// Recurses at most `budget` levels, a constant, whatever the document, and only into children
/// that are not flat; stops at the first child that is too deep (the caller then walks the
/// document with an explicit stack).
inline std::size_t shallow_depth(const Json& j, int budget) {
  std::size_t deepest = 0;
  // One child: false when it is deeper than the budget allows.
  auto child = [&](const Json& v) {
    if (!v.is_structured()) return true;
    std::size_t d = 1;
    if (!flat(v)) {
      if (budget <= 2) return false;
      d = shallow_depth(v, budget - 1);
      if (d == unknown) return false;
    }
    if (d > deepest) deepest = d;
    return true;
  };
  if (j.is_object()) {
    for (const auto& member : *j.get_ptr<const Json::object_t*>())
      if (!child(member.second)) return unknown;
  } else {
    for (const Json& v : *j.get_ptr<const Json::array_t*>())
      if (!child(v)) return unknown;
  }
  return deepest + 1;
}

/// json_depth of a document deeper than shallow_depth's budget, with an explicit stack (the
/// first 64 levels need no allocation), so the depth of the input is never the depth of the
/// call stack.
inline std::size_t deep_depth(const Json& root, std::size_t stop_above) {
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

/// json_depth of a structured document that is not flat. Out of line, so that json_depth's
/// checks for the common flat document need no stack frame.
ASL_NOINLINE inline std::size_t nested_depth(const Json& root, std::size_t stop_above) {
  if (const std::size_t d = shallow_depth(root, 8); d != unknown) return d;
  return deep_depth(root, stop_above);
}

}  // namespace json_depth_impl

/// The number of nested objects/arrays on the deepest path of `root` (a scalar is 0, `[]` and
/// `{}` are 1, `[[1]]` is 2). Stops early and returns a value above `stop_above` as soon as the
/// depth exceeds it. Documents up to 8 levels deep are measured by shallow_depth, deeper ones
/// with an explicit stack, so the depth of the input is never the depth of the call stack.
/// Out of line: inlined, it tipped GCC's inlining of its callers (a task's result handling).
ASL_NOINLINE inline std::size_t json_depth(const Json& root,
                              std::size_t stop_above = std::numeric_limits<std::size_t>::max()) {
  if (!root.is_structured()) return 0;
  if (json_depth_impl::flat(root)) return 1;
  return json_depth_impl::nested_depth(root, stop_above);
}

/// True when `j` is nested deeper than `limit` levels (0 = no limit).
inline bool too_deep(const Json& j, std::size_t limit) { return limit != 0 && json_depth(j, limit) > limit; }

}  // namespace detail
}  // namespace asl
