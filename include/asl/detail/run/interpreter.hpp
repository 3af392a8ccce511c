// The interpreter: an execution is a tree of frames (plain data) that a scheduler advances one
// state step at a time; Map iterations and Parallel branches are child frames, never nested calls.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <cmath>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <optional>
#include <queue>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "asl/clock.hpp"
#include "asl/error.hpp"
#include "asl/execution_result.hpp"
#include "asl/history.hpp"
#include "asl/detail/jsonpath/intrinsics.hpp"
#include "asl/detail/json/depth.hpp"
#include "asl/detail/json/release.hpp"
#include "asl/detail/json/size.hpp"
#include "asl/detail/load/program.hpp"
#include "asl/detail/run/scheduler.hpp"
#include "asl/detail/run/task_slot.hpp"
#include "asl/detail/run/time_math.hpp"
#include "asl/detail/base/timestamp.hpp"

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
  std::string execution_name;
  const std::atomic<bool>* stop_flag = nullptr;  ///< set by the host to abort (checked at step boundaries)
  /// Registers a `.waitForTaskToken` slot under its token (the engine's callback registry);
  /// false when the registry is full (EngineOptions::max_task_tokens).
  std::function<bool(const std::string&, const std::shared_ptr<TaskSlot>&)> register_token;
  std::function<void()> on_finished;  ///< called once, after the result is available
  std::function<void(const ExecutionResult&)> on_done;  ///< the host's completion callback
};

/// A runtime failure travelling up frames. `fatal` failures (States.Runtime, an oversized state
/// output) are never retried or caught and end the execution (spec §4.6, §16.2, §16.3).
struct Failure {
  Error error;
  bool fatal = false;
  bool heartbeat = false;  ///< a heartbeat expiry: States.Timeout that States.HeartbeatTimeout also matches
};

struct Join;

/// Per-retrier attempt counters of one state visit (spec §9.4). Most states have at most a few
/// retriers: those counters live in the frame, so a first failure allocates nothing.
class RetryCounters {
 public:
  std::uint32_t& operator[](std::size_t i) {
    if (i < inline_count) return inline_[i];
    if (more_.size() <= i - inline_count) more_.resize(i - inline_count + 1, 0);
    return more_[i - inline_count];
  }
  void clear() {
    inline_.fill(0);
    more_.clear();
  }

 private:
  static constexpr std::size_t inline_count = 4;
  std::array<std::uint32_t, inline_count> inline_{};
  std::vector<std::uint32_t> more_;
};

struct Frame {
  enum class Resume : std::uint8_t { enter, retry, wait_done, children_done, task_done, map_chunk };
  std::uint32_t state = no_index;
  Json doc;                     ///< the raw input of the current state (moved, never copied whole)
  std::shared_ptr<Join> parent; ///< the Map/Parallel join this frame reports to; null = top level
  std::uint32_t slot = 0;       ///< index in the parent's result array
  std::uint32_t chunk_end = 0;  ///< map_chunk: this frame starts items [slot, chunk_end) itself
  Resume resume = Resume::enter;
  bool announce = false;  ///< a Map iteration not yet started: AWS logs MapIterationStarted lazily
  std::uint64_t entered_event = 0;
  TimePoint entered_time{};
  RetryCounters attempts;  ///< per-retrier counters for this state visit
  std::uint32_t retry_count = 0;
  std::shared_ptr<Join> children;  ///< while suspended on a Map/Parallel
  std::size_t size_bound = 0;      ///< upper bound of doc's serialized size
  std::size_t depth_bound = 0;     ///< upper bound of doc's nesting depth (see check_depth)
  std::shared_ptr<TaskSlot> task;  ///< while a task attempt is in flight
  std::string token;               ///< the current attempt's callback token
};

/// Bookkeeping of one Map/Parallel run: the parent frame waits here; the last child re-queues it.
struct Join {
  std::mutex mutex;  ///< children finish on any worker
  std::shared_ptr<Frame> owner;
  std::shared_ptr<Join> up;  ///< the owner's own join: abandoning an outer join reaches inner ones
  std::atomic<bool> abandoned{false};
  bool is_map = false;
  Json results = Json::array();
  std::size_t total = 0, started = 0, finished = 0, running = 0, limit = 0;
  std::size_t refill_at = 0;  ///< start more children only when `running` drops to this (0 = always)
  std::size_t chunk = 1;      ///< Map items per queued work item (1 = each item queued alone)
  std::uint32_t map_state = no_index;  ///< the Map state (read by chunks without the owner)
  std::size_t result_bound = 2;
  std::size_t child_depth = 0;   ///< depth bound of every child's input
  std::size_t result_depth = 0;  ///< the deepest finished child's depth bound
  Json items;       ///< Map: the items array
  Json input;       ///< Map: effective input (ItemSelector's `$`); Parallel: branch input
  std::size_t failures = 0;
  bool tolerance = false;  ///< a tolerated-failure threshold was set
  double tolerated_count = 0, tolerated_percentage = 0;
  std::optional<Failure> failure;
};

class Interpreter : public std::enable_shared_from_this<Interpreter> {
 public:
  Interpreter(std::shared_ptr<const Program> program, Json input, ExecutionConfig config)
      : program_(std::move(program)), config_(std::move(config)), input_(std::move(input)), host_(config_.host) {
    rng_.seed(config_.jitter_seed ? *config_.jitter_seed : fresh_seed());
  }

