// TaskHandler and TaskResolver: what a loaded state machine holds for its Task states, without
// knowing how a task completes at run time (asl/task.hpp has TaskContext and deferral).
// SPDX-License-Identifier: MIT
#pragma once

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

/// Maps each Task state's `Resource` to a handler, once, at load time.
/// Returning an empty handler makes the load fail with `asl.definition.601`.
class TaskResolver {
 public:
  virtual ~TaskResolver() = default;
  virtual TaskHandler resolve(const ResolveRequest& request) const = 0;
};

}  // namespace asl
