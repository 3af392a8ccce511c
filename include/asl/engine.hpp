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
#include "asl/detail/base/config.hpp"
#include "asl/execution_result.hpp"
#include "asl/history.hpp"
#include "asl/journal.hpp"
#include "asl/map_run.hpp"
#include "asl/state_machine.hpp"

namespace asl {

class ObjectStore;  // object_store.hpp

namespace detail {
class Interpreter;
class Host;
class PoolScheduler;
class ReplayMemo;
struct ExecutionConfig;
namespace durable {
class Registry;
struct JournaledExecution;
}
}  // namespace detail

/// What Engine::compact_journal() did.
struct JournalCompaction {
  std::uint64_t records_before = 0;     ///< records it replaced with one snapshot
  std::uint64_t records_kept = 0;       ///< of them, copied into the snapshot as they were
  std::uint64_t executions_kept = 0;    ///< running, or redrivable (14 days after their end): kept whole
  std::uint64_t executions_closed = 0;  ///< ended for good: name, status and times only
  std::uint64_t bytes_before = 0;       ///< payload bytes of the records it replaced
  std::uint64_t bytes_after = 0;        ///< the snapshot's
};

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
  /// next timer. A deferred task or a pending callback holds time still. A timer past the clock's
  /// end (2262: a huge SecondsPath or backoff saturates there) is never jumped to.
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
  /// History events per execution of a STANDARD machine: the execution fails with States.Runtime
  /// when its history reaches this many events, as on AWS (quota 25,000). It is what ends a
  /// retry storm (`MaxAttempts: 99999999`) or an endless loop as AWS would. EXPRESS machines
  /// (LoadOptions::express) keep no history on AWS and have no cap. 0 = no cap.
  std::uint64_t max_history_events = 25'000;
  /// The longest an execution may run before it ends TIMED_OUT (States.Timeout), as on AWS:
  /// unset = AWS's maximum for the machine's type (STANDARD 1 year, EXPRESS 5 minutes); 0 = none.
  /// A definition's own TimeoutSeconds applies as well.
  std::optional<std::uint64_t> max_duration_seconds;
  /// The deepest nesting of objects/arrays an execution's documents may have: a deeper input is
  /// refused (the execution fails with States.DataLimitExceeded before any state runs), a deeper
  /// task result fails the task, a deeper state output fails the execution. nlohmann's copy,
  /// comparison and serialization recurse once per level: this keeps them within a small stack
  /// whatever the data. 0 = no limit (then a hostile document can exhaust the stack).
  std::size_t max_json_depth = default_max_json_depth;
  /// `.waitForTaskToken` tokens the engine holds at once; one more fails that task attempt with
  /// States.TaskFailed (catchable, retryable) instead of growing the registry without bound.
  std::size_t max_task_tokens = 100'000;
  std::optional<std::uint64_t> jitter_seed;  ///< makes JitterStrategy FULL reproducible
  /// Makes every STANDARD execution durable (asl::FileJournal is the built-in one): its facts
  /// go to this journal, recover() resumes the executions a stopped process left running, and a
  /// name is taken for good (see Engine::start). EXPRESS executions are not journaled, as AWS
  /// keeps no state for them. Null (the default): nothing is recorded and nothing costs more.
  std::shared_ptr<Journal> journal;
  // -- Distributed Map I/O (issue #20)
  /// Where a Distributed Map's ItemReader (s3:getObject, s3:listObjectsV2) reads and its
  /// ResultWriter (s3:putObject) writes: asl::LocalDirectoryStore maps bucket/key to a folder.
  /// Null: a Map with an ItemReader or a ResultWriter that exports fails with
  /// States.ItemReaderFailed / States.ResultWriterFailed.
  std::shared_ptr<ObjectStore> object_store;
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

  Status status() const;
  bool done() const;
  const std::string& name() const;
  /// Blocks until the execution has ended.
  void wait() const;
  /// Waits at most `d`; true if the execution has ended.
  template <class Rep, class Period>
  bool wait_for(std::chrono::duration<Rep, Period> d) const {
    return wait_for_ns(std::chrono::duration_cast<Duration>(d));
  }
  /// Waits, then returns the result (never throws for ASL failures).
  ExecutionResult get() const;
  /// Ends the execution ABORTED promptly: running handlers see their stop token, nothing new
  /// starts, a late task result is dropped. No effect once the execution has ended.
  void cancel();
  /// Each Map Run (a visit of a Distributed Map) of this execution so far, in the order they
  /// started, with its item counts as of now: callable while it runs, from any thread (the
  /// counts are atomics). A run still RUNNING when its execution ended shows ABORTED.
  std::vector<MapRunInfo> map_runs() const;

