// testing::ExecutionRecorder: an Observer that keeps what a test asserts on: the states visited in order, each visit's input, output, error and retries, and the transitions taken.
// SPDX-License-Identifier: MIT
//
// Events are attributed to a state visit through AWS's previousEventId chain (each thread of an
// execution, a Map iteration or a Parallel branch, links its events), so the visits of states
// inside a Map or Parallel are kept apart even when iterations interleave.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "asl/history.hpp"
#include "asl/json.hpp"
#include "asl/parse_json.hpp"

namespace asl::testing {

/// One entry into a state.
struct StateVisit {
  std::string state;
  Json input;
  std::optional<Json> output;          ///< set when the state exited (normally or by a Catch)
  std::optional<std::string> error;    ///< the last error of the state (a retried one included)
  std::optional<std::string> cause;
  std::uint32_t attempts = 0;          ///< Task, Map and Parallel: tries (the first included)
  bool caught = false;                 ///< exited through a Catch
  /// The workflow variables the state saw when it was entered (those of enclosing scopes
  /// included), as the history's assignedVariables tell them: {} when nothing was assigned.
  Json variables = Json::object();
  /// Retries of the state in this visit (a Task's, a Map's or a Parallel's).
  std::uint32_t retries() const noexcept { return attempts > 1 ? attempts - 1 : 0; }
};

/// A transition between two visits of the same thread (top level, a branch, an iteration).
struct Transition {
  std::string from, to;
  bool caught = false;  ///< taken by a Catch
  std::optional<std::string> error;  ///< caught: the error the Catch took
  /// The visit the transition leaves (an index into ExecutionRecorder::visits()): its input and
  /// variables tell which Choice rule sent it on (Coverage).
  std::size_t from_visit = 0;
};

/// Attach to an Engine (Engine::add_observer) before the run; read after it. Thread-safe.
/// @code
/// auto rec = std::make_shared<asl::testing::ExecutionRecorder>();
/// engine.add_observer(rec);
/// engine.run(sm, input);
/// rec->path();             // {"ValidateData", "CheckData", ...}
/// rec->visit("Train")->retries();
/// @endcode
class ExecutionRecorder final : public Observer {
 public:
  void on_event(const HistoryEvent& e) override {
    std::lock_guard<std::mutex> lock(mutex_);
    const std::string_view type = to_string(e.type);
    const Json empty = Json::object();
    const Json& d = e.details ? *e.details : empty;
    // Plain indices with a sentinel, not std::optional: GCC 12 -O2 warns (maybe-uninitialized)
    // on optional<size_t> kept in an unordered_map.
    constexpr std::size_t none = static_cast<std::size_t>(-1);
    auto owner = owner_.find(e.previous_id);
    const std::size_t prior = owner == owner_.end() ? none : owner->second;
    if (ends_with(type, "StateEntered")) {
      StateVisit v;
      v.state = d.value("name", "");
      v.input = d.value("input", Json());
      // The thread's previous visit: the state before in the same scope (its variables and
      // what it assigned), or the Map/Parallel that opened this iteration or branch (what it
      // saw). Visits share one object until an assignment changes it.
      std::shared_ptr<const Json> vars = no_variables();
      if (prior != none) {
        vars = variables_[prior];
        if (auto a = assigned_.find(prior); a != assigned_.end()) {
          auto merged = std::make_shared<Json>(*vars);
          for (auto it = a->second.begin(); it != a->second.end(); ++it) (*merged)[it.key()] = it.value();
          vars = std::move(merged);
        }
      }
      visits_.push_back(std::move(v));
      variables_.push_back(std::move(vars));
      const std::size_t index = visits_.size() - 1;
      owner_[e.id] = index;
      // The event before a StateEntered in its thread is the previous state's StateExited.
      if (prior != none && exited_.count(prior))
        transitions_.push_back(Transition{visits_[prior].state, visits_[index].state, visits_[prior].caught,
                                          visits_[prior].caught ? visits_[prior].error : std::nullopt, prior});
      return;
    }
    std::size_t index = prior;
    if (type == "EvaluationFailed") {
      // AWS links it to the event before the failing state's Entered: find the state by name.
      index = none;
      const std::string state = d.value("state", "");
      for (std::size_t i = visits_.size(); i-- > 0;)
        if (visits_[i].state == state) {
          index = i;
          break;
        }
    }
    if (index == none) return;
    owner_[e.id] = index;
    StateVisit& v = visits_[index];
    if (ends_with(type, "StateExited")) {
      v.output = d.value("output", Json());
      v.caught = failed_.count(index) != 0;
      // AWS's assignedVariables: each value as JSON text.
      if (auto a = d.find("assignedVariables"); a != d.end() && a->is_object()) {
        Json& vars = assigned_[index];
        vars = Json::object();
        for (auto it = a->begin(); it != a->end(); ++it) {
          if (!it->is_string()) continue;
          try {
            vars[it.key()] = parse_json(it->get_ref<const std::string&>());
          } catch (const std::exception&) {
            vars[it.key()] = *it;
          }
        }
      }
      exited_.insert_or_assign(index, true);
    } else if (type == "TaskScheduled" || type == "LambdaFunctionScheduled" || type == "MapStateStarted" ||
               type == "ParallelStateStarted") {
      ++v.attempts;
      failed_.erase(index);
    } else if (type == "TaskFailed" || type == "LambdaFunctionFailed" || type == "TaskTimedOut" ||
               type == "LambdaFunctionTimedOut" || type == "MapStateFailed" || type == "ParallelStateFailed" ||
               type == "ExecutionFailed" || type == "TaskStartFailed" || type == "TaskSubmitFailed" ||
               type == "LambdaFunctionStartFailed" || type == "EvaluationFailed" || type == "MapRunFailed") {
      auto text = [&](const char* field) -> std::optional<std::string> {
        auto it = d.find(field);
        if (it == d.end() || !it->is_string()) return std::nullopt;
        return it->get<std::string>();
      };
      v.error = text("error");
      v.cause = text("cause");
      if (type == "TaskTimedOut" || type == "LambdaFunctionTimedOut") v.error = v.error.value_or("States.Timeout");
      failed_.insert_or_assign(index, true);
    }
  }

