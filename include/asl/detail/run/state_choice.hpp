// The Choice state: the first matching rule, else Default, else States.NoChoiceMatched.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>

#include <fmt/format.h>

#include "asl/detail/run/interpreter.hpp"

namespace asl::detail {

inline Interpreter::Step Interpreter::run_choice(const std::shared_ptr<Frame>& f, const State& st) {
  std::optional<Json> holder;
  const Json* ctx = make_ctx(*f, st, holder);
  Selection v;
  if (auto fl = input_view(*f, st, ctx, v)) return fail_state(f, st, std::move(*fl));
  std::size_t chosen = StateQueries::no_rule;
  if (auto e = st.queries->choose(v.get(), ctx, chosen)) return fail_state(f, st, from_eval(*f, st, std::move(*e)));
  const std::uint32_t next = chosen != StateQueries::no_rule ? st.choice_next[chosen] : st.default_next;
  if (next == no_index)
    return fail_state(f, st, Failure{Error(std::string(errors::no_choice_matched),
                                           fmt::format("No Choice Rule matched in state '{}' and it "
                                                       "has no Default",
                                                       st.name)),
                                     false});
  Json out = v.ptr == &f->doc ? std::move(f->doc) : v.ptr ? *v.ptr : std::move(v.owned);
  return exit_state(f, st, ctx, std::move(out), next, f->size_bound);
}

}  // namespace asl::detail
