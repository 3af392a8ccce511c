// Definitions of asl/engine.hpp: executions, their handles and task tokens (compiled once with ASL_SEPARATE_COMPILATION).
// SPDX-License-Identifier: MIT
#pragma once

#include "asl/detail/base/arn.hpp"
#include "asl/detail/durable/registry.hpp"
#include "asl/detail/run/interpreter.hpp"
#include "asl/detail/run/scheduler.hpp"
#include "asl/engine.hpp"
#include "asl/history_json.hpp"

namespace asl {

ASL_DECL Status Execution::status() const { return exec_ ? exec_->status() : Status::aborted; }
ASL_DECL bool Execution::done() const { return !exec_ || exec_->done(); }
ASL_DECL const std::string& Execution::name() const { return exec_->name(); }
ASL_DECL void Execution::wait() const {
  if (exec_) exec_->wait();
}
ASL_DECL bool Execution::wait_for_ns(Duration d) const { return !exec_ || exec_->wait_for(d); }
ASL_DECL ExecutionResult Execution::get() const {
  if (!exec_) return {};
  exec_->wait();
  return exec_->result();
}
ASL_DECL std::vector<MapRunInfo> Execution::map_runs() const {
  return exec_ ? exec_->map_runs() : std::vector<MapRunInfo>();
}
ASL_DECL void Execution::cancel() {
  if (exec_) exec_->cancel();
}

ASL_DECL Engine::Engine(EngineOptions options) : options_(std::move(options)) {
  if (!options_.clock) options_.clock = std::make_shared<SystemClock>();
  if (options_.journal) durable_ = std::make_unique<detail::durable::Registry>(options_.journal);
  if (!options_.inline_execution)
    pool_ = std::make_unique<detail::PoolScheduler>(options_.threads, options_.clock, options_.virtual_time);
}

ASL_DECL Engine::~Engine() { shutdown(ShutdownMode::suspend); }

ASL_DECL Execution Engine::start(const StateMachine& machine, Json input, const RunOptions& run) {
  if (!pool_) return Execution(run_inline(machine, std::move(input), run));
  bool existing = false;
  auto exec = make(machine, std::move(input), run, *pool_, existing);
  if (existing) return Execution(std::move(exec));
  track(exec);
  exec->start();
  return Execution(std::move(exec));
}

ASL_DECL ExecutionResult Engine::run(const StateMachine& machine, Json input, const RunOptions& run) {
  std::shared_ptr<detail::Interpreter> exec;
  if (!pool_) {
    exec = run_inline(machine, std::move(input), run);
  } else {
    bool existing = false;
    exec = make(machine, std::move(input), run, *pool_, existing);
    if (existing) {
      exec->wait();
      return exec->result();  // another handle may read it too
    }
    track(exec);
    exec->run_on_caller();  // this thread runs the top-level states; fan-outs go to the pool
  }
  exec->wait();
  return exec->take_result();  // the only handle: move the output out instead of copying it
}

ASL_DECL std::vector<Execution> Engine::recover(const TaskResolver& resolver, const LoadOptions& options) {
  std::vector<Execution> out;
  if (!durable_) return out;
  for (detail::durable::JournaledExecution& x : durable_->take_pending()) out.push_back(resume(x, resolver, options));
  return out;
}

ASL_DECL Execution Engine::redrive(const std::string& name, const TaskResolver& resolver, const LoadOptions& options) {
  if (!durable_) throw UsageError("asl::Engine: redrive() needs a journal (EngineOptions::journal)");
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopped_) throw UsageError("asl::Engine: redrive() after shutdown()");
  }
  // The machine's name is in the definition the journal holds; the refusal names the execution.
  const std::string arn = detail::execution_arn(name);
  const std::uint64_t max_open =
      options_.max_duration_seconds ? *options_.max_duration_seconds : 365ull * 24 * 60 * 60;
  detail::durable::JournaledExecution x = durable_->redrive(name, options_.clock->now(), arn, max_open);
  return resume(x, resolver, options);
}

ASL_DECL JournalCompaction Engine::compact_journal() {
  if (!durable_) throw UsageError("asl::Engine: compact_journal() needs a journal (EngineOptions::journal)");
  return durable_->compact(options_.clock->now());
}