  /// A different seed per execution without asking the OS each time (std::random_device costs
  /// ~10 µs on a VM, more than a whole short execution): one OS seed per process, mixed with a
  /// counter through splitmix64.
  static std::uint64_t fresh_seed() {
    static const std::uint64_t process_seed = std::random_device{}();
    static std::atomic<std::uint64_t> counter{0};
    std::uint64_t z = process_seed + 0x9e3779b97f4a7c15ULL * (counter.fetch_add(1, std::memory_order_relaxed) + 1);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  /// Emits ExecutionStarted and queues the first state on the host. Non-blocking.
  void start() {
    start_time_ = host_->now();
    if (config_.max_duration_seconds) max_end_ = add_seconds(start_time_, config_.max_duration_seconds);
    // Before anything copies, compares or sizes the input: those recurse once per level, and a
    // host may hand over a document parsed from a hostile request body.
    if (config_.max_json_depth) {
      input_depth_ = json_depth(input_, config_.max_json_depth);
      if (input_depth_ > config_.max_json_depth) {
        emit(EventType::ExecutionStarted);  // without the input: too deep to record
        release(input_);
        finish_execution(Status::failed, Json(),
                         Error(std::string(errors::data_limit_exceeded),
                               fmt::format("The execution input is nested deeper than the limit of {} levels "
                                           "(EngineOptions::max_json_depth).",
                                           config_.max_json_depth)));
        return;
      }
    }
    emit(EventType::ExecutionStarted, [&](Json& d) { d["input"] = input_; });
    auto root = std::make_shared<Frame>();
    root_ = root.get();
    root->state = program_->scopes[0].start;
    root->depth_bound = input_depth_;
    root->size_bound = bound(input_);
    if (config_.payload_limit && root->size_bound > config_.payload_limit &&
        input_.dump().size() > config_.payload_limit) {
      finish_execution(Status::failed, Json(),
                       Error(std::string(errors::data_limit_exceeded),
                             "The execution input exceeds the maximum number of bytes service limit."));
      return;
    }
    // $$.Execution.Input needs the original input; copy it only when some state may read it.
    if (program_->uses_context) execution_input_ = input_;
    root->doc = std::move(input_);
    if (program_->timeout_seconds) {
      deadline_ = add_seconds(start_time_, *program_->timeout_seconds);
      std::weak_ptr<Interpreter> weak = weak_from_this();
      host_->post_at(*deadline_, [weak] {
        if (auto self = weak.lock()) self->time_out();
      });
    }
    requeue(std::move(root));
  }

  /// Engine::run on a pool: this thread, which would only wait, runs the execution's top-level
  /// frame whenever it is ready, until the execution ends (Map items and Parallel branches go to
  /// the pool, see PoolScheduler::run_here). A sequential execution then pays no hand-off to a
  /// worker and no wake-ups, and its documents stay in the malloc arena its input was built in.
  void run_on_caller() {
    if (!host_->caller_can_run()) {
      start();
      wait();
      return;
    }
    caller_attached_.store(true, std::memory_order_release);  // before start(): it queues the root
    start();
    std::unique_lock<std::mutex> lock(done_mutex_);
    for (;;) {
      if (!caller_wake_.load(std::memory_order_relaxed)) {
        // A small fan-out's children finish within microseconds: spin a moment before the
        // futex sleep, whose wake-up costs tens of microseconds on a VM (as the host's workers
        // do, and only where they do).
        lock.unlock();
        const unsigned spin = host_->spin_budget();
        for (unsigned i = 0; i < spin && !caller_wake_.load(std::memory_order_acquire); ++i) cpu_relax();
        lock.lock();
      }
      done_cv_.wait(lock, [&] { return finished_ || caller_frame_ != nullptr; });
      if (caller_frame_ == nullptr) break;  // ended, and nothing of it is left for this thread
      Work w{shared_from_this(), std::move(caller_frame_)};
      caller_frame_.reset();
      caller_wake_.store(finished_, std::memory_order_relaxed);
      lock.unlock();
      host_->run_here(w);
      host_->external_end();  // the hold requeue() took; run_here counted the frame busy meanwhile
      w.frame.reset();
      lock.lock();
    }
    // Under the lock: a later requeue of the root (a Map's children finishing after a failure
    // ended the execution) goes to the pool, which drops it.
    caller_attached_.store(false, std::memory_order_release);
  }

  /// Runs a frame until it suspends or finishes (called by the host's workers).
  void drive(const std::shared_ptr<Frame>& f) {
    LocalCounts local(*this);
    drive_steps(f);
  }

 private:
  void drive_steps(const std::shared_ptr<Frame>& f) {
    while (status_.load(std::memory_order_acquire) == Status::running) {
      if (f->parent && abandoned(*f)) return;
      if ((config_.stop_flag && config_.stop_flag->load(std::memory_order_relaxed))) {
        cancel();
        return;
      }
      if (deadline_ && now() >= *deadline_) {
        time_out();
        return;
      }
      if (f->announce) {
        // AWS numbers an iteration's MapIterationStarted when it begins to run, not when queued.
        f->announce = false;
        emit(EventType::MapIterationStarted, [&](Json& d) { d["index"] = f->slot; });
      }
      if (step(f) == Step::stop) return;
    }
  }

 public:
  /// Ends the execution ABORTED: running handlers see their stop token, nothing new starts.
  void cancel() { finish_execution(Status::aborted, Json(), Error()); }

  /// An inline run found nothing that could ever make progress (no frame, timer or pending task).
  void fail_stuck() {
    finish_execution(Status::failed, Json(),
                     Error(std::string(errors::runtime),
                           "The execution cannot make progress: no state can run, no timer can ever fire (one "
                           "past the clock's end in 2262 never does) and no task completion is awaited."));
  }

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

  void schedule(std::shared_ptr<Frame> f, TimePoint due) {
    std::weak_ptr<Interpreter> weak = weak_from_this();
    if (max_end_ && due > *max_end_) {
      // The execution would outlive its maximum duration before this timer fires: AWS fails it
      // with States.Timeout then (status TIMED_OUT). Only timers move time this far (a Wait, a
      // retry interval; on virtual time nothing else does), so this is the one place to check.
      host_->post_at(*max_end_, [weak] {
        if (auto self = weak.lock()) self->time_out();
      });
      return;
    }
    host_->post_at(due, [weak, f = std::move(f)]() mutable {
      auto self = weak.lock();
      if (!self || self->done() || (f->parent && abandoned(*f))) return;
      self->requeue(std::move(f));
    });
  }

  void requeue(std::shared_ptr<Frame> f) {
    if (f.get() == root_ && caller_attached_.load(std::memory_order_acquire)) {
      std::lock_guard<std::mutex> lock(done_mutex_);
      if (caller_attached_.load(std::memory_order_relaxed)) {
        publish_counts();  // the caller may run the frame before this drive returns
        host_->external_begin();  // runnable work the pool cannot see: virtual time holds still
        caller_frame_ = std::move(f);
        caller_wake_.store(true, std::memory_order_release);
        done_cv_.notify_all();
        return;
      }
    }
    host_->post(Work{shared_from_this(), std::move(f)});
  }

  static bool abandoned(const Frame& f) {
    for (const Join* j = f.parent.get(); j != nullptr; j = j->up.get())
      if (j->abandoned.load(std::memory_order_acquire)) return true;
    return false;
  }

  Step step(const std::shared_ptr<Frame>& f) {
    const State& st = program_->states[f->state];
    switch (f->resume) {
      case Frame::Resume::enter: return enter(f, st);
      case Frame::Resume::retry:
        if (LocalCounts* local = local_counts())
          ++local->retries;  // a shared counter here bounced between the workers on every retry
        else
          retries_.fetch_add(1, std::memory_order_relaxed);
        f->retry_count++;
        return execute(f, st);
      case Frame::Resume::wait_done: return finish_wait(f, st);
      case Frame::Resume::children_done: return finish_children(f, st);
      case Frame::Resume::task_done: return task_settled(f, st);
      case Frame::Resume::map_chunk: return run_chunk(f);
    }
    return Step::stop;
  }

  // ---------------------------------------------------------------- events
  // ---------------------------------------------------------------- counters
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
    explicit LocalCounts(Interpreter& e) : exec(&e), outer(current()) {
      if (e.config_.observers.empty()) {
        events_base = e.events_.load(std::memory_order_relaxed);
        current() = this;
      } else {
        exec = nullptr;
      }
    }
    LocalCounts(const LocalCounts&) = delete;
    LocalCounts& operator=(const LocalCounts&) = delete;
    ~LocalCounts() {
      flush();
      if (exec) current() = outer;
    }
    void flush() {
      if (!exec) return;
      if (events) exec->events_.fetch_add(events, std::memory_order_relaxed);
      if (entries) exec->entries_.fetch_add(entries, std::memory_order_relaxed);
      if (retries) exec->retries_.fetch_add(retries, std::memory_order_relaxed);
      events_base += events;
      events = entries = retries = 0;
    }
    static LocalCounts*& current() {
      thread_local LocalCounts* c = nullptr;
      return c;
    }
  };
  LocalCounts* local_counts() const {
    LocalCounts* c = LocalCounts::current();
    return c && c->exec == this ? c : nullptr;
  }
  /// Adds this drive's counts to the execution's before its frame reports to a join or hands the
  /// top-level frame over: whoever resumes the owner may end the execution, and read the stats,
  /// before this drive returns (seen under TSan: a chunk's 12 state entries missing).
  void publish_counts() {
    if (LocalCounts* local = local_counts()) local->flush();
  }

  template <class Details>
  std::uint64_t emit(EventType type, Details&& details) {
    LocalCounts* local = local_counts();
    std::uint64_t id = local ? local->events_base + ++local->events
                             : events_.fetch_add(1, std::memory_order_relaxed) + 1;
    if (config_.max_history_events && id >= config_.max_history_events) {
      // AWS fails a Standard execution whose history reaches its cap: the cap-th event must be
      // the terminal one, so a state event there ends the execution and ExecutionFailed takes
      // its id (measured on AWS: id 25000 = ExecutionFailed, previous event 24999).
      if (!is_terminal(type)) {
        history_full();
        return id;
      }
      id = config_.max_history_events;
    }
    if (!config_.observers.empty()) {
      Json d = Json::object();
      details(d);
      HistoryEvent e{type, id, now(), config_.execution_name, &d};
      for (Observer* o : config_.observers) o->on_event(e);
    }
    return id;
  }
  std::uint64_t emit(EventType type) {
    return emit(type, [](Json&) {});
  }

  static bool is_terminal(EventType t) {
    return t == EventType::ExecutionSucceeded || t == EventType::ExecutionFailed ||
           t == EventType::ExecutionTimedOut || t == EventType::ExecutionAborted;
  }

  void history_full() {
    finish_execution(Status::failed, Json(),
                     Error(std::string(errors::runtime),
                           fmt::format("The execution reached the maximum number of history events ({}).",
                                       config_.max_history_events)));
  }

  static EventType entered_event(StateType t) {
    switch (t) {
      case StateType::pass: return EventType::PassStateEntered;
      case StateType::task: return EventType::TaskStateEntered;
      case StateType::choice: return EventType::ChoiceStateEntered;
      case StateType::wait: return EventType::WaitStateEntered;
      case StateType::succeed: return EventType::SucceedStateEntered;
      case StateType::fail: return EventType::FailStateEntered;
      case StateType::parallel: return EventType::ParallelStateEntered;
      case StateType::map: return EventType::MapStateEntered;
    }
    return EventType::PassStateEntered;
  }
  static EventType exited_event(StateType t) {
    switch (t) {
      case StateType::pass: return EventType::PassStateExited;
      case StateType::task: return EventType::TaskStateExited;
      case StateType::choice: return EventType::ChoiceStateExited;
      case StateType::wait: return EventType::WaitStateExited;
      case StateType::succeed: return EventType::SucceedStateExited;
      case StateType::parallel: return EventType::ParallelStateExited;
      case StateType::map: return EventType::MapStateExited;
      case StateType::fail: break;
    }
    return EventType::PassStateExited;
  }

  // ---------------------------------------------------------------- errors
  /// AWS's standard prefix for runtime causes (spec §4.6).
  std::string runtime_cause(const Frame& f, const State& st, std::string_view tail) const {
    return fmt::format("An error occurred while executing the state '{}' (entered at the event id #{}). {}",
                       st.name, f.entered_event, tail);
  }

  Failure runtime(const Frame& f, const State& st, std::string_view tail) const {
    return Failure{Error(std::string(errors::runtime), runtime_cause(f, st, tail)), true};
  }

  /// Errors from evaluators carry a tail cause; give States.Runtime / IntrinsicFailure the prefix.
  Failure from_eval(const Frame& f, const State& st, Error e) const {
    const bool is_runtime = e.is(errors::runtime);
    if (is_runtime || e.is(errors::intrinsic_failure))
      e.cause = runtime_cause(f, st, e.cause.value_or(""));
    return Failure{std::move(e), is_runtime};
  }

  static std::string invalid_path(const jsonpath::Path& p, const std::string& miss) {
    return fmt::format("Invalid path '{}' : {}", p.text(), miss);
  }

  static bool matches(const Failure& failure, const std::vector<std::string>& list) {
    const std::string_view name = failure.error.name_or_empty();
    for (const auto& x : list) {
      if (x == name || x == errors::all) return true;
      // States.TaskFailed also matches every error except States.Timeout (spec §9.4).
      if (x == errors::task_failed && name != errors::timeout) return true;
      // AWS reports heartbeat expiry as States.Timeout; let HeartbeatTimeout catch it too (§16.4).
      if (x == errors::heartbeat_timeout && (name == errors::heartbeat_timeout || failure.heartbeat)) return true;
    }
    return false;
  }

