// The rules of Retry and Catch that need no running execution: which ErrorEquals list an error
// matches, and a retrier's interval before its k-th retry. The interpreter (retry_catch.hpp) and
// TestState (detail/testing/test_state_run.hpp) both decide with these.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "asl/error.hpp"
#include "asl/detail/load/program.hpp"

namespace asl::detail {

/// ErrorEquals matching (spec §9.4). `heartbeat`: the error is a heartbeat expiry, reported as
/// States.Timeout, that States.HeartbeatTimeout also matches (§16.4).
inline bool error_matches(const Error& error, bool heartbeat, const std::vector<std::string>& list) {
  const std::string_view name = error.name_or_empty();
  for (const auto& x : list) {
    if (x == name || x == errors::all) return true;
    // States.TaskFailed also matches every error except States.Timeout.
    if (x == errors::task_failed && name != errors::timeout) return true;
    if (x == errors::heartbeat_timeout && (name == errors::heartbeat_timeout || heartbeat)) return true;
  }
  return false;
}

/// The interval before retry number k (1 = the first), before jitter and any scaling:
/// IntervalSeconds × BackoffRate^(k-1), capped by MaxDelaySeconds, always finite.
inline double retry_interval(const Retrier& r, std::uint32_t k) {
  // pow(b, 0) and pow(1, n) are exactly 1: skip the libm call on the common retries.
  const double growth = k <= 1 || r.backoff_rate == 1.0 ? 1.0 : std::pow(r.backoff_rate, static_cast<double>(k - 1));
  double interval = r.interval_seconds * growth;
  if (r.max_delay_seconds) interval = std::min(interval, *r.max_delay_seconds);
  // BackoffRate^k can overflow to +inf: keep it finite (a jitter draw needs a finite range, and
  // a scale of 0 must give 0, not NaN).
  return std::min(interval, std::numeric_limits<double>::max());
}

}  // namespace asl::detail
