// What Map and Parallel share: a join that the owner frame waits on, starting child frames,
// children reporting back, and the owner resuming with the results or the first failure.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <memory>
#include <mutex>
#include <optional>

#include "asl/detail/json/release.hpp"
#include "asl/detail/run/spin_lock.hpp"
#include "asl/detail/run/interpreter.hpp"

namespace asl::detail {

inline std::shared_ptr<Join> Interpreter::new_join(const std::shared_ptr<Frame>& f, bool is_map) {
  auto j = std::make_shared<Join>();
  // An item or a branch input comes from the effective input or ItemSelector / Parameters.
  j->child_depth = grown_depth(*f, program_->states[f->state]);
  j->owner = f;
  j->owner_id = f->id;
  j->owner_step = f->step;
  j->owner_attempt = f->retry_count;
  j->up = f->parent;
  j->is_map = is_map;
  // Children read the owner's variables as of the state's entry (its own Assign comes later);
  // a Distributed Map's child executions see none (spec §12.4).
  if (!(is_map && program_->states[f->state].distributed)) j->vars = f->vars;
  j->children_quiet = f->quiet || (is_map && program_->states[f->state].distributed);
  // The children's chains start at the owner's *StateStarted (events.hpp).
  j->chain.store(f->previous_event, std::memory_order_relaxed);
  j->last_done.store(f->previous_event, std::memory_order_relaxed);
  return j;
}

/// Starts children up to the concurrency limit (MaxConcurrency counts per Map instance).
inline void Interpreter::start_children(const std::shared_ptr<Join>& jp) {
  Join& j = *jp;
  if (j.abandoned.load(std::memory_order_relaxed) || !j.owner) return;
  const Frame& owner = *j.owner;
  const State& st = program_->states[owner.state];
  if (j.run) return start_fed_children(jp);  // a Map Run's feed (issue #20)
  if (j.chunk > 1) {
    // On a pool, a queued work item starts `chunk` consecutive items and runs each as far as
    // it goes: one queue hand-off and one join lock per chunk instead of per item.
    while (j.started < j.total && (j.limit == 0 || j.running < j.limit)) {
      std::size_t n = std::min(j.chunk, j.total - j.started);
      if (j.limit) n = std::min(n, j.limit - j.running);
      auto c = std::make_shared<Frame>();
      c->parent = jp;
      c->slot = static_cast<std::uint32_t>(j.start(n));
      c->chunk_end = static_cast<std::uint32_t>(c->slot + n);
      c->resume = Frame::Resume::map_chunk;
      requeue(std::move(c));
    }
    return;
  }
  while (j.started < j.total && (j.limit == 0 || j.running < j.limit)) {
    const std::size_t i = j.start(1);
    auto child = std::make_shared<Frame>();
    child->parent = jp;
    child->slot = static_cast<std::uint32_t>(i);
    if (j.is_map) {
      Json& item = j.items[i];
      if (st.shape.has_item_selector) {
        std::optional<Json> ctx_holder;
        QueryEnv env;
        env.vars = j.vars.get();
        if (st.shape.item_selector_reads_context) {
          ctx_holder = context(owner, st, &item, i);
          env.ctx = &*ctx_holder;
        }
        auto r = st.queries->item_input(j.input, env);
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
      child->quiet = j.children_quiet;
    } else {
      child->doc = (i + 1 == j.total) ? std::move(j.input) : j.input;
      child->state = program_->scopes[st.branches[i]].start;
      child->previous_event = j.chain.load(std::memory_order_relaxed);
      child->quiet = j.children_quiet;
    }
    child->size_bound = bound(child->doc);
    child->depth_bound = j.child_depth;
    child->vars = j.vars;
    if (config_.journal) journal_child(j, *child, owner.state);
    requeue(std::move(child));
  }
}

/// A child's journal id: its owner's recorded block plus its slot, the same on every replay
/// whatever order the children start in; and its hand-out, to a journal that wants each one.
inline void Interpreter::journal_child(const Join& j, Frame& child, std::uint32_t owner_state) {
  child.id = j.first_child + child.slot;
  if (config_.journal->wants_derivable())
    config_.journal->hand_out(child.id, FactKey{j.owner_id, j.owner_step, j.owner_attempt}, owner_state, child.slot,
                              child.doc);
}

/// Called with the join's mutex held.
inline void Interpreter::child_done(const std::shared_ptr<Join>& jp) {
  Join& j = *jp;
  ++j.finished;
  --j.running;
  if (j.refill_at == 0 || j.running <= j.refill_at) start_children(jp);
  if (j.finished == j.total) resume_owner(jp);
}

/// Called with the join's mutex held (or before any child exists). While children run, only
/// they hold the join (the owner gets it back here): if the execution ends meanwhile, dropping
/// the children frees the join and the owner with it, with no owner <-> join cycle.
inline void Interpreter::resume_owner(const std::shared_ptr<Join>& jp) {
  Join& j = *jp;
  if (!j.owner) return;
  std::shared_ptr<Frame> owner = std::move(j.owner);
  j.owner.reset();
  owner->children = jp;
  owner->resume = Frame::Resume::children_done;
  requeue(std::move(owner));
}

inline Interpreter::Step Interpreter::finish_children(const std::shared_ptr<Frame>& f, const State& st) {
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
  if (j->run) finish_map_run(*j, failure, results, result_bound);  // Map Run I/O (issue #20)
  if (j->counters) map_run_ended(*j->counters, failure.has_value());
  children_ended(*f, *j);
  if (failure) {
    Failure fl = std::move(*failure);
    // AWS logs *StateFailed only when the state fails for good: a retried Map/Parallel goes
    // from its failed child straight to its next *StateStarted (recorded histories).
    if (st.distributed)
      emit(*f, EventType::MapRunFailed, [&](Json& d) {
        if (fl.error.name) d["error"] = *fl.error.name;
        if (fl.error.cause) d["cause"] = *fl.error.cause;
      });
    if (!will_retry(*f, st, fl)) emit(*f, is_map ? EventType::MapStateFailed : EventType::ParallelStateFailed);
    return fail_state(f, st, std::move(fl));
  }
  close_scope(*f);  // a Map with tolerated failures: the failed iterations are not redriven
  if (st.distributed) emit(*f, EventType::MapRunSucceeded);
  // The Exited that follows points at the same event as this one (events.hpp).
  const std::uint64_t chain = f->previous_event;
  emit(*f, is_map ? EventType::MapStateSucceeded : EventType::ParallelStateSucceeded);
  f->previous_event = chain;
  return finish_state(f, st, std::move(results), result_bound);
}

}  // namespace asl::detail
