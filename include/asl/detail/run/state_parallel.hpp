// The Parallel state: one child frame per branch, all given the same input (see fan_out.hpp).
// SPDX-License-Identifier: MIT
#pragma once

#include <mutex>
#include <optional>

#include "asl/detail/run/spin_lock.hpp"
#include "asl/detail/run/interpreter.hpp"

namespace asl::detail {

inline Interpreter::Step Interpreter::run_parallel(const std::shared_ptr<Frame>& f, const State& st) {
  std::optional<Json> holder;
  QueryEnv ctx = make_ctx(*f, st, holder);
  Selection v;
  if (auto fl = input_view(*f, st, ctx, v)) return fail_state(f, st, std::move(*fl));
  Json input;
  if (st.shape.has_arguments) {
    auto r = st.queries->arguments(v.get(), ctx);
    if (!r) return fail_state(f, st, from_eval(*f, st, std::move(r).error()));
    input = std::move(*r);
  } else {
    input = v.get();
  }
  emit(*f, EventType::ParallelStateStarted);
  auto j = new_join(f, false);
  j->total = st.branches.size();
  if (config_.journal)
    j->first_child = config_.journal->children(frame_ids_, FactKey{f->id, f->step, f->retry_count}, f->state, j->total);
  j->results = Json::array();
  j->results.get_ref<Json::array_t&>().resize(j->total);
  j->input = std::move(input);
  std::lock_guard<std::mutex> lock(spin_lock(j->mutex), std::adopt_lock);
  start_children(j);
  return Step::stop;
}

}  // namespace asl::detail
