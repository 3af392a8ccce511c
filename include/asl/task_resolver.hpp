// TaskHandler and TaskResolver: what a loaded state machine holds for its Task states, without
// knowing how a task completes at run time (asl/task.hpp has TaskContext and deferral).
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "asl/json.hpp"
#include "asl/result.hpp"

namespace asl {

class TaskContext;  // asl/task.hpp: a handler's view of the call, completed there

/// The one type-erased handler signature the interpreter calls. A handler returns the task's
/// result or an ASL error value; it may also throw asl::TaskError(name, cause), and any other
/// std::exception becomes `States.TaskFailed` with `what()` as the cause.
using TaskHandler = std::function<Result<Json>(const Json& input, TaskContext& ctx)>;

/// What a resolver is asked, once per Task state, when a definition is loaded.
struct ResolveRequest {
  std::string_view resource;    ///< the state's `Resource`
  std::string_view state_name;  ///< the Task state's name
};

/// What a durable execution (EngineOptions::journal) may do with a task attempt that a crash
/// interrupted: the journal knows the attempt started, not whether its side effect happened.
enum class TaskDelivery : std::uint8_t {
  /// The default: the attempt runs again after recovery, with the same
  /// TaskContext::idempotency_key(), so the service it calls can recognise the repeat.
  at_least_once,
  /// The attempt's start is synced to the journal before the handler is called, and an
  /// interrupted attempt is not called again: it fails with States.TaskFailed, and the state's
  /// Retry and Catch decide (a retry is a new attempt). For side effects that must not repeat.
  at_most_once,
};

/// Maps each Task state's `Resource` to a handler, once, at load time.
/// Returning an empty handler makes the load fail with `asl.definition.601`.
class TaskResolver {
 public:
  virtual ~TaskResolver() = default;
  virtual TaskHandler resolve(const ResolveRequest& request) const = 0;
  /// How the handler resolve() returns for `request` may be delivered (asked once, at load).
  virtual TaskDelivery delivery(const ResolveRequest& request) const {
    (void)request;
    return TaskDelivery::at_least_once;
  }
};

}  // namespace asl
