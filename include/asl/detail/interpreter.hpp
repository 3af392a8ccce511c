// The interpreter: an execution is a tree of frames (plain data) that a scheduler advances one
// state step at a time; Map iterations and Parallel branches are child frames, never nested calls.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <deque>
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
#include "asl/detail/intrinsics.hpp"
#include "asl/detail/json_size.hpp"
#include "asl/detail/program.hpp"
#include "asl/detail/timestamp.hpp"

namespace asl::detail {

/// Everything an execution needs from the engine, fixed for its lifetime.
struct ExecutionConfig {
  Clock* clock = nullptr;
  bool virtual_time = false;     ///< timers complete at once; the execution's clock jumps forward
  double wait_scale = 1.0;       ///< multiplies Wait durations (0 = skip)
  double retry_scale = 1.0;      ///< multiplies retry intervals (0 = skip)
  std::size_t payload_limit = 256 * 1024;  ///< 0 = no limit
  std::uint64_t max_transitions = 0;       ///< 0 = no guard
  std::optional<std::uint64_t> jitter_seed;
  std::vector<Observer*> observers;
  std::string execution_name;
  const std::atomic<bool>* stop_flag = nullptr;  ///< set by the host to abort (checked at step boundaries)
};

/// A runtime failure travelling up frames. `fatal` failures (States.Runtime, an oversized state
/// output) are never retried or caught and end the execution (spec §4.6, §16.2, §16.3).
struct Failure {
  Error error;
  bool fatal = false;
};

struct Join;

struct Frame {
  enum class Resume : std::uint8_t { enter, retry, wait_done, children_done };
  std::uint32_t state = no_index;
  Json doc;                     ///< the raw input of the current state (moved, never copied whole)
  std::shared_ptr<Join> parent; ///< the Map/Parallel join this frame reports to; null = top level
  std::uint32_t slot = 0;       ///< index in the parent's result array
  Resume resume = Resume::enter;
  bool announce = false;  ///< a Map iteration not yet started: AWS logs MapIterationStarted lazily
  std::uint64_t entered_event = 0;
  TimePoint entered_time{};
  std::vector<std::uint32_t> attempts;  ///< per-retrier counters for this state visit (spec §9.4)
  std::uint32_t retry_count = 0;
  std::shared_ptr<Join> children;  ///< while suspended on a Map/Parallel
  std::size_t size_bound = 0;      ///< upper bound of doc's serialized size
};

/// Bookkeeping of one Map/Parallel run: the parent frame waits here; the last child re-queues it.
struct Join {
  std::shared_ptr<Frame> owner;
  std::shared_ptr<Join> up;  ///< the owner's own join: abandoning an outer join reaches inner ones
  bool abandoned = false;
  bool is_map = false;
  Json results = Json::array();
  std::size_t total = 0, started = 0, finished = 0, running = 0, limit = 0;
  std::size_t result_bound = 2;
  Json items;       ///< Map: the items array
  Json input;       ///< Map: effective input (ItemSelector's `$`); Parallel: branch input
  std::size_t failures = 0;
  bool tolerance = false;  ///< a tolerated-failure threshold was set
  double tolerated_count = 0, tolerated_percentage = 0;
  std::optional<Failure> failure;
};

class Interpreter {
 public:
  Interpreter(std::shared_ptr<const Program> program, Json input, ExecutionConfig config)
      : program_(std::move(program)), config_(std::move(config)), input_(std::move(input)) {
    rng_.seed(config_.jitter_seed ? *config_.jitter_seed : std::random_device{}());
  }

  /// Runs the execution to its end on the calling thread.
  ExecutionResult run() {
    start_time_ = config_.clock->now();
    now_ = start_time_;
    if (program_->timeout_seconds)
      deadline_ = start_time_ + std::chrono::seconds(*program_->timeout_seconds);
    emit(EventType::ExecutionStarted, [&](Json& d) { d["input"] = input_; });

    auto root = std::make_shared<Frame>();
    root->state = program_->scopes[0].start;
    root->size_bound = json_size_bound(input_);
    if (config_.payload_limit && root->size_bound > config_.payload_limit &&
        input_.dump().size() > config_.payload_limit) {
      finish_execution(Status::failed, Json(),
                       Error(std::string(errors::data_limit_exceeded),
                             "The execution input exceeds the maximum number of bytes service limit."));
      return std::move(result_);
    }
    // $$.Execution.Input needs the original input; copy it only when the machine reads `$$`.
    if (program_->uses_context) {
      execution_input_ = input_;
      root->doc = std::move(input_);
    } else {
      root->doc = std::move(input_);
    }
    queue_.push_back(std::move(root));
    loop();
    return std::move(result_);
  }

