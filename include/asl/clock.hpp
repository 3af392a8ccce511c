// Time source for executions: the real clock by default; tests and tools swap in other clocks.
// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <thread>

namespace asl {

/// Wall-clock time with nanosecond resolution. Context-object timestamps ($$.Execution.StartTime,
/// $$.State.EnteredTime) and Wait `Timestamp` values are instants on this clock.
using TimePoint = std::chrono::time_point<std::chrono::system_clock, std::chrono::nanoseconds>;
using Duration = std::chrono::nanoseconds;

/// Where an engine gets the time and how it waits for a timer.
/// @note Implementations must be thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  /// The current instant.
  virtual TimePoint now() const = 0;
  /// Block the calling thread until `t` (or return at once if it has passed).
  virtual void sleep_until(TimePoint t) = 0;
  /// False for clocks that move only when told to (testing::ManualClock): engines then wait for
  /// an advance notification instead of waiting on the system clock.
  virtual bool is_real() const { return true; }
  /// Registers a function called after the clock moves (manual clocks only). Returns an id for
  /// unsubscribe(); real clocks ignore it and return 0.
  virtual std::uint64_t subscribe(std::function<void()> on_advance) {
    (void)on_advance;
    return 0;
  }
  virtual void unsubscribe(std::uint64_t id) { (void)id; }
};

/// The system clock: real time, real sleeps.
class SystemClock final : public Clock {
 public:
  TimePoint now() const override {
    return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::now());
  }
  void sleep_until(TimePoint t) override { std::this_thread::sleep_until(t); }
};

}  // namespace asl
