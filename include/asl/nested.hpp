// Nested pipelines: the handlers that run the
// `arn:aws:states:::states:startExecution[.sync|.sync:2|.waitForTaskToken]` Task states on an
// Engine, starting machines of a StateMachineRegistry (asl/state_machine_registry.hpp).
// SPDX-License-Identifier: MIT
//
// AWS's shapes (spec §10.6): fire-and-forget returns {ExecutionArn, StartDate}; `.sync` and
// `.sync:2` wait and return a DescribeExecution-like record whose `Output` (and `Input`) is a JSON
// string for `.sync` and parsed JSON for `.sync:2`. A child that does not succeed fails the parent
// task with `States.TaskFailed` and the record (with the child's Error and Cause) as the cause
// text, which is also how a child's `States.Timeout` reaches the parent. Waiting never blocks a
// worker: the task is deferred and completed from the child's RunOptions::on_done.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "asl/detail/base/config.hpp"
#include "asl/engine.hpp"
#include "asl/error.hpp"
#include "asl/execution_result.hpp"
#include "asl/json.hpp"
#include "asl/result.hpp"
#include "asl/state_machine.hpp"
#include "asl/state_machine_registry.hpp"
#include "asl/task.hpp"

namespace asl {

/// The four `states:startExecution` resources (spec §10.6).
enum class StartExecutionPattern : std::uint8_t {
  fire_and_forget,  ///< `...:startExecution`: returns {ExecutionArn, StartDate} at once
  sync,             ///< `...:startExecution.sync`: waits; Input and Output as JSON strings
  sync_json,        ///< `...:startExecution.sync:2`: waits; Input and Output as JSON
  callback,         ///< `...:startExecution.waitForTaskToken`: the child sends the parent's token back
};

namespace detail {
/// Which startExecution resource `resource` is, if any.
std::optional<StartExecutionPattern> start_execution_pattern(std::string_view resource);
/// The handler for one startExecution resource. `engine` must outlive the executions that use it.
TaskHandler start_execution_handler(Engine& engine, StateMachineRegistry machines, StartExecutionPattern pattern);
}  // namespace detail

/// Resolves the `arn:aws:states:::states:startExecution` resources (plain, `.sync`, `.sync:2`,
/// `.waitForTaskToken`) to handlers that start a machine of `machines` on `engine`; any other
/// resource goes to `fallback` (if given). `fallback` is only used while a definition loads;
/// `engine` must outlive every execution of a machine loaded with this resolver.
/// @code
/// asl::Engine engine;
/// asl::StateMachineRegistry machines;
/// asl::HandlerRegistry tasks;  // the pipeline's own handlers
/// asl::NestedExecutionResolver resolver(engine, machines, &tasks);
/// machines.load("ModelEvaluation", evaluation_json, resolver);
/// auto parent = asl::StateMachine::parse(parent_json, resolver);
/// @endcode
class NestedExecutionResolver final : public TaskResolver {
 public:
  NestedExecutionResolver(Engine& engine, StateMachineRegistry machines, const TaskResolver* fallback = nullptr)
      : engine_(&engine), machines_(std::move(machines)), fallback_(fallback) {}

  // ASL_DECL here, not only on the definition: an inline virtual is no key function, so the
  // vtable (and all it reaches) is not emitted in every file that includes this header.
  ASL_DECL TaskHandler resolve(const ResolveRequest& request) const override;

  const StateMachineRegistry& machines() const noexcept { return machines_; }

 private:
  Engine* engine_;
  StateMachineRegistry machines_;
  const TaskResolver* fallback_;
};

/// Adds the four startExecution handlers to `tasks` (same behaviour as NestedExecutionResolver).
HandlerRegistry& add_start_execution_handlers(HandlerRegistry& tasks, Engine& engine,
                                              const StateMachineRegistry& machines);

}  // namespace asl

#if !defined(ASL_SEPARATE_COMPILATION)
#include "asl/impl/nested.hpp"
#endif
