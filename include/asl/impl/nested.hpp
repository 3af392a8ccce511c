// Definitions of asl/nested.hpp: the startExecution handlers (compiled once with ASL_SEPARATE_COMPILATION).
// SPDX-License-Identifier: MIT
#pragma once

#include "asl/detail/json/reader.hpp"
#include "asl/nested.hpp"

namespace asl {

ASL_DECL TaskHandler NestedExecutionResolver::resolve(const ResolveRequest& request) const {
  if (auto pattern = detail::start_execution_pattern(request.resource))
    return detail::start_execution_handler(*engine_, machines_, *pattern);
  return fallback_ ? fallback_->resolve(request) : TaskHandler{};
}

namespace detail {

ASL_DECL std::optional<StartExecutionPattern> start_execution_pattern(std::string_view resource) {
  constexpr std::string_view base = "arn:aws:states:::states:startExecution";
  if (resource.substr(0, base.size()) != base) return std::nullopt;
  const std::string_view suffix = resource.substr(base.size());
  if (suffix.empty()) return StartExecutionPattern::fire_and_forget;
  if (suffix == ".sync") return StartExecutionPattern::sync;
  if (suffix == ".sync:2") return StartExecutionPattern::sync_json;
  if (suffix == ".waitForTaskToken") return StartExecutionPattern::callback;
  return std::nullopt;
}

/// What one startExecution call resolved to before the child starts.
struct ChildStart {
  StateMachine machine;
  std::string machine_arn;
  std::string name;
  std::string execution_arn;
  Json input;
};

/// Reads StateMachineArn / Input / Name the way the StartExecution API does.
inline Result<ChildStart> prepare_child(const StateMachineRegistry& machines, const Json& params) {
  const Json* arn = params.is_object() && params.contains("StateMachineArn") ? &params["StateMachineArn"] : nullptr;
  if (!arn || !arn->is_string())
    return Error("StepFunctions.InvalidArnException",
                 "Invalid Arn: the startExecution parameters need a string StateMachineArn.");
  const std::string& text = arn->get_ref<const std::string&>();
  std::optional<StateMachine> sm = machines.find(text);
  const std::optional<std::string_view> name = StateMachineRegistry::name_of(text);
  if (!sm || !name)
    return Error("StepFunctions.StateMachineDoesNotExistException", "State Machine Does Not Exist: '" + text + "'");
  Json input = Json::object();  // StartExecution's default input is {}
  if (auto it = params.find("Input"); it != params.end()) {
    if (it->is_string()) {  // the API takes the input as JSON text
      input = read_json_or_discarded(it->get_ref<const std::string&>());
      if (input.is_discarded())
        return Error("StepFunctions.InvalidExecutionInputException",
                     "Invalid State Machine Execution Input: '" + it->get<std::string>() + "'");
    } else {
      input = *it;
    }
  }
  std::string exec_name;
  if (auto it = params.find("Name"); it != params.end() && it->is_string()) exec_name = it->get<std::string>();
  if (exec_name.empty()) exec_name = machines.next_execution_name(*name);
  std::string exec_arn = "arn:aws:states:us-east-1:123456789012:execution:" + std::string(*name) + ":" + exec_name;
  return ChildStart{std::move(*sm), StateMachineRegistry::arn(*name), std::move(exec_name), std::move(exec_arn),
                    std::move(input)};
}

/// Dates in Step Functions task results are epoch milliseconds.
inline std::int64_t epoch_millis(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

/// The DescribeExecution-like record of a finished child (keys as AWS's task results spell them).
inline Json describe_child(const ChildStart& c, const ExecutionResult& r, TimePoint start, TimePoint stop,
                           bool json_io) {
  Json d = Json::object();
  d["ExecutionArn"] = c.execution_arn;
  d["Input"] = json_io ? c.input : Json(c.input.dump());
  d["InputDetails"] = Json{{"Included", true}};
  d["Name"] = c.name;
  if (r.status == Status::succeeded) {
    d["Output"] = json_io ? r.output : Json(r.output.dump());
    d["OutputDetails"] = Json{{"Included", true}};
  }
  if (r.error) d["Error"] = *r.error;
  if (r.cause) d["Cause"] = *r.cause;
  d["StartDate"] = epoch_millis(start);
  d["StateMachineArn"] = c.machine_arn;
  d["Status"] = std::string(to_string(r.status));
  d["StopDate"] = epoch_millis(stop);
  return d;
}

/// Holds a child's Execution handle until the child ends. An execution that waits (on a task
/// completion or a timer) with no handle left is not kept alive by the engine, and nobody else
/// holds a child's handle. The handle <-> on_done cycle this makes is broken when the child ends
/// (the engine's shutdown cancels children still running, so it always ends).
class KeepAlive {
 public:
  void hold(Execution e) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!ended_) exec_ = std::move(e);  // else on_done already ran (inline mode, or a quick child)
  }
  void release() {
    Execution last;  // dropped after the lock; whoever ended the child still holds it
    std::lock_guard<std::mutex> lock(mutex_);
    ended_ = true;
    last = std::move(exec_);
  }