 private:
  enum class Step : std::uint8_t { next, stop };

  struct Timer {
    TimePoint due;
    std::uint64_t seq;
    std::shared_ptr<Frame> frame;
    bool operator>(const Timer& o) const { return due != o.due ? due > o.due : seq > o.seq; }
  };

  // ---------------------------------------------------------------- scheduler
  void loop() {
    while (result_.status == Status::running) {
      while (!queue_.empty() && result_.status == Status::running) {
        std::shared_ptr<Frame> f = std::move(queue_.front());
        queue_.pop_front();
        drive(f);
      }
      if (result_.status != Status::running) break;
      if (timers_.empty()) {
        // Cannot happen for a validated program; reported rather than hanging.
        finish_execution(Status::failed, Json(),
                         Error(std::string(errors::runtime), "internal error: no runnable work"));
        break;
      }
      Timer t = timers_.top();
      timers_.pop();
      if (deadline_ && t.due > *deadline_) {
        advance_to(*deadline_);
        time_out();
        break;
      }
      advance_to(t.due);
      if (!abandoned(*t.frame)) queue_.push_back(std::move(t.frame));
    }
  }

  void advance_to(TimePoint t) {
    if (config_.virtual_time) {
      if (t > now_) now_ = t;
    } else {
      config_.clock->sleep_until(t);
      now_ = config_.clock->now();
    }
  }

  TimePoint now() {
    if (!config_.virtual_time) now_ = config_.clock->now();
    return now_;
  }

  void schedule(std::shared_ptr<Frame> f, TimePoint due) {
    timers_.push(Timer{due, timer_seq_++, std::move(f)});
  }

  static bool abandoned(const Frame& f) {
    for (const Join* j = f.parent.get(); j != nullptr; j = j->up.get())
      if (j->abandoned) return true;
    return false;
  }