  Step fail_state(const std::shared_ptr<Frame>& f, const State& st, Failure failure) {
    if (failure.fatal) return propagate(f, std::move(failure));
    for (std::size_t i = 0; i < st.retriers.size(); ++i) {
      const Retrier& r = st.retriers[i];
      if (!matches(failure, r.error_equals)) continue;
      if (f->attempts[i] >= r.max_attempts) break;  // first matching retrier exhausted: go to Catch
      const std::uint32_t k = ++f->attempts[i];
      // pow(b, 0) and pow(1, n) are exactly 1: skip the libm call on the common retries.
      const double growth =
          k == 1 || r.backoff_rate == 1.0 ? 1.0 : std::pow(r.backoff_rate, static_cast<double>(k - 1));
      double interval = r.interval_seconds * growth;
      if (r.max_delay_seconds) interval = std::min(interval, *r.max_delay_seconds);
      // BackoffRate^k can overflow to +inf: keep it finite for the jitter draw (its range must
      // be finite) and so retry_scale 0 gives 0, not NaN. Either way it saturates below.
      interval = std::min(interval, std::numeric_limits<double>::max());
      if (r.jitter_full) {
        std::lock_guard<std::mutex> lock(rng_mutex_);
        interval = std::uniform_real_distribution<double>(0.0, interval)(rng_);
      }
      interval *= config_.retry_scale;
      f->resume = Frame::Resume::retry;
      if (interval <= 0) return Step::next;
      schedule(f, add_seconds(now(), interval));
      return Step::stop;
    }
    for (const Catcher& c : st.catchers) {
      if (!matches(failure, c.error_equals)) continue;
      Json error_output = Json::object();
      error_output.get_ref<Json::object_t&>().reserve(2);
      append_member(error_output, "Error", failure.error.name ? Json(std::move(*failure.error.name)) : Json(nullptr));
      append_member(error_output, "Cause", failure.error.cause ? Json(std::move(*failure.error.cause)) : Json(nullptr));
      std::size_t bound = this->bound(error_output);
      Json out;
      if (c.result_path.is_null()) {
        out = std::move(f->doc);
        bound = f->size_bound;
      } else if (c.result_path.is_identity()) {
        out = std::move(error_output);
      } else {
        out = std::move(f->doc);
        if (!c.result_path.path.assign(out, std::move(error_output)))
          return propagate(f, Failure{Error(std::string(errors::result_path_match_failure),
                                            fmt::format("Unable to apply ResultPath '{}'",
                                                        c.result_path.path.text())),
                                      false});
        bound += f->size_bound + c.result_path.path.text().size();
      }
      if (auto fl = check_depth(*f, st, out)) return propagate(f, std::move(*fl));
      emit(exited_event(st.type), [&](Json& d) {
        d["name"] = st.name;
        d["output"] = out;
      });
      return transition(f, c.next, std::move(out), bound);
    }
    return propagate(f, std::move(failure));
  }

  // ---------------------------------------------------------------- nesting depth
  /// An upper bound of the depth of what `st` builds from the frame's document: a state adds at
  /// most its static growth (State::depth_growth), and one that reads $$.Execution.Input may
  /// place the whole execution input.
  std::size_t grown_depth(const Frame& f, const State& st) const {
    const std::size_t from = st.context_needs_input ? std::max(f.depth_bound, input_depth_) : f.depth_bound;
    return from + st.depth_growth;
  }

  /// Keeps every document of the execution within EngineOptions::max_json_depth, so that the
  /// recursive copy, `==` and dump of nlohmann (and the size bound) stay within a small stack
  /// whatever the definition loops on. Measuring a document per state would cost a walk per
  /// transition; instead each frame carries an upper bound of its document's depth that grows
  /// by the state's static growth and is only measured (and reset to the truth) when it passes
  /// the limit, or after a state whose intrinsics parse JSON text. Called with the state's final
  /// output, before its StateExited event copies it.
  std::optional<Failure> check_depth(Frame& f, const State& st, const Json& out) const {
    if (!config_.max_json_depth) return std::nullopt;
    const std::size_t bound = grown_depth(f, st);
    if (!st.deep_check && bound <= config_.max_json_depth) {
      f.depth_bound = bound;
      return std::nullopt;
    }
    const std::size_t depth = json_depth(out, config_.max_json_depth);
    if (depth > config_.max_json_depth)
      return Failure{Error(std::string(errors::data_limit_exceeded),
                           fmt::format("The state '{}' produced an output nested deeper than the limit of {} "
                                       "levels (EngineOptions::max_json_depth).",
                                       st.name, config_.max_json_depth)),
                     true};
    f.depth_bound = depth;
    return std::nullopt;
  }

  // ---------------------------------------------------------------- frame completion
  Step transition(const std::shared_ptr<Frame>& f, std::uint32_t next, Json output, std::size_t bound) {
    if (config_.payload_limit && bound > config_.payload_limit) {
      const std::size_t exact = output.dump().size();
      if (exact > config_.payload_limit) {
        const State& st = program_->states[f->state];
        return propagate(f, Failure{Error(std::string(errors::data_limit_exceeded),
                                          fmt::format("The state/task '{}' returned a result with a size "
                                                      "exceeding the maximum number of bytes service limit.",
                                                      st.name)),
                                    true});
      }
      bound = exact;
    }
    replace(f->doc, std::move(output));
    f->size_bound = bound;
    return advance(f, next);
  }

  /// Moves a frame whose document is already its output on to `next` (or completes it).
  Step advance(const std::shared_ptr<Frame>& f, std::uint32_t next) {
    if (next == no_index) return complete(f);
    f->state = next;
    f->resume = Frame::Resume::enter;
    return Step::next;
  }

  /// The frame reached a terminal state: its doc is the output.
  Step complete(const std::shared_ptr<Frame>& f) {
    if (!f->parent) {
      finish_execution(Status::succeeded, std::move(f->doc), Error());
      return Step::stop;
    }
    // By reference: `f` keeps its join alive through this call, and a copy would bounce the
    // join's reference count between the workers once per item.
    const std::shared_ptr<Join>& jp = f->parent;
    if (jp->is_map) emit(EventType::MapIterationSucceeded, [&](Json& d) { d["index"] = f->slot; });
    if (ChunkResults* chunk = ChunkResults::current(); chunk && chunk->join == jp.get()) {
      // An item its chunk ran to the end: reported with its siblings, under one lock.
      chunk->done.emplace_back(f->slot, std::move(f->doc));
      chunk->bound += f->size_bound + 1;
      chunk->depth = std::max(chunk->depth, f->depth_bound);
      return Step::stop;
    }
    publish_counts();
    std::lock_guard<std::mutex> lock(spin_lock(jp->mutex), std::adopt_lock);
    if (jp->abandoned.load(std::memory_order_relaxed)) return Step::stop;
    jp->results[f->slot] = std::move(f->doc);
    jp->result_bound += f->size_bound + 1;
    jp->result_depth = std::max(jp->result_depth, f->depth_bound);
    child_done(jp);
    return Step::stop;
  }

  Step propagate(const std::shared_ptr<Frame>& f, Failure failure) {
    if (!f->parent || failure.fatal) {
      // Fatal errors are never caught at any level: they end the whole execution now.
      finish_execution(Status::failed, Json(), std::move(failure.error));
      return Step::stop;
    }
    std::shared_ptr<Join> jp = f->parent;
    Join& j = *jp;
    if (j.is_map) emit(EventType::MapIterationFailed, [&](Json& d) { d["index"] = f->slot; });
    publish_counts();
    std::lock_guard<std::mutex> lock(spin_lock(j.mutex), std::adopt_lock);
    if (j.abandoned.load(std::memory_order_relaxed)) return Step::stop;  // a sibling failed first
    ++j.failures;
    if (j.is_map && j.tolerance && !threshold_exceeded(j)) {
      j.results[f->slot] = Json(nullptr);
      child_done(jp);
      return Step::stop;
    }
    if (j.is_map && j.tolerance)
      failure = Failure{Error(std::string(errors::exceed_tolerated_failure_threshold),
                              "The specified tolerated failure threshold was exceeded"),
                        false};
    // The first failure fails the Map/Parallel and aborts the siblings (spec §3.8, §3.9.3):
    // they see the abandoned join at their next step boundary and stop.
    j.failure = std::move(failure);
    j.abandoned.store(true, std::memory_order_release);
    resume_owner(jp);
    return Step::stop;
  }

  static bool threshold_exceeded(const Join& j) {
    if (static_cast<double>(j.failures) > j.tolerated_count &&
        (j.tolerated_percentage <= 0 ||
         100.0 * static_cast<double>(j.failures) / static_cast<double>(j.total) > j.tolerated_percentage))
      return true;
    return false;
  }

  /// Called with the join's mutex held.
  void child_done(const std::shared_ptr<Join>& jp) {
    Join& j = *jp;
    ++j.finished;
    --j.running;
    if (j.refill_at == 0 || j.running <= j.refill_at) start_children(jp);
    if (j.finished == j.total) resume_owner(jp);
  }

  /// Called with the join's mutex held (or before any child exists). While children run, only
  /// they hold the join (the owner gets it back here): if the execution ends meanwhile, dropping
  /// the children frees the join and the owner with it, with no owner <-> join cycle.
  void resume_owner(const std::shared_ptr<Join>& jp) {
    Join& j = *jp;
    if (!j.owner) return;
    std::shared_ptr<Frame> owner = std::move(j.owner);
    j.owner.reset();
    owner->children = jp;
    owner->resume = Frame::Resume::children_done;
    requeue(std::move(owner));
  }

