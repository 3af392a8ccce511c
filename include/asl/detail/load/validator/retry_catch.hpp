// Validator checks of Retry and Catch (spec §9): Retriers and Catchers, ErrorEquals, States.ALL placement.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <string_view>

#include <fmt/format.h>

#include "asl/detail/load/validator.hpp"

namespace asl::detail::validator_impl {

inline void Validator::check_error_handlers(const Json& v, const Where& pointer, const ObjectSpec& spec,
                                            std::string_view kind) {
  if (!v.is_array()) {
    wrong_type(pointer, kind == "Retrier" ? "Retry" : "Catch", fmt::format("an array of {}s", kind), v);
    return;
  }
  for (std::size_t i = 0; i < v.size(); ++i) {
    const Json& h = v[i];
    const Where hp = child(pointer, i);
    if (!h.is_object()) {
      wrong_type(hp, kind == "Retrier" ? "Retry" : "Catch", fmt::format("an array of {} objects", kind), h);
      continue;
    }
    check_object(h, hp, spec);
    // States.ALL is a catch-all: anything after it could never match (spec §9.4).
    if (i + 1 < v.size()) {
      if (const auto ee = h.find("ErrorEquals"sv); ee != h.end() && ee->is_array()) {
        for (std::size_t k = 0; k < ee->size(); ++k) {
          if ((*ee)[k] == "States.ALL") {
            emit("504", child(child(hp, "ErrorEquals"), k),
                 fmt::format("\"States.ALL\" may only appear in the last {}: the ones after it could never match",
                             kind),
                 schema);
          }
        }
      }
    }
  }
}

inline void Validator::check_error_equals(const Json& v, const Where& pointer) {
  if (!v.is_array() || v.empty()) {
    emit("502", pointer,
         fmt::format("\"ErrorEquals\" must be a non-empty array of error names such as \"States.ALL\", got {}",
                     v.is_array() ? "an empty array" : describe(v)),
         schema);
    return;
  }
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string()) {
      emit("502", child(pointer, i),
           fmt::format("\"ErrorEquals\" must contain error-name strings, got {}", describe(v[i])), schema);
    } else if (v[i] == "States.ALL" && v.size() > 1) {
      emit("503", child(pointer, i),
           "\"States.ALL\" must appear alone in its \"ErrorEquals\": it already matches every error", schema);
    }
  }
}

}  // namespace asl::detail::validator_impl
