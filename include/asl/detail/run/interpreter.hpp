// The interpreter: an execution is a tree of frames (plain data) that a scheduler advances one
// state step at a time; Map iterations and Parallel branches are child frames, never nested calls.
// This file holds the Interpreter class; its members are defined by concept in the files included
// at its end (core.hpp: frames and transitions, state_*.hpp: one state type each, ...).
// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "asl/clock.hpp"
#include "asl/error.hpp"
#include "asl/execution_result.hpp"
#include "asl/history.hpp"
#include "asl/map_run.hpp"
#include "asl/detail/base/timestamp.hpp"
#include "asl/detail/json/size.hpp"
#include "asl/detail/load/program.hpp"
#include "asl/detail/run/execution_config.hpp"
#include "asl/detail/run/frame.hpp"
#include "asl/detail/run/scheduler.hpp"
#include "asl/detail/run/task_slot.hpp"

namespace asl::detail {

struct MapIoValues;  // items/map_io.hpp

class Interpreter : public std::enable_shared_from_this<Interpreter> {
 public:
  Interpreter(std::shared_ptr<const Program> program, Json input, ExecutionConfig config)
      : program_(std::move(program)), config_(std::move(config)), input_(std::move(input)), host_(config_.host) {}

  /// A different seed per execution without asking the OS each time (std::random_device costs
  /// ~10 µs on a VM, more than a whole short execution): one OS seed per process, mixed with a
  /// counter through splitmix64.
  static std::uint64_t fresh_seed();
  /// Emits ExecutionStarted and queues the first state on the host. Non-blocking.
  void start();
  /// Engine::run on a pool: this thread, which would only wait, runs the execution's top-level
  /// frame whenever it is ready, until the execution ends (Map items and Parallel branches go to
  /// the pool, see PoolScheduler::run_here). A sequential execution then pays no hand-off to a
  /// worker and no wake-ups, and its documents stay in the malloc arena its input was built in.
  void run_on_caller();
  /// Runs a frame until it suspends or finishes (called by the host's workers).
  void drive(const std::shared_ptr<Frame>& f);
  /// Ends the execution ABORTED: running handlers see their stop token, nothing new starts.
  void cancel();
  /// An inline run found nothing that could ever make progress (no frame, timer or pending task).
  void fail_stuck();
  /// Ends the execution FAILED with `e` (the engine's journal stopped).
  void fail(Error e) { finish_execution(Status::failed, Json(), std::move(e)); }

  bool done() const { return status_.load(std::memory_order_acquire) != Status::running; }
  Status status() const { return status_.load(std::memory_order_acquire); }

  void wait() const {
    std::unique_lock<std::mutex> lock(done_mutex_);
    done_cv_.wait(lock, [&] { return finished_; });
  }
  template <class Rep, class Period>
  bool wait_for(std::chrono::duration<Rep, Period> d) const {
    std::unique_lock<std::mutex> lock(done_mutex_);
    return done_cv_.wait_for(lock, d, [&] { return finished_; });
  }
  /// Every Map Run of this execution so far, in the order they started (Execution::map_runs).
  std::vector<MapRunInfo> map_runs() const;

  /// The result; call after done().
  ExecutionResult result() const {
    std::lock_guard<std::mutex> lock(done_mutex_);
    return result_;
  }
  const std::string& name() const { return config_.execution_name; }
  void set_on_finished(std::function<void()> f) { config_.on_finished = std::move(f); }
  /// Moves the result out (for a caller that holds the only handle); call after done().
  ExecutionResult take_result() {
    std::lock_guard<std::mutex> lock(done_mutex_);
    return std::move(result_);
  }

 private:
  enum class Step : std::uint8_t { next, stop };

  TimePoint now() { return host_->now(); }

  /// Size bounds are only needed to enforce the payload limit; without one, skip the walks.
  std::size_t bound(const Json& j) const { return config_.payload_limit ? json_size_bound(j) : 0; }

  // ---------------------------------------------------------------- core.hpp: frames, transitions
  void drive_steps(const std::shared_ptr<Frame>& f);
  std::uint64_t step_seed(const Frame& f) const;
  void schedule(std::shared_ptr<Frame> f, TimePoint due);
  /// Makes `f` runnable. `ends_external`: a deferred task's completion, whose external hold
  /// (Host::external_begin) ends with the same step (Host::post_ending_external).
  void requeue(std::shared_ptr<Frame> f, bool ends_external = false);
  static bool abandoned(const Frame& f);
  Step step(const std::shared_ptr<Frame>& f);
  Step enter(const std::shared_ptr<Frame>& f, const State& st);
  Step execute(const std::shared_ptr<Frame>& f, const State& st);
  Step transition(const std::shared_ptr<Frame>& f, std::uint32_t next, Json output, std::size_t bound);
  Step advance(const std::shared_ptr<Frame>& f, std::uint32_t next);
  Step complete(const std::shared_ptr<Frame>& f);
  Step propagate(const std::shared_ptr<Frame>& f, Failure failure);
  void finish_execution(Status status, Json output, Error error);
  void time_out();