 private:
  std::mutex mutex_;
  bool ended_ = false;
  Execution exec_;
};

ASL_DECL TaskHandler start_execution_handler(Engine& engine, StateMachineRegistry machines,
                                             StartExecutionPattern pattern) {
  Engine* eng = &engine;
  if (pattern == StartExecutionPattern::fire_and_forget || pattern == StartExecutionPattern::callback) {
    // The child is independent of the parent (AWS does not stop it with the parent); for the
    // callback pattern the engine then waits for the token the child sends back.
    return [eng, machines](const Json& params, TaskContext&) -> Result<Json> {
      Result<ChildStart> child = prepare_child(machines, params);
      if (!child) return std::move(child).error();
      const TimePoint start = eng->options().clock->now();
      auto keep = std::make_shared<KeepAlive>();
      RunOptions run;
      run.name = child->name;
      run.on_done = [keep](const ExecutionResult&) { keep->release(); };
      keep->hold(eng->start(child->machine, std::move(child->input), run));
      return Json{{"ExecutionArn", child->execution_arn}, {"StartDate", epoch_millis(start)}};
    };
  }
  const bool json_io = pattern == StartExecutionPattern::sync_json;
  return [eng, machines, json_io](const Json& params, TaskContext& ctx) -> Result<Json> {
    Result<ChildStart> prepared = prepare_child(machines, params);
    if (!prepared) return std::move(prepared).error();
    auto child = std::make_shared<ChildStart>(std::move(prepared).value());
    // Deferred before the start: the child may end (and on_done run) before start() returns.
    TaskCompletion done = ctx.defer(/*holds_time=*/false);  // the child runs on this engine
    // The parent slot's stop token (parent cancelled, its task timed out, a sibling failed) is
    // the child's stop flag: AWS makes a best-effort StopExecution of a .sync child (spec §10.3).
    // The closure below owns the slot, so the flag outlives the child.
    std::shared_ptr<detail::TaskSlot> slot = ctx.slot();
    std::shared_ptr<Clock> clock = eng->options().clock;
    const TimePoint start = clock->now();
    RunOptions run;
    run.name = child->name;
    run.stop = &slot->stop;
    auto keep = std::make_shared<KeepAlive>();
    run.on_done = [done, slot, child, clock, start, json_io, keep](const ExecutionResult& r) mutable {
      keep->release();
      Json record = describe_child(*child, r, start, clock->now(), json_io);
      if (r.status == Status::succeeded) done.succeed(std::move(record));
      else done.fail(Error(std::string(errors::task_failed), record.dump()));
    };
    try {
      keep->hold(eng->start(child->machine, child->input, run));
    } catch (const std::exception& e) {  // e.g. the engine is shutting down
      done.fail(Error(std::string(errors::task_failed), e.what()));
    }
    return Json(nullptr);  // ignored: the task completes through `done`
  };
}

}  // namespace detail

ASL_DECL HandlerRegistry& add_start_execution_handlers(HandlerRegistry& tasks, Engine& engine,
                                                       const StateMachineRegistry& machines) {
  constexpr std::string_view base = "arn:aws:states:::states:startExecution";
  for (std::string_view suffix : {"", ".sync", ".sync:2", ".waitForTaskToken"}) {
    std::string resource = std::string(base) + std::string(suffix);
    tasks.add(resource, detail::start_execution_handler(engine, machines, *detail::start_execution_pattern(resource)));
  }
  return tasks;
}

}  // namespace asl