 private:
  friend class Engine;
  explicit Execution(std::shared_ptr<detail::Interpreter> e) : exec_(std::move(e)) {}
  bool wait_for_ns(Duration d) const;
  std::shared_ptr<detail::Interpreter> exec_;
};

/// How shutdown() treats executions still running.
enum class ShutdownMode : std::uint8_t {
  drain,   ///< wait for them to end
  cancel,  ///< abort them (ABORTED, which a journal records as their end)
  /// Stop them without ending them: with a journal they stay running in it, and the next
  /// process's recover() resumes them. Without a journal, the same as cancel.
  suspend,
};

/// Runs executions of compiled state machines.
/// @code
/// asl::Engine engine;                                       // a pool with one thread per core
/// asl::Execution e = engine.start(sm, asl::Json{{"epochs", 3}});  // does not block
/// asl::ExecutionResult r = e.get();                         // {status, output, error, cause}
/// @endcode
/// @note Thread-safe: start, run, send_task_* and handles may be used from any thread.
class Engine {
 public:
  explicit Engine(EngineOptions options = {});
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;
  /// Cancels whatever still runs, then stops the workers: no thread or execution is left behind.
  ~Engine();

  /// Attach an observer of history events (none by default: then events are only counted).
  /// Attach before starting executions.
  void add_observer(std::shared_ptr<Observer> observer) { observers_.push_back(std::move(observer)); }
  /// Attach an observer of Distributed Map runs: their start, each child's end with the item
  /// counts, their end (asl/map_run.hpp). Attach before starting executions.
  void add_map_run_observer(std::shared_ptr<MapRunObserver> observer) {
    map_run_observers_.push_back(std::move(observer));
  }

  /// Starts an execution and returns at once (inline mode: runs it to its end first).
  /// With a journal, a STANDARD execution's name follows AWS's StartExecution: the same name and
  /// input as an execution still running returns that execution; another input, or the name of
  /// an execution that has ended, throws ExecutionAlreadyExists. Without a name, one is made up.
  Execution start(const StateMachine& machine, Json input = Json::object(), const RunOptions& run = {});

  /// Runs one execution to its end and returns its result. Never throws for ASL failures.
  /// On a pool, the calling thread, which would only wait, runs the execution's top-level states
  /// itself (their handlers run on it) and stands in for a worker on the Map items and Parallel
  /// branches it hands out; the pool runs the rest.
  ExecutionResult run(const StateMachine& machine, Json input = Json::object(), const RunOptions& run = {});

  /// Completes a `.waitForTaskToken` task (spec §10.4). Returns the refusal, if any:
  /// `TaskDoesNotExist` for an unknown token, `TaskTimedOut` when the task already ended.
  std::optional<Error> send_task_success(const std::string& token, Json output);
  std::optional<Error> send_task_failure(const std::string& token, std::optional<std::string> error = std::nullopt,
                                         std::optional<std::string> cause = std::nullopt);
  std::optional<Error> send_task_heartbeat(const std::string& token);

  /// Resumes every execution the journal holds as running (the process that ran it stopped
  /// before it ended) and returns their handles. Each runs the definition it started with (the
  /// text in the journal, whatever the file says now), loaded again with `resolver`: the host
  /// binds its handlers again. An execution replays what it recorded without calling a handler
  /// whose result is known, then goes on: Waits and retries end at their recorded deadlines; a
  /// task attempt whose result was not recorded runs again (at least once: see
  /// TaskContext::idempotency_key()); a callback task waits for the token it handed out. Call
  /// once, before starting executions whose names it may hold. In inline mode each runs to its
  /// end on the calling thread before the next one starts.
  /// @throws DefinitionError when a recorded definition no longer loads with `resolver`.
  std::vector<Execution> recover(const TaskResolver& resolver, const LoadOptions& options = {});

  /// Runs a FAILED, TIMED_OUT or ABORTED execution again from where it stopped, as AWS's
  /// RedriveExecution does: same name, input and definition (the one it started with); what
  /// succeeded is not run again; each state that failed on the way to its end runs again, with
  /// its retry counters reset, and so do the Map iterations and Parallel branches that failed or
  /// were aborted; states in flight when it timed out or was aborted go on (a task attempt whose
  /// result was not recorded runs again). $$.Execution.RedriveCount goes up, the history gets
  /// an ExecutionRedriven event and the execution timeout counts from the redrive. Inline mode:
  /// runs it to its end first.
  /// @throws ExecutionDoesNotExist for a name the journal does not hold (EXPRESS executions are
  /// never journaled); ExecutionNotRedrivable with AWS's reason (running, succeeded, 24,999
  /// history events, past its maximum duration or 14 days after its end); UsageError without a
  /// journal; DefinitionError when its definition no longer loads with `resolver`.
  Execution redrive(const std::string& name, const TaskResolver& resolver, const LoadOptions& options = {});

