// The Task state: the handler boundary, deferred and callback (.waitForTaskToken) completions,
// TimeoutSeconds and HeartbeatSeconds, and the task result's checks.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "asl/detail/json/depth.hpp"
#include "asl/detail/json/release.hpp"
#include "asl/detail/run/task_slot.hpp"
#include "asl/detail/run/time_math.hpp"
#include "asl/detail/run/interpreter.hpp"

namespace asl::detail {

inline Interpreter::Step Interpreter::run_task(const std::shared_ptr<Frame>& f, const State& st) {
  const bool callback = st.integration == Integration::wait_for_task_token;
  // A recovered execution replaying this attempt: what it did before the process stopped.
  const RecordedTask* recorded = nullptr;
  if (config_.journal && config_.journal->replay()) {
    const ReplayMemo& memo = *config_.journal->replay();
    recorded = memo.find_task(FactKey{f->id, f->step, f->retry_count});
    // An attempt its past did not finish: a redriven execution's new run has begun.
    if (!memo.redrives.empty() && !(recorded && recorded->ended())) redrive_point(memo.redrives.size());
  }
  // A callback's token must exist before $$.Task.Token is read by Parameters; a replayed one
  // keeps the token it handed out, which whoever holds it will call back with.
  if (callback) f->token = recorded && !recorded->token.empty() ? recorded->token : new_task_token();
  std::optional<Json> holder;
  QueryEnv ctx = make_ctx(*f, st, holder);
  Selection v;
  if (auto fl = input_view(*f, st, ctx, v)) return fail_state(f, st, std::move(*fl));
  std::optional<Json> params;
  ReleaseOnExit release_params{params};  // the handler's input is garbage once it returns
  const StateQueries& q = *st.queries;
  if (st.shape.has_arguments) {
    auto r = q.arguments(v.get(), ctx);
    if (!r) return fail_state(f, st, from_eval(*f, st, std::move(r).error()));
    params = std::move(*r);
  }
  const Json& effective = params ? *params : v.get();

  TaskContext tc;
  tc.state_name = st.name;
  tc.resource = st.resource;
  tc.execution_name = config_.execution_name;
  tc.execution = weak_from_this();
  tc.retry_count = f->retry_count;
  if (st.shape.numbers != 0) {
    std::optional<Json> n;
    if (auto fl = read_number(*f, st, NumberField::timeout_seconds, v.get(), ctx, n))
      return fail_state(f, st, std::move(*fl));
    if (n) tc.timeout_seconds = n->get<std::uint64_t>();
    n.reset();
    if (auto fl = read_number(*f, st, NumberField::heartbeat_seconds, v.get(), ctx, n))
      return fail_state(f, st, std::move(*fl));
    if (n) tc.heartbeat_seconds = n->get<std::uint64_t>();
  }
  if (st.shape.has_credentials) {
    auto r = q.credentials(v.get(), ctx);
    if (!r) return fail_state(f, st, from_eval(*f, st, std::move(r).error()));
    tc.credentials = std::move(*r);
  }
  auto announce = [&] {
    emit(*f, st.lambda_events ? EventType::LambdaFunctionScheduled : EventType::TaskScheduled, [&](Json& d) {
      d["resource"] = st.resource;
      d["parameters"] = effective;
      if (tc.timeout_seconds) d["timeoutInSeconds"] = *tc.timeout_seconds;
      if (tc.heartbeat_seconds) d["heartbeatInSeconds"] = *tc.heartbeat_seconds;
    });
    emit(*f, st.lambda_events ? EventType::LambdaFunctionStarted : EventType::TaskStarted,
         [&](Json& d) { d["resource"] = st.resource; });
  };
  if (recorded && recorded->ended()) {
    // It ended before the process stopped: its recorded outcome, and no second call.
    f->token.clear();
    announce();
    return task_result(f, st, recorded->result(), recorded->heartbeat);
  }
  if (config_.journal && config_.journal->replay() && config_.journal->replay()->history_only) {
    // Rebuilding the history: this attempt was in flight when the journal was read.
    f->token.clear();
    announce();
    return Step::stop;
  }
  if (config_.journal)
    tc.set_journal_key(f->id, f->step);
  tc.set_stop_flag(&stop_);
  std::shared_ptr<TaskSlot> slot;
  if (callback || tc.timeout_seconds || tc.heartbeat_seconds) {
    if (callback && recorded) {
      std::lock_guard<std::mutex> lock(slots_mutex_);  // Map items replay on several workers
      auto adopted = config_.recovered_slots.find(f->token);
      if (adopted != config_.recovered_slots.end()) {
        slot = std::move(adopted->second);  // may hold a callback that arrived before the replay got here
        config_.recovered_slots.erase(adopted);
      }
    }
    if (!slot) slot = std::make_shared<TaskSlot>();
    tc.set_slot(slot);
    watch_slot(slot);
  } else {
    tc.set_on_defer([this](const std::shared_ptr<TaskSlot>& s) { watch_slot(s); });
  }
  if (callback) {
    tc.task_token = f->token;
    slot->token = tc.task_token;
    if (config_.journal) config_.journal->token(FactKey{f->id, f->step, f->retry_count}, f->state, tc.task_token);
    if (config_.register_token && !config_.register_token(tc.task_token, slot)) {
      f->token.clear();
      emit(*f, st.lambda_events ? EventType::LambdaFunctionScheduled : EventType::TaskScheduled,
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

  announce();
  // The timeout counts from the start of the task (spec §9.6): from its first start, for an
  // attempt a recovered execution runs again.
  std::optional<TimePoint> timeout_at;
  if (recorded && recorded->timeout_at)
    timeout_at = recorded->timeout_at;
  else if (tc.timeout_seconds)
    timeout_at = add_seconds(now(), *tc.timeout_seconds);
  if (slot) arm_task_timers(slot, tc, timeout_at);

  if (config_.journal)
    config_.journal->task_input(FactKey{f->id, f->step, f->retry_count}, f->state, effective, timeout_at,
                                st.at_most_once, callback);
  // A replayed callback whose token was handed out waits for it, without handing it out twice;
  // an interrupted at-most-once attempt fails; any other attempt that had started runs again
  // (at least once, see TaskContext::idempotency_key()).
  const bool interrupted = recorded && recorded->started;
  Result<Json> r = callback && interrupted ? Result<Json>(Json())
                   : st.at_most_once && interrupted
                       ? Result<Json>(Error(std::string(errors::task_failed),
                                            "The process stopped while this at-most-once task attempt was running "
                                            "(TaskDelivery::at_most_once); it is not called again."))
                       : call_handler(st, effective, tc);
  if ((callback || tc.deferred()) && r) {
    if (callback)
      emit(*f, EventType::TaskSubmitted, [&](Json& d) {
        d["resource"] = st.resource;
        d["output"] = *r;
      });
    return await_slot(f, st, tc.slot());
  }
  if (tc.slot()) {
    // A handler that returned an error settles the slot too, so timers find it closed.
    tc.slot()->settle(std::move(r));
    return take_outcome(f, st, *tc.slot());
  }
  return task_result(f, st, std::move(r), false);
}

inline std::string Interpreter::new_task_token() {
  std::uint64_t salt;
  {
    std::lock_guard<std::mutex> lock(rng_mutex_);
    salt = rng()();
  }
  return fmt::format("{}-{}-{:016x}", config_.execution_name,
                     token_counter_.fetch_add(1, std::memory_order_relaxed), salt);
}

/// TimeoutSeconds and HeartbeatSeconds timers of one attempt (spec §9.6).
inline void Interpreter::arm_task_timers(const std::shared_ptr<TaskSlot>& slot, const TaskContext& tc,
                                         std::optional<TimePoint> timeout_at) {
  std::weak_ptr<TaskSlot> weak_slot = slot;
  if (tc.timeout_seconds && timeout_at) {
    const std::uint64_t secs = *tc.timeout_seconds;
    host_->post_at(*timeout_at, [weak_slot, secs] {
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
inline void Interpreter::check_heartbeat(std::weak_ptr<TaskSlot> weak_slot,
                                         std::shared_ptr<std::atomic<std::int64_t>> last, std::uint64_t window) {
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
inline Interpreter::Step Interpreter::await_slot(const std::shared_ptr<Frame>& f, const State& st,
                                                 const std::shared_ptr<TaskSlot>& slot) {
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
        if (auto self = weak.lock()) self->requeue(f, holds_time);
      };
    }
  }
  if (!waiting) return take_outcome(f, st, *slot);
  return Step::stop;
}

/// Tracks a task slot so the end of the execution closes it (a late result is then refused);
/// closes it at once if the execution has already ended.
inline void Interpreter::watch_slot(const std::shared_ptr<TaskSlot>& slot) {
  if (!track_slot(slot)) {
    slot->stop.store(true, std::memory_order_relaxed);
    slot->settle(Error(std::string(errors::runtime), "The execution ended before the task completed."));
  }
}

/// Registers a waiting slot so that the end of the execution closes it; false if already ended.
inline bool Interpreter::track_slot(const std::shared_ptr<TaskSlot>& slot) {
  std::lock_guard<std::mutex> lock(slots_mutex_);
  if (slots_closed_) return false;
  pending_slots_.erase(std::remove_if(pending_slots_.begin(), pending_slots_.end(),
                                      [](const std::weak_ptr<TaskSlot>& w) { return w.expired(); }),
                       pending_slots_.end());
  pending_slots_.push_back(slot);
  return true;
}

inline Interpreter::Step Interpreter::take_outcome(const std::shared_ptr<Frame>& f, const State& st, TaskSlot& slot) {
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

inline Interpreter::Step Interpreter::task_settled(const std::shared_ptr<Frame>& f, const State& st) {
  std::shared_ptr<TaskSlot> slot = std::move(f->task);
  f->task.reset();
  return take_outcome(f, st, *slot);
}

inline Interpreter::Step Interpreter::task_result(const std::shared_ptr<Frame>& f, const State& st, Result<Json> r,
                                                  bool heartbeat) {
  if (config_.journal) config_.journal->task_result(FactKey{f->id, f->step, f->retry_count}, f->state, r, heartbeat);
  if (!r) {
    Error e = std::move(r).error();
    const bool timed_out = e.is(errors::timeout);
    task_failed(*f, st, timed_out, e);
    // A handler's States.Runtime fails the execution, never retried nor caught (as on AWS).
    const bool fatal = e.is(errors::runtime);
    return fail_state(f, st, Failure{std::move(e), fatal, heartbeat});
  }
  Json result = std::move(*r);
  if (config_.max_json_depth) {
    // A handler's result is data the engine did not write: measured before anything copies,
    // sizes or serializes it. A task failure like an oversized result, so Catch handles it.
    const std::size_t depth = json_depth(result, config_.max_json_depth);
    if (depth > config_.max_json_depth) {
      release(result);
      Error e(std::string(errors::data_limit_exceeded),
              fmt::format("The state/task '{}' returned a result nested deeper than the limit of {} levels "
                          "(EngineOptions::max_json_depth).",
                          st.name, config_.max_json_depth));
      task_failed(*f, st, false, e);
      return fail_state(f, st, Failure{std::move(e), false});
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
    task_failed(*f, st, false, e);
    return fail_state(f, st, Failure{std::move(e), false});
  }
  emit(*f, st.lambda_events ? EventType::LambdaFunctionSucceeded : EventType::TaskSucceeded, [&](Json& d) {
    d["resource"] = st.resource;
    d["output"] = result;
  });
  return finish_state(f, st, std::move(result), result_bound);
}

/// TaskFailed / TaskTimedOut (LambdaFunction* for a Lambda ARN) with the attempt's error.
inline void Interpreter::task_failed(Frame& f, const State& st, bool timed_out, const Error& e) {
  emit(f,
       timed_out ? (st.lambda_events ? EventType::LambdaFunctionTimedOut : EventType::TaskTimedOut)
                 : (st.lambda_events ? EventType::LambdaFunctionFailed : EventType::TaskFailed),
       [&](Json& d) {
         d["resource"] = st.resource;
         if (e.name) d["error"] = *e.name;
         if (e.cause) d["cause"] = *e.cause;
       });
}

/// The handler boundary: no exception crosses it (house rule: errors are values).
inline Result<Json> Interpreter::call_handler(const State& st, const Json& input, TaskContext& tc) {
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

}  // namespace asl::detail