namespace detail {
/// Binds every Task resource of a definition replayed for its history: nothing is called then
/// (history_only), but the definition must load whatever handlers the host has.
class ReplayResolver final : public TaskResolver {
 public:
  TaskHandler resolve(const ResolveRequest&) const override {
    return [](const Json&, TaskContext&) -> Result<Json> {
      return Error(std::string(errors::runtime), "asl: a task was called while rebuilding a history");
    };
  }
};
}  // namespace detail

ASL_DECL Json Engine::history(const std::string& name) {
  if (!durable_) throw UsageError("asl::Engine: history() needs a journal (EngineOptions::journal)");
  const std::string arn = detail::execution_arn(name);
  detail::durable::JournaledExecution x = durable_->read(name, arn);
  if (!x.memo || !x.definition)
    throw ExecutionDoesNotExist("Execution Does Not Exist: '" + arn + "' (the journal was compacted after it ended)");
  x.memo->history_only = true;
  const StateMachine machine = StateMachine::parse(*x.definition, detail::ReplayResolver{});
  // On its own virtual clock from its recorded start; while it runs, not past the present: a
  // timer due later (a Wait it is in now) has not fired yet.
  detail::InlineHost host(options_.clock, true);
  host.replay_window(x.start_time, x.status == Status::running ? options_.clock->now() : TimePoint::max());
  detail::ExecutionConfig cfg = base_config(host, machine);
  HistoryRecorder recorder;
  cfg.observers = {&recorder};
  cfg.register_token = nullptr;
  cfg.execution_name = x.name;
  cfg.start_time = x.start_time;
  cfg.random_seed = x.seed;
  auto hook = std::make_shared<detail::durable::ReplayOnlyHook>(std::move(x.memo));
  cfg.journal = hook.get();
  cfg.journal_owner = hook;
  auto exec = std::make_shared<detail::Interpreter>(machine.program(), Json::parse(x.input), std::move(cfg));
  exec->start();
  host.run([&] { return exec->done(); });  // false where it was when the journal was read: that is its history
  return recorder.history();
}

ASL_DECL Execution Engine::resume(detail::durable::JournaledExecution& x, const TaskResolver& resolver,
                                  const LoadOptions& options) {
  // The definition it started with, whatever the file holds now (a version pinned by the journal).
  StateMachine machine = StateMachine::parse(*x.definition, resolver, options);
  Json input = Json::parse(x.input);
  detail::Host* host = pool_ ? static_cast<detail::Host*>(pool_.get()) : nullptr;
  std::unique_ptr<detail::InlineHost> inline_host;
  if (!host) {
    inline_host = std::make_unique<detail::InlineHost>(options_.clock, options_.virtual_time);
    host = inline_host.get();
  }
  detail::ExecutionConfig cfg = base_config(*host, machine);
  cfg.execution_name = x.name;
  cfg.start_time = x.start_time;
  cfg.random_seed = x.seed;
  for (std::string& token : x.memo->open_tokens()) {
    // Registered now: whoever holds the token may call back before the replay reaches its task.
    auto slot = std::make_shared<detail::TaskSlot>();
    slot->token = token;
    if (!cfg.register_token(token, slot)) break;  // the registry is full: the task re-registers it
    cfg.recovered_slots.emplace(std::move(token), std::move(slot));
  }
  auto exec = make_durable(machine, std::move(input), std::move(cfg), x.number, std::move(x.memo), {});
  track(exec);
  exec->start();
  if (inline_host && !inline_host->run([&] { return exec->done(); })) exec->fail_stuck();
  return Execution(std::move(exec));
}

ASL_DECL std::optional<Error> Engine::send_task_success(const std::string& token, Json output) {
  return with_token(token, [&](detail::TaskSlot& s) { return s.settle(std::move(output)); });
}
ASL_DECL std::optional<Error> Engine::send_task_failure(const std::string& token, std::optional<std::string> error,
                                                        std::optional<std::string> cause) {
  return with_token(token, [&](detail::TaskSlot& s) { return s.settle(Error::maybe(error, cause)); });
}
ASL_DECL std::optional<Error> Engine::send_task_heartbeat(const std::string& token) {
  return with_token(token, [&](detail::TaskSlot& s) { return s.heartbeat(); });
}

