// History events: emitting them (with the per-drive counters that number them), the history cap,
// the entered/exited event type of each state type. Each event also reaches the journal seam
// (run/journal_hook.hpp), as every other fact of an execution does.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include <fmt/format.h>

#include "asl/detail/base/arn.hpp"
#include "asl/detail/base/config.hpp"
#include "asl/detail/run/interpreter.hpp"

namespace asl::detail {

// ---------------------------------------------------------------- counters
// The members of LocalCounts (the struct, and why a drive counts on its own thread: interpreter.hpp).
inline Interpreter::LocalCounts::LocalCounts(Interpreter& e) : exec(&e), outer(current()) {
  if (e.config_.observers.empty()) {
    events_base = e.events_.load(std::memory_order_relaxed);
    current() = this;
  } else {
    exec = nullptr;
  }
}

inline Interpreter::LocalCounts::~LocalCounts() {
  flush();
  if (exec) current() = outer;
}

inline void Interpreter::LocalCounts::flush() {
  if (!exec) return;
  if (events) exec->events_.fetch_add(events, std::memory_order_relaxed);
  if (entries) exec->entries_.fetch_add(entries, std::memory_order_relaxed);
  if (retries) exec->retries_.fetch_add(retries, std::memory_order_relaxed);
  events_base += events;
  events = entries = retries = 0;
}

inline Interpreter::LocalCounts*& Interpreter::LocalCounts::current() {
  thread_local LocalCounts* c = nullptr;
  return c;
}

inline Interpreter::LocalCounts* Interpreter::local_counts() const {
  LocalCounts* c = LocalCounts::current();
  return c && c->exec == this ? c : nullptr;
}

/// Adds this drive's counts to the execution's before its frame reports to a join or hands the
/// top-level frame over: whoever resumes the owner may end the execution, and read the stats,
/// before this drive returns (seen under TSan: a chunk's 12 state entries missing).
inline void Interpreter::publish_counts() {
  if (LocalCounts* local = local_counts()) local->flush();
}

// ---------------------------------------------------------------- events
// AWS's previousEventId, as the recorded histories show it (../shared/conformance/
// aws-recorded-histories.jsonl): events form one chain per thread of the execution (the top
// level, each Map iteration, each Parallel branch), and an event points at the one before it in
// its chain, 0 for the first.
// - ExecutionStarted and the first state's Entered both have 0; ExecutionSucceeded/Failed/... the
//   event just before them (id - 1; at the history cap too: 25000 follows 24999).
// - MapStateStarted / ParallelStateStarted start the children's chains: every branch's first event
//   follows ParallelStateStarted; a MapIterationStarted follows MapStateStarted or, once an
//   iteration ended, that iteration's last event before its MapIterationSucceeded/Failed.
// - MapStateSucceeded follows the last MapIterationSucceeded (ParallelStateSucceeded the last event
//   of the branch that ended last), and the state's Exited follows that same event, not the
//   Succeeded one. MapStateFailed / ParallelStateFailed follow the failed child's last event
//   (not MapIterationFailed) and the Exited of a caught failure follows them.
// - A retried Map/Parallel logs no *StateFailed: its next MapStateStarted / ParallelStateStarted
//   follows the failed child's last event.
// The chains are kept only with an observer attached (nobody else reads them): without one an
// event costs its counter and nothing more.
//
// Inline at every call site: without observers an event is a counter, two checks and no call;
// what observers need (the details, the chain, the callbacks) is out of line in notify().
template <class Details>
inline std::uint64_t Interpreter::emit_event(Frame* f, EventType type, Details&& details) {
  LocalCounts* local = local_counts();
  std::uint64_t id = local ? local->events_base + ++local->events
                           : events_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (config_.max_history_events && id >= config_.max_history_events && history_cap(type, id)) return id;
  if (config_.journal && config_.journal->wants_derivable()) config_.journal->event(type, id);
  if (!config_.observers.empty()) notify(f, type, id, details);
  return id;
}

template <class Details>
void Interpreter::notify(Frame* f, EventType type, std::uint64_t id, Details& details) {
  const std::uint64_t previous = f ? f->previous_event : type == EventType::ExecutionStarted ? 0 : id - 1;
  if (f) f->previous_event = id;
  Json d = Json::object();
  details(d);
  HistoryEvent e{type, id, previous, now(), config_.execution_name, &d};
  for (Observer* o : config_.observers) o->on_event(e);
}

/// The event numbered `id` reaches the history cap. AWS fails a Standard execution whose history
/// reaches its cap: the cap-th event must be the terminal one, so a state event there ends the
/// execution (true: the event is not logged) and ExecutionFailed takes its id (measured on AWS:
/// id 25000 = ExecutionFailed, previous event 24999).
inline bool Interpreter::history_cap(EventType type, std::uint64_t& id) {
  if (!is_terminal(type)) {
    history_full();
    return true;
  }
  id = config_.max_history_events;
  return false;
}

inline std::uint64_t Interpreter::emit(EventType type) {
  return emit_event(nullptr, type, [](Json&) {});
}

inline std::uint64_t Interpreter::emit(Frame& f, EventType type) {
  if (f.quiet) return 0;
  return emit_event(&f, type, [](Json&) {});
}

/// A Map iteration's first event, when it begins to run (AWS numbers it then, not when queued).
inline void Interpreter::announce_iteration(Frame& f) {
  const Join& j = *f.parent;
  if (!config_.observers.empty()) f.previous_event = j.chain.load(std::memory_order_relaxed);
  emit(f, EventType::MapIterationStarted, [&](Json& d) {
    d["name"] = program_->states[j.map_state].name;
    d["index"] = f.slot;
  });
}

/// A Map iteration or Parallel branch ended (failed: with an error going up to its Map/Parallel).
inline void Interpreter::child_ended(Frame& f, bool failed) {
  if (f.quiet) return;  // a Distributed Map's iteration: the Map Run's events stand for it
  Join& j = *f.parent;
  const std::uint64_t last = f.previous_event;
  if (j.is_map) {
    const std::uint64_t id =
        emit(f, failed ? EventType::MapIterationFailed : EventType::MapIterationSucceeded, [&](Json& d) {
          d["name"] = program_->states[j.map_state].name;
          d["index"] = f.slot;
        });
    if (config_.observers.empty()) return;
    j.chain.store(last, std::memory_order_relaxed);
    j.last_done.store(failed ? last : id, std::memory_order_relaxed);
  } else if (!config_.observers.empty()) {
    j.last_done.store(last, std::memory_order_relaxed);
  }
}

/// The owner of a Map/Parallel resumes: its chain goes on from its children (see above).
inline void Interpreter::children_ended(Frame& owner, const Join& j) {
  if (!config_.observers.empty()) owner.previous_event = j.last_done.load(std::memory_order_relaxed);
}

/// A Map Run's ARN as AWS forms it (`mapRun:<machine>/<label>:<id>`); the id is derived from
/// the execution, the state and the visit rather than random, so a run's history is
/// reproducible (a replay numbers the visit alike) and each visit of the Map (a loop, a retry,
/// another iteration of an enclosing Map) gets a Map Run and a ResultWriter folder of its own.
inline std::string Interpreter::map_run_arn(const Frame& f, const State& st) const {
  const std::size_t h = std::hash<std::string>{}(fmt::format("{}/{}/{}/{}/{}", config_.execution_name, st.name,
                                                             f.entered_event, f.retry_count, f.slot));
  return fmt::format("{}mapRun:{}/{}:{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}", local_arn_prefix,
                     program_->name, st.name, h & 0xffffffffU, (h >> 32) & 0xffffU, (h >> 48) & 0xfffU,
                     st.name.size() & 0xfffU, h & 0xffffffffffffU);
}

inline bool Interpreter::is_terminal(EventType t) {
  return t == EventType::ExecutionSucceeded || t == EventType::ExecutionFailed ||
         t == EventType::ExecutionTimedOut || t == EventType::ExecutionAborted;
}

inline void Interpreter::history_full() {
  finish_execution(Status::failed, Json(),
                   Error(std::string(errors::runtime),
                         fmt::format("The execution reached the maximum number of history events ({}).",
                                     config_.max_history_events)));
}

inline EventType Interpreter::entered_event(StateType t) {
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

inline EventType Interpreter::exited_event(StateType t) {
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

}  // namespace asl::detail