  // ---------------------------------------------------------------- redrive.hpp: failed states, redrive
  /// A state step that failed uncaught (where a redrive runs again), with the Map/Parallel
  /// visits it ran under as FactKeys of their owners (frame, step, attempt).
  struct FailedState {
    FactKey at;
    std::vector<FactKey> scopes;
  };
  bool rerun_failed(const std::shared_ptr<Frame>& f);
  void note_failed_state(const Frame& f);
  void close_scope(const Frame& f);
  void redrive_point(std::size_t upto);
  std::vector<FactKey> failed_states();
  std::uint32_t redrive_count() const { return redrives_seen_.load(std::memory_order_acquire); }

  // ---------------------------------------------------------------- events.hpp: history events, counters
  /// Event and state-entry counts of the frame this thread is driving. Without observers, a
  /// drive counts on the thread and adds its total to the execution's atomics when it returns:
  /// Map iterations on two workers would otherwise bounce those counters' cache line ~17 times
  /// per item. Ids stay exact whenever one frame runs at a time (inline, or a sequential
  /// machine on the pool); concurrent iterations may then share ids, which only observers could
  /// see, and with an observer every id comes from the shared counter.
  struct LocalCounts {
    Interpreter* exec = nullptr;
    std::uint64_t events_base = 0, events = 0, entries = 0, retries = 0;
    LocalCounts* outer = nullptr;
    explicit LocalCounts(Interpreter& e);
    LocalCounts(const LocalCounts&) = delete;
    LocalCounts& operator=(const LocalCounts&) = delete;
    ~LocalCounts();
    void flush();
    static LocalCounts*& current();
  };
  LocalCounts* local_counts() const;
  void publish_counts();
  /// Emits an event; `f` is the frame whose chain it extends (previousEventId), null for the
  /// execution's own events.
  template <class Details>
  std::uint64_t emit_event(Frame* f, EventType type, Details&& details);
  /// emit_event's part for the observers, kept out of the callers it is inlined into.
  template <class Details>
  ASL_NOINLINE void notify(Frame* f, EventType type, std::uint64_t id, Details& details);
  bool history_cap(EventType type, std::uint64_t& id);
  template <class Details>
  std::uint64_t emit(EventType type, Details&& details) {
    return emit_event(nullptr, type, std::forward<Details>(details));
  }
  std::uint64_t emit(EventType type);
  /// An event of frame `f`. None in a Distributed Map's iteration (Frame::quiet): on AWS that is
  /// a child execution, with a history (and ids) of its own.
  template <class Details>
  std::uint64_t emit(Frame& f, EventType type, Details&& details) {
    if (f.quiet) return 0;
    return emit_event(&f, type, std::forward<Details>(details));
  }
  std::uint64_t emit(Frame& f, EventType type);
  void announce_iteration(Frame& f);
  void child_ended(Frame& f, bool failed);
  void children_ended(Frame& owner, const Join& j);
  std::string map_run_arn(const Frame& f, const State& st) const;
  static bool is_terminal(EventType t);
  void history_full();
  static EventType entered_event(StateType t);
  static EventType exited_event(StateType t);

  // ---------------------------------------------------------------- retry_catch.hpp: failures, Retry, Catch
  std::string runtime_cause(const Frame& f, const State& st, std::string_view tail) const;
  Failure runtime(const Frame& f, const State& st, std::string_view tail) const;
  Failure from_eval(const Frame& f, const State& st, Error e) const;
  static bool matches(const Failure& failure, const std::vector<std::string>& list);
  Step fail_state(const std::shared_ptr<Frame>& f, const State& st, Failure failure);
  static bool will_retry(Frame& f, const State& st, const Failure& failure);

