// History events: emitting them (with the per-drive counters that number them), the history cap,
// the entered/exited event type of each state type. Each event also reaches the journal seam
// (run/journal_hook.hpp), as every other fact of an execution does.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>

#include <fmt/format.h>

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
template <class Details>
std::uint64_t Interpreter::emit(EventType type, Details&& details) {
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
  if (config_.journal) config_.journal->event(type, id);
  if (!config_.observers.empty()) {
    Json d = Json::object();
    details(d);
    HistoryEvent e{type, id, now(), config_.execution_name, &d};
    for (Observer* o : config_.observers) o->on_event(e);
  }
  return id;
}

inline std::uint64_t Interpreter::emit(EventType type) {
  return emit(type, [](Json&) {});
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