  /// Every visit, in the order the states were entered.
  std::vector<StateVisit> visits() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<StateVisit> out;
    out.reserve(visits_.size());
    for (std::size_t i = 0; i < visits_.size(); ++i) out.push_back(with_variables(i));
    return out;
  }
  /// The names of the states entered, in order (repeats included).
  std::vector<std::string> path() const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<std::string> out;
    for (const auto& v : visits_) out.push_back(v.state);
    return out;
  }
  /// The last visit of `state`, or nothing when it was not visited.
  std::optional<StateVisit> visit(std::string_view state) const {
    std::lock_guard<std::mutex> lock(mutex_);
    for (std::size_t i = visits_.size(); i-- > 0;)
      if (visits_[i].state == state) return with_variables(i);
    return std::nullopt;
  }
  /// Every visit of `state`, in order.
  std::vector<StateVisit> visits_of(std::string_view state) const {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<StateVisit> out;
    for (std::size_t i = 0; i < visits_.size(); ++i)
      if (visits_[i].state == state) out.push_back(with_variables(i));
    return out;
  }
  bool visited(std::string_view state) const { return visit(state).has_value(); }
  std::vector<Transition> transitions() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return transitions_;
  }

 private:
  static std::shared_ptr<const Json> no_variables() {
    static const auto empty = std::make_shared<const Json>(Json::object());
    return empty;
  }
  /// Visit `i` with the variables it saw (kept apart, shared between visits, while recording).
  StateVisit with_variables(std::size_t i) const {
    StateVisit v = visits_[i];
    v.variables = *variables_[i];
    return v;
  }

  static bool ends_with(std::string_view s, std::string_view tail) {
    return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
  }

  mutable std::mutex mutex_;
  std::vector<StateVisit> visits_;
  std::vector<std::shared_ptr<const Json>> variables_;  ///< per visit: the variables it saw
  std::vector<Transition> transitions_;
  std::unordered_map<std::uint64_t, std::size_t> owner_;  ///< event id -> visit
  std::unordered_map<std::size_t, bool> exited_, failed_;
  std::unordered_map<std::size_t, Json> assigned_;  ///< visit -> the variables its exit assigned
};

}  // namespace asl::testing