  // ---------------------------------------------------------------- io_pipeline.hpp: I/O stages, $$, depth
  std::string execution_arn() const;
  Json context(const Frame& f, const State& st, const Json* item_value = nullptr, std::size_t item_index = 0) const;
  std::string task_token(const Frame& f) const;
  QueryEnv make_ctx(const Frame& f, const State& st, std::optional<Json>& holder) const;
  // Assign (spec §12): evaluated with the variables of state entry, applied as the state exits.
  std::optional<Failure> evaluate_assign(Frame& f, const State& st, AssignSite site, std::size_t index,
                                         const Json& raw, const Json& value, const Json* result,
                                         const Json* error_output, const QueryEnv& ctx) const;
  std::optional<Failure> over_variable_limits(const Frame& f, const State& st) const;
  static void describe_assign(const Frame& f, Json& details);
  void log_evaluation_failure(Frame& f, Failure& failure);
  static void commit_assign(Frame& f);
  std::optional<Failure> input_view(const Frame& f, const State& st, const QueryEnv& ctx, Selection& v) const;
  std::optional<Failure> apply_output_path(const Frame& f, const State& st, const QueryEnv& ctx, Json& doc) const;
  std::optional<Failure> apply_result_path(Frame& f, const State& st, const QueryEnv& ctx, Json& result,
                                           std::size_t result_bound, Json& out, std::size_t& bound) const;
  std::optional<Failure> read_number(const Frame& f, const State& st, NumberField field, const Json& input,
                                     const QueryEnv& ctx, std::optional<Json>& out) const;
  Step finish_state(const std::shared_ptr<Frame>& f, const State& st, Json result, std::size_t result_bound);
  Step exit_with_result(const std::shared_ptr<Frame>& f, const State& st, const QueryEnv& ctx, Json& result,
                        std::size_t result_bound);
  Step exit_state(const std::shared_ptr<Frame>& f, const State& st, const QueryEnv& ctx, Json out, std::uint32_t next,
                  std::size_t bound);
  std::optional<Failure> over_payload_limit(const State& st, const Json& out, std::size_t& bound) const;
  std::size_t grown_depth(const Frame& f, const State& st) const;
  std::optional<Failure> check_depth(Frame& f, const State& st, const Json& out) const;
  std::optional<Failure> measure_depth(Frame& f, const State& st, const Json& out) const;

  // ---------------------------------------------------------------- fan_out.hpp: what Map and Parallel share
  std::shared_ptr<Join> new_join(const std::shared_ptr<Frame>& f, bool is_map);
  void start_children(const std::shared_ptr<Join>& jp);
  void journal_child(const Join& j, Frame& child, std::uint32_t owner_state);
  void child_done(const std::shared_ptr<Join>& jp);
  void resume_owner(const std::shared_ptr<Join>& jp);
  Step finish_children(const std::shared_ptr<Frame>& f, const State& st);

  // ---------------------------------------------------------------- state_pass.hpp: Pass, Succeed, Fail
  Step run_pass(const std::shared_ptr<Frame>& f, const State& st);
  Step run_succeed(const std::shared_ptr<Frame>& f, const State& st);
  Step run_fail(const std::shared_ptr<Frame>& f, const State& st);

  // ---------------------------------------------------------------- state_task.hpp: Task
  Step run_task(const std::shared_ptr<Frame>& f, const State& st);
  /// The execution's generator (jitter, token salts), seeded on first use; rng_mutex_ held.
  std::mt19937_64& rng();
  std::string new_task_token();
  void arm_task_timers(const std::shared_ptr<TaskSlot>& slot, const TaskContext& tc,
                       std::optional<TimePoint> timeout_at);
  void check_heartbeat(std::weak_ptr<TaskSlot> weak_slot, std::shared_ptr<std::atomic<std::int64_t>> last,
                       std::uint64_t window);
  Step await_slot(const std::shared_ptr<Frame>& f, const State& st, const std::shared_ptr<TaskSlot>& slot);
  void watch_slot(const std::shared_ptr<TaskSlot>& slot);
  bool track_slot(const std::shared_ptr<TaskSlot>& slot);
  Step take_outcome(const std::shared_ptr<Frame>& f, const State& st, TaskSlot& slot);
  Step task_settled(const std::shared_ptr<Frame>& f, const State& st);
  Step task_result(const std::shared_ptr<Frame>& f, const State& st, Result<Json> r, bool heartbeat);
  void task_failed(Frame& f, const State& st, bool timed_out, const Error& e);
  static Result<Json> call_handler(const State& st, const Json& input, TaskContext& tc);

  // ---------------------------------------------------------------- state_choice.hpp: Choice
  Step run_choice(const std::shared_ptr<Frame>& f, const State& st);

  // ---------------------------------------------------------------- state_wait.hpp: Wait
  Step run_wait(const std::shared_ptr<Frame>& f, const State& st);
  static bool too_far(const timestamp::Instant& at, TimePoint start);
  Step finish_wait(const std::shared_ptr<Frame>& f, const State& st);

  // ---------------------------------------------------------------- state_parallel.hpp: Parallel
  Step run_parallel(const std::shared_ptr<Frame>& f, const State& st);

  // ---------------------------------------------------------------- state_map.hpp: Map
  /// Results of the Map items the current chunk ran to completion (set while a chunk runs).
  struct ChunkResults {
    const Join* join = nullptr;
    std::vector<std::pair<std::uint32_t, Json>> done;
    std::size_t bound = 0;
    std::size_t depth = 0;  ///< the deepest finished item's depth bound
    static ChunkResults*& current() {
      thread_local ChunkResults* c = nullptr;
      return c;
    }
  };
  Step run_map(const std::shared_ptr<Frame>& f, const State& st);
  static bool map_input_consumed(const State& st);
  Step run_chunk(const std::shared_ptr<Frame>& f);
  static bool threshold_exceeded(const Join& j);

