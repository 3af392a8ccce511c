// The journal seam: every fact an execution must not lose or repeat (history events, transitions,
// task inputs and results, timers, callback tokens, Map/Parallel hand-outs, the end), reported
// in order to one hook, from which a durable journal can rebuild the execution.
// SPDX-License-Identifier: MIT
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "asl/clock.hpp"
#include "asl/detail/base/config.hpp"
#include "asl/error.hpp"
#include "asl/execution_result.hpp"
#include "asl/history.hpp"
#include "asl/json.hpp"
#include "asl/result.hpp"
#include "asl/detail/run/replay_memo.hpp"

namespace asl::detail {

/// What happened. Each fact is reported before it takes effect where repeating it would be
/// visible outside the engine (a handler called twice, a token handed out twice).
enum class JournalFact : std::uint8_t {
  event,        ///< a history event was numbered (`event`, `event_id`)
  transition,   ///< a frame entered `state` (its step `step`) with `value` as its raw input, at `time`
                ///< (the epoch when the state does not read its entry time)
  task_input,   ///< a task attempt is about to call its handler with `value` (`due`: its
                ///< TimeoutSeconds deadline, if it has one)
  task_result,  ///< a task attempt ended: `value` (its result) or `error` (`heartbeat`: by a heartbeat expiry)
  timer,        ///< a frame sleeps until `due`, an absolute time (Wait, a retry interval)
  token,        ///< a callback token is about to be handed out (`token`)
  hand_out,     ///< child frame `frame` of frame `parent` (at its `step` and `attempt`) starts
                ///< item/branch `index` with `value`
  finished,     ///< the execution ended with `status`: `value` (the output) or `error`; `failed`
                ///< lists the state steps it failed at (what a redrive runs again), `events`
                ///< the length of its history
  children,     ///< frame `parent` (at its `step` and `attempt`) numbers its `index` children (Map
                ///< items or Parallel branches) from `frame` on: child i is frame `frame` + i
  item_source,  ///< the Map Run of frame `frame` (at its `step` and `attempt`) reads its items from
                ///< the source `value` describes (source_identity.hpp)
};

/// One fact. Pointers and views are valid during the call only: a journal copies what it keeps.
/// `frame`, `step` and `attempt` say where it happened (see FactKey): the same place on every replay.
struct JournalRecord {
  JournalFact fact = JournalFact::event;
  std::uint64_t frame = 0;   ///< the frame's id in this execution (0: the top-level frame)
  std::uint64_t parent = 0;  ///< hand_out: the Map/Parallel frame the child belongs to
  std::uint32_t state = 0xffffffffu;  ///< index of the state the fact belongs to (Program::states)
  std::uint32_t step = 0;     ///< the frame's state step (hand_out: the parent's)
  std::uint32_t attempt = 0;  ///< the retry count of the state visit (hand_out: the parent's)
  std::uint32_t index = 0;    ///< hand_out: the item or branch; children: how many
  bool heartbeat = false;     ///< task_result: the attempt ended by a heartbeat expiry
  bool at_most_once = false;  ///< task_input: the handler must not see it twice (sync it first)
  bool callback = false;      ///< task_input: a .waitForTaskToken attempt (its token is out)
  Status status = Status::running;  ///< finished: how the execution ended
  EventType event = EventType::ExecutionStarted;
  std::uint64_t event_id = 0;
  TimePoint due{};            ///< timer; task_input: the timeout deadline (if has_due)
  TimePoint time{};           ///< transition: the entry time (if has_time); finished: the end
  bool has_due = false;
  bool has_time = false;
  std::string_view token;
  const Json* value = nullptr;
  const Error* error = nullptr;
  const std::vector<FactKey>* failed = nullptr;  ///< finished: (frame, step) of each failed state
  std::uint64_t events = 0;                      ///< finished: history events, the terminal one included
};

/// Receives an execution's facts through record(). Called on whichever thread does the work (Map items and
/// Parallel branches on a pool call it concurrently), so an implementation synchronises itself;
/// facts of one frame arrive in order. Set with ExecutionConfig::journal; without one, the
/// engine pays one predictable branch per fact.
///
/// A hook made with a ReplayMemo belongs to a recovered execution: the execution runs again
/// from its start, and wherever the memo has the fact (a task's result, a timer's deadline, a
/// token, an entry time, a child's frame id) the recorded one is used and nothing is recorded
/// again, so it reaches the point where it stopped without calling a handler whose result is
/// known, and goes on from there.
class JournalHook {
 public:
  explicit JournalHook(std::shared_ptr<const ReplayMemo> replay = nullptr) : replay_(std::move(replay)) {}
  virtual ~JournalHook() = default;
  virtual void record(const JournalRecord& r) = 0;

  /// What the execution did before it was recovered (null for a new execution).
  const ReplayMemo* replay() const noexcept { return replay_.get(); }

  /// Whether record() wants the facts that rebuilding an execution does not need: history
  /// events, transitions into states that do not read their entry time, and each child's
  /// hand-out (its id follows from `children`). A journal that wants none of them (the durable
  /// one) spares the interpreter those calls, one per event and per state entered.
  bool wants_derivable() const noexcept { return wants_derivable_; }

