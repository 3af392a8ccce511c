// A failed state: the States.Runtime causes, then Retry (intervals, backoff, jitter) and Catch
// (error matching, the error output) before the failure goes up to the parent frame.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <mutex>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "asl/detail/json/release.hpp"
#include "asl/detail/run/retry_policy.hpp"
#include "asl/detail/run/time_math.hpp"
#include "asl/detail/run/interpreter.hpp"

namespace asl::detail {

/// AWS's standard prefix for runtime causes (spec §4.6).
inline std::string Interpreter::runtime_cause(const Frame& f, const State& st, std::string_view tail) const {
  return fmt::format("An error occurred while executing the state '{}' (entered at the event id #{}). {}",
                     st.name, f.entered_event, tail);
}

inline Failure Interpreter::runtime(const Frame& f, const State& st, std::string_view tail) const {
  return Failure{Error(std::string(errors::runtime), runtime_cause(f, st, tail)), true};
}

/// Errors from evaluators carry a tail cause; give States.Runtime / IntrinsicFailure the prefix.
inline Failure Interpreter::from_eval(const Frame& f, const State& st, Error e) const {
  const bool is_runtime = e.is(errors::runtime);
  std::optional<std::string> location;
  if (e.is(errors::query_evaluation_error) && e.cause) {
    location.emplace();
    // The field is named in the cause jsonata_states/template.hpp writes: "... specified for
    // the field '<location>' ...".
    static constexpr std::string_view marker = "specified for the field '";
    const std::string& c = *e.cause;
    if (const auto at = c.find(marker); at != std::string::npos) {
      const auto from = at + marker.size();
      if (const auto end = c.find('\'', from); end != std::string::npos) *location = c.substr(from, end - from);
    } else if (c.rfind("The Timestamp field", 0) == 0) {
      *location = "Timestamp";  // AWS-recorded: the unparsable-timestamp cause names no field
    }
  }
  if (is_runtime || e.is(errors::intrinsic_failure) || e.is(errors::query_evaluation_error))
    e.cause = runtime_cause(f, st, e.cause.value_or(""));
  Failure out{std::move(e), is_runtime};
  out.evaluation_location = std::move(location);
  return out;
}

/// AWS's EvaluationFailed event, once, before the failure is retried, caught or propagated.
/// AWS-recorded: it follows the event before the state's Entered (a Wait's follows the Entered:
/// AWS evaluates its time once the state is in), and the state's next event follows it.
inline void Interpreter::log_evaluation_failure(Frame& f, Failure& failure) {
  if (!failure.evaluation_location) return;
  const State& st = program_->states[f.state];
  if (st.type != StateType::wait) f.previous_event = f.before_entered;
  emit(f, EventType::EvaluationFailed, [&](Json& d) {
    d["error"] = failure.error.name ? Json(*failure.error.name) : Json(nullptr);
    d["cause"] = failure.error.cause ? Json(*failure.error.cause) : Json(nullptr);
    if (!failure.evaluation_location->empty()) d["location"] = *failure.evaluation_location;
    d["state"] = st.name;
  });
  failure.evaluation_location.reset();
}

inline bool Interpreter::matches(const Failure& failure, const std::vector<std::string>& list) {
  return error_matches(failure.error, failure.heartbeat, list);  // retry_policy.hpp
}

/// What fail_state decides first: a Retry takes this failure (a retried Map/Parallel logs no
/// *StateFailed on AWS, see events.hpp).
inline bool Interpreter::will_retry(Frame& f, const State& st, const Failure& failure) {
  if (failure.fatal) return false;
  for (std::size_t i = 0; i < st.retriers.size(); ++i) {
    const Retrier& r = st.retriers[i];
    if (matches(failure, r.error_equals)) return f.attempts[i] < r.max_attempts;
  }
  return false;
}

inline Interpreter::Step Interpreter::fail_state(const std::shared_ptr<Frame>& f, const State& st, Failure failure) {
  log_evaluation_failure(*f, failure);
  if (failure.fatal) return propagate(f, std::move(failure));
  for (std::size_t i = 0; i < st.retriers.size(); ++i) {
    const Retrier& r = st.retriers[i];
    if (!matches(failure, r.error_equals)) continue;
    if (f->attempts[i] >= r.max_attempts) break;  // first matching retrier exhausted: go to Catch
    if (failure.from_children) close_scope(*f);  // the whole Parallel/Map runs again: new children
    const std::uint32_t k = ++f->attempts[i];
    double interval = retry_interval(r, k);  // retry_policy.hpp: finite, capped by MaxDelaySeconds
    if (r.jitter_full) {
      std::lock_guard<std::mutex> lock(rng_mutex_);
      interval = std::uniform_real_distribution<double>(0.0, interval)(rng());
    }
    interval *= config_.retry_scale;
    f->resume = Frame::Resume::retry;
    if (interval <= 0) return Step::next;
    schedule(f, add_seconds(now(), interval));
    return Step::stop;
  }
  const StateQueries& q = *st.queries;
  for (std::size_t i = 0; i < st.catchers.size(); ++i) {
    const Catcher& c = st.catchers[i];
    if (!matches(failure, c.error_equals)) continue;
    if (failure.from_children) close_scope(*f);  // caught: the state exits, nothing in it is redriven
    Json error_output = Json::object();
    error_output.get_ref<Json::object_t&>().reserve(2);
    append_member(error_output, "Error", failure.error.name ? Json(std::move(*failure.error.name)) : Json(nullptr));
    append_member(error_output, "Cause", failure.error.cause ? Json(std::move(*failure.error.cause)) : Json(nullptr));
    std::size_t bound = this->bound(error_output);
    std::optional<Json> ctx_holder;
    QueryEnv ctx;
    if (st.jsonata || (i < st.shape.catch_assign.size() && st.shape.catch_assign[i])) ctx = make_ctx(*f, st, ctx_holder);
    if (i < st.shape.catch_assign.size() && st.shape.catch_assign[i]) {
      // Only the Catcher's Assign runs (spec §12.2); JSONPath's `$` is the error output.
      if (auto fl = evaluate_assign(*f, st, AssignSite::catcher, i, f->doc, error_output, nullptr, &error_output, ctx))
        return propagate(f, std::move(*fl));
    } else {
      f->assigned.clear();  // the state's own Assign (evaluated with its result) does not run
    }
    Json out;
    switch (st.shape.catch_combine[i]) {
      case Combine::discard:
        out = std::move(f->doc);
        bound = f->size_bound;
        break;
      case Combine::replace:
        out = std::move(error_output);
        break;
      case Combine::merge:
        out = std::move(f->doc);
        if (auto e = q.catch_merge(i, out, std::move(error_output), ctx)) return propagate(f, from_eval(*f, st, std::move(*e)));
        bound = st.jsonata ? this->bound(out) : bound + f->size_bound + st.shape.catch_overhead[i];
        break;
    }
    if (auto fl = check_depth(*f, st, out)) return propagate(f, std::move(*fl));
    emit(*f, exited_event(st.type), [&](Json& d) {
      d["name"] = st.name;
      d["output"] = out;
      describe_assign(*f, d);
    });
    commit_assign(*f);
    return transition(f, c.next, std::move(out), bound);
  }
  return propagate(f, std::move(failure));
}

}  // namespace asl::detail