  // ---------------------------------------------------------------- state_map_io.hpp: Map Run I/O (issue #20)
  std::optional<Failure> evaluate_map_io(const Frame& f, const State& st, const Json& input, const QueryEnv& ctx,
                                         MapIoValues& out) const;
  std::optional<Failure> open_map_run(const Frame& f, const State& st, Join& j, MapIoValues values);
  void start_fed_children(const std::shared_ptr<Join>& jp);
  void store_result(Join& j, std::uint32_t slot, Json&& doc);
  void store_failure(Join& j, std::uint32_t slot, const Error& e);
  void finish_map_run(Join& j, std::optional<Failure>& failure, Json& results, std::size_t& result_bound);
  void write_unfinished(Join& j);
  std::string now_text();
  /// A Distributed Map's counters, registered for map_runs(), and its observers told.
  std::shared_ptr<MapRunCounters> open_counters(const Frame& f, const State& st, std::size_t total, bool known);
  void map_run_ended(MapRunCounters& c, bool failed);
  /// Tells the Map Run observers of a finished child once its Map's lock is released (declared
  /// before the lock guard, it is destroyed after it).
  struct ProgressNotice {
    const Interpreter& exec;
    const MapRunCounters* counters;
    ~ProgressNotice();
  };

  std::shared_ptr<const Program> program_;
  ExecutionConfig config_;
  Json input_;
  Json execution_input_;
  std::size_t input_depth_ = 0;          ///< nesting depth of the execution input
  std::optional<TimePoint> max_end_;     ///< start + the maximum duration (max_duration_seconds)
  ExecutionResult result_;
  Host* host_;
  std::atomic<Status> status_{Status::running};
  std::atomic<bool> stop_{false};
  std::atomic<std::uint64_t> entries_{0}, retries_{0}, events_{0};
  mutable std::mutex done_mutex_;
  mutable std::condition_variable done_cv_;
  bool finishing_ = false, finished_ = false;
  const Frame* root_ = nullptr;               ///< the top-level frame (compared, never followed)
  std::atomic<bool> caller_attached_{false};  ///< run_on_caller() runs the top-level frame
  std::shared_ptr<Frame> caller_frame_;       ///< the top-level frame, ready for it (done_mutex_)
  std::atomic<bool> caller_wake_{false};      ///< caller_frame_ set or finished_ (spun on unlocked)
  TimePoint start_time_{};
  std::optional<TimePoint> deadline_;
  std::mutex rng_mutex_;
  std::atomic<std::uint64_t> token_counter_{0};
  std::atomic<std::uint64_t> frame_ids_{0};  ///< journal ids of child frames
  std::mutex slots_mutex_;
  std::vector<std::weak_ptr<TaskSlot>> pending_slots_;
  bool slots_closed_ = false;
  std::mutex failed_mutex_;
  std::vector<FailedState> failed_states_;  ///< failed_mutex_
  std::vector<FactKey> closed_scopes_;      ///< Map/Parallel visits that ended (failed_mutex_)
  std::atomic<bool> has_failed_states_{false};
  mutable std::mutex map_runs_mutex_;
  std::vector<std::shared_ptr<MapRunCounters>> map_runs_;  ///< map_runs_mutex_ (Distributed Maps only)
  std::atomic<std::uint32_t> redrives_seen_{0};  ///< ExecutionRedriven events emitted by this run
  std::recursive_mutex redrive_mutex_;
  /// Seeded on first use (rng()): seeding a Mersenne twister writes 312 words, about 5,000
  /// instructions, which was a third of a short execution that never draws a number.
  std::optional<std::mt19937_64> rng_;
};

}  // namespace asl::detail

// The members, defined out of class by concept. Each of these files includes this one first, so
// any of them may be included on its own.
#include "asl/detail/run/core.hpp"
#include "asl/detail/run/events.hpp"
#include "asl/detail/run/retry_catch.hpp"
#include "asl/detail/run/io_pipeline.hpp"
#include "asl/detail/run/fan_out.hpp"
#include "asl/detail/run/state_pass.hpp"
#include "asl/detail/run/state_task.hpp"
#include "asl/detail/run/state_choice.hpp"
#include "asl/detail/run/state_wait.hpp"
#include "asl/detail/run/state_parallel.hpp"
#include "asl/detail/run/state_map.hpp"
#include "asl/detail/run/state_map_io.hpp"
#include "asl/detail/run/redrive.hpp"
