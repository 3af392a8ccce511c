// The Pass, Succeed and Fail states.
// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <string>

#include "asl/detail/run/interpreter.hpp"

namespace asl::detail {

inline Interpreter::Step Interpreter::run_pass(const std::shared_ptr<Frame>& f, const State& st) {
  std::optional<Json> holder;
  QueryEnv ctx = make_ctx(*f, st, holder);
  Json result;
  std::size_t result_bound = 0;
  const StateQueries& q = *st.queries;
  // Assign: JSONPath's `$` is the Pass's result (Result, Parameters' output or the effective
  // input), evaluated before the input may be moved into the output.
  auto assign_with = [&](const Json& value) -> std::optional<Failure> {
    if (!st.shape.has_assign) return std::nullopt;
    return evaluate_assign(*f, st, AssignSite::state, 0, f->doc, value, nullptr, nullptr, ctx);
  };
  if (st.shape.has_result_literal) {
    result = q.result_literal();
    result_bound = bound(result);
    if (auto fl = assign_with(result)) return fail_state(f, st, std::move(*fl));
  } else {
    Selection v;
    if (auto fl = input_view(*f, st, ctx, v)) return fail_state(f, st, std::move(*fl));
    if (st.shape.has_arguments) {
      auto r = q.arguments(v.get(), ctx);
      if (!r) return fail_state(f, st, from_eval(*f, st, std::move(r).error()));
      result = std::move(*r);
      result_bound = bound(result);
      if (auto fl = assign_with(result)) return fail_state(f, st, std::move(*fl));
    } else if (auto fl = assign_with(v.get())) {
      return fail_state(f, st, std::move(*fl));
    } else if (st.shape.combine == Combine::discard) {
      // Result discarded: the output is the raw input, nothing to build.
    } else if (st.shape.combine == Combine::replace && v.ptr) {
      // The effective input becomes the output: move it out of the raw input, no copy.
      if (v.ptr == &f->doc) {
        result = std::move(f->doc);
      } else {
        result = std::move(*const_cast<Json*>(v.ptr));
      }
      result_bound = f->size_bound;  // a part of the raw input is no bigger than the whole
    } else {
      result = v.get();
      result_bound = v.ptr ? f->size_bound : bound(result);
    }
  }
  return exit_with_result(f, st, ctx, result, result_bound);
}

inline Interpreter::Step Interpreter::run_succeed(const std::shared_ptr<Frame>& f, const State& st) {
  std::optional<Json> holder;
  QueryEnv ctx = make_ctx(*f, st, holder);
  Selection v;
  if (auto fl = input_view(*f, st, ctx, v)) return fail_state(f, st, std::move(*fl));
  Json out = v.ptr == &f->doc ? std::move(f->doc) : v.ptr ? *v.ptr : std::move(v.owned);
  return exit_state(f, st, ctx, std::move(out), no_index, f->size_bound);
}

/// Fail's Error and Cause (literal, path or intrinsic), evaluated on the raw input.
inline Interpreter::Step Interpreter::run_fail(const std::shared_ptr<Frame>& f, const State& st) {
  std::optional<Json> holder;
  QueryEnv ctx = make_ctx(*f, st, holder);
  Error e;
  if (auto err = st.queries->fail_texts(f->doc, ctx, e)) return propagate(f, from_eval(*f, st, std::move(*err)));
  return propagate(f, Failure{std::move(e), false});
}

}  // namespace asl::detail