  void finish_execution(Status status, Json output, Error error) {
    {
      std::lock_guard<std::mutex> lock(done_mutex_);
      if (finishing_) return;
      finishing_ = true;
    }
    ExecutionResult r;
    r.status = status;
    switch (status) {
      case Status::succeeded:
        r.output = std::move(output);
        emit(EventType::ExecutionSucceeded, [&](Json& d) { d["output"] = r.output; });
        break;
      case Status::failed:
        r.error = std::move(error.name);
        r.cause = std::move(error.cause);
        emit(EventType::ExecutionFailed, [&](Json& d) {
          if (r.error) d["error"] = *r.error;
          if (r.cause) d["cause"] = *r.cause;
        });
        break;
      case Status::timed_out:
        // AWS's DescribeExecution omits error/cause for TIMED_OUT; the event carries the name.
        emit(EventType::ExecutionTimedOut, [&](Json& d) { d["error"] = std::string(errors::timeout); });
        break;
      case Status::aborted: emit(EventType::ExecutionAborted); break;
      case Status::running: break;
    }
    if (LocalCounts* local = local_counts()) local->flush();
    r.stats.state_entries = entries_.load(std::memory_order_relaxed);
    r.stats.retries = retries_.load(std::memory_order_relaxed);
    r.stats.events = events_.load(std::memory_order_relaxed);
    // Every running handler sees its stop token; frames still queued see the status and stop;
    // tasks still waiting for a completion are closed (a late completion is then refused).
    stop_.store(true, std::memory_order_relaxed);
    std::vector<std::weak_ptr<TaskSlot>> slots;
    {
      std::lock_guard<std::mutex> lock(slots_mutex_);
      slots_closed_ = true;
      slots.swap(pending_slots_);
    }
    for (auto& w : slots)
      if (auto s = w.lock()) {
        s->stop.store(true, std::memory_order_relaxed);
        s->settle(Error(std::string(errors::runtime), "The execution ended before the task completed."));
      }
    {
      std::lock_guard<std::mutex> lock(done_mutex_);
      result_ = std::move(r);
      status_.store(status, std::memory_order_release);
      finished_ = true;
      caller_wake_.store(true, std::memory_order_release);
    }
    done_cv_.notify_all();
    if (config_.on_finished) config_.on_finished();
    if (config_.on_done) {
      ExecutionResult copy;
      {
        std::lock_guard<std::mutex> lock(done_mutex_);
        copy = result_;
      }
      config_.on_done(copy);
    }
  }

  void time_out() { finish_execution(Status::timed_out, Json(), Error()); }

  // ---------------------------------------------------------------- context object
  std::string execution_arn() const {
    return fmt::format("arn:aws:states:us-east-1:123456789012:execution:{}:{}", program_->name,
                       config_.execution_name);
  }

  /// `$$` (spec §4.7). Built only for states that read it.
  Json context(const Frame& f, const State& st, const Json* item_value = nullptr,
               std::size_t item_index = 0) const {
    // Members are reserved up front: growing an ordered_json object deep-copies its members
    // (see append_member), and Execution.Input may be the whole execution input.
    Json c = Json::object();
    c.get_ref<Json::object_t&>().reserve(5);
    Json& ex = c["Execution"];
    ex = Json::object();
    ex.get_ref<Json::object_t&>().reserve(6);
    ex["Id"] = execution_arn();
    if (st.context_needs_input) ex["Input"] = execution_input_;
    ex["Name"] = config_.execution_name;
    ex["RoleArn"] = "arn:aws:iam::123456789012:role/asl-local-execution";
    ex["StartTime"] = timestamp::format(start_time_.time_since_epoch().count());
    ex["RedriveCount"] = 0;
    Json& s = c["State"];
    s["EnteredTime"] = timestamp::format(f.entered_time.time_since_epoch().count());
    s["Name"] = st.name;
    // AWS shows RetryCount only where a retry can happen (spec §16.25).
    if (st.type == StateType::task || st.type == StateType::map || st.type == StateType::parallel)
      s["RetryCount"] = f.retry_count;
    Json& sm = c["StateMachine"];
    sm["Id"] = "arn:aws:states:us-east-1:123456789012:stateMachine:" + program_->name;
    sm["Name"] = program_->name;
    if (st.type == StateType::task) c["Task"]["Token"] = f.token.empty() ? task_token(f) : f.token;
    if (item_value) {
      Json& item = c["Map"]["Item"];
      item["Index"] = item_index;
      item["Value"] = *item_value;
    }
    return c;
  }

  std::string task_token(const Frame& f) const {
    return fmt::format("{}:{}:{}:{}", config_.execution_name, f.state, f.entered_event, f.retry_count);
  }

  // ---------------------------------------------------------------- data pipeline helpers
  /// InputPath (spec §4.2): a view into the raw input when possible, or an owned value.
  struct View {
    const Json* ptr = nullptr;
    Json owned;
    const Json& get() const { return ptr ? *ptr : owned; }
  };

  std::optional<Failure> input_view(const Frame& f, const State& st, const Json* ctx, View& v) const {
    const PathField& ip = st.input_path;
    if (ip.is_identity()) {
      v.ptr = &f.doc;
      return std::nullopt;
    }
    if (ip.is_null()) {
      v.owned = Json::object();
      return std::nullopt;
    }
    const Json& root = ip.path.root() == jsonpath::Root::context ? *ctx : f.doc;
    std::string miss;
    if (ip.path.definite()) {
      if (const Json* p = ip.path.find(root, &miss)) {
        v.ptr = p;
        return std::nullopt;
      }
      return runtime(f, st, invalid_path(ip.path, miss));
    }
    if (!ip.path.select(root, v.owned, &miss)) return runtime(f, st, invalid_path(ip.path, miss));
    return std::nullopt;
  }

  /// OutputPath (spec §4.2) applied to a document the engine owns.
  std::optional<Failure> apply_output_path(const Frame& f, const State& st, const Json* ctx, Json& doc) const {
    const PathField& op = st.output_path;
    if (op.is_identity()) return std::nullopt;
    if (op.is_null()) {
      doc = Json::object();
      return std::nullopt;
    }
    Json out;
    std::string miss;
    bool ok = op.path.root() == jsonpath::Root::context ? op.path.select(*ctx, out, &miss)
                                                         : op.path.select(std::move(doc), out, &miss);
    if (!ok) return runtime(f, st, invalid_path(op.path, miss));
    doc = std::move(out);
    return std::nullopt;
  }

  /// ResultPath (spec §4.4): combine the result with the RAW input; returns the new size bound.
  std::optional<Failure> apply_result_path(Frame& f, const State& st, Json& result,
                                           std::size_t result_bound, Json& out, std::size_t& bound) const {
    const PathField& rp = st.result_path;
    if (rp.is_null()) {
      out = std::move(f.doc);
      bound = f.size_bound;
    } else if (rp.is_identity()) {
      out = std::move(result);
      bound = result_bound;
    } else {
      out = std::move(f.doc);
      if (!rp.path.assign(out, std::move(result))) return result_path_failure(st, out);
      bound = f.size_bound + result_bound + rp.path.text().size() + 4;
    }
    return std::nullopt;
  }

  static Failure result_path_failure(const State& st, const Json& input) {
    return Failure{Error(std::string(errors::result_path_match_failure),
                         fmt::format("Unable to apply ResultPath '{}' to input {}", st.result_path.path.text(),
                                     java_json(input))),
                   false};
  }

  /// ResultSelector, ResultPath, OutputPath, StateExited and the transition (Task/Parallel/Map).
  Step finish_state(const std::shared_ptr<Frame>& f, const State& st, Json result, std::size_t result_bound) {
    std::optional<Json> ctx_holder;
    const Json* ctx = nullptr;
    if (st.uses_context) {
      ctx_holder = context(*f, st);
      ctx = &*ctx_holder;
    }
    if (st.result_selector) {
      auto r = st.result_selector->evaluate(result, ctx);
      if (!r) return fail_state(f, st, from_eval(*f, st, std::move(r).error()));
      result = std::move(*r);
      result_bound = bound(result);
    }
    return exit_with_result(f, st, ctx, result, result_bound);
  }

  /// ResultPath, then exit_state (Pass, Task, Parallel, Map).
  Step exit_with_result(const std::shared_ptr<Frame>& f, const State& st, const Json* ctx, Json& result,
                        std::size_t result_bound) {
    const PathField& rp = st.result_path;
    if (rp.kind == PathField::Kind::path && !rp.path.is_root() && st.output_path.is_identity() &&
        !config_.payload_limit) {
      // The common exit (ResultPath into the input, no OutputPath, no size limit to check):
      // update the frame's document in place. Moving it out and back through the by-value
      // hand-offs below cost about a tenth of a Pass step. A failed assign leaves the document
      // as it was, so a Catch still sees the state's raw input.
      if (!rp.path.assign(f->doc, std::move(result)))
        return fail_state(f, st, result_path_failure(st, f->doc));
      if (auto fl = check_depth(*f, st, f->doc)) return propagate(f, std::move(*fl));
      emit(exited_event(st.type), [&](Json& d) {
        d["name"] = st.name;
        d["output"] = f->doc;
      });
      return advance(f, st.next);
    }
    Json out;
    std::size_t bound = 0;
    if (auto fl = apply_result_path(*f, st, result, result_bound, out, bound))
      return fail_state(f, st, std::move(*fl));
    return exit_state(f, st, ctx, std::move(out), st.next, bound);
  }

  /// The tail every state that exits normally shares: OutputPath, *StateExited, the transition.
  Step exit_state(const std::shared_ptr<Frame>& f, const State& st, const Json* ctx, Json out, std::uint32_t next,
                  std::size_t bound) {
    if (auto fl = apply_output_path(*f, st, ctx, out)) return fail_state(f, st, std::move(*fl));
    if (auto fl = check_depth(*f, st, out)) return propagate(f, std::move(*fl));
    emit(exited_event(st.type), [&](Json& d) {
      d["name"] = st.name;
      d["output"] = out;
    });
    return transition(f, next, std::move(out), bound);
  }

  // ---------------------------------------------------------------- states
  Step enter(const std::shared_ptr<Frame>& f, const State& st) {
    LocalCounts* local = local_counts();
    const std::uint64_t entries = local ? entries_.load(std::memory_order_relaxed) + ++local->entries
                                        : entries_.fetch_add(1, std::memory_order_relaxed) + 1;
    if (config_.max_transitions &&
        entries + retries_.load(std::memory_order_relaxed) + (local ? local->retries : 0) > config_.max_transitions) {
      finish_execution(Status::failed, Json(),
                       Error(std::string(errors::runtime),
                             fmt::format("The execution exceeded the limit of {} state transitions "
                                         "(EngineOptions::max_transitions) at state '{}'",
                                         config_.max_transitions, st.name)));
      return Step::stop;
    }
    // Reading the clock costs more than a Pass step; only $$.State.EnteredTime needs it.
    if (st.uses_context) f->entered_time = now();
    f->entered_event = emit(entered_event(st.type), [&](Json& d) {
      d["name"] = st.name;
      d["input"] = f->doc;
    });
    f->attempts.clear();
    f->retry_count = 0;
    return execute(f, st);
  }

