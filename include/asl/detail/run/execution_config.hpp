// ExecutionConfig: everything an execution needs from the engine (its host, limits, observers, callbacks).
// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "asl/execution_result.hpp"
#include "asl/history.hpp"
#include "asl/detail/run/journal_hook.hpp"
#include "asl/detail/run/scheduler.hpp"
#include "asl/detail/run/task_slot.hpp"

namespace asl {
class ObjectStore;     // object_store.hpp
class MapRunObserver;  // map_run.hpp
}

namespace asl::detail {

/// Everything an execution needs from the engine, fixed for its lifetime.
struct ExecutionConfig {
  Host* host = nullptr;          ///< runs the frames and the timers
  double wait_scale = 1.0;       ///< multiplies Wait durations (0 = skip)
  double retry_scale = 1.0;      ///< multiplies retry intervals (0 = skip)
  std::size_t payload_limit = 256 * 1024;  ///< 0 = no limit
  std::uint64_t max_transitions = 0;       ///< 0 = no guard
  std::size_t max_map_items = 0;           ///< 0 = no limit
  std::size_t max_map_concurrency = 0;     ///< in-flight Map iterations per Map (0 = no cap)
  std::uint64_t max_history_events = 0;    ///< 0 = no limit
  std::size_t max_json_depth = 0;          ///< deepest document an execution may hold (0 = no limit)
  /// The longest an execution may run (AWS: Standard 1 year, Express 5 minutes; 0 = no limit).
  /// Enforced where time passes, on the timers (Wait, retry intervals), not by reading the clock
  /// on every step.
  std::uint64_t max_duration_seconds = 0;
  std::optional<std::uint64_t> jitter_seed;
  std::vector<Observer*> observers;
  std::vector<MapRunObserver*> map_run_observers;  ///< Engine::add_map_run_observer
  JournalHook* journal = nullptr;  ///< receives every fact needed to rebuild the execution (null: none)
  std::shared_ptr<JournalHook> journal_owner;  ///< keeps `journal` alive when the engine made it
  /// The execution's start ($$.Execution.StartTime): a recovered execution keeps its own (unset: now).
  std::optional<TimePoint> start_time;
  /// With a journal: the seed of the per-step generators of States.UUID and States.MathRandom.
  std::uint64_t random_seed = 0;
  /// A recovered execution: the slots of the callback tokens it had handed out, registered by
  /// the engine before the replay reaches their tasks (a callback may arrive first), by token.
  std::unordered_map<std::string, std::shared_ptr<TaskSlot>> recovered_slots;
  std::string execution_name;
  ObjectStore* object_store = nullptr;  ///< EngineOptions::object_store (the engine keeps it alive)
  const std::atomic<bool>* stop_flag = nullptr;  ///< set by the host to abort (checked at step boundaries)
  /// Registers a `.waitForTaskToken` slot under its token (the engine's callback registry);
  /// false when the registry is full (EngineOptions::max_task_tokens).
  std::function<bool(const std::string&, const std::shared_ptr<TaskSlot>&)> register_token;
  std::function<void()> on_finished;  ///< called once, after the result is available
  std::function<void(const ExecutionResult&)> on_done;  ///< the host's completion callback
};

}  // namespace asl::detail
