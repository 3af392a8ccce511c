// Engine: runs executions of compiled state machines with the chosen clock and time mode.
// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "asl/clock.hpp"
#include "asl/detail/interpreter.hpp"
#include "asl/execution_result.hpp"
#include "asl/history.hpp"
#include "asl/state_machine.hpp"

namespace asl {

/// Engine-wide settings; plain data with defaults.
struct EngineOptions {
  std::shared_ptr<Clock> clock;  ///< null = SystemClock
  /// Wait states, retry intervals and timeouts take no real time but happen in order, and the
  /// context-object times advance as if they had (Step Functions Local's idea, taken further).
  bool virtual_time = false;
  double wait_scale = 1.0;            ///< multiplies Wait durations; 0 = do not wait
  double retry_interval_scale = 1.0;  ///< multiplies Retry intervals; 0 = retry at once
  std::size_t payload_limit = 256 * 1024;  ///< States.DataLimitExceeded above this (0 = none)
  std::uint64_t max_transitions = 0;       ///< optional guard against endless loops (0 = none)
  std::optional<std::uint64_t> jitter_seed;  ///< makes JitterStrategy FULL reproducible
};

/// Per-execution settings.
struct RunOptions {
  std::string name;  ///< execution name ($$.Execution.Name); generated when empty
  const std::atomic<bool>* stop = nullptr;  ///< the host sets it to abort the execution
};

/// Runs executions. This version runs each execution on the calling thread.
/// @code
/// asl::Engine engine;
/// asl::ExecutionResult r = engine.run(sm, asl::Json{{"dataset", "train.csv"}});
/// @endcode
class Engine {
 public:
  explicit Engine(EngineOptions options = {}) : options_(std::move(options)) {
    if (!options_.clock) options_.clock = std::make_shared<SystemClock>();
  }

  /// Attach an observer of history events (none by default: then events are only counted).
  void add_observer(std::shared_ptr<Observer> observer) { observers_.push_back(std::move(observer)); }

  /// Run one execution to its end and return its result. Never throws for ASL failures.
  ExecutionResult run(const StateMachine& machine, Json input = Json::object(), const RunOptions& run = {}) {
    detail::ExecutionConfig cfg;
    cfg.clock = options_.clock.get();
    cfg.virtual_time = options_.virtual_time;
    cfg.wait_scale = options_.wait_scale;
    cfg.retry_scale = options_.retry_interval_scale;
    cfg.payload_limit = options_.payload_limit;
    cfg.max_transitions = options_.max_transitions;
    cfg.jitter_seed = options_.jitter_seed;
    cfg.stop_flag = run.stop;
    cfg.execution_name = run.name.empty() ? next_name() : run.name;
    for (const auto& o : observers_) cfg.observers.push_back(o.get());
    detail::Interpreter interpreter(machine.program(), std::move(input), std::move(cfg));
    return interpreter.run();
  }

  const EngineOptions& options() const noexcept { return options_; }

 private:
  std::string next_name() { return "execution-" + std::to_string(++counter_); }

  EngineOptions options_;
  std::vector<std::shared_ptr<Observer>> observers_;
  std::atomic<std::uint64_t> counter_{0};
};

}  // namespace asl