  Step execute(const std::shared_ptr<Frame>& f, const State& st) {
    switch (st.type) {
      case StateType::pass: return run_pass(f, st);
      case StateType::task: return run_task(f, st);
      case StateType::choice: return run_choice(f, st);
      case StateType::wait: return run_wait(f, st);
      case StateType::succeed: return run_succeed(f, st);
      case StateType::fail: return run_fail(f, st);
      case StateType::parallel: return run_parallel(f, st);
      case StateType::map: return run_map(f, st);
    }
    return Step::stop;
  }

  const Json* make_ctx(const Frame& f, const State& st, std::optional<Json>& holder) const {
    if (!st.uses_context) return nullptr;
    holder = context(f, st);
    return &*holder;
  }

  Step run_pass(const std::shared_ptr<Frame>& f, const State& st) {
    std::optional<Json> holder;
    const Json* ctx = make_ctx(*f, st, holder);
    Json result;
    std::size_t result_bound = 0;
    if (st.result) {
      result = *st.result;
      result_bound = bound(result);
    } else {
      View v;
      if (auto fl = input_view(*f, st, ctx, v)) return fail_state(f, st, std::move(*fl));
      if (st.parameters) {
        auto r = st.parameters->evaluate(v.get(), ctx);
        if (!r) return fail_state(f, st, from_eval(*f, st, std::move(r).error()));
        result = std::move(*r);
        result_bound = bound(result);
      } else if (st.result_path.is_null()) {
        // Result discarded: the output is the raw input, nothing to build.
      } else if (st.result_path.is_identity() && v.ptr) {
        // The effective input becomes the output: move it out of the raw input, no copy.
        if (v.ptr == &f->doc) {
          result = std::move(f->doc);
        } else {
          result = std::move(*const_cast<Json*>(v.ptr));
        }
        result_bound = f->size_bound;  // a part of the raw input is no bigger than the whole
      } else {
        result = v.get();
        result_bound = v.ptr ? f->size_bound : bound(result);
      }
    }
    return exit_with_result(f, st, ctx, result, result_bound);
  }

  /// Reads a positive/non-negative integer given literally or by path (TimeoutSecondsPath, ...).
  std::optional<Failure> read_integer(const Frame& f, const State& st, const ValueField& field,
                                      const Json& input, const Json* ctx,
                                      std::optional<std::uint64_t>& out) const {
    if (!field.present) return std::nullopt;
    if (!field.path) {
      out = field.literal.get<std::uint64_t>();
      return std::nullopt;
    }
    std::string miss;
    const Json& root = field.path->root() == jsonpath::Root::context ? *ctx : input;
    const Json* v = field.path->find(root, &miss);
    if (!v) return runtime(f, st, invalid_path(*field.path, miss));
    if (!v->is_number_integer() || v->get<std::int64_t>() < 0)
      return runtime(f, st, fmt::format("The {} field refers to value \"{}\" which is not a valid integer: {}",
                                        field.path_field, v->is_string() ? v->get<std::string>() : v->dump(),
                                        field.path->text()));
    out = v->get<std::uint64_t>();
    return std::nullopt;
  }

  Step run_task(const std::shared_ptr<Frame>& f, const State& st) {
    // A callback's token must exist before $$.Task.Token is read by Parameters.
    if (st.integration == Integration::wait_for_task_token) f->token = new_task_token();
    std::optional<Json> holder;
    const Json* ctx = make_ctx(*f, st, holder);
    View v;
    if (auto fl = input_view(*f, st, ctx, v)) return fail_state(f, st, std::move(*fl));
    std::optional<Json> params;
    ReleaseOnExit release_params{params};  // the handler's input is garbage once it returns
    if (st.parameters) {
      auto r = st.parameters->evaluate(v.get(), ctx);
      if (!r) return fail_state(f, st, from_eval(*f, st, std::move(r).error()));
      params = std::move(*r);
    }
    const Json& effective = params ? *params : v.get();

    TaskContext tc;
    tc.state_name = st.name;
    tc.resource = st.resource;
    tc.execution_name = config_.execution_name;
    tc.retry_count = f->retry_count;
    if (auto fl = read_integer(*f, st, st.timeout_seconds, v.get(), ctx, tc.timeout_seconds))
      return fail_state(f, st, std::move(*fl));
    if (auto fl = read_integer(*f, st, st.heartbeat_seconds, v.get(), ctx, tc.heartbeat_seconds))
      return fail_state(f, st, std::move(*fl));
    if (st.credentials) {
      auto r = st.credentials->evaluate(v.get(), ctx);
      if (!r) return fail_state(f, st, from_eval(*f, st, std::move(r).error()));
      tc.credentials = std::move(*r);
    }
    tc.set_stop_flag(&stop_);
    const bool callback = st.integration == Integration::wait_for_task_token;
    std::shared_ptr<TaskSlot> slot;
    if (callback || tc.timeout_seconds || tc.heartbeat_seconds) {
      slot = std::make_shared<TaskSlot>();
      tc.set_slot(slot);
      watch_slot(slot);
    } else {
      tc.set_on_defer([this](const std::shared_ptr<TaskSlot>& s) { watch_slot(s); });
    }
    if (callback) {
      tc.task_token = f->token;
      slot->token = tc.task_token;
      if (config_.register_token && !config_.register_token(tc.task_token, slot)) {
        f->token.clear();
        emit(st.lambda_events ? EventType::LambdaFunctionScheduled : EventType::TaskScheduled,
             [&](Json& d) { d["resource"] = st.resource; });
        slot->settle(Error(std::string(errors::task_failed),
                           "The engine holds too many task tokens waiting for a callback "
                           "(EngineOptions::max_task_tokens); this attempt was not started."));
        return take_outcome(f, st, *slot);
      }
    } else if (st.uses_context) {
      tc.task_token = task_token(*f);
    }
    f->token.clear();

    emit(st.lambda_events ? EventType::LambdaFunctionScheduled : EventType::TaskScheduled, [&](Json& d) {
      d["resource"] = st.resource;
      d["parameters"] = effective.dump();
      if (tc.timeout_seconds) d["timeoutInSeconds"] = *tc.timeout_seconds;
      if (tc.heartbeat_seconds) d["heartbeatInSeconds"] = *tc.heartbeat_seconds;
    });
    emit(st.lambda_events ? EventType::LambdaFunctionStarted : EventType::TaskStarted);
    // The timeout counts from the start of the task (spec §9.6).
    if (slot) arm_task_timers(slot, tc);

    Result<Json> r = call_handler(st, effective, tc);
    if ((callback || tc.deferred()) && r) {
      if (callback) emit(EventType::TaskSubmitted, [&](Json& d) { d["output"] = r->dump(); });
      return await_slot(f, st, tc.slot());
    }
    if (tc.slot()) {
      // A handler that returned an error settles the slot too, so timers find it closed.
      tc.slot()->settle(std::move(r));
      return take_outcome(f, st, *tc.slot());
    }
    return task_result(f, st, std::move(r), false);
  }

  std::string new_task_token() {
    std::uint64_t salt;
    {
      std::lock_guard<std::mutex> lock(rng_mutex_);
      salt = rng_();
    }
    return fmt::format("{}-{}-{:016x}", config_.execution_name,
                       token_counter_.fetch_add(1, std::memory_order_relaxed), salt);
  }

  /// TimeoutSeconds and HeartbeatSeconds timers of one attempt (spec §9.6).
  void arm_task_timers(const std::shared_ptr<TaskSlot>& slot, const TaskContext& tc) {
    std::weak_ptr<TaskSlot> weak_slot = slot;
    if (tc.timeout_seconds) {
      const std::uint64_t secs = *tc.timeout_seconds;
      host_->post_at(add_seconds(now(), secs), [weak_slot, secs] {
        if (auto s = weak_slot.lock()) {
          s->stop.store(true, std::memory_order_relaxed);
          s->settle(Error(std::string(errors::timeout), fmt::format("Task timed out after {} seconds.", secs)));
        }
      });
    }
    if (tc.heartbeat_seconds) {
      auto last = std::make_shared<std::atomic<std::int64_t>>(now().time_since_epoch().count());
      std::weak_ptr<Interpreter> weak = weak_from_this();
      slot->beat = [weak, last] {
        if (auto self = weak.lock()) last->store(self->now().time_since_epoch().count());
      };
      check_heartbeat(weak_slot, last, *tc.heartbeat_seconds);
    }
  }

  /// `window` stays in seconds: as a nanosecond duration a HeartbeatSecondsPath value can overflow.
  void check_heartbeat(std::weak_ptr<TaskSlot> weak_slot, std::shared_ptr<std::atomic<std::int64_t>> last,
                       std::uint64_t window) {
    const TimePoint due = add_seconds(TimePoint(Duration(last->load())), window);
    std::weak_ptr<Interpreter> weak = weak_from_this();
    host_->post_at(due, [weak, weak_slot, last, window] {
      auto self = weak.lock();
      auto s = weak_slot.lock();
      if (!self || !s) return;
      if (self->now() >= add_seconds(TimePoint(Duration(last->load())), window)) {
        s->stop.store(true, std::memory_order_relaxed);
        s->settle(Error(std::string(errors::timeout),
                        fmt::format("No heartbeat received within {} seconds.", window)),
                  true);
      } else {
        self->check_heartbeat(weak_slot, last, window);
      }
    });
  }

