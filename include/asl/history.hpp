// History events in AWS's shape (type names, 1-based ids) and the observer that receives them.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string_view>

#include "asl/clock.hpp"
#include "asl/json.hpp"

namespace asl {

/// A subset of AWS's HistoryEventType that the in-process engine emits (spec §13.3).
/// Ids are counted exactly as AWS counts them, because AWS's error causes quote them
/// ("entered at the event id #4") even when nobody records the events.
enum class EventType : std::uint8_t {
  ExecutionStarted,
  ExecutionSucceeded,
  ExecutionFailed,
  ExecutionTimedOut,
  ExecutionAborted,
  PassStateEntered,
  PassStateExited,
  TaskStateEntered,
  TaskStateExited,
  TaskScheduled,
  TaskStarted,
  TaskSucceeded,
  TaskFailed,
  LambdaFunctionScheduled,
  LambdaFunctionStarted,
  LambdaFunctionSucceeded,
  LambdaFunctionFailed,
  ChoiceStateEntered,
  ChoiceStateExited,
  WaitStateEntered,
  WaitStateExited,
  SucceedStateEntered,
  SucceedStateExited,
  FailStateEntered,
  ParallelStateEntered,
  ParallelStateStarted,
  ParallelStateSucceeded,
  ParallelStateFailed,
  ParallelStateExited,
  MapStateEntered,
  MapStateStarted,
  MapStateSucceeded,
  MapStateFailed,
  MapStateExited,
  MapIterationStarted,
  MapIterationSucceeded,
  MapIterationFailed,
  MapIterationAborted,
  MapRunStarted,
  MapRunSucceeded,
  MapRunFailed,
  TaskSubmitted,
  TaskTimedOut,
  LambdaFunctionTimedOut,
  ExecutionRedriven,
  EvaluationFailed,  ///< a JSONata expression failed (its field's `location`), before the state fails
  MapRunRedriven,    ///< a redrive runs a Map Run's failed children again (`mapRunArn`, `redriveCount`)
};

/// The AWS spelling of an event type ("TaskStateEntered").
inline std::string_view to_string(EventType t) {
  static constexpr std::string_view names[] = {
      "ExecutionStarted",      "ExecutionSucceeded",     "ExecutionFailed",
      "ExecutionTimedOut",     "ExecutionAborted",       "PassStateEntered",
      "PassStateExited",       "TaskStateEntered",       "TaskStateExited",
      "TaskScheduled",         "TaskStarted",            "TaskSucceeded",
      "TaskFailed",            "LambdaFunctionScheduled", "LambdaFunctionStarted",
      "LambdaFunctionSucceeded", "LambdaFunctionFailed", "ChoiceStateEntered",
      "ChoiceStateExited",     "WaitStateEntered",       "WaitStateExited",
      "SucceedStateEntered",   "SucceedStateExited",     "FailStateEntered",
      "ParallelStateEntered",  "ParallelStateStarted",   "ParallelStateSucceeded",
      "ParallelStateFailed",   "ParallelStateExited",    "MapStateEntered",
      "MapStateStarted",       "MapStateSucceeded",      "MapStateFailed",
      "MapStateExited",        "MapIterationStarted",    "MapIterationSucceeded",
      "MapIterationFailed",    "MapIterationAborted",    "MapRunStarted",
      "MapRunSucceeded",       "MapRunFailed",           "TaskSubmitted",
      "TaskTimedOut",          "LambdaFunctionTimedOut", "ExecutionRedriven",
      "EvaluationFailed",      "MapRunRedriven"};
  return names[static_cast<std::size_t>(t)];
}

/// One history event. `details` holds the AWS `<x>EventDetails` fields that apply, as JSON
/// values (name, input, output, error, cause, index, length, resource, parameters, ...), not as
/// JSON text; asl/history_json.hpp turns an event into what GetExecutionHistory returns.
struct HistoryEvent {
  EventType type;
  std::uint64_t id;  ///< 1-based, in emission order
  /// AWS's previousEventId: the event before this one in the same thread of the execution (the
  /// top level, one Map iteration, one Parallel branch), 0 for the first; see run/events.hpp.
  std::uint64_t previous_id;
  TimePoint timestamp;
  std::string_view execution_name;
  const Json* details;  ///< valid only during the callback
};

/// Receives history events. With no observer attached an engine only counts events.
/// @note Called on the thread that runs the execution; implementations must be thread-safe
/// when executions run concurrently.
class Observer {
 public:
  virtual ~Observer() = default;
  virtual void on_event(const HistoryEvent& event) = 0;
};

}  // namespace asl
