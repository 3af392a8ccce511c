// Load-time limits a hostile definition cannot exceed: its size in bytes and its number of states.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "asl/detail/json/depth.hpp"
#include "asl/error.hpp"
#include "asl/json.hpp"

namespace asl::detail {

inline constexpr std::string_view id_definition_too_large = "asl.definition.006";
inline constexpr std::string_view id_too_many_states = "asl.definition.007";
inline constexpr std::string_view id_definition_too_deep = "asl.definition.004";

/// AWS refuses definitions over 1 MB (spec §1 "Limits"); checked before a byte is parsed.
inline bool check_definition_size(std::string_view text, std::size_t limit, std::vector<Diagnostic>& out) {
  if (limit == 0 || text.size() <= limit) return true;
  out.push_back(Diagnostic{std::string(id_definition_too_large), "",
                           fmt::format("the definition is {} bytes, more than the limit of {} "
                                       "(LoadOptions::max_definition_size; AWS allows 1 MB)",
                                       text.size(), limit),
                           "SCHEMA_VALIDATION_FAILED"});
  return false;
}

namespace definition_limits_impl {
// Counts the states of one States object and of every nested branch / item processor. Shapes
// that are wrong are the validator's business; this only follows what is there.
inline std::size_t count_states(const Json& machine) {
  const auto s = machine.find("States");
  if (s == machine.end() || !s->is_object()) return 0;
  std::size_t n = s->size();
  for (const auto& [name, state] : s->items()) {
    (void)name;
    if (!state.is_object()) continue;
    if (const auto b = state.find("Branches"); b != state.end() && b->is_array())
      for (const Json& branch : *b)
        if (branch.is_object()) n += count_states(branch);
    for (const char* key : {"ItemProcessor", "Iterator"})
      if (const auto p = state.find(key); p != state.end() && p->is_object()) n += count_states(*p);
  }
  return n;
}
}  // namespace definition_limits_impl

/// A definition with more states than `limit` (0 = none) is refused before it is validated, so
/// validation and compilation never spend time or memory proportional to a hostile document.
inline bool check_state_count(const Json& definition, std::size_t limit, std::vector<Diagnostic>& out) {
  if (limit == 0 || !definition.is_object()) return true;
  const std::size_t n = definition_limits_impl::count_states(definition);
  if (n <= limit) return true;
  out.push_back(Diagnostic{std::string(id_too_many_states), "/States",
                           fmt::format("the machine has {} states (branches and item processors "
                                       "included), more than the limit of {} (LoadOptions::max_states)",
                                       n, limit),
                           "SCHEMA_VALIDATION_FAILED"});
  return false;
}

/// The diagnostic of a definition nested deeper than `limit` (LoadOptions::max_depth), found by
/// the text parser at `pointer` or in a host-built document.
inline Diagnostic definition_too_deep(std::string pointer, std::size_t limit) {
  return Diagnostic{std::string(id_definition_too_deep), std::move(pointer),
                    fmt::format("JSON nesting is deeper than the limit of {} levels (LoadOptions::max_depth); "
                                "a state machine definition never needs this much nesting",
                                limit),
                    "INVALID_JSON_DESCRIPTION"};
}

/// A definition handed over as a document (StateMachine::from_json) nested deeper than `limit`
/// (0 = none) is refused as the text parser refuses deep text: the validator and the compiler
/// walk definitions recursively, so their depth must be bounded first.
inline bool check_definition_depth(const Json& definition, std::size_t limit, std::vector<Diagnostic>& out) {
  if (!too_deep(definition, limit)) return true;
  out.push_back(definition_too_deep("", limit));
  return false;
}

}  // namespace asl::detail