  /// The task completes later (deferred handler or callback): the worker is free meanwhile.
  Step await_slot(const std::shared_ptr<Frame>& f, const State& st, const std::shared_ptr<TaskSlot>& slot) {
    bool waiting = false;
    {
      std::lock_guard<std::mutex> lock(slot->mutex);
      if (!slot->settled) {
        waiting = true;
        f->task = slot;
        f->resume = Frame::Resume::task_done;
        const bool holds_time = slot->holds_time;
        if (holds_time) host_->external_begin();
        std::weak_ptr<Interpreter> weak = weak_from_this();
        slot->wake = [weak, f, holds_time] {
          if (auto self = weak.lock()) {
            if (holds_time) self->host_->external_end();
            self->requeue(f);
          }
        };
      }
    }
    if (!waiting) return take_outcome(f, st, *slot);
    return Step::stop;
  }

  /// Tracks a task slot so the end of the execution closes it (a late result is then refused);
  /// closes it at once if the execution has already ended.
  void watch_slot(const std::shared_ptr<TaskSlot>& slot) {
    if (!track_slot(slot)) {
      slot->stop.store(true, std::memory_order_relaxed);
      slot->settle(Error(std::string(errors::runtime), "The execution ended before the task completed."));
    }
  }

  /// Registers a waiting slot so that the end of the execution closes it; false if already ended.
  bool track_slot(const std::shared_ptr<TaskSlot>& slot) {
    std::lock_guard<std::mutex> lock(slots_mutex_);
    if (slots_closed_) return false;
    pending_slots_.erase(std::remove_if(pending_slots_.begin(), pending_slots_.end(),
                                        [](const std::weak_ptr<TaskSlot>& w) { return w.expired(); }),
                         pending_slots_.end());
    pending_slots_.push_back(slot);
    return true;
  }

  Step take_outcome(const std::shared_ptr<Frame>& f, const State& st, TaskSlot& slot) {
    Result<Json> r = Json();
    bool heartbeat = false;
    {
      std::lock_guard<std::mutex> lock(slot.mutex);
      r = std::move(*slot.outcome);
      heartbeat = slot.heartbeat_expired;
      slot.wake = nullptr;  // breaks the slot -> frame -> slot cycle
      slot.beat = nullptr;
    }
    return task_result(f, st, std::move(r), heartbeat);
  }

  Step task_settled(const std::shared_ptr<Frame>& f, const State& st) {
    std::shared_ptr<TaskSlot> slot = std::move(f->task);
    f->task.reset();
    return take_outcome(f, st, *slot);
  }

  Step task_result(const std::shared_ptr<Frame>& f, const State& st, Result<Json> r, bool heartbeat) {
    if (!r) {
      Error e = std::move(r).error();
      const bool timed_out = e.is(errors::timeout);
      emit(timed_out ? (st.lambda_events ? EventType::LambdaFunctionTimedOut : EventType::TaskTimedOut)
                     : (st.lambda_events ? EventType::LambdaFunctionFailed : EventType::TaskFailed),
           [&](Json& d) {
             if (e.name) d["error"] = *e.name;
             if (e.cause) d["cause"] = *e.cause;
           });
      return fail_state(f, st, Failure{std::move(e), false, heartbeat});
    }
    Json result = std::move(*r);
    if (config_.max_json_depth) {
      // A handler's result is data the engine did not write: measured before anything copies,
      // sizes or serializes it. A task failure like an oversized result, so Catch handles it.
      const std::size_t depth = json_depth(result, config_.max_json_depth);
      if (depth > config_.max_json_depth) {
        release(result);
        emit(st.lambda_events ? EventType::LambdaFunctionFailed : EventType::TaskFailed);
        return fail_state(f, st, Failure{Error(std::string(errors::data_limit_exceeded),
                                               fmt::format("The state/task '{}' returned a result nested deeper "
                                                           "than the limit of {} levels "
                                                           "(EngineOptions::max_json_depth).",
                                                           st.name, config_.max_json_depth)),
                                         false});
      }
      f->depth_bound = std::max(f->depth_bound, depth);
    }
    std::size_t result_bound = bound(result);
    // An oversized task result is a task failure that Catch can handle (AWS-observed, §16.3).
    if (config_.payload_limit && result_bound > config_.payload_limit &&
        result.dump().size() > config_.payload_limit) {
      Error e(std::string(errors::data_limit_exceeded),
              fmt::format("The state/task '{}' returned a result with a size exceeding the maximum "
                          "number of bytes service limit.",
                          st.name));
      emit(st.lambda_events ? EventType::LambdaFunctionFailed : EventType::TaskFailed);
      return fail_state(f, st, Failure{std::move(e), false});
    }
    emit(st.lambda_events ? EventType::LambdaFunctionSucceeded : EventType::TaskSucceeded,
         [&](Json& d) { d["output"] = result.dump(); });
    return finish_state(f, st, std::move(result), result_bound);
  }

  /// The handler boundary: no exception crosses it (house rule: errors are values).
  static Result<Json> call_handler(const State& st, const Json& input, TaskContext& tc) {
    try {
      return st.handler(input, tc);
    } catch (const TaskError& e) {
      return Error(e.name(), e.cause());
    } catch (const std::exception& e) {
      return Error(std::string(errors::task_failed), e.what());
    } catch (...) {
      return Error(std::string(errors::task_failed), "unknown exception");
    }
  }

  Step run_choice(const std::shared_ptr<Frame>& f, const State& st) {
    std::optional<Json> holder;
    const Json* ctx = make_ctx(*f, st, holder);
    View v;
    if (auto fl = input_view(*f, st, ctx, v)) return fail_state(f, st, std::move(*fl));
    std::uint32_t next = no_index;
    for (const ChoiceBranch& b : st.choices) {
      auto r = b.rule.evaluate(v.get(), ctx);
      if (!r) return fail_state(f, st, from_eval(*f, st, std::move(r).error()));
      if (*r) {
        next = b.next;
        break;
      }
    }
    if (next == no_index) next = st.default_next;
    if (next == no_index)
      return fail_state(f, st, Failure{Error(std::string(errors::no_choice_matched),
                                             fmt::format("No Choice Rule matched in state '{}' and it "
                                                         "has no Default",
                                                         st.name)),
                                       false});
    Json out = v.ptr == &f->doc ? std::move(f->doc) : v.ptr ? *v.ptr : std::move(v.owned);
    return exit_state(f, st, ctx, std::move(out), next, f->size_bound);
  }

  Step run_wait(const std::shared_ptr<Frame>& f, const State& st) {
    std::optional<Json> holder;
    const Json* ctx = make_ctx(*f, st, holder);
    View v;
    if (auto fl = input_view(*f, st, ctx, v)) return fail_state(f, st, std::move(*fl));
    const TimePoint start = now();
    TimePoint due = start;
    // Timestamps are not too far ahead (checked first), but may be long past: year 1 does not fit
    // the nanosecond clock, and neither does 2^31 s past a clock near its end (2262).
    auto at_timestamp = [&](const timestamp::Instant& at) {
      const auto start_s = std::chrono::floor<std::chrono::seconds>(start);
      if (at.seconds < start_s.time_since_epoch().count()) return;  // in the past: no wait
      due = saturating_add(
          add_seconds(start_s, static_cast<std::uint64_t>(at.seconds - start_s.time_since_epoch().count())),
          Duration(at.nanos));
      if (due > start && config_.wait_scale != 1.0) {
        due = add_seconds(start, std::chrono::duration<double>(due - start).count() * config_.wait_scale);
      }
    };
    switch (st.wait_kind) {
      case WaitKind::seconds:
        due = add_seconds(start, static_cast<double>(st.wait_seconds) * config_.wait_scale);
        break;
      case WaitKind::timestamp: {
        auto at = timestamp::parse_instant(st.wait_timestamp);
        if (!at)
          return fail_state(f, st, runtime(*f, st, fmt::format("The Timestamp field cannot be parsed as an "
                                                               "ISO-8601 extended offset date-time format "
                                                               "string: {}",
                                                               st.wait_timestamp)));
        if (too_far(*at, start)) return fail_state(f, st, runtime(*f, st, "Wait state delay is too long."));
        at_timestamp(*at);
        break;
      }
      case WaitKind::seconds_path: {
        const jsonpath::Path& p = *st.wait_path;
        std::string miss;
        const Json* val = p.find(p.root() == jsonpath::Root::context ? *ctx : v.get(), &miss);
        if (!val) return fail_state(f, st, runtime(*f, st, invalid_path(p, miss)));
        const std::string shown = val->is_string() ? val->get<std::string>() : val->dump();
        if (!val->is_number_integer() && !(val->is_number_float() && is_integral(val->get<double>())))
          return fail_state(f, st, runtime(*f, st, fmt::format("The SecondsPath parameter cannot be parsed as a "
                                                               "long value: {} == {}",
                                                               p.text(), shown)));
        const double secs = val->get<double>();
        // AWS reads the value as a Java long: an integral number beyond its range cannot be one.
        if (val->is_number_float() && !(std::fabs(secs) < 9.223372036854775807e18))
          return fail_state(f, st, runtime(*f, st, fmt::format("The SecondsPath parameter cannot be parsed as a "
                                                               "long value: {} == {}",
                                                               p.text(), shown)));
        if (secs < 0)
          return fail_state(f, st, runtime(*f, st, fmt::format("The SecondsPath parameter references a "
                                                               "negative value: {} == {}",
                                                               p.text(), shown)));
        // A delay that does not fit a Java int of seconds is refused as a timestamp that far
        // ahead is (AWS-recorded boundary: 24,855 days accepted, 24,856 refused). AWS records no
        // SecondsPath case this large; the same rule is the inference.
        if (secs > static_cast<double>(std::numeric_limits<std::int32_t>::max()))
          return fail_state(f, st, runtime(*f, st, "Wait state delay is too long."));
        due = add_seconds(start, secs * config_.wait_scale);
        break;
      }
      case WaitKind::timestamp_path: {
        const jsonpath::Path& p = *st.wait_path;
        std::string miss;
        const Json* val = p.find(p.root() == jsonpath::Root::context ? *ctx : v.get(), &miss);
        if (!val) return fail_state(f, st, runtime(*f, st, invalid_path(p, miss)));
        std::optional<timestamp::Instant> at;
        if (val->is_string()) at = timestamp::parse_instant(val->get_ref<const std::string&>());
        if (!at)
          return fail_state(f, st, runtime(*f, st, fmt::format("The TimestampPath parameter does not reference a "
                                                               "valid ISO-8601 extended offset date-time format "
                                                               "string: {} == {}",
                                                               p.text(),
                                                               val->is_string() ? val->get<std::string>()
                                                                                : val->dump())));
        if (too_far(*at, start)) return fail_state(f, st, runtime(*f, st, "Wait state delay is too long."));
        at_timestamp(*at);
        break;
      }
    }
    // Keep the effective input as the document to output after the wait.
    if (v.ptr != &f->doc) {
      Json eff = v.ptr ? *v.ptr : std::move(v.owned);
      f->doc = std::move(eff);
    }
    f->resume = Frame::Resume::wait_done;
    if (due <= start) return finish_wait(f, st);
    schedule(f, due);
    return Step::stop;
  }

