// The Pass, Succeed and Fail states (Fail's Error/Cause fields and their paths).
// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <string>

#include <fmt/format.h>

#include "asl/detail/jsonpath/intrinsics.hpp"
#include "asl/detail/run/interpreter.hpp"

namespace asl::detail {

inline Interpreter::Step Interpreter::run_pass(const std::shared_ptr<Frame>& f, const State& st) {
  std::optional<Json> holder;
  const Json* ctx = make_ctx(*f, st, holder);
  Json result;
  std::size_t result_bound = 0;
  if (st.result) {
    result = *st.result;
    result_bound = bound(result);
  } else {
    View v;
    if (auto fl = input_view(*f, st, ctx, v)) return fail_state(f, st, std::move(*fl));
    if (st.parameters) {
      auto r = st.parameters->evaluate(v.get(), ctx);
      if (!r) return fail_state(f, st, from_eval(*f, st, std::move(r).error()));
      result = std::move(*r);
      result_bound = bound(result);
    } else if (st.result_path.is_null()) {
      // Result discarded: the output is the raw input, nothing to build.
    } else if (st.result_path.is_identity() && v.ptr) {
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
  const Json* ctx = make_ctx(*f, st, holder);
  View v;
  if (auto fl = input_view(*f, st, ctx, v)) return fail_state(f, st, std::move(*fl));
  Json out = v.ptr == &f->doc ? std::move(f->doc) : v.ptr ? *v.ptr : std::move(v.owned);
  return exit_state(f, st, ctx, std::move(out), no_index, f->size_bound);
}

/// Fail's Error/Cause: literal, reference path or intrinsic, evaluated on the raw input.
inline std::optional<Failure> Interpreter::fail_text(const Frame& f, const State& st, const FailField& field,
                                                     const char* field_name, const Json* ctx,
                                                     std::optional<std::string>& out) const {
  if (field.literal) {
    out = *field.literal;
  } else if (field.path) {
    const jsonpath::Path& p = *field.path;
    Json v;
    if (!p.select(p.root() == jsonpath::Root::context ? *ctx : f.doc, v))
      return runtime(f, st, fmt::format("The JSONPath '{}' specified for the field '{}' could not be found "
                                        "in the input '{}'",
                                        p.text(), field_name, java_json(f.doc)));
    out = v.is_string() ? v.get<std::string>() : v.dump();
  } else if (field.function) {
    auto r = field.function->evaluate(intrinsics::Env{f.doc, ctx});
    if (!r) return from_eval(f, st, std::move(r).error());
    out = r->is_string() ? r->get<std::string>() : r->dump();
  }
  return std::nullopt;
}

inline Interpreter::Step Interpreter::run_fail(const std::shared_ptr<Frame>& f, const State& st) {
  std::optional<Json> holder;
  const Json* ctx = make_ctx(*f, st, holder);
  Error e;
  if (auto fl = fail_text(*f, st, st.error, "ErrorPath", ctx, e.name)) return propagate(f, std::move(*fl));
  if (auto fl = fail_text(*f, st, st.cause, "CausePath", ctx, e.cause)) return propagate(f, std::move(*fl));
  return propagate(f, Failure{std::move(e), false});
}

}  // namespace asl::detail
