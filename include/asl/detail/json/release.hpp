// Frees JSON trees without nlohmann's per-container scratch allocation (a hot-path cost).
// SPDX-License-Identifier: MIT
#pragma once

#include <optional>

#include "asl/json.hpp"

namespace asl::detail {

/// Empties `j` bottom-up, leaving null. nlohmann 3.11's destructor guards against deep recursion
/// by moving every child of a non-empty object/array into a heap-allocated std::vector first:
/// one malloc/free plus a move per child for every container freed, which made freeing the
/// replaced document the largest single cost of a Pass transition. Children are emptied here
/// first (recursively, to `max_depth`), so each container is freed while already empty and the
/// scratch vector is never allocated. Below `max_depth` the rest is left to nlohmann's iterative
/// destructor, so a hostile, deeply nested document cannot overflow the stack.
inline void release(Json& j, int max_depth = 64) noexcept {
  if (j.is_object()) {
    auto& obj = j.get_ref<Json::object_t&>();
    if (max_depth > 0)
      for (auto& member : obj)
        if (member.second.is_structured()) release(member.second, max_depth - 1);
    obj.clear();
  } else if (j.is_array()) {
    auto& arr = j.get_ref<Json::array_t&>();
    if (max_depth > 0)
      for (auto& v : arr)
        if (v.is_structured()) release(v, max_depth - 1);
    arr.clear();
  } else {
    return;
  }
  j = nullptr;
}

/// Replaces `target` with `value`, freeing the old tree through release().
inline void replace(Json& target, Json&& value) noexcept {
  release(target);
  target.swap(value);  // not `= std::move(value)`: nlohmann's by-value assignment adds a temporary
}

/// Appends `key: value` to an object that does not have `key` yet (the caller knows), and
/// returns the new value. ordered_json keeps members in a std::vector of pair<const string,
/// json>; that pair's move constructor may throw (the const key is copied), so a full vector
/// grows by deep-copying every member. Growing it here instead copies only the keys and moves
/// the values: adding a field to a document carrying big arrays no longer copies the arrays.
inline Json& append_member(Json& object, const std::string& key, Json&& value) {
  auto& members = static_cast<Json::object_t::Container&>(object.get_ref<Json::object_t&>());
  if (members.size() == members.capacity()) {
    Json::object_t::Container bigger;
    bigger.reserve(members.empty() ? 4 : 2 * members.size());
    for (auto& m : members) bigger.emplace_back(m.first, std::move(m.second));
    members.swap(bigger);
  }
  members.emplace_back(key, std::move(value));
  return members.back().second;
}

/// Sets member `key` of `object` to `value`: replaces the member in place (releasing the old
/// value) or appends it last, as an ordered_json `object[key] = value` would, without its lookup
/// through iterators or its by-value assignment.
inline void set_member(Json& object, const std::string& key, Json&& value) {
  for (auto& member : object.get_ref<Json::object_t&>())
    if (member.first == key) {
      replace(member.second, std::move(value));
      return;
    }
  append_member(object, key, std::move(value));
}

/// Releases an optional document when the scope ends (a temporary that several return paths share).
struct ReleaseOnExit {
  std::optional<Json>& value;
  explicit ReleaseOnExit(std::optional<Json>& v) : value(v) {}
  ReleaseOnExit(const ReleaseOnExit&) = delete;
  ReleaseOnExit& operator=(const ReleaseOnExit&) = delete;
  ~ReleaseOnExit() {
    if (value) release(*value);
  }
};

}  // namespace asl::detail
