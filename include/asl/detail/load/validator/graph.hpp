// Validator state graph: unique names, Next/End, transition targets (did-you-mean), terminals, reachability.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "asl/detail/base/did_you_mean.hpp"
#include "asl/detail/json/pointer.hpp"
#include "asl/detail/load/validator.hpp"

namespace asl::detail::validator_impl {

/// The pointer of state `name` of container `c` (what walk_states names it).
inline std::string Validator::state_pointer(std::size_t c, std::string_view name) const {
  return containers_[c].pointer + "/States/" + pointer_token(name);
}

inline std::string Validator::transition_pointer(const Transition& t) const {
  return state_pointer(t.container, t.state) + t.below_state;
}

inline void Validator::register_state(const std::string& name, const Where& pointer) {
  // Names are limited to 80 characters (spec §2.1; 2016 spec said 128, AWS enforces 80).
  const std::size_t length = utf8_length(name);
  if (length == 0) {
    emit("102", pointer, "state names must not be empty", schema);
  } else if (length > 80) {
    emit("102", pointer,
         fmt::format("state name is {} characters long; state names are limited to 80 characters", length), schema);
  }
  const auto [it, inserted] = states_.emplace(name, container_);
  if (!inserted) {
    emit("108", pointer,
         fmt::format("state name \"{}\" is already used at {}: state names must be unique across the whole "
                     "state machine, Parallel branches and Map processors included",
                     name, state_pointer(it->second, name)),
         schema);
  }
}

/// Next xor "End": true for Task, Pass, Wait, Parallel, Map (spec §2.2).
inline void Validator::check_transition_fields(const Json& state, const Where& pointer, const ObjectSpec& spec,
                                               std::string_view type) {
  if (type == "Choice" || type == "Succeed" || type == "Fail") return;
  const auto next = state.find("Next"sv);
  const auto end = state.find("End"sv);
  const bool has_next = next != state.end();
  const bool has_end = end != state.end();
  if (has_end && *end == true) containers_[container_].has_terminal = true;
  if (!has_next && !has_end) {
    emit("103", pointer,
         fmt::format("{} needs either \"Next\" (the state to go to) or \"End\": true", capitalize(spec.what)),
         schema);
  } else if (has_next && has_end && *end == true) {
    emit("106", child(pointer, "End"),
         "\"Next\" and \"End\" cannot both be set: a state either continues to \"Next\" or ends the "
         "States object with \"End\": true",
         schema);
  }
}

inline void Validator::collect_loose_edges(const Json& state) {
  auto& edges = containers_[container_].edges;
  auto add = [&](const Json& obj, const char* key) {
    if (const auto it = obj.find(key); it != obj.end() && it->is_string())
      edges.emplace_back(state_position_, it->get_ref<const std::string&>());
  };
  add(state, "Next");
  add(state, "Default");
  for (const char* list : {"Choices", "Catch"}) {
    if (const auto it = state.find(list); it != state.end() && it->is_array()) {
      for (const auto& entry : *it) {
        if (entry.is_object()) add(entry, "Next");
      }
    }
  }
}

// Next fields only occur inside states (state, Choice rule and Catcher tables), so state_where_
// is set here.
inline void Validator::add_transition(const Json& value, const Where& pointer, std::string_view field_name) {
  if (!value.is_string()) {
    wrong_type(pointer, field_name, "a string (a state name)", value);
    return;
  }
  const std::string& target = value.get_ref<const std::string&>();
  transitions_.push_back(Transition{container_, state_name_, target, pointer.str(state_where_)});
  containers_[container_].edges.emplace_back(state_position_, target);
}

// ---- after the walk ---------------------------------------------------------------------

inline void Validator::resolve_transitions() {
  for (Container& c : containers_) {
    if (!c.start_at || c.states_missing) continue;
    const std::string& target = c.start_at->get_ref<const std::string&>();
    if (c.positions.count(target) != 0) continue;
    const std::string sp = child(c.pointer, "StartAt");
    if (const auto other = states_.find(target); other != states_.end()) {
      emit("101", sp,
           fmt::format("StartAt \"{}\" names a state of another States object ({}): StartAt must name a state of "
                       "its own \"States\"",
                       target, state_pointer(other->second, target)),
           missing_target);
    } else {
      emit("101", sp,
           fmt::format("StartAt \"{}\" does not name a state in \"States\"{}", target, suggestion(target, c)),
           missing_target);
    }
    c.start_at = nullptr;  // no reachability walk from a missing start
  }
  for (const Transition& t : transitions_) {
    const Container& c = containers_[t.container];
    if (c.positions.count(t.target) != 0) continue;
    if (const auto other = states_.find(t.target); other != states_.end()) {
      emit("105", transition_pointer(t),
           fmt::format("state \"{}\" is in another States object ({}): transitions cannot enter or leave a "
                       "Parallel branch or a Map processor",
                       t.target, state_pointer(other->second, t.target)),
           missing_target);
    } else {
      emit("104", transition_pointer(t), fmt::format("state \"{}\" does not exist{}", t.target, suggestion(t.target, c)),
           missing_target);
    }
  }
}

/// " (did you mean ...?)" for a missing state name. Suggestions cost one string distance per
/// state, so a hostile definition with thousands of dangling targets into thousands of states
/// could make them quadratic: repeated targets are cached and a global budget caps the rest.
inline std::string Validator::suggestion(std::string_view target, const Container& c) {
  const std::string key = c.pointer + '\0' + std::string(target);
  if (const auto it = suggestions_.find(key); it != suggestions_.end()) return it->second;
  std::string hint;
  if (suggestion_budget_ >= c.names.size()) {
    suggestion_budget_ -= c.names.size();
    const std::vector<std::string_view> candidates(c.names.begin(), c.names.end());
    if (auto s = did_you_mean(target, candidates)) hint = fmt::format(" (did you mean \"{}\"?)", *s);
  }
  suggestions_.emplace(key, hint);
  return hint;
}

inline void Validator::check_terminals_and_reachability() {
  bool missing_end = false;
  for (const Container& c : containers_) {
    if (c.has_terminal || c.uncertain || c.names.empty()) continue;
    missing_end = true;
    emit("110", child(c.pointer, "States"),
         "Workflow has no terminal state: at least one state must have \"End\": true or be a Succeed or Fail "
         "state",
         "MISSING_END_STATE");
  }
  // AWS skips the reachability walk when a terminal state is missing (spec §14.1).
  if (missing_end) return;
  for (const Container& c : containers_) {
    if (!c.start_at || c.uncertain) continue;
    // Targets grouped by source state: those of state i are targets[first[i], first[i + 1]).
    const std::size_t n = c.names.size();
    std::vector<std::size_t> first(n + 1, 0);
    for (const auto& e : c.edges) ++first[e.first + 1];
    for (std::size_t i = 0; i < n; ++i) first[i + 1] += first[i];
    std::vector<std::string_view> targets(c.edges.size());
    std::vector<std::size_t> fill(first.begin(), first.end() - 1);
    for (const auto& e : c.edges) targets[fill[e.first]++] = e.second;
    // Names of other States objects lead nowhere here (resolve_transitions reports them).
    std::vector<bool> seen(n, false);
    std::vector<std::uint32_t> todo;
    auto visit = [&](std::string_view name) {
      const auto it = c.positions.find(name);
      if (it == c.positions.end() || seen[it->second]) return;
      seen[it->second] = true;
      todo.push_back(it->second);
    };
    visit(c.start_at->get_ref<const std::string&>());
    while (!todo.empty()) {
      const std::uint32_t s = todo.back();
      todo.pop_back();
      for (std::size_t k = first[s]; k < first[s + 1]; ++k) visit(targets[k]);
    }
    for (std::size_t i = 0; i < n; ++i) {
      if (!seen[i]) {
        const std::string_view name = c.names[i];
        emit("109", child(child(c.pointer, "States"), name),
             fmt::format("State \"{}\" is not reachable: no \"StartAt\", \"Next\", \"Default\" or Catch \"Next\" of "
                         "its States object leads to it",
                         name),
             missing_target);
      }
    }
  }
}

}  // namespace asl::detail::validator_impl
