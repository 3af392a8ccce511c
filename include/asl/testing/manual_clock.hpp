// testing::ManualClock: a clock that moves only when told to, for deterministic tests.
// SPDX-License-Identifier: MIT
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>

#include "asl/clock.hpp"

namespace asl::testing {

/// Time stands still until advance()/set() moves it; then engines using it fire the timers that
/// became due (Wait states, retry intervals, timeouts, heartbeats). Nothing ever sleeps for real:
/// a thread blocked in sleep_until() wakes when another thread advances the clock far enough.
/// @code
/// auto clock = std::make_shared<asl::testing::ManualClock>();
/// asl::EngineOptions o; o.clock = clock;
/// asl::Engine engine(o);
/// auto exec = engine.start(sm, input);   // reaches a Wait 3600
/// clock->advance(std::chrono::hours(1)); // the Wait ends
/// @endcode
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start = TimePoint{}) : now_(start) {}

  TimePoint now() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return now_;
  }
  void sleep_until(TimePoint t) override {
    std::unique_lock<std::mutex> lock(mutex_);
    moved_.wait(lock, [&] { return now_ >= t; });
  }
  bool is_real() const override { return false; }
  std::uint64_t subscribe(std::function<void()> on_advance) override {
    std::lock_guard<std::mutex> lock(mutex_);
    listeners_.emplace(++next_id_, std::move(on_advance));
    return next_id_;
  }
  void unsubscribe(std::uint64_t id) override {
    std::lock_guard<std::mutex> lock(mutex_);
    listeners_.erase(id);
  }

  void advance(Duration d) { set_locked([&] { now_ += d; }); }
  void set(TimePoint t) { set_locked([&] { now_ = t; }); }

 private:
  template <class F>
  void set_locked(F&& change) {
    std::map<std::uint64_t, std::function<void()>> listeners;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      change();
      listeners = listeners_;
    }
    moved_.notify_all();
    for (auto& [id, f] : listeners) f();
  }

  mutable std::mutex mutex_;
  std::condition_variable moved_;
  TimePoint now_;
  std::map<std::uint64_t, std::function<void()>> listeners_;
  std::uint64_t next_id_ = 0;
};

}  // namespace asl::testing
