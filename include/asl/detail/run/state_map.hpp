// The Map state: its items, MaxConcurrency and the tolerated failures, and the chunks of items a
// pool worker runs together (see fan_out.hpp for the join).
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "asl/detail/items/map_io.hpp"  // Distributed Map I/O (issue #20)
#include "asl/detail/items/map_run.hpp"
#include "asl/detail/items/map_run_counters.hpp"
#include "asl/detail/jsonpath/intrinsics.hpp"
#include "asl/detail/run/spin_lock.hpp"
#include "asl/detail/run/interpreter.hpp"

namespace asl::detail {

inline Interpreter::Step Interpreter::run_map(const std::shared_ptr<Frame>& f, const State& st) {
  std::optional<Json> holder;
  QueryEnv ctx = make_ctx(*f, st, holder);
  Selection v;
  if (auto fl = input_view(*f, st, ctx, v)) return fail_state(f, st, std::move(*fl));
  const Json& input = v.get();
  // Where the items sit in this frame's own document, if nothing reads that document again
  // (map_input_consumed): they are then moved out once the numbers below are read, instead of
  // copied item by item.
  const StateQueries& q = *st.queries;
  Json* movable = nullptr;
  Json items;
  const bool reads_items = st.io && st.io->reader.present();  // an ItemReader gives them (issue #20)
  if (!reads_items) {
    Selection found;
    if (auto e = q.items(input, ctx, found)) {
      Failure fl = from_eval(*f, st, std::move(*e));
      if (st.jsonata) {
        // AWS-recorded (JSONata Items that fail): EvaluationFailed, then MapStateFailed.
        log_evaluation_failure(*f, fl);
        emit(*f, EventType::MapStateFailed);
      }
      return fail_state(f, st, std::move(fl));
    }
    if (found.ptr && v.ptr && map_input_consumed(st))
      movable = const_cast<Json*>(found.ptr);  // found.ptr points into f->doc, which this frame owns
    else
      items = found.ptr ? *found.ptr : std::move(found.owned);
  }
  std::optional<Json> max_conc_n, tol_count_n, tol_pct_n;
  if (auto fl = read_number(*f, st, NumberField::max_concurrency, input, ctx, max_conc_n))
    return fail_state(f, st, std::move(*fl));
  const double max_conc = max_conc_n ? max_conc_n->get<double>() : 0;
  if (max_conc < 0) return fail_state(f, st, runtime(*f, st, "MaxConcurrency cannot be negative."));
  // ---- Distributed Map I/O (issue #20): ItemReader / ItemBatcher / ResultWriter evaluated here.
  MapIoValues io_values;
  io_values.unbounded = max_conc == 0;
  if (st.io)
    if (auto fl = evaluate_map_io(*f, st, input, ctx, io_values)) return fail_state(f, st, std::move(*fl));
  // With an ItemReader the items are read as the run goes: their number is not known here
  // [INF: AWS logs MapStateStarted before reading them].
  const std::size_t length = reads_items ? 0 : movable ? movable->size() : items.size();
  if (config_.max_map_items && length > config_.max_map_items)
    return fail_state(f, st, runtime(*f, st, fmt::format("The Map state has {} items, more than the engine's limit "
                                                         "of {} (EngineOptions::max_map_items).",
                                                         length, config_.max_map_items)));
  // AWS logs MapStateStarted between the two: a bad MaxConcurrencyPath fails the state before
  // it, a bad ToleratedFailureCountPath after it (recorded histories).
  emit(*f, EventType::MapStateStarted, [&](Json& d) { d["length"] = length; });
  if (auto fl = read_number(*f, st, NumberField::tolerated_failure_count, input, ctx, tol_count_n))
    return fail_state(f, st, std::move(*fl));
  const double tol_count = tol_count_n ? tol_count_n->get<double>() : 0;
  if (tol_count < 0) return fail_state(f, st, runtime(*f, st, "ToleratedFailureCount cannot be negative."));
  if (auto fl = read_number(*f, st, NumberField::tolerated_failure_percentage, input, ctx, tol_pct_n))
    return fail_state(f, st, std::move(*fl));
  const double tol_pct = tol_pct_n ? tol_pct_n->get<double>() : 0;
  if (tol_pct < 0 || tol_pct > 100)
    return fail_state(f, st, runtime(*f, st, "ToleratedFailurePercentage must be between 0 and 100."));
  // A Distributed Map's iterations are child executions on AWS, with histories of their own:
  // the parent's history has the Map Run's events instead (their events are not emitted here).
  std::shared_ptr<MapRunCounters> counters;
  if (st.distributed) {
    // Items from the state input are counted now; read or batched ones as the run goes.
    const bool known = !reads_items && !(st.io && st.io->batcher.present());
    counters = open_counters(*f, st, known ? (movable ? movable->size() : items.size()) : 0, known);
    emit(*f, EventType::MapRunStarted, [&](Json& d) { d["mapRunArn"] = counters->arn(); });
    if (!config_.map_run_observers.empty()) {
      const MapRunInfo info = counters->info();
      for (MapRunObserver* o : config_.map_run_observers) o->on_map_run_started(info);
    }
  }

  if (movable) items = std::move(*movable);  // the numbers above were read from `input` first
  auto j = new_join(f, true);
  j->counters = std::move(counters);
  j->total = items.size();
  if (config_.journal)
    // A Map Run (st.io) feeds its children as it reads: its block of ids is sized for any count.
    j->first_child = config_.journal->children(frame_ids_, FactKey{f->id, f->step, f->retry_count}, f->state,
                                               st.io ? map_run_child_ids : j->total);
  // MaxConcurrency counts per Map instance; the engine's cap windows an unbounded Map.
  j->limit = static_cast<std::size_t>(max_conc);
  if (config_.max_map_concurrency && (j->limit == 0 || j->limit > config_.max_map_concurrency)) {
    j->limit = config_.max_map_concurrency;
    // The engine's own window refills in halves: one queue hand-off per few hundred items
    // instead of one per item (a user's MaxConcurrency is kept exactly, item by item).
    if (j->limit >= 64) j->refill_at = j->limit / 2;
  }
  j->tolerance = tol_count_n || tol_pct_n;
  j->count_tolerated = tol_count_n.has_value();
  j->percentage_tolerated = tol_pct_n.has_value();
  j->tolerated_count = tol_count;
  j->tolerated_percentage = tol_pct;
  j->results = Json::array();
  j->results.get_ref<Json::array_t&>().resize(j->total);
  j->items = std::move(items);
  if (st.shape.has_item_selector) j->input = input;
  j->map_state = f->state;
  // Chunks need no owner frame to start items, so not with an ItemSelector that reads `$$`.
  if (host_->parallelism() > 1 && !st.shape.item_selector_reads_context)
    // Enough chunks for every worker, and within MaxConcurrency room for one per worker.
    j->chunk = std::clamp<std::size_t>(
        std::min(j->total / (8 * host_->parallelism()), j->limit ? j->limit / host_->parallelism() : 64), 1, 64);
  if (st.io) {
    // A Map Run with a feed (state_map_io.hpp); a reader that cannot open fails the Map Run.
    if (auto fl = open_map_run(*f, st, *j, std::move(io_values))) {
      j->failure = std::move(*fl);
      j->failure->from_children = false;
      resume_owner(j);
      return Step::stop;
    }
  }
  std::lock_guard<std::mutex> lock(spin_lock(j->mutex), std::adopt_lock);
  start_children(j);
  if (j->total == 0) resume_owner(j);
  return Step::stop;
}

/// True when a Map state's raw input is dead once its items are taken: no Retry (a retry
/// reads it again), no ItemSelector (its `$`), and ResultPath `$` on the state and on every
/// Catch, so the output replaces the input whether the Map succeeds or is caught.
/// (The items are moved only out of the frame's own document: a Selection never points into
/// the context object, so an InputPath or ItemsPath on `$$` leaves a copy.)
inline bool Interpreter::map_input_consumed(const State& st) {
  const QueryShape& shape = st.shape;
  if (!st.retriers.empty() || shape.has_item_selector || shape.combine != Combine::replace) return false;
  for (Combine c : shape.catch_combine)
    if (c != Combine::replace) return false;
  return true;
}

/// A queued chunk of Map items [slot, chunk_end): builds each item's frame and drives it until
/// it ends or suspends (a suspended item goes on alone, as an unchunked one would); then
/// reports the finished ones to the join at once.
inline Interpreter::Step Interpreter::run_chunk(const std::shared_ptr<Frame>& f) {
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
      if (st.shape.has_item_selector) {
        QueryEnv env;
        env.vars = j.vars.get();
        auto r = st.queries->item_input(j.input, env);
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
      child->quiet = j.children_quiet;
      child->size_bound = bound(child->doc);
      child->depth_bound = j.child_depth;
      child->vars = j.vars;
      if (config_.journal) journal_child(j, *child, j.map_state);
      ++started;
      drive_steps(child);
    }
    ChunkResults::current() = outer;
    publish_counts();
    const ProgressNotice notice{*this, results.done.empty() ? nullptr : j.counters.get()};
    std::lock_guard<std::mutex> lock(spin_lock(j.mutex), std::adopt_lock);
    if (j.abandoned.load(std::memory_order_relaxed)) return Step::stop;
    for (auto& [slot, doc] : results.done) j.results[slot] = std::move(doc);
    if (j.counters) j.counters->succeeded(results.done.size());
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
      f->slot = static_cast<std::uint32_t>(j.start(next));
      f->chunk_end = static_cast<std::uint32_t>(f->slot + next);
    }
    if (j.refill_at == 0 || j.running <= j.refill_at) start_children(jp);
    if (!more) {
      if (j.finished == j.total) resume_owner(jp);
      return Step::stop;
    }
  }
}

/// AWS (Distributed Map, "Setting failure thresholds"): with both a count and a percentage, the
/// run fails when either is exceeded; a threshold not given is not a threshold of 0.
inline bool Interpreter::threshold_exceeded(const Join& j) {
  const auto failures = static_cast<double>(j.failures);
  if (j.count_tolerated && failures > j.tolerated_count) return true;
  return j.percentage_tolerated && j.total > 0 &&
         100.0 * failures / static_cast<double>(j.total) > j.tolerated_percentage;
}

}  // namespace asl::detail
