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
  QueryEnv ctx = make_ctx(*f, st, holder);
  Selection v;
  if (auto fl = input_view(*f, st, ctx, v)) return fail_state(f, st, std::move(*fl));
  std::size_t chosen = StateQueries::no_rule;
  if (auto e = st.queries->choose(v.get(), ctx, chosen)) return fail_state(f, st, from_eval(*f, st, std::move(*e)));
  const std::uint32_t next = chosen != StateQueries::no_rule ? st.choice_next[chosen] : st.default_next;
  // A matched rule's Assign replaces the state's (spec §12.2); `$` is the effective input.
  const bool rule_assigns = chosen != StateQueries::no_rule && st.shape.rule_assign.size() > chosen &&
                            st.shape.rule_assign[chosen];
  if (next != no_index && (rule_assigns || st.shape.has_assign)) {
    if (auto fl = evaluate_assign(*f, st, rule_assigns ? AssignSite::rule : AssignSite::state, chosen, f->doc,
                                  v.get(), nullptr, nullptr, ctx))
      return fail_state(f, st, std::move(*fl));
  }
  ctx.rule = chosen;  // a matched rule's Output replaces the state's (JSONata)
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
