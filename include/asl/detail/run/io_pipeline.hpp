// The input/output pipeline of a state: InputPath, ResultSelector, ResultPath, OutputPath, the
// context object ($$) and the nesting-depth check of every output.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "asl/detail/base/arn.hpp"
#include "asl/detail/base/timestamp.hpp"
#include "asl/detail/json/depth.hpp"
#include "asl/detail/json/release.hpp"
#include "asl/detail/run/interpreter.hpp"

namespace asl::detail {

// ---------------------------------------------------------------- context object
inline std::string Interpreter::execution_arn() const {
  return fmt::format("{}execution:{}:{}", local_arn_prefix, program_->name,
                     config_.execution_name);
}

/// `$$` (spec §4.7). Built only for states that read it.
inline Json Interpreter::context(const Frame& f, const State& st, const Json* item_value,
                                 std::size_t item_index) const {
  // Members are reserved up front: growing an ordered_json object deep-copies its members
  // (see append_member), and Execution.Input may be the whole execution input.
  Json c = Json::object();
  c.get_ref<Json::object_t&>().reserve(5);
  Json& ex = c["Execution"];
  ex = Json::object();
  ex.get_ref<Json::object_t&>().reserve(7);
  ex["Id"] = execution_arn();
  if (st.context_needs_input) ex["Input"] = execution_input_;
  ex["Name"] = config_.execution_name;
  ex["RoleArn"] = "arn:aws:iam::123456789012:role/asl-local-execution";
  ex["StartTime"] = timestamp::format(start_time_.time_since_epoch().count());
  // A step of a redriven execution's past that it replays sees the count it ran with then.
  const std::uint32_t redrives = redrive_count();
  ex["RedriveCount"] = redrives;
  if (redrives != 0)
    ex["RedriveTime"] = timestamp::format(
        config_.journal->replay()->redrives[redrives - 1].time.time_since_epoch().count());
  Json& s = c["State"];
  s["EnteredTime"] = timestamp::format(f.entered_time.time_since_epoch().count());
  s["Name"] = st.name;
  // AWS shows RetryCount only where a retry can happen (spec §16.25).
  if (st.type == StateType::task || st.type == StateType::map || st.type == StateType::parallel)
    s["RetryCount"] = f.retry_count;
  Json& sm = c["StateMachine"];
  sm["Id"] = state_machine_arn(program_->name);
  sm["Name"] = program_->name;
  if (st.type == StateType::task) c["Task"]["Token"] = f.token.empty() ? task_token(f) : f.token;
  if (item_value) {
    Json& item = c["Map"]["Item"];
    item["Index"] = item_index;
    item["Value"] = *item_value;
  }
  return c;
}

inline std::string Interpreter::task_token(const Frame& f) const {
  return fmt::format("{}:{}:{}:{}", config_.execution_name, f.state, f.entered_event, f.retry_count);
}

inline QueryEnv Interpreter::make_ctx(const Frame& f, const State& st, std::optional<Json>& holder) const {
  QueryEnv env;
  env.vars = f.vars.get();
  if (st.jsonata)
    env.now_ms = static_cast<double>(
        std::chrono::duration_cast<std::chrono::milliseconds>(f.entered_time.time_since_epoch()).count());
  if (!st.uses_context) return env;
  holder = context(f, st);
  env.ctx = &*holder;
  return env;
}

// ---------------------------------------------------------------- Assign
/// Evaluates one Assign into the frame's pending assignments (spec §12.3: all values from the
/// variables as the state found them; applied by commit_assign when the state exits).
inline std::optional<Failure> Interpreter::evaluate_assign(Frame& f, const State& st, AssignSite site,
                                                           std::size_t index, const Json& raw, const Json& value,
                                                           const Json* result, const Json* error_output,
                                                           const QueryEnv& ctx) const {
  f.assigned.clear();
  if (auto e = st.queries->assign(site, index, raw, value, result, error_output, ctx, f.assigned)) {
    f.assigned.clear();
    return from_eval(f, st, std::move(*e));
  }
  if (auto fl = over_variable_limits(f, st)) {
    f.assigned.clear();
    return fl;
  }
  return std::nullopt;
}

/// AWS's variable quotas (spec §12.1): one variable and one Assign at most the payload limit
/// (256 KiB), all the variables an execution holds at most 40 times that (10 MiB). Counted over
/// the scopes the frame sees (its own and the enclosing ones): a sibling Map iteration's are its
/// own business. AWS has recorded no cause text for these: ours names the variable and the quota.
inline std::optional<Failure> Interpreter::over_variable_limits(const Frame& f, const State& st) const {
  const std::size_t limit = config_.payload_limit;
  if (!limit || f.assigned.empty()) return std::nullopt;
  const auto fail = [&](std::string cause) {
    return Failure{Error(std::string(errors::data_limit_exceeded), std::move(cause)), true};
  };
  std::size_t assign_total = 0;
  for (const auto& [name, v] : f.assigned) {
    std::size_t n = json_size_bound(v);
    if (n > limit) n = v.dump().size();
    if (n > limit)
      return fail(fmt::format("The state '{}' assigned the variable '{}' a value of {} bytes, over the quota of {} "
                              "bytes for one variable.",
                              st.name, name, n, limit));
    assign_total += n;
  }
  if (assign_total > limit)
    return fail(fmt::format("The state '{}' assigned {} bytes of variables at once, over the quota of {} bytes for "
                            "one Assign.",
                            st.name, assign_total, limit));
  std::size_t held = assign_total;
  if (f.vars) {
    held += f.vars->bytes();
    for (const auto& a : f.assigned) held -= std::min(held, f.vars->own_bytes(a.first));  // replaced
  }
  const std::size_t total_limit = 40 * limit;
  if (held > total_limit)
    return fail(fmt::format("The state '{}' would bring the execution's variables to {} bytes, over the quota of {} "
                            "bytes for all variables.",
                            st.name, held, total_limit));
  return std::nullopt;
}

/// AWS's stateExitedEventDetails.assignedVariables: each value as JSON text.
inline void Interpreter::describe_assign(const Frame& f, Json& details) {
  if (f.assigned.empty()) return;
  Json& a = details["assignedVariables"];
  a = Json::object();
  for (const auto& [name, value] : f.assigned) a[name] = value.dump();
  details["assignedVariablesDetails"] = Json{{"truncated", false}};
}

inline void Interpreter::commit_assign(Frame& f) {
  if (f.assigned.empty()) return;
  f.vars = Variables::assign(f.vars, std::move(f.assigned));
  f.assigned.clear();
}

// ---------------------------------------------------------------- the pipeline's stages
/// The state's input as its fields see it (InputPath): a view into the raw input when possible.
inline std::optional<Failure> Interpreter::input_view(const Frame& f, const State& st, const QueryEnv& ctx,
                                                      Selection& v) const {
  const StateQueries& q = *st.queries;
  if (st.shape.input_is_raw) {
    v.ptr = &f.doc;
    return std::nullopt;
  }
  if (auto e = q.input(f.doc, ctx, v)) return from_eval(f, st, std::move(*e));
  return std::nullopt;
}

/// The output stage (OutputPath, spec §4.2) applied to a document the engine owns.
inline std::optional<Failure> Interpreter::apply_output_path(const Frame& f, const State& st, const QueryEnv& ctx,
                                                             Json& doc) const {
  const StateQueries& q = *st.queries;
  if (st.shape.output_is_doc) return std::nullopt;
  if (auto e = q.output(doc, ctx)) return from_eval(f, st, std::move(*e));
  return std::nullopt;
}

/// The result meets the RAW input (ResultPath, spec §4.4); sets the new size bound.
inline std::optional<Failure> Interpreter::apply_result_path(Frame& f, const State& st, const QueryEnv& ctx, Json& result,
                                                             std::size_t result_bound, Json& out,
                                                             std::size_t& bound) const {
  const StateQueries& q = *st.queries;
  switch (st.shape.combine) {
    case Combine::discard:
      out = std::move(f.doc);
      bound = f.size_bound;
      break;
    case Combine::replace:
      out = std::move(result);
      bound = result_bound;
      break;
    case Combine::merge:
      out = std::move(f.doc);
      if (st.shape.merges_into_member && out.is_object()) {
        set_member(out, st.shape.merge_member, std::move(result));
      } else if (auto e = q.merge(out, std::move(result), ctx)) {
        f.doc = std::move(out);  // left as it was: a Catch sees the state's raw input
        return from_eval(f, st, std::move(*e));
      }
      // A JSONata Output may build anything: measure it rather than bound it.
      bound = st.jsonata ? this->bound(out) : f.size_bound + result_bound + st.shape.merge_overhead;
      break;
  }
  return std::nullopt;
}

/// A number a state computes (TimeoutSeconds, MaxConcurrency, ...): empty when the field is absent.
inline std::optional<Failure> Interpreter::read_number(const Frame& f, const State& st, NumberField field,
                                                       const Json& input, const QueryEnv& ctx,
                                                       std::optional<Json>& out) const {
  if (!st.shape.has(field)) return std::nullopt;
  if (auto e = st.queries->number(field, input, ctx, out)) return from_eval(f, st, std::move(*e));
  return std::nullopt;
}

/// ResultSelector, ResultPath, OutputPath, StateExited and the transition (Task/Parallel/Map).
inline Interpreter::Step Interpreter::finish_state(const std::shared_ptr<Frame>& f, const State& st, Json result,
                                                   std::size_t result_bound) {
  std::optional<Json> ctx_holder;
  const QueryEnv ctx = make_ctx(*f, st, ctx_holder);
  if (st.shape.has_assign) {
    // JSONPath's `$` is the raw result here, beside ResultSelector (spec §12.3).
    if (auto fl = evaluate_assign(*f, st, AssignSite::state, 0, f->doc, result, &result, nullptr, ctx))
      return fail_state(f, st, std::move(*fl));
  }
  if (st.shape.has_result_selector) {
    if (auto e = st.queries->select_result(result, ctx)) return fail_state(f, st, from_eval(*f, st, std::move(*e)));
    result_bound = bound(result);
  }
  return exit_with_result(f, st, ctx, result, result_bound);
}

/// ResultPath, then exit_state (Pass, Task, Parallel, Map).
inline Interpreter::Step Interpreter::exit_with_result(const std::shared_ptr<Frame>& f, const State& st,
                                                       const QueryEnv& ctx, Json& result, std::size_t result_bound) {
  const StateQueries& q = *st.queries;
  if (st.shape.combine == Combine::merge && st.shape.output_is_doc && !config_.payload_limit) {
    // The common exit (ResultPath into the input, no OutputPath, no size limit to check):
    // update the frame's document in place. Moving it out and back through the by-value
    // hand-offs below cost about a tenth of a Pass step. A failed assign leaves the document
    // as it was, so a Catch still sees the state's raw input.
    if (st.shape.merges_into_member && f->doc.is_object())
      set_member(f->doc, st.shape.merge_member, std::move(result));  // what merge() does, without the call
    else if (auto e = q.merge(f->doc, std::move(result), ctx))
      return fail_state(f, st, from_eval(*f, st, std::move(*e)));
    if (auto fl = check_depth(*f, st, f->doc)) return propagate(f, std::move(*fl));
    emit(*f, exited_event(st.type), [&](Json& d) {
      d["name"] = st.name;
      d["output"] = f->doc;
      describe_assign(*f, d);
    });
    commit_assign(*f);
    return advance(f, st.next);
  }
  Json out;
  std::size_t bound = 0;
  if (auto fl = apply_result_path(*f, st, ctx, result, result_bound, out, bound))
    return fail_state(f, st, std::move(*fl));
  return exit_state(f, st, ctx, std::move(out), st.next, bound);
}

/// AWS's payload quota on a state's output: the States.DataLimitExceeded failure when `out` is
/// larger; else nothing, and `bound` becomes its exact size when the bound alone could not tell.
inline std::optional<Failure> Interpreter::over_payload_limit(const State& st, const Json& out,
                                                              std::size_t& bound) const {
  if (!config_.payload_limit || bound <= config_.payload_limit) return std::nullopt;
  const std::size_t exact = out.dump().size();
  if (exact > config_.payload_limit)
    return Failure{Error(std::string(errors::data_limit_exceeded),
                         fmt::format("The state/task '{}' returned a result with a size exceeding the maximum "
                                     "number of bytes service limit.",
                                     st.name)),
                   true};
  bound = exact;
  return std::nullopt;
}

/// The tail every state that exits normally shares: OutputPath, *StateExited, the transition.
inline Interpreter::Step Interpreter::exit_state(const std::shared_ptr<Frame>& f, const State& st, const QueryEnv& ctx,
                                                 Json out, std::uint32_t next, std::size_t bound) {
  if (auto fl = apply_output_path(*f, st, ctx, out)) return fail_state(f, st, std::move(*fl));
  // OutputPath only selects a part, but a JSONata Output may build more than its input.
  if (st.jsonata && !st.shape.output_is_doc) bound = this->bound(out);
  if (auto fl = check_depth(*f, st, out)) return propagate(f, std::move(*fl));
  // An oversized output fails the state before its Exited event on AWS (recorded history of
  // test_start_large_input: Entered, then ExecutionFailed). transition() checks it too, for the
  // exits that do not come through here.
  if (auto fl = over_payload_limit(st, out, bound)) return propagate(f, std::move(*fl));
  emit(*f, exited_event(st.type), [&](Json& d) {
    d["name"] = st.name;
    d["output"] = out;
    describe_assign(*f, d);
  });
  commit_assign(*f);
  return transition(f, next, std::move(out), bound);
}

// ---------------------------------------------------------------- nesting depth
/// An upper bound of the depth of what `st` builds from the frame's document: a state adds at
/// most its static growth (State::depth_growth), and one that reads $$.Execution.Input may
/// place the whole execution input.
inline std::size_t Interpreter::grown_depth(const Frame& f, const State& st) const {
  const std::size_t from = st.context_needs_input ? std::max(f.depth_bound, input_depth_) : f.depth_bound;
  return from + st.depth_growth;
}

/// Keeps every document of the execution within EngineOptions::max_json_depth, so that the
/// recursive copy, `==` and dump of nlohmann (and the size bound) stay within a small stack
/// whatever the definition loops on. Measuring a document per state would cost a walk per
/// transition; instead each frame carries an upper bound of its document's depth that grows
/// by the state's static growth and is only measured (and reset to the truth) when it passes
/// the limit, or after a state whose intrinsics parse JSON text. Called with the state's final
/// output, before its StateExited event copies it.
inline std::optional<Failure> Interpreter::check_depth(Frame& f, const State& st, const Json& out) const {
  if (!config_.max_json_depth) return std::nullopt;
  const std::size_t bound = grown_depth(f, st);
  if (!st.deep_check && bound <= config_.max_json_depth) {
    f.depth_bound = bound;
    return std::nullopt;
  }
  return measure_depth(f, st, out);
}

/// check_depth's rare path, out of line so that the common one stays small enough to inline.
inline std::optional<Failure> Interpreter::measure_depth(Frame& f, const State& st, const Json& out) const {
  const std::size_t depth = json_depth(out, config_.max_json_depth);
  if (depth > config_.max_json_depth)
    return Failure{Error(std::string(errors::data_limit_exceeded),
                         fmt::format("The state '{}' produced an output nested deeper than the limit of {} "
                                     "levels (EngineOptions::max_json_depth).",
                                     st.name, config_.max_json_depth)),
                   true};
  f.depth_bound = depth;
  return std::nullopt;
}

}  // namespace asl::detail