ASL_DECL void Engine::shutdown(ShutdownMode mode) {
  // Suspended executions stop recording first: what ends them here is not their end.
  if (mode == ShutdownMode::suspend && durable_) durable_->detach_all();
  std::vector<std::shared_ptr<detail::Interpreter>> live;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopped_ = true;
    for (auto& [ptr, e] : live_) live.push_back(e);
  }
  for (auto& e : live) {
    if (mode != ShutdownMode::drain) e->cancel();
    e->wait();
  }
  if (pool_) pool_->stop();
}

ASL_DECL unsigned Engine::threads() const noexcept { return pool_ ? pool_->threads() : 1u; }

ASL_DECL detail::ExecutionConfig Engine::base_config(detail::Host& host, const StateMachine& machine) {
  detail::ExecutionConfig cfg;
  cfg.host = &host;
  cfg.wait_scale = options_.wait_scale;
  cfg.retry_scale = options_.retry_interval_scale;
  cfg.payload_limit = options_.payload_limit;
  cfg.max_transitions = options_.max_transitions;
  cfg.max_map_items = options_.max_map_items;
  cfg.max_map_concurrency = options_.max_map_concurrency;
  cfg.object_store = options_.object_store.get();  // Distributed Map I/O (issue #20)
  // AWS's per-type quotas: a Standard execution's history is capped and it may run a year; an
  // Express one keeps no history (no cap) and may run 5 minutes.
  const bool express = machine.program()->express;
  // A Distributed Map's iterations are child executions with histories of their own on AWS;
  // here they share their parent's event count, which the cap would then count against it. A
  // machine with one runs uncapped rather than fail where AWS succeeds (its duration limit stays).
  cfg.max_history_events = express || machine.program()->has_distributed_map ? 0 : options_.max_history_events;
  cfg.max_duration_seconds = options_.max_duration_seconds ? *options_.max_duration_seconds
                             : express                      ? 5 * 60
                                                            : 365ull * 24 * 60 * 60;
  cfg.max_json_depth = options_.max_json_depth;
  cfg.jitter_seed = options_.jitter_seed;
  for (const auto& o : observers_) cfg.observers.push_back(o.get());
  for (const auto& o : map_run_observers_) cfg.map_run_observers.push_back(o.get());
  cfg.register_token = [this](const std::string& token, const std::shared_ptr<detail::TaskSlot>& slot) {
    std::lock_guard<std::mutex> lock(mutex_);
    prune_tokens(options_.max_task_tokens != 0 && tokens_.size() >= options_.max_task_tokens);
    if (options_.max_task_tokens != 0 && tokens_.size() >= options_.max_task_tokens) return false;
    tokens_[token] = slot;
    return true;
  };
  return cfg;
}

ASL_DECL std::shared_ptr<detail::Interpreter> Engine::make(const StateMachine& machine, Json input,
                                                           const RunOptions& run, detail::Host& host,
                                                           bool& existing) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopped_) throw UsageError("asl::Engine: start() after shutdown()");
  }
  detail::ExecutionConfig cfg = base_config(host, machine);
  cfg.stop_flag = run.stop;
  cfg.on_done = run.on_done;
  const bool durable = durable_ && !machine.program()->express;
  if (!durable) {
    cfg.execution_name = run.name.empty() ? next_name() : run.name;
    auto exec = std::make_shared<detail::Interpreter>(machine.program(), std::move(input), std::move(cfg));
    detail::Interpreter* raw = exec.get();
    exec->set_on_finished([this, raw] { untrack(raw); });
    return exec;
  }
  // A name in a journal outlives this process: a made-up one must not meet a name that an
  // earlier process made up ("execution-1"), so it is random, as AWS's are (a UUID).
  cfg.execution_name = run.name.empty() ? detail::durable::made_up_name(detail::Interpreter::fresh_seed()) : run.name;
  // Views json_text's buffer of this thread (no copy of a possibly large input); nothing below
  // serializes JSON again before the start record is appended.
  const std::string& input_text = detail::durable::json_text(input);
  auto claim = durable_->claim(cfg.execution_name, input_text,
                               detail::execution_arn(machine.name() + ":" + cfg.execution_name));
  if (claim.running) {
    existing = true;
    return claim.running;
  }
  cfg.start_time = options_.clock->now();
  cfg.random_seed = detail::Interpreter::fresh_seed();
  detail::durable::StartInfo start;
  start.number = claim.number;
  start.name = cfg.execution_name;
  start.definition_hash = durable_->definition_of(machine);
  start.input = input_text;
  start.start_time = *cfg.start_time;
  start.seed = cfg.random_seed;
  // Encoded before the call: `start.name` views cfg's name, and an argument list may move cfg
  // first (clang evaluates left to right; the view then read a moved-from string).
  const std::string& start_record = detail::durable::encode_start(start);
  return make_durable(machine, std::move(input), std::move(cfg), claim.number, nullptr, start_record);
}