  static bool is_integral(double d) { return std::isfinite(d) && std::floor(d) == d; }

  /// AWS refuses delays of 2^31 seconds or more ("Wait state delay is too long.", spec §8).
  static bool too_far(const timestamp::Instant& at, TimePoint start) {
    const std::int64_t start_s = std::chrono::duration_cast<std::chrono::seconds>(start.time_since_epoch()).count();
    return at.seconds - start_s >= 24856LL * 86400LL;
  }

  Step finish_wait(const std::shared_ptr<Frame>& f, const State& st) {
    std::optional<Json> holder;
    const Json* ctx = make_ctx(*f, st, holder);
    return exit_state(f, st, ctx, std::move(f->doc), st.next, f->size_bound);
  }

  Step run_succeed(const std::shared_ptr<Frame>& f, const State& st) {
    std::optional<Json> holder;
    const Json* ctx = make_ctx(*f, st, holder);
    View v;
    if (auto fl = input_view(*f, st, ctx, v)) return fail_state(f, st, std::move(*fl));
    Json out = v.ptr == &f->doc ? std::move(f->doc) : v.ptr ? *v.ptr : std::move(v.owned);
    return exit_state(f, st, ctx, std::move(out), no_index, f->size_bound);
  }

  /// Fail's Error/Cause: literal, reference path or intrinsic, evaluated on the raw input.
  std::optional<Failure> fail_text(const Frame& f, const State& st, const FailField& field, const char* field_name,
                                   const Json* ctx, std::optional<std::string>& out) const {
    if (field.literal) {
      out = *field.literal;
    } else if (field.path) {
      const jsonpath::Path& p = *field.path;
      Json v;
      if (!p.select(p.root() == jsonpath::Root::context ? *ctx : f.doc, v))
        return runtime(f, st, fmt::format("The JSONPath '{}' specified for the field '{}' could not be found "
                                          "in the input '{}'",
                                          p.text(), field_name, java_json(f.doc)));
      out = v.is_string() ? v.get<std::string>() : v.dump();
    } else if (field.function) {
      auto r = field.function->evaluate(intrinsics::Env{f.doc, ctx});
      if (!r) return from_eval(f, st, std::move(r).error());
      out = r->is_string() ? r->get<std::string>() : r->dump();
    }
    return std::nullopt;
  }

  Step run_fail(const std::shared_ptr<Frame>& f, const State& st) {
    std::optional<Json> holder;
    const Json* ctx = make_ctx(*f, st, holder);
    Error e;
    if (auto fl = fail_text(*f, st, st.error, "ErrorPath", ctx, e.name)) return propagate(f, std::move(*fl));
    if (auto fl = fail_text(*f, st, st.cause, "CausePath", ctx, e.cause)) return propagate(f, std::move(*fl));
    return propagate(f, Failure{std::move(e), false});
  }

  // ---------------------------------------------------------------- Parallel and Map
  std::shared_ptr<Join> new_join(const std::shared_ptr<Frame>& f, bool is_map) {
    auto j = std::make_shared<Join>();
    // An item or a branch input comes from the effective input or ItemSelector / Parameters.
    j->child_depth = grown_depth(*f, program_->states[f->state]);
    j->owner = f;
    j->up = f->parent;
    j->is_map = is_map;
    return j;
  }

  Step run_parallel(const std::shared_ptr<Frame>& f, const State& st) {
    std::optional<Json> holder;
    const Json* ctx = make_ctx(*f, st, holder);
    View v;
    if (auto fl = input_view(*f, st, ctx, v)) return fail_state(f, st, std::move(*fl));
    Json input;
    if (st.parameters) {
      auto r = st.parameters->evaluate(v.get(), ctx);
      if (!r) return fail_state(f, st, from_eval(*f, st, std::move(r).error()));
      input = std::move(*r);
    } else {
      input = v.get();
    }
    emit(EventType::ParallelStateStarted);
    auto j = new_join(f, false);
    j->total = st.branches.size();
    j->results = Json::array();
    j->results.get_ref<Json::array_t&>().resize(j->total);
    j->input = std::move(input);
    std::lock_guard<std::mutex> lock(spin_lock(j->mutex), std::adopt_lock);
    start_children(j);
    return Step::stop;
  }

  /// Reads MaxConcurrency / ToleratedFailure* given literally or by path, with AWS's messages.
  std::optional<Failure> read_number(const Frame& f, const State& st, const ValueField& field, const Json& input,
                                     const Json* ctx, bool integer, double& out) const {
    if (!field.present) return std::nullopt;
    const Json* v = &field.literal;
    if (field.path) {
      std::string miss;
      v = field.path->find(field.path->root() == jsonpath::Root::context ? *ctx : input, &miss);
      if (!v) return runtime(f, st, invalid_path(*field.path, miss));
      const bool ok = integer ? v->is_number_integer() : v->is_number();
      if (!ok)
        return runtime(f, st, fmt::format("The {} field refers to value \"{}\" which is not a valid {}: {}",
                                          field.path_field, v->is_string() ? v->get<std::string>() : v->dump(),
                                          integer ? "integer" : "float", field.path->text()));
    }
    out = v->get<double>();
    return std::nullopt;
  }

  Step run_map(const std::shared_ptr<Frame>& f, const State& st) {
    std::optional<Json> holder;
    const Json* ctx = make_ctx(*f, st, holder);
    View v;
    if (auto fl = input_view(*f, st, ctx, v)) return fail_state(f, st, std::move(*fl));
    const Json& input = v.get();
    // Where the items sit in this frame's own document, if nothing reads that document again
    // (map_input_consumed): they are then moved out once the numbers below are read, instead of
    // copied item by item.
    Json* movable = nullptr;
    Json items;
    if (st.items_path) {
      std::string miss;
      const jsonpath::Path& p = *st.items_path;
      if (p.root() != jsonpath::Root::context && p.definite() && v.ptr && map_input_consumed(st)) {
        const Json* node = p.find(input, &miss);
        if (node == nullptr) return fail_state(f, st, runtime(*f, st, invalid_path(p, miss)));
        movable = const_cast<Json*>(node);  // v.ptr points into f->doc, which this frame owns
      } else if (!p.select(p.root() == jsonpath::Root::context ? *ctx : input, items, &miss)) {
        return fail_state(f, st, runtime(*f, st, invalid_path(p, miss)));
      }
      if (!(movable ? *movable : items).is_array())
        return fail_state(f, st, runtime(*f, st, fmt::format("Reference path \"{}\" must point to array.",
                                                             p.text())));
    } else {
      if (!input.is_array())
        return fail_state(f, st, runtime(*f, st, fmt::format("Map state input must be an array but was: {}",
                                                             java_json(input))));
      if (v.ptr && map_input_consumed(st))
        movable = const_cast<Json*>(v.ptr);
      else
        items = input;
    }
    double max_conc = 0, tol_count = 0, tol_pct = 0;
    if (auto fl = read_number(*f, st, st.max_concurrency, input, ctx, true, max_conc))
      return fail_state(f, st, std::move(*fl));
    if (auto fl = read_number(*f, st, st.tolerated_failure_count, input, ctx, true, tol_count))
      return fail_state(f, st, std::move(*fl));
    if (tol_count < 0) return fail_state(f, st, runtime(*f, st, "ToleratedFailureCount cannot be negative."));
    if (auto fl = read_number(*f, st, st.tolerated_failure_percentage, input, ctx, false, tol_pct))
      return fail_state(f, st, std::move(*fl));
    if (tol_pct < 0 || tol_pct > 100)
      return fail_state(f, st, runtime(*f, st, "ToleratedFailurePercentage must be between 0 and 100."));
    if (max_conc < 0) return fail_state(f, st, runtime(*f, st, "MaxConcurrency cannot be negative."));

    if (movable) items = std::move(*movable);  // the numbers above were read from `input` first
    if (config_.max_map_items && items.size() > config_.max_map_items)
      return fail_state(f, st, runtime(*f, st, fmt::format("The Map state has {} items, more than the engine's limit "
                                                           "of {} (EngineOptions::max_map_items).",
                                                           items.size(), config_.max_map_items)));

    emit(EventType::MapStateStarted, [&](Json& d) { d["length"] = items.size(); });
    auto j = new_join(f, true);
    j->total = items.size();
    // MaxConcurrency counts per Map instance; the engine's cap windows an unbounded Map.
    j->limit = static_cast<std::size_t>(max_conc);
    if (config_.max_map_concurrency && (j->limit == 0 || j->limit > config_.max_map_concurrency)) {
      j->limit = config_.max_map_concurrency;
      // The engine's own window refills in halves: one queue hand-off per few hundred items
      // instead of one per item (a user's MaxConcurrency is kept exactly, item by item).
      if (j->limit >= 64) j->refill_at = j->limit / 2;
    }
    j->tolerance = st.tolerated_failure_count.present || st.tolerated_failure_percentage.present;
    j->tolerated_count = tol_count;
    j->tolerated_percentage = tol_pct;
    j->results = Json::array();
    j->results.get_ref<Json::array_t&>().resize(j->total);
    j->items = std::move(items);
    if (st.item_selector) j->input = input;
    j->map_state = f->state;
    // Chunks need no owner frame to start items, so not with an ItemSelector that reads `$$`.
    if (host_->parallelism() > 1 && !(st.item_selector && st.item_selector->uses_context()))
      // Enough chunks for every worker, and within MaxConcurrency room for one per worker.
      j->chunk = std::clamp<std::size_t>(
          std::min(j->total / (8 * host_->parallelism()), j->limit ? j->limit / host_->parallelism() : 64), 1, 64);
    std::lock_guard<std::mutex> lock(spin_lock(j->mutex), std::adopt_lock);
    start_children(j);
    if (j->total == 0) resume_owner(j);
    return Step::stop;
  }

