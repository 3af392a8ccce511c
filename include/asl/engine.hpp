// Engine: runs many executions at once on a worker pool (or inline on the calling thread), with
// execution handles, cancellation, task-token callbacks and a chosen clock and time mode.
// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "asl/clock.hpp"
#include "asl/detail/interpreter.hpp"
#include "asl/detail/scheduler.hpp"
#include "asl/execution_result.hpp"
#include "asl/history.hpp"
#include "asl/state_machine.hpp"

namespace asl {

/// Engine-wide settings; plain data with defaults.
struct EngineOptions {
  /// Worker threads for Map/Parallel fan-out and concurrent executions; 0 = all cores.
  unsigned threads = 0;
  /// Run each execution on the thread that calls run()/start(), with no pool at all (what a CLI
  /// or a unit test wants when threads are not the point). Completions from other threads still work.
  bool inline_execution = false;
  std::shared_ptr<Clock> clock;  ///< null = SystemClock
  /// Wait states, retry intervals and timeouts take no real time but happen in order, and the
  /// context-object times advance as if they had: when nothing can run, the engine jumps to the
  /// next timer. A deferred task or a pending callback holds time still.
  bool virtual_time = false;
  double wait_scale = 1.0;            ///< multiplies Wait durations; 0 = do not wait
  double retry_interval_scale = 1.0;  ///< multiplies Retry intervals; 0 = retry at once
  std::size_t payload_limit = 256 * 1024;  ///< States.DataLimitExceeded above this (0 = none)
  std::uint64_t max_transitions = 0;       ///< optional guard against endless loops (0 = none)
  // Hard limits against hostile definitions and inputs (each yields an ASL error value, never a
  // crash or unbounded memory; 0 = no limit). README "Limits" lists them with their errors.
  /// A Map whose items array is longer fails with States.Runtime.
  std::size_t max_map_items = 10'000'000;
  /// Iterations of one Map in flight at once: MaxConcurrency 0 (unbounded) or above this runs in
  /// a window of this many, so a million-item Map holds a thousand frames, not a million. The
  /// order of results and events is unchanged (AWS runs at most 40 inline iterations at once).
  std::size_t max_map_concurrency = 1000;
  /// History events per execution; reaching it fails the execution with States.Runtime, as AWS
  /// Standard does at 25,000 (off by default: a local engine keeps no history unless observed).
  std::uint64_t max_history_events = 0;
  /// `.waitForTaskToken` tokens the engine holds at once; one more fails that task attempt with
  /// States.TaskFailed (catchable, retryable) instead of growing the registry without bound.
  std::size_t max_task_tokens = 100'000;
  std::optional<std::uint64_t> jitter_seed;  ///< makes JitterStrategy FULL reproducible
};

/// Per-execution settings.
struct RunOptions {
  std::string name;  ///< execution name ($$.Execution.Name); generated when empty
  const std::atomic<bool>* stop = nullptr;  ///< optional flag the host sets to abort the execution
  /// Called once when the execution ends, on the thread that ended it (a worker, a timer, or the
  /// canceller). Lets a host chain work without blocking a thread on Execution::get() (e.g. a
  /// parent task that started a child execution completes its deferred TaskCompletion here).
  std::function<void(const ExecutionResult&)> on_done;
};

/// A running (or finished) execution. Copyable handle; the execution lives until it ends and the
/// last handle is gone.
class Execution {
 public:
  Execution() = default;

  Status status() const { return exec_ ? exec_->status() : Status::aborted; }
  bool done() const { return !exec_ || exec_->done(); }
  const std::string& name() const { return exec_->name(); }
  /// Blocks until the execution has ended.
  void wait() const {
    if (exec_) exec_->wait();
  }
  /// Waits at most `d`; true if the execution has ended.
  template <class Rep, class Period>
  bool wait_for(std::chrono::duration<Rep, Period> d) const {
    return !exec_ || exec_->wait_for(d);
  }
  /// Waits, then returns the result (never throws for ASL failures).
  ExecutionResult get() const {
    if (!exec_) return {};
    exec_->wait();
    return exec_->result();
  }
  /// Ends the execution ABORTED promptly: running handlers see their stop token, nothing new
  /// starts, a late task result is dropped. No effect once the execution has ended.
  void cancel() {
    if (exec_) exec_->cancel();
  }