ASL_DECL std::shared_ptr<detail::Interpreter> Engine::make_durable(const StateMachine& machine, Json input,
                                                                   detail::ExecutionConfig cfg,
                                                                   std::uint64_t number,
                                                                   std::shared_ptr<const detail::ReplayMemo> recorded,
                                                                   const std::string& start_record) {
  auto target = std::make_shared<std::weak_ptr<detail::Interpreter>>();
  auto hook = std::make_shared<detail::durable::DurableHook>(
      options_.journal, number, std::move(recorded), [target](const std::string& reason) {
        // Never retried (see asl::Journal): the execution fails here, and stays running in what
        // reached the disk, for recover() after a restart.
        if (auto e = target->lock())
          e->fail(Error(std::string(errors::runtime),
                        "The journal stopped, so the execution cannot be made durable: " + reason));
      });
  if (!start_record.empty() && !hook->append(start_record, false))
    throw JournalError("asl::Engine: the journal refused the execution's start: " + options_.journal->failure());
  cfg.journal = hook.get();
  cfg.journal_owner = hook;
  const std::string name = cfg.execution_name;
  auto exec = std::make_shared<detail::Interpreter>(machine.program(), std::move(input), std::move(cfg));
  *target = exec;
  detail::Interpreter* raw = exec.get();
  exec->set_on_finished([this, raw] { untrack(raw); });
  durable_->attach(name, exec, hook);
  return exec;
}

ASL_DECL std::shared_ptr<detail::Interpreter> Engine::run_inline(const StateMachine& machine, Json input,
                                                                 const RunOptions& run) {
  detail::InlineHost host(options_.clock, options_.virtual_time);
  bool existing = false;
  auto exec = make(machine, std::move(input), run, host, existing);
  if (existing) {
    exec->wait();  // it runs on the thread that started it
    return exec;
  }
  track(exec);
  exec->start();
  if (!host.run([&] { return exec->done(); })) {
    // Nothing can ever run again (no frame, timer or pending completion): report, don't hang.
    exec->fail_stuck();
  }
  return exec;
}

ASL_DECL void Engine::track(const std::shared_ptr<detail::Interpreter>& e) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!e->done()) live_.emplace(e.get(), e);
}

ASL_DECL void Engine::untrack(detail::Interpreter* e) {
  std::shared_ptr<detail::Interpreter> keep;  // released outside the lock
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = live_.find(e);
  if (it == live_.end()) return;
  keep = std::move(it->second);
  live_.erase(it);
}

ASL_DECL void Engine::prune_tokens(bool force) {
  if (!force && tokens_.size() < 2 * tokens_hint_ + 64) return;
  for (auto it = tokens_.begin(); it != tokens_.end();) {
    if (it->second.expired()) it = tokens_.erase(it);
    else ++it;
  }
  tokens_hint_ = tokens_.size();
}

ASL_DECL std::optional<Error> Engine::with_token(const std::string& token,
                                                 const std::function<bool(detail::TaskSlot&)>& apply) {
  std::shared_ptr<detail::TaskSlot> slot;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = tokens_.find(token);
    if (it != tokens_.end()) slot = it->second.lock();
    if (!slot) {
      if (it != tokens_.end()) tokens_.erase(it);
      return Error("TaskDoesNotExist", "Task does not exist anymore or the token is unknown: '" + token + "'");
    }
  }
  if (!apply(*slot))
    return Error("TaskTimedOut", "Task already completed, timed out or was aborted: '" + token + "'");
  return std::nullopt;
}

}  // namespace asl
