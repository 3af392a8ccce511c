// The journal seam: every fact an execution must not lose or repeat (history events, transitions,
// task inputs and results, timers, callback tokens, Map/Parallel hand-outs, the end), reported
// in order to one hook, from which a durable journal can rebuild the execution.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "asl/clock.hpp"
#include "asl/detail/base/config.hpp"
#include "asl/error.hpp"
#include "asl/execution_result.hpp"
#include "asl/history.hpp"
#include "asl/json.hpp"
#include "asl/result.hpp"

namespace asl::detail {

/// What happened. Each fact is reported before it takes effect where repeating it would be
/// visible outside the engine (a handler called twice, a token handed out twice).
enum class JournalFact : std::uint8_t {
  event,        ///< a history event was numbered (`event`, `event_id`)
  transition,   ///< a frame entered `state` with `value` as its raw input
  task_input,   ///< a task attempt is about to call its handler with `value` (attempt `index`;
                ///< `due`: its TimeoutSeconds deadline, if it has one)
  task_result,  ///< a task attempt ended: `value` (its result) or `error`
  timer,        ///< a frame sleeps until `due`, an absolute time (Wait, a retry interval)
  token,        ///< a callback token is about to be handed out (`token`)
  hand_out,     ///< child frame `frame` of frame `parent` starts item/branch `index` with `value`
  finished,     ///< the execution ended: `value` (the output) or `error`
};

/// One fact. Pointers and views are valid during the call only: a journal copies what it keeps.
struct JournalRecord {
  JournalFact fact = JournalFact::event;
  std::uint64_t frame = 0;   ///< the frame's id in this execution (0: the top-level frame)
  std::uint64_t parent = 0;  ///< hand_out: the Map/Parallel frame the child belongs to
  std::uint32_t state = 0xffffffffu;  ///< index of the state the fact belongs to (Program::states)
  std::uint32_t index = 0;   ///< hand_out: the item or branch; task_input: the retry count
  EventType event = EventType::ExecutionStarted;
  std::uint64_t event_id = 0;
  TimePoint due{};
  std::string_view token;
  const Json* value = nullptr;
  const Error* error = nullptr;
};

/// Receives an execution's facts through record(). Called on whichever thread does the work (Map items and
/// Parallel branches on a pool call it concurrently), so an implementation synchronises itself;
/// facts of one frame arrive in order. Set with ExecutionConfig::journal; without one, the
/// engine pays one predictable branch per fact.
class JournalHook {
 public:
  virtual ~JournalHook() = default;
  virtual void record(const JournalRecord& r) = 0;

  // The interpreter reports each fact through one of these (after testing that it has a
  // journal); they build the record out of line, away from the hot paths that call them.
  ASL_NOINLINE void event(EventType type, std::uint64_t id) {
    JournalRecord r;
    r.fact = JournalFact::event;
    r.event = type;
    r.event_id = id;
    record(r);
  }
  /// A frame enters `state` with `input` as its raw input.
  ASL_NOINLINE void transition(std::uint64_t frame, std::uint32_t state, const Json& input) {
    record(on(JournalFact::transition, frame, state, &input));
  }
  /// Before the handler is called: an at-most-once handler must not see this input twice.
  ASL_NOINLINE void task_input(std::uint64_t frame, std::uint32_t state, std::uint32_t retry_count,
                               const Json& input, std::optional<TimePoint> timeout_at) {
    JournalRecord r = on(JournalFact::task_input, frame, state, &input);
    r.index = retry_count;
    if (timeout_at) r.due = *timeout_at;
    record(r);
  }
  ASL_NOINLINE void task_result(std::uint64_t frame, std::uint32_t state, const Result<Json>& result) {
    JournalRecord r = on(JournalFact::task_result, frame, state, result ? &*result : nullptr);
    if (!result) r.error = &result.error();
    record(r);
  }
  ASL_NOINLINE void timer(std::uint64_t frame, std::uint32_t state, TimePoint due) {
    JournalRecord r = on(JournalFact::timer, frame, state, nullptr);
    r.due = due;
    record(r);
  }
  /// Before the token is registered or handed to the handler: a token must not be issued twice.
  ASL_NOINLINE void token(std::uint64_t frame, std::uint32_t state, std::string_view token) {
    JournalRecord r = on(JournalFact::token, frame, state, nullptr);
    r.token = token;
    record(r);
  }
  /// Child frame `frame` of frame `parent` (at `state`, a Map or Parallel) starts `index` with `input`.
  ASL_NOINLINE void hand_out(std::uint64_t frame, std::uint64_t parent, std::uint32_t state, std::uint32_t index,
                             const Json& input) {
    JournalRecord r = on(JournalFact::hand_out, frame, state, &input);
    r.parent = parent;
    r.index = index;
    record(r);
  }
  ASL_NOINLINE void finished(const ExecutionResult& result) {
    JournalRecord r = on(JournalFact::finished, 0, 0xffffffffu, nullptr);
    Error ended;
    if (result.status == Status::succeeded) {
      r.value = &result.output;
    } else {
      ended.name = result.error;
      ended.cause = result.cause;
      r.error = &ended;
    }
    record(r);
  }

 private:
  static JournalRecord on(JournalFact fact, std::uint64_t frame, std::uint32_t state, const Json* value) {
    JournalRecord r;
    r.fact = fact;
    r.frame = frame;
    r.state = state;
    r.value = value;
    return r;
  }
};

}  // namespace asl::detail
