// A Distributed Map's Map Run over an ItemReader, ItemBatcher and ResultWriter: the item feed
// that refills the window as children finish, and the results written as they complete.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "asl/detail/base/arn.hpp"
#include "asl/detail/base/timestamp.hpp"
#include "asl/detail/json/depth.hpp"
#include "asl/detail/items/map_io.hpp"
#include "asl/detail/items/map_run.hpp"
#include "asl/detail/items/map_run_counters.hpp"
#include "asl/detail/run/interpreter.hpp"

namespace asl::detail {

/// The three blocks evaluated against the Map's input, before MapStateStarted.
inline std::optional<Failure> Interpreter::evaluate_map_io(const Frame& f, const State& st, const Json& input,
                                                           const QueryEnv& ctx, MapIoValues& out) const {
  const MapIo& io = *st.io;
  auto eval = [&](const MapIoBlock& b, std::optional<Json>& v) -> std::optional<Failure> {
    if (!b.present()) return std::nullopt;
    auto r = b.evaluate(input, ctx);
    if (!r) return from_eval(f, st, std::move(r).error());
    v = std::move(*r);
    return std::nullopt;
  };
  if (auto fl = eval(io.reader, out.reader)) return fl;
  if (auto fl = eval(io.batcher, out.batcher)) return fl;
  return eval(io.writer, out.writer);
}

inline std::string Interpreter::now_text() { return timestamp::format(now().time_since_epoch().count()); }

/// Builds the Map Run of join `j`: its feed (the reader's items, or the items already in `j`,
/// then ItemSelector, then the batcher) and its writer. Items are pulled only as the window has
/// room (start_fed_children), so a reader holds one row at a time.
inline std::optional<Failure> Interpreter::open_map_run(const Frame& f, const State& st, Join& j,
                                                        MapIoValues values) {
  auto run = std::make_shared<MapRun>();
  run->arn = j.counters ? j.counters->arn() : map_run_arn(f, st);
  run->run_id = run->arn.substr(run->arn.rfind(':') + 1);
  run->child_machine_arn = state_machine_arn(program_->name) + "/" + st.name;
  run->execution_prefix =
      fmt::format("{}execution:{}/{}:", local_arn_prefix, program_->name, st.name);
  std::unique_ptr<ItemSource> src;
  if (values.reader) {
    // In a durable execution the source is recorded as the run begins, and a resume or a
    // redrive, which pairs recorded results with items by their place in the feed, refuses one
    // that changed. [INF: AWS does not document what a Map Run redrive does when its source
    // changed; refusing is the choice that never pairs a result with the wrong item.]
    Json identity;
    if (auto e = open_item_reader(*values.reader, st.io->reader, config_.object_store, src,
                                  config_.journal ? &identity : nullptr))
      return from_eval(f, st, std::move(*e));
    if (config_.journal)
      if (auto was = config_.journal->item_source(FactKey{f.id, f.step, f.retry_count}, f.state, identity))
        return from_eval(f, st,
                         item_reader_failed(fmt::format("The ItemReader's source changed since this Map Run began "
                                                        "(then {}, now {}): the run cannot go on over other items.",
                                                        *was, json_to_text(identity))));
  } else {
    src = std::make_unique<ArraySource>(std::move(j.items));
    j.items = Json();
  }
  if (st.shape.has_item_selector) {
    Join* jr = &j;  // the join owns the feed: no cycle, and the owner is there while items are pulled
    src = std::make_unique<SelectingSource>(std::move(src), [this, jr](Json item, std::size_t index) -> Result<Json> {
      const State& s = program_->states[jr->map_state];
      QueryEnv env;
      env.vars = jr->vars.get();
      std::optional<Json> holder;
      if (s.shape.item_selector_reads_context && jr->owner) {
        holder = context(*jr->owner, s, &item, index);
        env.ctx = &*holder;
      }
      return s.queries->item_input(jr->input, env);
    });
  }
  if (values.batcher) {
    BatchLimits limits;
    if (auto e = read_batch_limits(*values.batcher, st.io->batcher, limits)) return from_eval(f, st, std::move(*e));
    src = std::make_unique<BatchingSource>(std::move(src), std::move(limits));
    // MaxConcurrency unset: a window of a few batches per worker, not the engine's thousand
    // children, which would hold a thousand batches (the whole file) at once.
    if (values.unbounded)
      j.limit = std::max<std::size_t>(8, 4 * static_cast<std::size_t>(host_->parallelism()));
  } else if (j.limit == 0) {
    j.limit = 1000;  // never the whole file in flight: what the engine's window does for items
  }
  if (values.writer) {
    WriterSettings ws = read_writer_settings(*values.writer);
    if (ws.exports) {
      const ReplayMemo* memo = config_.journal ? config_.journal->replay() : nullptr;
      run->writer = std::make_unique<ResultWriterSink>(std::move(ws), config_.object_store, run->arn, run->run_id,
                                                       memo && memo->history_only);
    } else {
      run->reshape = ws.transformation;
    }
  }
  run->feed = std::move(src);
  j.run = std::move(run);
  j.total = static_cast<std::size_t>(-1);  // known when the feed ends
  j.results = Json::array();
  j.chunk = 1;  // items come from the feed one at a time, under the join lock
  j.refill_at = 0;
  return std::nullopt;
}

/// start_children for a Map Run. Called with the join's mutex held.
inline void Interpreter::start_fed_children(const std::shared_ptr<Join>& jp) {
  Join& j = *jp;
  MapRun& run = *j.run;
  const Frame& owner = *j.owner;
  const State& st = program_->states[owner.state];
  while (!run.exhausted && (j.limit == 0 || j.running < j.limit)) {
    Json input;
    bool end = false;
    if (auto e = run.feed->next(input, end)) {
      run.exhausted = true;
      j.failure = from_eval(owner, st, std::move(*e));
      j.abandoned.store(true, std::memory_order_release);
      resume_owner(jp);
      return;
    }
    if (end) {
      run.exhausted = true;
      run.feed.reset();  // closes the file now, not when the Map ends
      j.total = j.started;
      if (j.counters) j.counters->set_total(j.total, true);
      break;
    }
    const std::size_t i = j.start(1);
    if (run.writer)
      run.begin(i, input, now_text());
    else
      j.results.push_back(nullptr);
    auto child = std::make_shared<Frame>();
    child->parent = jp;
    child->slot = static_cast<std::uint32_t>(i);
    child->doc = std::move(input);
    child->state = program_->scopes[st.processor].start;
    child->announce = true;
    child->quiet = j.children_quiet;
    child->size_bound = bound(child->doc);
    // Read or batched items have no depth the definition bounds: measured (CSV rows and their
    // batches are two or three levels, so this stops early).
    child->depth_bound = std::max(j.child_depth, json_depth(child->doc));
    child->vars = j.vars;
    if (config_.journal) journal_child(j, *child, owner.state);
    requeue(std::move(child));
  }
}

/// A child's output: to the writer when the Map Run exports, else into the results.
inline void Interpreter::store_result(Join& j, std::uint32_t slot, Json&& doc) {
  if (j.counters) j.counters->succeeded(1);
  if (j.run && j.run->writer) {
    j.run->writer->succeeded(j.run->record(slot, now_text()), std::move(doc));
    if (j.counters) j.counters->written();
    return;
  }
  j.results[slot] = std::move(doc);
}

/// A tolerated failure: a FAILED record when exporting, else a null in the results.
inline void Interpreter::store_failure(Join& j, std::uint32_t slot, const Error& e) {
  if (j.run && j.run->writer) {
    j.run->writer->failed(j.run->record(slot, now_text()), e);
    if (j.counters) j.counters->written();
    return;
  }
  j.results[slot] = Json(nullptr);
}

/// The Map Run's end: the tolerated-failure percentage over the whole run (its total is known
/// only now), the writer's last files and manifest, and the Map's output.
inline void Interpreter::finish_map_run(Join& j, std::optional<Failure>& failure, Json& results,
                                        std::size_t& result_bound) {
  MapRun& run = *j.run;
  if (!failure && j.tolerance && j.failures > 0 && threshold_exceeded(j))
    failure = Failure{Error(std::string(errors::exceed_tolerated_failure_threshold),
                            "The specified tolerated failure threshold was exceeded"),
                      false};
  if (run.writer) {
    // A failed run still leaves what its children did (best effort: its own failure is
    // the one reported), and, as AWS does, what they never did.
    if (failure) write_unfinished(j);
    auto e = run.writer->finish();
    if (failure) return;
    if (e) {
      failure = Failure{std::move(*e), false};
      return;
    }
    results = Json::object();
    results["MapRunArn"] = run.arn;
    results["ResultWriterDetails"] = {{"Bucket", run.writer->settings().bucket}, {"Key", run.writer->manifest_key()}};
    result_bound = json_to_text(results).size();
    return;
  }
  if (!failure && run.reshape) results = ResultWriterSink::transform(std::move(results), *run.reshape);
}

/// A Map Run that ends early (a failure over the tolerated threshold, a child's error, the
/// reader's): the children still running are ABORTED records in FAILED_n.json, and the items
/// never started are PENDING_n.json records, read from the rest of the feed (streamed: the
/// writer rolls its files as they grow). Best effort: a reader error ends the PENDING records.
inline void Interpreter::write_unfinished(Join& j) {
  MapRun& run = *j.run;
  std::vector<std::size_t> slots;
  slots.reserve(run.running.size());
  for (const auto& r : run.running) slots.push_back(r.first);
  std::sort(slots.begin(), slots.end());  // the unordered map's order is not the items'
  const std::string now = now_text();
  for (std::size_t slot : slots) {
    run.writer->aborted(run.record(slot, now));
    if (j.counters) j.counters->written();
  }
  if (run.exhausted || !run.feed) return;
  std::size_t pending = 0;
  for (;;) {
    Json input;
    bool end = false;
    if (run.feed->next(input, end) || end) break;
    run.writer->pending(json_to_text(input));
    ++pending;
  }
  run.exhausted = true;
  run.feed.reset();
  if (j.counters && !j.counters->counts().total_known) j.counters->set_total(j.started + pending, true);
}

// ---------------------------------------------------------------- Map Run counters
// Only Distributed Maps have them (Join::counters): any other Map or Parallel pays a null check.

inline std::shared_ptr<MapRunCounters> Interpreter::open_counters(const Frame& f, const State& st, std::size_t total,
                                                                  bool known) {
  auto c = std::make_shared<MapRunCounters>(map_run_arn(f, st), st.name, config_.execution_name);
  c->set_total(known ? total : 0, known);
  std::lock_guard<std::mutex> lock(map_runs_mutex_);
  map_runs_.push_back(c);
  return c;
}

inline void Interpreter::map_run_ended(MapRunCounters& c, bool failed) {
  if (failed) c.abort_running();
  c.end(failed ? MapRunStatus::failed : MapRunStatus::succeeded);
  if (config_.map_run_observers.empty()) return;
  const MapRunInfo info = c.info();
  for (MapRunObserver* o : config_.map_run_observers) o->on_map_run_ended(info);
}

inline Interpreter::ProgressNotice::~ProgressNotice() {
  // A child of a run that has ended (a sibling failed it) has nothing to report.
  if (!counters || exec.config_.map_run_observers.empty() || counters->status() != MapRunStatus::running) return;
  const MapRunItemCounts now = counters->counts();
  for (MapRunObserver* o : exec.config_.map_run_observers) o->on_map_run_progress(counters->arn(), now);
}

inline std::vector<MapRunInfo> Interpreter::map_runs() const {
  const bool ended = done();
  std::lock_guard<std::mutex> lock(map_runs_mutex_);
  std::vector<MapRunInfo> out;
  out.reserve(map_runs_.size());
  for (const auto& c : map_runs_) out.push_back(c->info(ended));
  return out;
}

}  // namespace asl::detail