  void drive(const std::shared_ptr<Frame>& f) {
    while (result_.status == Status::running) {
      if (f->parent && abandoned(*f)) return;
      if (config_.stop_flag && config_.stop_flag->load(std::memory_order_relaxed)) {
        finish_execution(Status::aborted, Json(), Error());
        return;
      }
      if (deadline_ && !config_.virtual_time && now() >= *deadline_) {
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

  Step step(const std::shared_ptr<Frame>& f) {
    const State& st = program_->states[f->state];
    switch (f->resume) {
      case Frame::Resume::enter: return enter(f, st);
      case Frame::Resume::retry:
        ++result_.stats.retries;
        f->retry_count++;
        return execute(f, st);
      case Frame::Resume::wait_done: return finish_wait(f, st);
      case Frame::Resume::children_done: return finish_children(f, st);
    }
    return Step::stop;
  }

  // ---------------------------------------------------------------- events
  template <class Details>
  std::uint64_t emit(EventType type, Details&& details) {
    const std::uint64_t id = ++result_.stats.events;
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

  static bool matches(const Error& e, const std::vector<std::string>& list) {
    const std::string_view name = e.name_or_empty();
    for (const auto& x : list) {
      if (x == name || x == errors::all) return true;
      // States.TaskFailed also matches every error except States.Timeout (spec §9.4).
      if (x == errors::task_failed && name != errors::timeout) return true;
      // AWS reports heartbeat expiry as States.Timeout; let HeartbeatTimeout catch it too (§16.4).
      if (x == errors::heartbeat_timeout && name == errors::heartbeat_timeout) return true;
    }
    return false;
  }

  Step fail_state(const std::shared_ptr<Frame>& f, const State& st, Failure failure) {
    if (failure.fatal) return propagate(f, std::move(failure));
    for (std::size_t i = 0; i < st.retriers.size(); ++i) {
      const Retrier& r = st.retriers[i];
      if (!matches(failure.error, r.error_equals)) continue;
      if (f->attempts.size() < st.retriers.size()) f->attempts.resize(st.retriers.size(), 0);
      if (f->attempts[i] >= r.max_attempts) break;  // first matching retrier exhausted: go to Catch
      const std::uint32_t k = ++f->attempts[i];
      double interval = r.interval_seconds * std::pow(r.backoff_rate, static_cast<double>(k - 1));
      if (r.max_delay_seconds) interval = std::min(interval, *r.max_delay_seconds);
      if (r.jitter_full) interval = std::uniform_real_distribution<double>(0.0, interval)(rng_);
      interval *= config_.retry_scale;
      f->resume = Frame::Resume::retry;
      if (interval <= 0) return Step::next;
      schedule(f, now() + std::chrono::duration_cast<Duration>(std::chrono::duration<double>(interval)));
      return Step::stop;
    }
    for (const Catcher& c : st.catchers) {
      if (!matches(failure.error, c.error_equals)) continue;
      Json error_output = Json::object();
      error_output["Error"] = failure.error.name ? Json(*failure.error.name) : Json(nullptr);
      error_output["Cause"] = failure.error.cause ? Json(*failure.error.cause) : Json(nullptr);
      std::size_t bound = json_size_bound(error_output);
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
      emit(exited_event(st.type), [&](Json& d) {
        d["name"] = st.name;
        d["output"] = out;
      });
      return transition(f, c.next, std::move(out), bound);
    }
    return propagate(f, std::move(failure));
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
    f->doc = std::move(output);
    f->size_bound = bound;
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
    Join& j = *f->parent;
    if (j.is_map)
      emit(EventType::MapIterationSucceeded, [&](Json& d) { d["index"] = f->slot; });
    j.results[f->slot] = std::move(f->doc);
    j.result_bound += f->size_bound + 1;
    child_done(f->parent);
    return Step::stop;
  }

  Step propagate(const std::shared_ptr<Frame>& f, Failure failure) {
    if (!f->parent) {
      finish_execution(Status::failed, Json(), std::move(failure.error));
      return Step::stop;
    }
    if (failure.fatal) {
      // Fatal errors are never caught at any level: end the whole execution now.
      finish_execution(Status::failed, Json(), std::move(failure.error));
      return Step::stop;
    }
    std::shared_ptr<Join> jp = f->parent;
    Join& j = *jp;
    if (j.is_map) emit(EventType::MapIterationFailed, [&](Json& d) { d["index"] = f->slot; });
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
    // The first failure fails the Map/Parallel and aborts the siblings (spec §3.8, §3.9.3).
    j.failure = std::move(failure);
    j.abandoned = true;
    resume_owner(j);
    return Step::stop;
  }

  static bool threshold_exceeded(const Join& j) {
    if (static_cast<double>(j.failures) > j.tolerated_count &&
        (j.tolerated_percentage <= 0 ||
         100.0 * static_cast<double>(j.failures) / static_cast<double>(j.total) > j.tolerated_percentage))
      return true;
    return false;
  }

  void child_done(const std::shared_ptr<Join>& jp) {
    Join& j = *jp;
    ++j.finished;
    --j.running;
    start_children(jp);
    if (j.finished == j.total) resume_owner(j);
  }

  void resume_owner(Join& j) {
    if (!j.owner) return;
    std::shared_ptr<Frame> owner = std::move(j.owner);
    j.owner.reset();
    owner->resume = Frame::Resume::children_done;
    queue_.push_back(std::move(owner));
  }

  void finish_execution(Status status, Json output, Error error) {
    if (result_.status != Status::running) return;
    result_.status = status;
    switch (status) {
      case Status::succeeded:
        result_.output = std::move(output);
        emit(EventType::ExecutionSucceeded, [&](Json& d) { d["output"] = result_.output; });
        break;
      case Status::failed:
        result_.error = std::move(error.name);
        result_.cause = std::move(error.cause);
        emit(EventType::ExecutionFailed, [&](Json& d) {
          if (result_.error) d["error"] = *result_.error;
          if (result_.cause) d["cause"] = *result_.cause;
        });
        break;
      case Status::timed_out:
        // AWS's DescribeExecution omits error/cause for TIMED_OUT; the event carries the name.
        emit(EventType::ExecutionTimedOut, [&](Json& d) { d["error"] = std::string(errors::timeout); });
        break;
      case Status::aborted: emit(EventType::ExecutionAborted); break;
      case Status::running: break;
    }
    queue_.clear();
    while (!timers_.empty()) timers_.pop();
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
    Json c = Json::object();
    Json& ex = c["Execution"];
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
    if (st.type == StateType::task) c["Task"]["Token"] = task_token(f);
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
      if (!rp.path.assign(out, std::move(result)))
        return Failure{Error(std::string(errors::result_path_match_failure),
                             fmt::format("Unable to apply ResultPath '{}' to input {}", rp.path.text(),
                                         java_json(out))),
                       false};
      bound = f.size_bound + result_bound + rp.path.text().size() + 4;
    }
    return std::nullopt;
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
      result_bound = json_size_bound(result);
    }
    Json out;
    std::size_t bound = 0;
    if (auto fl = apply_result_path(*f, st, result, result_bound, out, bound))
      return fail_state(f, st, std::move(*fl));
    if (auto fl = apply_output_path(*f, st, ctx, out)) return fail_state(f, st, std::move(*fl));
    emit(exited_event(st.type), [&](Json& d) {
      d["name"] = st.name;
      d["output"] = out;
    });
    return transition(f, st.next, std::move(out), bound);
  }

  // ---------------------------------------------------------------- states
  Step enter(const std::shared_ptr<Frame>& f, const State& st) {
    ++result_.stats.state_entries;
    if (config_.max_transitions && result_.stats.transitions() > config_.max_transitions) {
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
      result_bound = json_size_bound(result);
    } else {
      View v;
      if (auto fl = input_view(*f, st, ctx, v)) return fail_state(f, st, std::move(*fl));
      if (st.parameters) {
        auto r = st.parameters->evaluate(v.get(), ctx);
        if (!r) return fail_state(f, st, from_eval(*f, st, std::move(r).error()));
        result = std::move(*r);
        result_bound = json_size_bound(result);
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
        result_bound = v.ptr ? f->size_bound : json_size_bound(result);
      }
    }
    Json out;
    std::size_t bound = 0;
    if (auto fl = apply_result_path(*f, st, result, result_bound, out, bound))
      return fail_state(f, st, std::move(*fl));
    if (auto fl = apply_output_path(*f, st, ctx, out)) return fail_state(f, st, std::move(*fl));
    emit(EventType::PassStateExited, [&](Json& d) {
      d["name"] = st.name;
      d["output"] = out;
    });
    return transition(f, st.next, std::move(out), bound);
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
    std::optional<Json> holder;
    const Json* ctx = make_ctx(*f, st, holder);
    View v;
    if (auto fl = input_view(*f, st, ctx, v)) return fail_state(f, st, std::move(*fl));
    std::optional<Json> params;
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
    tc.set_stop_flag(config_.stop_flag);
    if (auto fl = read_integer(*f, st, st.timeout_seconds, v.get(), ctx, tc.timeout_seconds))
      return fail_state(f, st, std::move(*fl));
    if (auto fl = read_integer(*f, st, st.heartbeat_seconds, v.get(), ctx, tc.heartbeat_seconds))
      return fail_state(f, st, std::move(*fl));
    if (st.integration == Integration::wait_for_task_token || st.uses_context) tc.task_token = task_token(*f);
    if (st.credentials) {
      auto r = st.credentials->evaluate(v.get(), ctx);
      if (!r) return fail_state(f, st, from_eval(*f, st, std::move(r).error()));
      tc.credentials = std::move(*r);
    }

    emit(st.lambda_events ? EventType::LambdaFunctionScheduled : EventType::TaskScheduled, [&](Json& d) {
      d["resource"] = st.resource;
      d["parameters"] = effective.dump();
    });
    emit(st.lambda_events ? EventType::LambdaFunctionStarted : EventType::TaskStarted);

    Result<Json> r = call_handler(st, effective, tc);
    if (!r) {
      Error e = std::move(r).error();
      emit(st.lambda_events ? EventType::LambdaFunctionFailed : EventType::TaskFailed, [&](Json& d) {
        if (e.name) d["error"] = *e.name;
        if (e.cause) d["cause"] = *e.cause;
      });
      return fail_state(f, st, Failure{std::move(e), false});
    }
    Json result = std::move(*r);
    std::size_t result_bound = json_size_bound(result);
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
    if (auto fl = apply_output_path(*f, st, ctx, out)) return fail_state(f, st, std::move(*fl));
    emit(EventType::ChoiceStateExited, [&](Json& d) {
      d["name"] = st.name;
      d["output"] = out;
    });
    std::size_t bound = f->size_bound;
    f->doc = Json();
    return transition(f, next, std::move(out), bound);
  }

  Step run_wait(const std::shared_ptr<Frame>& f, const State& st) {
    std::optional<Json> holder;
    const Json* ctx = make_ctx(*f, st, holder);
    View v;
    if (auto fl = input_view(*f, st, ctx, v)) return fail_state(f, st, std::move(*fl));
    const TimePoint start = now();
    TimePoint due = start;
    // Timestamps are not too far (checked first), so they fit the nanosecond clock.
    auto at_timestamp = [&](const timestamp::Instant& at) {
      due = TimePoint(std::chrono::seconds(at.seconds) + Duration(at.nanos));
      if (due > start) {
        due = start + std::chrono::duration_cast<Duration>((due - start) * config_.wait_scale);
      }
    };
    switch (st.wait_kind) {
      case WaitKind::seconds:
        due = start + std::chrono::duration_cast<Duration>(std::chrono::duration<double>(
                          static_cast<double>(st.wait_seconds) * config_.wait_scale));
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
        if (secs < 0)
          return fail_state(f, st, runtime(*f, st, fmt::format("The SecondsPath parameter references a "
                                                               "negative value: {} == {}",
                                                               p.text(), shown)));
        due = start + std::chrono::duration_cast<Duration>(std::chrono::duration<double>(secs * config_.wait_scale));
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
    Json out = std::move(f->doc);
    if (auto fl = apply_output_path(*f, st, ctx, out)) return fail_state(f, st, std::move(*fl));
    emit(EventType::WaitStateExited, [&](Json& d) {
      d["name"] = st.name;
      d["output"] = out;
    });
    return transition(f, st.next, std::move(out), f->size_bound);
  }

  Step run_succeed(const std::shared_ptr<Frame>& f, const State& st) {
    std::optional<Json> holder;
    const Json* ctx = make_ctx(*f, st, holder);
    View v;
    if (auto fl = input_view(*f, st, ctx, v)) return fail_state(f, st, std::move(*fl));
    Json out = v.ptr == &f->doc ? std::move(f->doc) : v.ptr ? *v.ptr : std::move(v.owned);
    if (auto fl = apply_output_path(*f, st, ctx, out)) return fail_state(f, st, std::move(*fl));
    emit(EventType::SucceedStateExited, [&](Json& d) {
      d["name"] = st.name;
      d["output"] = out;
    });
    return transition(f, no_index, std::move(out), f->size_bound);
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
    j->owner = f;
    j->up = f->parent;
    j->is_map = is_map;
    f->children = j;
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
    Json items;
    if (st.items_path) {
      std::string miss;
      const jsonpath::Path& p = *st.items_path;
      if (!p.select(p.root() == jsonpath::Root::context ? *ctx : input, items, &miss))
        return fail_state(f, st, runtime(*f, st, invalid_path(p, miss)));
      if (!items.is_array())
        return fail_state(f, st, runtime(*f, st, fmt::format("Reference path \"{}\" must point to array.",
                                                             p.text())));
    } else {
      if (!input.is_array())
        return fail_state(f, st, runtime(*f, st, fmt::format("Map state input must be an array but was: {}",
                                                             java_json(input))));
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

    emit(EventType::MapStateStarted, [&](Json& d) { d["length"] = items.size(); });
    auto j = new_join(f, true);
    j->total = items.size();
    j->limit = static_cast<std::size_t>(max_conc);
    j->tolerance = st.tolerated_failure_count.present || st.tolerated_failure_percentage.present;
    j->tolerated_count = tol_count;
    j->tolerated_percentage = tol_pct;
    j->results = Json::array();
    j->results.get_ref<Json::array_t&>().resize(j->total);
    j->items = std::move(items);
    if (st.item_selector) j->input = input;
    start_children(j);
    if (j->total == 0) {
      resume_owner(*j);
    }
    return Step::stop;
  }

  /// Starts children up to the concurrency limit (MaxConcurrency counts per Map instance).
  void start_children(const std::shared_ptr<Join>& jp) {
    Join& j = *jp;
    if (j.abandoned || !j.owner) return;
    const Frame& owner = *j.owner;
    const State& st = program_->states[owner.state];
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
            j.abandoned = true;
            resume_owner(j);
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
      child->size_bound = json_size_bound(child->doc);
      queue_.push_back(std::move(child));
    }
  }

  Step finish_children(const std::shared_ptr<Frame>& f, const State& st) {
    std::shared_ptr<Join> j = std::move(f->children);
    f->children.reset();
    const bool is_map = st.type == StateType::map;
    if (j->failure) {
      Failure fl = std::move(*j->failure);
      emit(is_map ? EventType::MapStateFailed : EventType::ParallelStateFailed);
      return fail_state(f, st, std::move(fl));
    }
    emit(is_map ? EventType::MapStateSucceeded : EventType::ParallelStateSucceeded);
    return finish_state(f, st, std::move(j->results), j->result_bound);
  }

  std::shared_ptr<const Program> program_;
  ExecutionConfig config_;
  Json input_;
  Json execution_input_;
  ExecutionResult result_;
  std::deque<std::shared_ptr<Frame>> queue_;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers_;
  std::uint64_t timer_seq_ = 0;
  TimePoint start_time_{}, now_{};
  std::optional<TimePoint> deadline_;
  std::mt19937_64 rng_;
};

}  // namespace asl::detail