 private:
  friend class Engine;
  explicit Execution(std::shared_ptr<detail::Interpreter> e) : exec_(std::move(e)) {}
  std::shared_ptr<detail::Interpreter> exec_;
};

/// How shutdown() treats executions still running.
enum class ShutdownMode : std::uint8_t { drain, cancel };

/// Runs executions of compiled state machines.
/// @code
/// asl::Engine engine;                                       // a pool with one thread per core
/// asl::Execution e = engine.start(sm, asl::Json{{"epochs", 3}});  // does not block
/// asl::ExecutionResult r = e.get();                         // {status, output, error, cause}
/// @endcode
/// @note Thread-safe: start, run, send_task_* and handles may be used from any thread.
class Engine {
 public:
  explicit Engine(EngineOptions options = {}) : options_(std::move(options)) {
    if (!options_.clock) options_.clock = std::make_shared<SystemClock>();
    if (!options_.inline_execution)
      pool_ = std::make_unique<detail::PoolScheduler>(options_.threads, options_.clock, options_.virtual_time);
  }
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;
  /// Cancels whatever still runs, then stops the workers: no thread or execution is left behind.
  ~Engine() { shutdown(ShutdownMode::cancel); }

  /// Attach an observer of history events (none by default: then events are only counted).
  /// Attach before starting executions.
  void add_observer(std::shared_ptr<Observer> observer) { observers_.push_back(std::move(observer)); }

  /// Starts an execution and returns at once (inline mode: runs it to its end first).
  Execution start(const StateMachine& machine, Json input = Json::object(), const RunOptions& run = {}) {
    if (!pool_) return Execution(run_inline(machine, std::move(input), run));
    auto exec = make(machine, std::move(input), run, *pool_);
    track(exec);
    exec->start();
    return Execution(std::move(exec));
  }

  /// Runs one execution to its end and returns its result. Never throws for ASL failures.
  ExecutionResult run(const StateMachine& machine, Json input = Json::object(), const RunOptions& run = {}) {
    Execution e = start(machine, std::move(input), run);
    e.wait();
    return e.exec_->take_result();  // the only handle: move the output out instead of copying it
  }

  /// Completes a `.waitForTaskToken` task (spec §10.4). Returns the refusal, if any:
  /// `TaskDoesNotExist` for an unknown token, `TaskTimedOut` when the task already ended.
  std::optional<Error> send_task_success(const std::string& token, Json output) {
    return with_token(token, [&](detail::TaskSlot& s) { return s.settle(std::move(output)); });
  }
  std::optional<Error> send_task_failure(const std::string& token, std::optional<std::string> error = std::nullopt,
                                         std::optional<std::string> cause = std::nullopt) {
    return with_token(token, [&](detail::TaskSlot& s) { return s.settle(Error::maybe(error, cause)); });
  }
  std::optional<Error> send_task_heartbeat(const std::string& token) {
    return with_token(token, [&](detail::TaskSlot& s) { return s.heartbeat(); });
  }

  /// Drain: wait for every running execution to end. Cancel: abort them first. Then the workers
  /// stop. The engine accepts no executions afterwards (UsageError).
  void shutdown(ShutdownMode mode = ShutdownMode::drain) {
    std::vector<std::shared_ptr<detail::Interpreter>> live;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopped_ = true;
      for (auto& [ptr, e] : live_) live.push_back(e);
    }
    for (auto& e : live) {
      if (mode == ShutdownMode::cancel) e->cancel();
      e->wait();
    }
    if (pool_) pool_->stop();
  }

