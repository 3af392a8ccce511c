// The completion slot of one task attempt: filled once, by the handler's return, a later
// completion from any thread, a task-token callback, or the timeout/heartbeat timer.
// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "asl/clock.hpp"
#include "asl/error.hpp"
#include "asl/json.hpp"
#include "asl/result.hpp"

namespace asl::detail {

/// Whoever settles first wins; later completions find the slot closed and are dropped
/// (a timed-out task's late result is never applied).
struct TaskSlot {
  std::mutex mutex;
  bool settled = false;
  bool heartbeat_expired = false;  ///< settled by the heartbeat timer (also matches States.HeartbeatTimeout)
  std::optional<Result<Json>> outcome;
  std::atomic<bool> stop{false};  ///< the handler's stop token (timeout, cancellation)
  /// Set by the engine once the frame waits here; called (outside the lock) when settled later.
  std::function<void()> wake;
  /// Set by the engine when heartbeats matter: records the time of a heartbeat.
  std::function<void()> beat;
  std::string token;
  /// Work outside the engine holds virtual time still while pending; work the engine itself runs
  /// (a nested child execution) does not, or the child's own timers could never fire.
  bool holds_time = true;

  /// Settles with `r` unless already settled. Returns whether `r` was taken.
  bool settle(Result<Json> r, bool by_heartbeat = false) {
    std::function<void()> w;
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (settled) return false;
      settled = true;
      heartbeat_expired = by_heartbeat;
      outcome.emplace(std::move(r));
      // One-shot: dropping it breaks the slot -> frame -> slot cycle even if the frame is
      // then discarded (execution ended) without reading the outcome.
      w = std::move(wake);
      wake = nullptr;
    }
    if (w) w();
    return true;
  }

  bool heartbeat() {
    std::function<void()> b;
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (settled) return false;
      b = beat;
    }
    if (b) b();
    return true;
  }
};

}  // namespace asl::detail
