// Saturating instant + seconds for timers: delays from definitions and inputs can pass the clock's end.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <limits>

#include "asl/clock.hpp"

namespace asl::detail {

// TimePoint counts int64 nanoseconds, so it ends in 2262; plain std::chrono arithmetic past that
// (a SecondsPath of 1e10, BackoffRate^k, a TimeoutSecondsPath of 2^63-1) is undefined behaviour
// and in practice wraps into the past, i.e. a timer that fires at once. These saturate instead:
// a timer at TimePoint::max() never fires on a real clock, and the schedulers never fire one in
// virtual time either (scheduler.hpp).

/// `t + d` for d >= 0 (a negative d adds nothing), TimePoint::max() when that is beyond the clock.
inline TimePoint saturating_add(TimePoint t, Duration d) noexcept {
  if (d <= Duration::zero()) return t;
  // When t is at or before the epoch, max() - t could overflow, but t + d cannot.
  if (t.time_since_epoch() > Duration::zero() && d > TimePoint::max() - t) return TimePoint::max();
  return t + d;
}

/// `t + seconds`, saturating at TimePoint::max().
inline TimePoint add_seconds(TimePoint t, std::uint64_t seconds) noexcept {
  constexpr std::uint64_t giga = 1000000000;
  constexpr auto max_seconds = static_cast<std::uint64_t>(std::numeric_limits<Duration::rep>::max()) / giga;
  if (seconds > max_seconds) return TimePoint::max();
  return saturating_add(t, Duration(static_cast<Duration::rep>(seconds * giga)));
}

/// `t + seconds`, saturating at TimePoint::max() (also for +inf). Zero, negative and NaN add
/// nothing: a NaN delay comes from an infinite factor times a zero scale ("do not wait").
/// Sub-nanosecond parts are truncated, as std::chrono::duration_cast does.
inline TimePoint add_seconds(TimePoint t, double seconds) noexcept {
  if (!(seconds > 0)) return t;
  const double ns = seconds * 1e9;
  // 2^63 is exact as a double; every double below it converts to int64 without overflow.
  if (ns >= 9223372036854775808.0) return TimePoint::max();
  return saturating_add(t, Duration(static_cast<Duration::rep>(ns)));
}

}  // namespace asl::detail