  /// Replaces the journal's records so far with one snapshot of what may still be needed: every
  /// record of the executions that may run again (running, here or in no process yet; FAILED,
  /// TIMED_OUT or ABORTED within AWS's 14-day redrive period) and the definitions; an execution
  /// that ended for good keeps its name (still taken), status, times and redrive count, not its
  /// output or facts. Executions may run meanwhile: what they append stays after the snapshot.
  /// Call it now and then (daily, or when the journal grows) so that the journal, and opening
  /// it, stay proportional to the live work. Crash-safe (Journal::compact is atomic).
  /// @throws UsageError without a journal; JournalError when the journal fails.
  JournalCompaction compact_journal();

  /// The history of execution `name` in the journal, in GetExecutionHistory's shape
  /// (`{"events":[...]}`, asl/history_json.hpp), running or ended. It is rebuilt by replaying
  /// what the journal recorded, calling no handler: the events and their ids are the
  /// execution's; timestamps are the recorded ones where the journal has them (start, timer
  /// deadlines, entry times that states read), and a task takes no time. A task attempt that was
  /// in flight ends the history there (scheduled and started, as on AWS).
  /// @throws ExecutionDoesNotExist for a name the journal does not hold, or whose facts
  /// compaction dropped (it ended for good); UsageError without a journal.
  Json history(const std::string& name);

  /// Drain: wait for every running execution to end. Cancel: abort them first. Suspend: stop
  /// them, leaving them running in the journal. Then the workers stop. The engine accepts no
  /// executions afterwards (UsageError). The destructor suspends.
  void shutdown(ShutdownMode mode = ShutdownMode::drain);

  const EngineOptions& options() const noexcept { return options_; }
  /// Worker threads in use (1 in inline mode).
  unsigned threads() const noexcept;

 private:
  /// Makes an execution; with a journal, returns the running one instead for the same start
  /// (`existing` is then set).
  std::shared_ptr<detail::Interpreter> make(const StateMachine& machine, Json input, const RunOptions& run,
                                            detail::Host& host, bool& existing);
  std::shared_ptr<detail::Interpreter> run_inline(const StateMachine& machine, Json input, const RunOptions& run);
  /// The settings every execution gets from the engine.
  detail::ExecutionConfig base_config(detail::Host& host, const StateMachine& machine);
  /// Makes a journaled execution (a new one: `start_record` is its start; a recovered one: `recorded`).
  std::shared_ptr<detail::Interpreter> make_durable(const StateMachine& machine, Json input,
                                                    detail::ExecutionConfig cfg, std::uint64_t number,
                                                    std::shared_ptr<const detail::ReplayMemo> recorded,
                                                    const std::string& start_record);
  /// Runs a journaled execution again (recovered, or redriven) from what it recorded.
  Execution resume(detail::durable::JournaledExecution& x, const TaskResolver& resolver, const LoadOptions& options);
  /// The engine owns every running execution (a started execution whose handles were all dropped
  /// still runs to its end: nothing in flight is lost); the entry goes when it finishes.
  void track(const std::shared_ptr<detail::Interpreter>& e);
  void untrack(detail::Interpreter* e);
  /// Drops tokens whose task has ended; amortised (only when the registry doubled) unless forced.
  void prune_tokens(bool force = false);
  /// Applies `apply` to the live task slot of `token`; the refusal when there is none or it is closed.
  std::optional<Error> with_token(const std::string& token, const std::function<bool(detail::TaskSlot&)>& apply);
  std::string next_name() { return "execution-" + std::to_string(++counter_); }

  EngineOptions options_;
  std::unique_ptr<detail::PoolScheduler> pool_;
  std::unique_ptr<detail::durable::Registry> durable_;  ///< with a journal
  std::vector<std::shared_ptr<Observer>> observers_;
  std::vector<std::shared_ptr<MapRunObserver>> map_run_observers_;
  std::atomic<std::uint64_t> counter_{0};
  std::mutex mutex_;
  bool stopped_ = false;
  std::unordered_map<detail::Interpreter*, std::shared_ptr<detail::Interpreter>> live_;
  std::unordered_map<std::string, std::weak_ptr<detail::TaskSlot>> tokens_;
  std::size_t tokens_hint_ = 0;
};

}  // namespace asl

#if !defined(ASL_SEPARATE_COMPILATION)
#include "asl/impl/engine.hpp"
#endif
