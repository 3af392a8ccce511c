// Validator walk: each States object (top level, branch, Map processor) and each state against its Type's table.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "asl/detail/base/did_you_mean.hpp"
#include "asl/detail/load/validator.hpp"

namespace asl::detail::validator_impl {

inline void Validator::walk_container(const Json& obj, const Where& pointer, const ObjectSpec& spec) {
  const std::size_t saved = container_;
  container_ = containers_.size();
  containers_.push_back(Container{});
  container_parents_.push_back(containers_.size() == 1 ? no_container : saved);
  containers_.back().pointer = pointer.str();
  check_object(obj, pointer, spec);
  container_ = saved;
}

inline void Validator::walk_states(const Json& states, const Where& pointer) {
  for (auto it = states.begin(); it != states.end(); ++it) {
    const std::string& name = it.key();
    const Where sp = child(pointer, name);
    Container& c = containers_[container_];
    const auto position = static_cast<std::uint32_t>(c.names.size());
    c.names.push_back(name);
    c.positions.emplace(name, position);
    register_state(name, sp);
    validate_state(name, position, it.value(), sp);
  }
}

/// `position`: the state's index in its container's `names`.
inline void Validator::validate_state(const std::string& name, std::uint32_t position, const Json& state,
                                      const Where& pointer) {
  if (!state.is_object()) {
    wrong_type(pointer, name, "an object (a state)", state);
    containers_[container_].uncertain = true;
    return;
  }
  const Lang saved_lang = lang_;
  const std::string_view saved_state = state_name_;
  const std::uint32_t saved_position = state_position_;
  const Where* const saved_where = state_where_;
  state_name_ = name;
  state_position_ = position;
  state_where_ = &pointer;
  read_state_language(state, pointer);

  const auto type_it = state.find("Type"sv);
  const ObjectSpec* spec = nullptr;
  if (type_it == state.end()) {
    emit("202", pointer,
         fmt::format("missing required field \"Type\" in state \"{}\" (one of Task, Wait, Pass, Succeed, Fail, "
                     "Choice, Parallel, Map)",
                     name),
         schema);
  } else if (type_it->is_string()) {
    spec = state_spec(type_it->get_ref<const std::string&>());
  }
  if (type_it != state.end() && !spec) {
    std::string hint;
    if (type_it->is_string()) {
      std::vector<std::string_view> candidates(std::begin(state_types), std::end(state_types));
      if (auto s = did_you_mean(type_it->get_ref<const std::string&>(), candidates)) {
        hint = fmt::format(" (did you mean \"{}\"?)", *s);
      }
    }
    emit("204", child(pointer, "Type"),
         fmt::format("The field 'Type' should have one of these values: [Task, Wait, Pass, Succeed, Fail, "
                     "Choice, Parallel, Map], got {}{}",
                     show(*type_it), hint),
         schema);
  }
  if (!spec) {
    // Without a type the fields cannot be judged; still follow its transitions so that the
    // states it leads to are not reported as unreachable.
    containers_[container_].uncertain = true;
    collect_loose_edges(state);
    state_name_ = saved_state;
    state_position_ = saved_position;
    state_where_ = saved_where;
    lang_ = saved_lang;
    return;
  }

  const std::string_view type = type_it->get_ref<const std::string&>();
  check_object(state, pointer, *spec);
  check_transition_fields(state, pointer, *spec, type);
  if (type == "Succeed" || type == "Fail") containers_[container_].has_terminal = true;
  if (type == "Task") check_task(state, pointer);
  if (lang_ == Lang::jsonata) check_jsonata_state(type, state, pointer);

  state_name_ = saved_state;
  state_position_ = saved_position;
  state_where_ = saved_where;
  lang_ = saved_lang;
}

}  // namespace asl::detail::validator_impl