  /// True when a Map state's raw input is dead once its items are taken: no Retry (a retry
  /// reads it again), no ItemSelector (its `$`), and ResultPath `$` on the state and on every
  /// Catch, so the output replaces the input whether the Map succeeds or is caught.
  /// The InputPath must select inside the frame's document, not the context object.
  static bool map_input_consumed(const State& st) {
    if (!st.retriers.empty() || st.item_selector || !st.result_path.is_identity()) return false;
    if (st.input_path.kind == PathField::Kind::path && st.input_path.path.root() == jsonpath::Root::context)
      return false;
    for (const Catcher& c : st.catchers)
      if (!c.result_path.is_identity()) return false;
    return true;
  }

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

  /// A queued chunk of Map items [slot, chunk_end): builds each item's frame and drives it until
  /// it ends or suspends (a suspended item goes on alone, as an unchunked one would); then
  /// reports the finished ones to the join at once.
  Step run_chunk(const std::shared_ptr<Frame>& f) {
    std::shared_ptr<Join> jp = std::move(f->parent);
    f->parent.reset();
    Join& j = *jp;
    const State& st = program_->states[j.map_state];
    ChunkResults results;
    results.join = &j;
    ChunkResults* const outer = ChunkResults::current();
    for (;;) {
      results.done.clear();
      results.done.reserve(f->chunk_end - f->slot);
      results.bound = 0;
      results.depth = 0;
      ChunkResults::current() = &results;
      std::size_t started = 0;
      std::shared_ptr<Frame> child;
      for (std::uint32_t i = f->slot; i < f->chunk_end; ++i) {
        if (done() || j.abandoned.load(std::memory_order_acquire)) break;
        if (child && child.use_count() == 1) {
          // The last item ran to its end here, so its frame is free: reuse it, join reference
          // included. A new frame per item cost a malloc/free and two atomic updates of the
          // join's reference count, which two workers bounced between their caches.
          Frame fresh;
          fresh.parent = std::move(child->parent);
          *child = std::move(fresh);
        } else {
          child = std::make_shared<Frame>();  // first item, or the last one suspended and went on alone
          child->parent = jp;
        }
        child->slot = i;
        Json& item = j.items[i];  // each index is touched by its own chunk only
        if (st.item_selector) {
          auto r = st.item_selector->evaluate(j.input, nullptr);
          if (!r) {
            ChunkResults::current() = outer;
            std::lock_guard<std::mutex> lock(spin_lock(j.mutex), std::adopt_lock);
            // The owner frame stays with the join until resumed, so under the lock it is there
            // to name the failure exactly as an unchunked start would.
            if (!j.abandoned.load(std::memory_order_relaxed) && j.owner) {
              j.failure = from_eval(*j.owner, st, std::move(r).error());
              j.abandoned.store(true, std::memory_order_release);
              resume_owner(jp);
            }
            return Step::stop;
          }
          child->doc = std::move(*r);
        } else {
          // Copied, not moved: the copy comes from this worker's malloc arena, so the frees as
          // the item's document changes stay on this worker. Moving the original (parsed on
          // another thread) made both workers free into one foreign arena and queue on its
          // lock: 80 % of the pool's context switches, and 2 workers slower than 1. The
          // originals are released together when the Map ends.
          child->doc = item;
        }
        child->state = program_->scopes[st.processor].start;
        child->announce = true;
        child->size_bound = bound(child->doc);
        child->depth_bound = j.child_depth;
        ++started;
        drive_steps(child);
      }
      ChunkResults::current() = outer;
      publish_counts();
      std::lock_guard<std::mutex> lock(spin_lock(j.mutex), std::adopt_lock);
      if (j.abandoned.load(std::memory_order_relaxed)) return Step::stop;
      for (auto& [slot, doc] : results.done) j.results[slot] = std::move(doc);
      j.result_bound += results.bound;
      j.result_depth = std::max(j.result_depth, results.depth);
      const std::size_t n = results.done.size();
      j.finished += n;
      // Items never started (the execution ended) are not running either.
      j.running -= n + ((f->chunk_end - f->slot) - started);
      // Go on with the next items on this worker rather than through the queue: with a small
      // MaxConcurrency a chunk is a few items, and a hand-off per chunk (queue lock, a frame,
      // maybe a wake-up) cost more than the items. Whatever room is left goes to the others.
      const bool more = !done() && j.owner && j.started < j.total && (j.limit == 0 || j.running < j.limit);
      if (more) {
        std::size_t next = std::min(j.chunk, j.total - j.started);
        if (j.limit) next = std::min(next, j.limit - j.running);
        f->slot = static_cast<std::uint32_t>(j.started);
        f->chunk_end = static_cast<std::uint32_t>(j.started + next);
        j.started += next;
        j.running += next;
      }
      if (j.refill_at == 0 || j.running <= j.refill_at) start_children(jp);
      if (!more) {
        if (j.finished == j.total) resume_owner(jp);
        return Step::stop;
      }
    }
  }

  /// Starts children up to the concurrency limit (MaxConcurrency counts per Map instance).
  void start_children(const std::shared_ptr<Join>& jp) {
    Join& j = *jp;
    if (j.abandoned.load(std::memory_order_relaxed) || !j.owner) return;
    const Frame& owner = *j.owner;
    const State& st = program_->states[owner.state];
    if (j.chunk > 1) {
      // On a pool, a queued work item starts `chunk` consecutive items and runs each as far as
      // it goes: one queue hand-off and one join lock per chunk instead of per item.
      while (j.started < j.total && (j.limit == 0 || j.running < j.limit)) {
        std::size_t n = std::min(j.chunk, j.total - j.started);
        if (j.limit) n = std::min(n, j.limit - j.running);
        auto c = std::make_shared<Frame>();
        c->parent = jp;
        c->slot = static_cast<std::uint32_t>(j.started);
        c->chunk_end = static_cast<std::uint32_t>(j.started + n);
        c->resume = Frame::Resume::map_chunk;
        j.started += n;
        j.running += n;
        requeue(std::move(c));
      }
      return;
    }
    while (j.started < j.total && (j.limit == 0 || j.running < j.limit)) {
      const std::size_t i = j.started++;
      ++j.running;
      auto child = std::make_shared<Frame>();
      child->parent = jp;
      child->slot = static_cast<std::uint32_t>(i);
      if (j.is_map) {
        Json& item = j.items[i];
        if (st.item_selector) {
          std::optional<Json> ctx_holder;
          if (st.item_selector->uses_context()) ctx_holder = context(owner, st, &item, i);
          auto r = st.item_selector->evaluate(j.input, ctx_holder ? &*ctx_holder : nullptr);
          if (!r) {
            j.failure = from_eval(owner, st, std::move(r).error());
            j.abandoned.store(true, std::memory_order_release);
            resume_owner(jp);
            return;
          }
          child->doc = std::move(*r);
        } else {
          child->doc = std::move(item);
        }
        child->state = program_->scopes[st.processor].start;
        child->announce = true;
      } else {
        child->doc = (i + 1 == j.total) ? std::move(j.input) : j.input;
        child->state = program_->scopes[st.branches[i]].start;
      }
      child->size_bound = bound(child->doc);
      child->depth_bound = j.child_depth;
      requeue(std::move(child));
    }
  }

  Step finish_children(const std::shared_ptr<Frame>& f, const State& st) {
    std::shared_ptr<Join> j = std::move(f->children);
    f->children.reset();
    const bool is_map = st.type == StateType::map;
    std::optional<Failure> failure;
    Json results;
    std::size_t result_bound = 0;
    {
      std::lock_guard<std::mutex> lock(spin_lock(j->mutex), std::adopt_lock);
      failure = std::move(j->failure);
      results = std::move(j->results);
      result_bound = j->result_bound;
      f->depth_bound = std::max(f->depth_bound, j->result_depth + 1);  // the results array
      // Unchunked starts moved their items out (nulls are left); chunks copied theirs (the
      // originals are left). Either way they are freed here, once and bottom-up, rather than by
      // nlohmann's destructor through its scratch stack.
      release(j->items);
    }
    if (failure) {
      Failure fl = std::move(*failure);
      emit(is_map ? EventType::MapStateFailed : EventType::ParallelStateFailed);
      return fail_state(f, st, std::move(fl));
    }
    emit(is_map ? EventType::MapStateSucceeded : EventType::ParallelStateSucceeded);
    return finish_state(f, st, std::move(results), result_bound);
  }

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
  std::mutex slots_mutex_;
  std::vector<std::weak_ptr<TaskSlot>> pending_slots_;
  bool slots_closed_ = false;
  std::mt19937_64 rng_;
};

inline void run_work(Work& w) { w.exec->drive(w.frame); }

}  // namespace asl::detail