  // The interpreter reports each fact through one of these (after testing that it has a
  // journal); they build the record out of line, away from the hot paths that call them.
  ASL_NOINLINE void event(EventType type, std::uint64_t id) {
    JournalRecord r;
    r.fact = JournalFact::event;
    r.event = type;
    r.event_id = id;
    record(r);
  }
  /// A frame enters `state`, its step `step`, with `input` as its raw input. `entered_time`
  /// (null when the state does not read it) becomes the recorded time on a replay.
  ASL_NOINLINE void transition(std::uint64_t frame, std::uint32_t step, std::uint32_t state, const Json& input,
                               TimePoint* entered_time) {
    if (replay_)
      if (auto t = replay_->find_entry(frame, step)) {
        if (entered_time) *entered_time = *t;
        return;
      }
    JournalRecord r = on(JournalFact::transition, FactKey{frame, step, 0}, state, &input);
    if (entered_time) {
      r.time = *entered_time;
      r.has_time = true;
    }
    record(r);
  }
  /// Before the handler is called: an at-most-once handler must not see this input twice.
  ASL_NOINLINE void task_input(const FactKey& at, std::uint32_t state, const Json& input,
                               std::optional<TimePoint> timeout_at, bool at_most_once, bool callback) {
    if (replay_)
      if (const RecordedTask* t = replay_->find_task(at); t && t->started) return;
    JournalRecord r = on(JournalFact::task_input, at, state, &input);
    r.at_most_once = at_most_once;
    r.callback = callback;
    if (timeout_at) {
      r.due = *timeout_at;
      r.has_due = true;
    }
    record(r);
  }
  ASL_NOINLINE void task_result(const FactKey& at, std::uint32_t state, const Result<Json>& result, bool heartbeat) {
    if (replay_)
      if (const RecordedTask* t = replay_->find_task(at); t && t->ended()) return;
    JournalRecord r = on(JournalFact::task_result, at, state, result ? &*result : nullptr);
    if (!result) r.error = &result.error();
    r.heartbeat = heartbeat;
    record(r);
  }
  /// A frame sleeps until `due`; returns the deadline to keep: the recorded one on a replay
  /// (a Wait, or a retry interval with jitter, ends when it was first set to end).
  ASL_NOINLINE TimePoint timer(const FactKey& at, std::uint32_t state, TimePoint due) {
    if (replay_)
      if (auto t = replay_->find_timer(at)) return *t;
    JournalRecord r = on(JournalFact::timer, at, state, nullptr);
    r.due = due;
    r.has_due = true;
    record(r);
    return due;
  }
  /// Before the token is registered or handed to the handler: a token must not be issued twice.
  ASL_NOINLINE void token(const FactKey& at, std::uint32_t state, std::string_view token) {
    if (replay_)
      if (const RecordedTask* t = replay_->find_task(at); t && !t->token.empty()) return;
    JournalRecord r = on(JournalFact::token, at, state, nullptr);
    r.token = token;
    record(r);
  }
  /// The frame id of the first of the `count` children of the Map/Parallel frame `owner` (at
  /// `state`): child i is that id + i. The recorded one on a replay, else the next block of
  /// `ids`. One fact per Map, not per item: a child's id is derived from it, the same on every
  /// replay whatever order the items start in.
  ASL_NOINLINE std::uint64_t children(std::atomic<std::uint64_t>& ids, const FactKey& owner, std::uint32_t state,
                                      std::size_t count) {
    if (replay_)
      if (auto first = replay_->find_children(owner)) return *first;
    const std::uint64_t first = ids.fetch_add(count, std::memory_order_relaxed) + 1;
    JournalRecord r = on(JournalFact::children, FactKey{first, owner.step, owner.attempt}, state, nullptr);
    r.parent = owner.frame;
    r.index = static_cast<std::uint32_t>(count);
    record(r);
    return first;
  }
  /// The Map Run of `at` reads its items from the source `identity` describes. On a replay
  /// (a resume or a redrive) the recorded identity is compared: returns it, as JSON text, when
  /// the source is not the one the run began with (the run must not go on: its recorded
  /// results belong to other items); nullopt when it is, or when nothing was recorded.
  ASL_NOINLINE std::optional<std::string> item_source(const FactKey& at, std::uint32_t state, const Json& identity) {
    if (replay_)
      if (const std::string* recorded = replay_->find_item_source(at)) {
        const Json was = Json::parse(*recorded, nullptr, false);
        if (was == identity) return std::nullopt;
        return *recorded;
      }
    record(on(JournalFact::item_source, at, state, &identity));
    return std::nullopt;
  }
  /// Child frame `frame` of the Map/Parallel frame `owner` (at `state`) starts item or branch
  /// `index` with `input`. Its id follows from children(); this reports the hand-out to a
  /// journal that wants each one (the durable one does not need it).
  ASL_NOINLINE void hand_out(std::uint64_t frame, const FactKey& owner, std::uint32_t state, std::uint32_t index,
                             const Json& input) {
    if (replay_) return;
    JournalRecord r = on(JournalFact::hand_out, FactKey{frame, owner.step, owner.attempt}, state, &input);
    r.parent = owner.frame;
    r.index = index;
    record(r);
  }
  ASL_NOINLINE void finished(const ExecutionResult& result, TimePoint at, const std::vector<FactKey>& failed,
                             std::uint64_t events) {
    JournalRecord r = on(JournalFact::finished, FactKey{}, 0xffffffffu, nullptr);
    r.time = at;
    r.has_time = true;
    r.failed = &failed;
    r.events = events;
    Error ended;
    if (result.status == Status::succeeded) {
      r.value = &result.output;
    } else {
      ended.name = result.error;
      ended.cause = result.cause;
      r.error = &ended;
    }
    r.status = result.status;
    record(r);
  }

 private:
  static JournalRecord on(JournalFact fact, const FactKey& at, std::uint32_t state, const Json* value) {
    JournalRecord r;
    r.fact = fact;
    r.frame = at.frame;
    r.step = at.step;
    r.attempt = at.attempt;
    r.state = state;
    r.value = value;
    return r;
  }

  std::shared_ptr<const ReplayMemo> replay_;

 protected:
  bool wants_derivable_ = true;
};

}  // namespace asl::detail
