// The Wait state: its deadline from the delay or instant its queries compute (Seconds, Timestamp,
// SecondsPath, TimestampPath), scaled for tests, and AWS's limit on how far ahead it may be.
// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "asl/detail/base/timestamp.hpp"
#include "asl/detail/run/time_math.hpp"
#include "asl/detail/run/interpreter.hpp"

namespace asl::detail {

inline Interpreter::Step Interpreter::run_wait(const std::shared_ptr<Frame>& f, const State& st) {
  std::optional<Json> holder;
  QueryEnv ctx = make_ctx(*f, st, holder);
  Selection v;
  if (auto fl = input_view(*f, st, ctx, v)) return fail_state(f, st, std::move(*fl));
  const TimePoint start = now();
  TimePoint due = start;
  // Timestamps are not too far ahead (checked first), but may be long past: year 1 does not fit
  // the nanosecond clock, and neither does 2^31 s past a clock near its end (2262).
  auto at_timestamp = [&](const timestamp::Instant& at) {
    const auto start_s = std::chrono::floor<std::chrono::seconds>(start);
    if (at.seconds < start_s.time_since_epoch().count()) return;  // in the past: no wait
    due = saturating_add(
        add_seconds(start_s, static_cast<std::uint64_t>(at.seconds - start_s.time_since_epoch().count())),
        Duration(at.nanos));
    if (due > start && config_.wait_scale != 1.0) {
      due = add_seconds(start, std::chrono::duration<double>(due - start).count() * config_.wait_scale);
    }
  };
  WaitSpec w;
  if (auto e = st.queries->wait(v.get(), ctx, w)) return fail_state(f, st, from_eval(*f, st, std::move(*e)));
  if (w.is_timestamp) {
    if (too_far(w.at, start)) return fail_state(f, st, runtime(*f, st, "Wait state delay is too long."));
    at_timestamp(w.at);
  } else {
    due = add_seconds(start, w.seconds * config_.wait_scale);
  }
  if (st.shape.has_assign) {
    // Evaluated on entry with the input the state saw; applied when the wait is over.
    if (auto fl = evaluate_assign(*f, st, AssignSite::state, 0, f->doc, v.get(), nullptr, nullptr, ctx))
      return fail_state(f, st, std::move(*fl));
  }
  // Keep the effective input as the document to output after the wait.
  if (v.ptr != &f->doc) {
    Json eff = v.ptr ? *v.ptr : std::move(v.owned);
    f->doc = std::move(eff);
  }
  f->resume = Frame::Resume::wait_done;
  if (due <= start) return finish_wait(f, st);
  schedule(f, due);
  return Step::stop;
}

/// AWS refuses delays of 2^31 seconds or more ("Wait state delay is too long.", spec §8).
inline bool Interpreter::too_far(const timestamp::Instant& at, TimePoint start) {
  const std::int64_t start_s = std::chrono::duration_cast<std::chrono::seconds>(start.time_since_epoch()).count();
  return at.seconds - start_s >= 24856LL * 86400LL;
}

inline Interpreter::Step Interpreter::finish_wait(const std::shared_ptr<Frame>& f, const State& st) {
  std::optional<Json> holder;
  QueryEnv ctx = make_ctx(*f, st, holder);
  return exit_state(f, st, ctx, std::move(f->doc), st.next, f->size_bound);
}

}  // namespace asl::detail
