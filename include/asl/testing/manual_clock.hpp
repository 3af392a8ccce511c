// testing::ManualClock: a clock that moves only when told to, for deterministic tests.
// SPDX-License-Identifier: MIT
#pragma once

#include <mutex>

#include "asl/clock.hpp"

namespace asl::testing {

/// Time stands still until advance()/set() moves it. sleep_until() jumps straight to the target,
/// so an engine on a ManualClock never sleeps for real.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start = TimePoint{}) : now_(start) {}

  TimePoint now() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return now_;
  }
  void sleep_until(TimePoint t) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (t > now_) now_ = t;
  }
  void advance(Duration d) {
    std::lock_guard<std::mutex> lock(mutex_);
    now_ += d;
  }
  void set(TimePoint t) {
    std::lock_guard<std::mutex> lock(mutex_);
    now_ = t;
  }

 private:
  mutable std::mutex mutex_;
  TimePoint now_;
};

}  // namespace asl::testing
