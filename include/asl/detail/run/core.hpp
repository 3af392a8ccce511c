// Frames and transitions: starting an execution, driving a frame step by step, the step dispatch,
// queueing and timers, moving to the next state, completing or failing a frame, ending the execution.
// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "asl/detail/base/step_random.hpp"
#include "asl/detail/json/depth.hpp"
#include "asl/detail/json/release.hpp"
#include "asl/detail/run/spin_lock.hpp"
#include "asl/detail/run/time_math.hpp"
#include "asl/detail/run/interpreter.hpp"

namespace asl::detail {

inline std::uint64_t Interpreter::fresh_seed() {
  static const std::uint64_t process_seed = std::random_device{}();
  static std::atomic<std::uint64_t> counter{0};
  std::uint64_t z = process_seed + 0x9e3779b97f4a7c15ULL * (counter.fetch_add(1, std::memory_order_relaxed) + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

inline std::mt19937_64& Interpreter::rng() {
  if (!rng_) rng_.emplace(config_.jitter_seed ? *config_.jitter_seed : fresh_seed());
  return *rng_;
}

inline void Interpreter::start() {
  start_time_ = config_.start_time ? *config_.start_time : host_->now();
  if (config_.journal && config_.journal->replay())
    frame_ids_.store(config_.journal->replay()->max_frame(), std::memory_order_relaxed);
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
    // A redrive resets the execution's timeout: it counts from the latest redrive (AWS).
    const ReplayMemo* memo = config_.journal ? config_.journal->replay() : nullptr;
    const TimePoint from = memo && !memo->redrives.empty() ? memo->redrives.back().time : start_time_;
    deadline_ = add_seconds(from, *program_->timeout_seconds);
  }
  // The first state is queued before the deadline's timer exists: on virtual time a pool with a
  // timer and nothing queued jumps to the timer, and did so here now and then, timing out an
  // execution before its first state ran (seen under ASan's slower start).
  requeue(std::move(root));
  if (deadline_) {
    std::weak_ptr<Interpreter> weak = weak_from_this();
    host_->post_at(*deadline_, [weak] {
      if (auto self = weak.lock()) self->time_out();
    });
  }
}

inline void Interpreter::run_on_caller() {
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

inline void Interpreter::drive(const std::shared_ptr<Frame>& f) {
  LocalCounts local(*this);
  drive_steps(f);
}

inline void Interpreter::drive_steps(const std::shared_ptr<Frame>& f) {
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
      announce_iteration(*f);
    }
    if (config_.journal) {
      // States.UUID and States.MathRandom draw from a generator seeded by where the step runs,
      // so a recovered execution replaying this step draws the same values.
      StepRandom random(step_seed(*f));
      StepRandom::Scope scope(random);
      if (step(f) == Step::stop) return;
      continue;
    }
    if (step(f) == Step::stop) return;
  }
}

inline std::uint64_t Interpreter::step_seed(const Frame& f) const {
  std::uint64_t z = config_.random_seed ^ (f.id * 0x9e3779b97f4a7c15ULL);
  z ^= (static_cast<std::uint64_t>(f.step) << 40) ^ (static_cast<std::uint64_t>(f.retry_count) << 8) ^
       static_cast<std::uint64_t>(f.resume);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

inline void Interpreter::cancel() { finish_execution(Status::aborted, Json(), Error()); }

inline void Interpreter::fail_stuck() {
  finish_execution(Status::failed, Json(),
                   Error(std::string(errors::runtime),
                         "The execution cannot make progress: no state can run, no timer can ever fire (one "
                         "past the clock's end in 2262 never does) and no task completion is awaited."));
}

inline void Interpreter::schedule(std::shared_ptr<Frame> f, TimePoint due) {
  std::weak_ptr<Interpreter> weak = weak_from_this();
  if (config_.journal) due = config_.journal->timer(FactKey{f->id, f->step, f->retry_count}, f->state, due);
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

inline void Interpreter::requeue(std::shared_ptr<Frame> f, bool ends_external) {
  if (f.get() == root_ && caller_attached_.load(std::memory_order_acquire)) {
    std::lock_guard<std::mutex> lock(done_mutex_);
    if (caller_attached_.load(std::memory_order_relaxed)) {
      publish_counts();  // the caller may run the frame before this drive returns
      // Runnable work the pool cannot see holds virtual time still: a task's hold passes to it.
      if (!ends_external) host_->external_begin();
      caller_frame_ = std::move(f);
      caller_wake_.store(true, std::memory_order_release);
      done_cv_.notify_all();
      return;
    }
  }
  if (ends_external) host_->post_ending_external(Work{shared_from_this(), std::move(f)});
  else host_->post(Work{shared_from_this(), std::move(f)});
}

inline bool Interpreter::abandoned(const Frame& f) {
  for (const Join* j = f.parent.get(); j != nullptr; j = j->up.get())
    if (j->abandoned.load(std::memory_order_acquire)) return true;
  return false;
}

inline Interpreter::Step Interpreter::step(const std::shared_ptr<Frame>& f) {
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

inline Interpreter::Step Interpreter::enter(const std::shared_ptr<Frame>& f, const State& st) {
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
  // Reading the clock costs more than a Pass step; only $$.State.EnteredTime and JSONata's
  // $now() need it.
  const bool timed = st.uses_context || st.jsonata;
  if (timed) f->entered_time = now();
  if (config_.journal) {
    ++f->step;
    if (timed || config_.journal->wants_derivable())
      config_.journal->transition(f->id, f->step, f->state, f->doc, timed ? &f->entered_time : nullptr);
  }
  f->before_entered = f->previous_event;
  f->entered_event = emit(*f, entered_event(st.type), [&](Json& d) {
    d["name"] = st.name;
    d["input"] = f->doc;
  });
  f->attempts.clear();
  f->retry_count = 0;
  return execute(f, st);
}

inline Interpreter::Step Interpreter::execute(const std::shared_ptr<Frame>& f, const State& st) {
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

// ---------------------------------------------------------------- frame completion
inline Interpreter::Step Interpreter::transition(const std::shared_ptr<Frame>& f, std::uint32_t next, Json output,
                                                 std::size_t bound) {
  if (auto fl = over_payload_limit(program_->states[f->state], output, bound)) return propagate(f, std::move(*fl));
  replace(f->doc, std::move(output));
  f->size_bound = bound;
  return advance(f, next);
}

/// Moves a frame whose document is already its output on to `next` (or completes it).
inline Interpreter::Step Interpreter::advance(const std::shared_ptr<Frame>& f, std::uint32_t next) {
  if (next == no_index) return complete(f);
  f->state = next;
  f->resume = Frame::Resume::enter;
  return Step::next;
}

/// The frame reached a terminal state: its doc is the output.
inline Interpreter::Step Interpreter::complete(const std::shared_ptr<Frame>& f) {
  if (!f->parent) {
    finish_execution(Status::succeeded, std::move(f->doc), Error());
    return Step::stop;
  }
  // By reference: `f` keeps its join alive through this call, and a copy would bounce the
  // join's reference count between the workers once per item.
  const std::shared_ptr<Join>& jp = f->parent;
  child_ended(*f, false);
  if (ChunkResults* chunk = ChunkResults::current(); chunk && chunk->join == jp.get()) {
    // An item its chunk ran to the end: reported with its siblings, under one lock.
    chunk->done.emplace_back(f->slot, std::move(f->doc));
    chunk->bound += f->size_bound + 1;
    chunk->depth = std::max(chunk->depth, f->depth_bound);
    return Step::stop;
  }
  publish_counts();
  const ProgressNotice notice{*this, jp->counters.get()};  // a Distributed Map's observers (issue #20)
  std::lock_guard<std::mutex> lock(spin_lock(jp->mutex), std::adopt_lock);
  if (jp->abandoned.load(std::memory_order_relaxed)) return Step::stop;
  store_result(*jp, f->slot, std::move(f->doc));  // to a ResultWriter, or the results (issue #20)
  jp->result_bound += f->size_bound + 1;
  jp->result_depth = std::max(jp->result_depth, f->depth_bound);
  child_done(jp);
  return Step::stop;
}

inline Interpreter::Step Interpreter::propagate(const std::shared_ptr<Frame>& f, Failure failure) {
  log_evaluation_failure(*f, failure);
  if (config_.journal && !failure.from_children) {
    // The state of `f` fails uncaught: a redrive runs it again (and a redriven execution
    // replaying this failure does so now).
    if (rerun_failed(f)) return Step::next;
    note_failed_state(*f);
  }
  if (!f->parent || failure.fatal) {
    // Fatal errors are never caught at any level: they end the whole execution now.
    finish_execution(Status::failed, Json(), std::move(failure.error));
    return Step::stop;
  }
  std::shared_ptr<Join> jp = f->parent;
  Join& j = *jp;
  child_ended(*f, true);
  publish_counts();
  const ProgressNotice notice{*this, j.counters.get()};  // a Distributed Map's observers (issue #20)
  std::lock_guard<std::mutex> lock(spin_lock(j.mutex), std::adopt_lock);
  if (j.abandoned.load(std::memory_order_relaxed)) return Step::stop;  // a sibling failed first
  ++j.failures;
  if (j.counters) j.counters->failed();
  if (j.is_map && j.tolerance && !threshold_exceeded(j)) {
    store_failure(j, f->slot, failure.error);  // FAILED record, or a null result (issue #20)
    child_done(jp);
    return Step::stop;
  }
  if (j.run) store_failure(j, f->slot, failure.error);  // its FAILED record, when exporting (issue #20)
  if (j.is_map && j.tolerance)
    failure = Failure{Error(std::string(errors::exceed_tolerated_failure_threshold),
                            "The specified tolerated failure threshold was exceeded"),
                      false};
  // The first failure fails the Map/Parallel and aborts the siblings (spec §3.8, §3.9.3):
  // they see the abandoned join at their next step boundary and stop.
  failure.from_children = true;
  j.failure = std::move(failure);
  j.abandoned.store(true, std::memory_order_release);
  resume_owner(jp);
  return Step::stop;
}

inline void Interpreter::finish_execution(Status status, Json output, Error error) {
  {
    std::lock_guard<std::mutex> lock(done_mutex_);
    if (finishing_) return;
    finishing_ = true;
  }
  ExecutionResult r;
  r.status = status;
  // A redriven execution that ends before doing anything its past did not record: its
  // ExecutionRedriven events still come before its end.
  if (config_.journal) redrive_point(static_cast<std::size_t>(-1));
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
  if (config_.journal)
    config_.journal->finished(r, now(), failed_states(), events_.load(std::memory_order_relaxed));
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
    for (auto& [token, s] : config_.recovered_slots) slots.push_back(s);  // never reached: closed too
    config_.recovered_slots.clear();
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

inline void Interpreter::time_out() { finish_execution(Status::timed_out, Json(), Error()); }

// The scheduler hands a queued frame to its execution here (declared in scheduler.hpp).
inline void run_work(Work& w) { w.exec->drive(w.frame); }

}  // namespace asl::detail