  const EngineOptions& options() const noexcept { return options_; }
  /// Worker threads in use (1 in inline mode).
  unsigned threads() const noexcept { return pool_ ? pool_->threads() : 1u; }

 private:
  std::shared_ptr<detail::Interpreter> make(const StateMachine& machine, Json input, const RunOptions& run,
                                            detail::Host& host) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopped_) throw UsageError("asl::Engine: start() after shutdown()");
    }
    detail::ExecutionConfig cfg;
    cfg.host = &host;
    cfg.wait_scale = options_.wait_scale;
    cfg.retry_scale = options_.retry_interval_scale;
    cfg.payload_limit = options_.payload_limit;
    cfg.max_transitions = options_.max_transitions;
    cfg.max_map_items = options_.max_map_items;
    cfg.max_map_concurrency = options_.max_map_concurrency;
    cfg.max_history_events = options_.max_history_events;
    cfg.jitter_seed = options_.jitter_seed;
    cfg.stop_flag = run.stop;
    cfg.execution_name = run.name.empty() ? next_name() : run.name;
    for (const auto& o : observers_) cfg.observers.push_back(o.get());
    cfg.on_done = run.on_done;
    cfg.register_token = [this](const std::string& token, const std::shared_ptr<detail::TaskSlot>& slot) {
      std::lock_guard<std::mutex> lock(mutex_);
      prune_tokens(options_.max_task_tokens != 0 && tokens_.size() >= options_.max_task_tokens);
      if (options_.max_task_tokens != 0 && tokens_.size() >= options_.max_task_tokens) return false;
      tokens_[token] = slot;
      return true;
    };
    auto exec = std::make_shared<detail::Interpreter>(machine.program(), std::move(input), std::move(cfg));
    detail::Interpreter* raw = exec.get();
    exec->set_on_finished([this, raw] { untrack(raw); });
    return exec;
  }

  std::shared_ptr<detail::Interpreter> run_inline(const StateMachine& machine, Json input, const RunOptions& run) {
    detail::InlineHost host(options_.clock, options_.virtual_time);
    auto exec = make(machine, std::move(input), run, host);
    track(exec);
    exec->start();
    if (!host.run([&] { return exec->done(); })) {
      // Nothing can ever run again (no frame, timer or pending completion): report, don't hang.
      exec->fail_stuck();
    }
    return exec;
  }

  /// The engine owns every running execution (a started execution whose handles were all dropped
  /// still runs to its end: nothing in flight is lost); the entry goes when it finishes.
  void track(const std::shared_ptr<detail::Interpreter>& e) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!e->done()) live_.emplace(e.get(), e);
  }
  void untrack(detail::Interpreter* e) {
    std::shared_ptr<detail::Interpreter> keep;  // released outside the lock
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = live_.find(e);
    if (it == live_.end()) return;
    keep = std::move(it->second);
    live_.erase(it);
  }

  /// Drops tokens whose task has ended; amortised (only when the registry doubled) unless forced.
  void prune_tokens(bool force = false) {
    if (!force && tokens_.size() < 2 * tokens_hint_ + 64) return;
    for (auto it = tokens_.begin(); it != tokens_.end();) {
      if (it->second.expired()) it = tokens_.erase(it);
      else ++it;
    }
    tokens_hint_ = tokens_.size();
  }

  template <class F>
  std::optional<Error> with_token(const std::string& token, F&& apply) {
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

  std::string next_name() { return "execution-" + std::to_string(++counter_); }

  EngineOptions options_;
  std::unique_ptr<detail::PoolScheduler> pool_;
  std::vector<std::shared_ptr<Observer>> observers_;
  std::atomic<std::uint64_t> counter_{0};
  std::mutex mutex_;
  bool stopped_ = false;
  std::unordered_map<detail::Interpreter*, std::shared_ptr<detail::Interpreter>> live_;
  std::unordered_map<std::string, std::weak_ptr<detail::TaskSlot>> tokens_;
  std::size_t tokens_hint_ = 0;
};

}  // namespace asl
