// Per-evaluation limits: evaluation depth, wall-clock time and a step budget, with the error they raise.
// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "asl/detail/base/config.hpp"
#include "asl/detail/jsonata/error.hpp"
#include "asl/detail/jsonata/regex.hpp"

namespace asl::detail::jsonata {

/// Limits of one evaluation. Depth counts nested evaluations of expression nodes exactly as
/// jsonata-js's evaluate() entries do, so the suite's `depth` values mean the same here. Time and
/// steps (node evaluations plus regex backtracking steps) stop runaway expressions.
struct EvalLimits {
  std::size_t max_depth = 1000;              // also keeps the C++ stack bounded; 0 = the default
  std::chrono::milliseconds time_limit{0};   // 0 = no time limit
  std::uint64_t max_steps = 100000000;       // 0 = no step limit; the default stops endless loops
};

/// The running counters of one evaluation.
class Guard final : public StepCounter {
 public:
  explicit Guard(const EvalLimits& l) : limits_(l) {
    if (limits_.max_depth == 0) limits_.max_depth = 1000;
    // Only a time limit needs the start time (a clock read is much of a small evaluation's cost).
    if (limits_.time_limit.count() > 0) start_ = std::chrono::steady_clock::now();
  }

  void enter() {
    add_steps(1);
    if (depth_ + 1 > limits_.max_depth) overflow();
    ++depth_;
  }
  void leave() noexcept { --depth_; }

  void add_steps(std::size_t n) override {
    steps_ += n;
    if (limits_.max_steps != 0 && steps_ > limits_.max_steps) timeout();
    // Reading the clock is cheap but not free: look at it every 1024 steps.
    if (limits_.time_limit.count() > 0 && (steps_ - last_check_) >= 1024) {
      last_check_ = steps_;
      if (std::chrono::steady_clock::now() - start_ > limits_.time_limit) timeout();
    }
  }

  std::size_t depth() const noexcept { return depth_; }

 private:
  // Out of line: an Error is large, and enter() sits in every evaluation level's stack frame.
  [[noreturn]] ASL_NOINLINE static void overflow() {
    throw Error("U1001").with_message(
        "Stack overflow error: Check for non-terminating recursive function.  Consider rewriting as tail-recursive.");
  }
  [[noreturn]] ASL_NOINLINE static void timeout() {
    throw Error("U1001").with_message("Expression evaluation timeout: Check for infinite loop");
  }

  EvalLimits limits_;
  std::chrono::steady_clock::time_point start_;
  std::size_t depth_ = 0;
  std::uint64_t steps_ = 0;
  std::uint64_t last_check_ = 0;
};

/// Counts one nested evaluation for its scope.
class DepthScope {
 public:
  explicit DepthScope(Guard& g) : g_(g) { g_.enter(); }
  ~DepthScope() { g_.leave(); }
  DepthScope(const DepthScope&) = delete;
  DepthScope& operator=(const DepthScope&) = delete;

 private:
  Guard& g_;
};

}  // namespace asl::detail::jsonata
