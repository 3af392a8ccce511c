// Soak test: many executions of the ml_pipeline workload on one pooled asl::Engine, a window of them in flight, with injected task failures, hung tasks and cancellations; checks every outcome and that resident memory stays flat.
// SPDX-License-Identifier: MIT
//
//   asl_soak [--workload DIR] [--executions N] [--in-flight N] [--threads N] [--seed S]
//            [--rss-mark N] [--rss-tolerance PCT] [--progress N] [--stall-seconds S]
//
// Exit codes: 0 every check passed; 1 a check failed (wrong outcome, on_done not called exactly
// once, RSS grew more than the tolerance from the 1,000th execution to the end, heap in use grew
// with nothing running, no progress) or the workload could not be loaded; 64 usage error.
#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <asl/asl.hpp>
#include <asl/detail/base/hash.hpp>  // sha256: the clean run's output must match expected.json's digest

#include "bench_resolver.hpp"
#include "soak_common.hpp"

#ifndef ASL_SOAK_DEFAULT_WORKLOAD
#define ASL_SOAK_DEFAULT_WORKLOAD "../shared/bench/workloads/ml_pipeline"
#endif

namespace {

using asl_soak::UsageError;

constexpr int exit_ok = 0;
constexpr int exit_fail = 1;
constexpr int exit_usage = 64;

const char* const usage_text =
    "usage: asl_soak [--workload DIR] [--executions N] [--in-flight N] [--threads N] [--seed S]\n"
    "                [--rss-mark N] [--rss-tolerance PCT] [--progress N] [--stall-seconds S]\n"
    "  --workload DIR       ml_pipeline workload folder (definition.json or definition.asl.json,\n"
    "                       input.json, expected.json); default " ASL_SOAK_DEFAULT_WORKLOAD "\n"
    "  --executions N       executions in total (default 100000)\n"
    "  --in-flight N        executions running at once (default 64)\n"
    "  --threads N          engine worker threads, 0 = all cores (default 0)\n"
    "  --seed S             seed of the fault plan (default 1)\n"
    "  --rss-mark N         take the RSS baseline after N executions (default 1000)\n"
    "  --rss-tolerance PCT  allowed RSS growth from the baseline to the end (default 10)\n"
    "  --progress N         print RSS and heap in use every N executions (default: a tenth)\n"
    "  --stall-seconds S    fail if no execution ends for this long (default 120)\n"
    "Exit codes: 0 all checks passed, 1 a check failed, 64 usage error.\n";

struct Args {
  std::string workload = ASL_SOAK_DEFAULT_WORKLOAD;
  long long executions = 100000;
  long long in_flight = 64;
  long long threads = 0;
  long long seed = 1;
  long long rss_mark = 1000;
  long long rss_tolerance = 10;
  long long progress = 0;
  long long stall_seconds = 120;
};

Args parse_args(int argc, char** argv) {
  Args a;
  asl_soak::ArgReader r(argc, argv);
  std::string flag;
  while (r.next(flag)) {
    if (flag == "--workload") a.workload = r.value(flag);
    else if (flag == "--executions") a.executions = asl_soak::to_integer(flag, r.value(flag), 1);
    else if (flag == "--in-flight") a.in_flight = asl_soak::to_integer(flag, r.value(flag), 1);
    else if (flag == "--threads") a.threads = asl_soak::to_integer(flag, r.value(flag), 0);
    else if (flag == "--seed") a.seed = asl_soak::to_integer(flag, r.value(flag), 0);
    else if (flag == "--rss-mark") a.rss_mark = asl_soak::to_integer(flag, r.value(flag), 1);
    else if (flag == "--rss-tolerance") a.rss_tolerance = asl_soak::to_integer(flag, r.value(flag), 0);
    else if (flag == "--progress") a.progress = asl_soak::to_integer(flag, r.value(flag), 1);
    else if (flag == "--stall-seconds") a.stall_seconds = asl_soak::to_integer(flag, r.value(flag), 1);
    else if (flag == "--help" || flag == "-h") throw UsageError{""};
    else throw UsageError{"unknown option '" + flag + "'"};
  }
  return a;
}

std::optional<std::string> read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// ------------------------------------------------------------------------------------ fault plan

/// What one execution is planned to go through. Every class must appear in the thousands over
/// 100,000 executions, so the weights are percentages with none below 5.
enum class Fault : std::uint8_t {
  none,           ///< no injection: SUCCEEDED with the clean output
  transient,      ///< first attempt of a retried task fails: Retry recovers, clean output
  caught_train,   ///< one Train item fails: its Catch records the error, best model unchanged
  fail_validate,  ///< ValidateData fails every attempt: Catch -> Data.ValidationFailed
  fail_evaluate,  ///< one Evaluate item fails every attempt: the Map fails -> Search.Failed
  fail_deploy,    ///< Deploy fails every attempt: Catch -> Deploy.Failed
  hang,           ///< a task defers and is never completed: the driver cancels -> ABORTED
  cancel,         ///< Execution::cancel() from the driver while it runs (or right after start)
  stop_flag,      ///< a task sets RunOptions::stop: the engine aborts at the next step
};
constexpr std::size_t fault_count = 9;
constexpr std::array<std::string_view, fault_count> fault_names = {
    "clean", "transient", "caught_train", "fail_validate", "fail_evaluate",
    "fail_deploy", "hang", "cancel", "stop_flag"};
constexpr std::array<int, fault_count> fault_weights = {52, 8, 5, 5, 5, 5, 6, 7, 7};

/// The Task states of ml_pipeline the plan can aim at (`start` = before the first state).
enum class Where : std::uint8_t { other, validate, train, evaluate, deploy, start };
constexpr std::array<std::string_view, 6> where_names = {"other", "ValidateData", "Train", "Evaluate", "Deploy",
                                                         "start"};

Where where_of(std::string_view state_name) {
  if (state_name == "ValidateData") return Where::validate;
  if (state_name == "Train") return Where::train;
  if (state_name == "Evaluate") return Where::evaluate;
  if (state_name == "Deploy") return Where::deploy;
  return Where::other;
}

/// Which Map item a Train or Evaluate call serves, from its effective input (the handler is not
/// told the item index): Train gets the config `id`, Evaluate the trial's `model_uri`.
std::string item_key(Where w, const asl::Json& in) {
  const char* member = w == Where::train ? "id" : w == Where::evaluate ? "model_uri" : nullptr;
  if (member == nullptr || !in.is_object()) return {};
  auto it = in.find(member);
  return it == in.end() ? std::string() : it->dump();
}

struct Plan {
  Fault fault = Fault::none;
  Where where = Where::other;
  std::string key;  ///< the Map item for Train/Evaluate; empty for the other states
};

std::string describe(const Plan& p) {
  std::string s(fault_names[static_cast<std::size_t>(p.fault)]);
  if (p.fault != Fault::none) s += fmt::format(" at {}", where_names[static_cast<std::size_t>(p.where)]);
  if (!p.key.empty()) s += " item " + p.key;
  return s;
}

/// The injected error: a name the workload's Retry matches only through States.TaskFailed.
constexpr const char* injected_error = "Soak.Injected";

// ------------------------------------------------------------------------------- the harness

/// One running execution's private state, found by the handlers through the execution name.
struct ExecState {
  std::uint64_t index = 0;
  Plan plan;
  /// A fresh BenchResolver's handlers for this execution alone: `flaky` counts per (state, id),
  /// and executions that overlap must not share those counters (CONTRACT.md §2.3).
  std::vector<asl::TaskHandler> handlers;
  std::atomic<bool>* stop = nullptr;  ///< this execution's RunOptions::stop
  std::atomic<bool> fired{false};     ///< the planned fault happened
  std::mutex mutex;
  asl::TaskCompletion hung;  ///< the deferred task nobody completes (Fault::hang)
  bool record = false;       ///< the reference run: remember which items Train/Evaluate saw
  std::vector<std::pair<Where, std::string>> seen;
};

/// What the driver thread is told: an execution ended, a task hung, or a task asks for a cancel.
struct Event {
  enum class Kind : std::uint8_t { done, hung, cancel };
  Kind kind = Kind::done;
  std::uint64_t index = 0;
  asl::ExecutionResult result;
};

/// Events from workers (on_done, handlers) to the driver thread. Nothing holds this lock while
/// calling into the engine: Execution::cancel() runs on_done on the caller's thread.
class EventQueue {
 public:
  void push(Event e) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      events_.push_back(std::move(e));
    }
    cv_.notify_one();
  }
  /// Everything queued, waiting at most `timeout` for the first event (empty = timed out).
  std::vector<Event> take(std::chrono::seconds timeout) {
    std::vector<Event> out;
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait_for(lock, timeout, [&] { return !events_.empty(); });
    out.swap(events_);
    return out;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Event> events_;
};

/// Wraps the bench resolver's handlers with fault injection. The machine is compiled once against
/// it; each call looks up its execution's ExecState and plan.
class Harness {
 public:
  static constexpr std::uint64_t reference_index = ~std::uint64_t{0};

  /// Load time: one wrapper per Task state; the bench resolver decides which resources exist.
  asl::TaskHandler wrap(const asl::ResolveRequest& req) {
    if (!asl_bench::BenchResolver{}.resolve(req)) return {};
    states_.push_back(TaskState{std::string(req.state_name), std::string(req.resource), where_of(req.state_name)});
    const std::size_t id = states_.size() - 1;
    return [this, id](const asl::Json& in, asl::TaskContext& ctx) { return call(id, in, ctx); };
  }
  bool has_state(Where w) const {
    return std::any_of(states_.begin(), states_.end(), [w](const TaskState& s) { return s.where == w; });
  }

  static std::string name_of(std::uint64_t index) { return fmt::format("soak-{}", index); }

  /// Registers an execution before it starts (its handlers may run before start() returns).
  std::shared_ptr<ExecState> begin(std::uint64_t index, Plan plan, std::atomic<bool>* stop, bool record = false) {
    auto es = std::make_shared<ExecState>();
    es->index = index;
    es->plan = std::move(plan);
    es->stop = stop;
    es->record = record;
    asl_bench::BenchResolver fresh;
    es->handlers.reserve(states_.size());
    for (const TaskState& s : states_) es->handlers.push_back(fresh.resolve(asl::ResolveRequest{s.resource, s.name}));
    std::lock_guard<std::mutex> lock(mutex_);
    live_[index] = es;
    return es;
  }
  /// After its on_done: a handler still running for it keeps its own reference.
  void end(std::uint64_t index) {
    std::lock_guard<std::mutex> lock(mutex_);
    live_.erase(index);
  }
  std::size_t live() {
    std::lock_guard<std::mutex> lock(mutex_);
    return live_.size();
  }

  EventQueue& events() { return events_; }
  /// Handler calls that found no live execution (a handler that began as its execution ended).
  std::uint64_t orphans() const { return orphans_.load(); }
  /// Of those, the calls whose stop token was not set (a bug).
  std::uint64_t orphans_unstopped() const { return orphans_unstopped_.load(); }

 private:
  struct TaskState {
    std::string name, resource;
    Where where;
  };

  std::shared_ptr<ExecState> find(std::string_view execution_name) {
    const std::string_view prefix = "soak-";
    if (execution_name.substr(0, prefix.size()) != prefix) return nullptr;
    std::uint64_t index = 0;
    const char* first = execution_name.data() + prefix.size();
    const char* last = execution_name.data() + execution_name.size();
    if (std::from_chars(first, last, index).ptr != last) return nullptr;
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = live_.find(index);
    return it == live_.end() ? nullptr : it->second;
  }

  asl::Result<asl::Json> call(std::size_t id, const asl::Json& in, asl::TaskContext& ctx) {
    std::shared_ptr<ExecState> es = find(ctx.execution_name);
    if (!es) {
      // The driver retires an execution after its on_done, and the engine sets the stop token
      // before calling on_done: a handler that starts later must see it (a frame may still be
      // between its status check and this call, so the call itself is allowed).
      orphans_.fetch_add(1, std::memory_order_relaxed);
      if (!ctx.stop_requested()) orphans_unstopped_.fetch_add(1, std::memory_order_relaxed);
      return asl::Error("Soak.Orphan", fmt::format("no live execution named '{}'", ctx.execution_name));
    }
    const TaskState& st = states_[id];
    if (es->record) {
      std::lock_guard<std::mutex> lock(es->mutex);
      es->seen.emplace_back(st.where, item_key(st.where, in));
    }
    const Plan& p = es->plan;
    if (p.fault != Fault::none && p.where == st.where && (p.key.empty() || p.key == item_key(st.where, in))) {
      switch (p.fault) {
        case Fault::transient:
          if (ctx.retry_count > 0) break;  // the retry goes through
          es->fired.store(true);
          return asl::Error(injected_error, fmt::format("transient fault in {}", st.name));
        case Fault::caught_train:
        case Fault::fail_validate:
        case Fault::fail_evaluate:
        case Fault::fail_deploy:
          es->fired.store(true);
          return asl::Error(injected_error, fmt::format("fault in {} (attempt {})", st.name, ctx.retry_count));
        case Fault::hang:
          if (es->fired.exchange(true)) break;
          {
            asl::TaskCompletion completion = ctx.defer();
            {
              std::lock_guard<std::mutex> lock(es->mutex);
              es->hung = completion;
            }
            // The definition has no TimeoutSeconds, so nothing in the engine would end this task:
            // the driver cancels the execution when it reads this event.
            events_.push(Event{Event::Kind::hung, es->index, {}});
            return asl::Json();  // ignored: a deferred task completes through its TaskCompletion
          }
        case Fault::cancel:
          // The task itself completes; the cancel lands while the rest of the execution runs.
          if (!es->fired.exchange(true)) events_.push(Event{Event::Kind::cancel, es->index, {}});
          break;
        case Fault::stop_flag:
          if (!es->fired.exchange(true)) es->stop->store(true);
          break;
        case Fault::none: break;
      }
    }
    return es->handlers[id](in, ctx);
  }

  std::vector<TaskState> states_;  // written at load time only
  std::mutex mutex_;
  std::unordered_map<std::uint64_t, std::shared_ptr<ExecState>> live_;
  EventQueue events_;
  std::atomic<std::uint64_t> orphans_{0}, orphans_unstopped_{0};
};

class FaultResolver final : public asl::TaskResolver {
 public:
  explicit FaultResolver(Harness& h) : harness_(&h) {}
  asl::TaskHandler resolve(const asl::ResolveRequest& req) const override { return harness_->wrap(req); }

 private:
  Harness* harness_;
};

/// Draws plans from a seeded RNG, aiming Train/Evaluate faults at items the clean run visited.
class Planner {
 public:
  Planner(std::uint64_t seed, std::vector<std::string> train_keys, std::vector<std::string> evaluate_keys,
          std::vector<std::string> caught_train_keys)
      : rng_(seed), train_(std::move(train_keys)), evaluate_(std::move(evaluate_keys)),
        caught_train_(std::move(caught_train_keys)) {}

  Plan draw() {
    Plan p;
    int roll = std::uniform_int_distribution<int>(0, 99)(rng_);
    std::size_t f = 0;
    while (roll >= fault_weights[f]) roll -= fault_weights[f++];
    p.fault = static_cast<Fault>(f);
    switch (p.fault) {
      case Fault::none: break;
      case Fault::transient: aim(p, {Where::validate, Where::evaluate, Where::deploy}); break;
      case Fault::caught_train:
        p.where = Where::train;
        p.key = pick(caught_train_);
        break;
      case Fault::fail_validate: p.where = Where::validate; break;
      case Fault::fail_evaluate: aim(p, {Where::evaluate}); break;
      case Fault::fail_deploy: p.where = Where::deploy; break;
      case Fault::hang:
      case Fault::stop_flag: aim(p, {Where::validate, Where::train, Where::evaluate, Where::deploy}); break;
      case Fault::cancel:
        aim(p, {Where::start, Where::validate, Where::train, Where::evaluate, Where::deploy});
        break;
    }
    return p;
  }

 private:
  void aim(Plan& p, std::initializer_list<Where> choices) {
    p.where = *(choices.begin() + std::uniform_int_distribution<std::size_t>(0, choices.size() - 1)(rng_));
    if (p.where == Where::train) p.key = pick(train_);
    if (p.where == Where::evaluate) p.key = pick(evaluate_);
  }
  std::string pick(const std::vector<std::string>& keys) {
    return keys[std::uniform_int_distribution<std::size_t>(0, keys.size() - 1)(rng_)];
  }

  std::mt19937_64 rng_;
  std::vector<std::string> train_, evaluate_, caught_train_;
};

/// `sha256(jq -cS .)` of a value, as bench.sh computes it (sorted keys, compact, newline).
std::string jq_digest(const asl::Json& v) {
  const nlohmann::json sorted = nlohmann::json::parse(v.dump());  // std::map objects: sorted keys
  return asl::detail::hash::sha256_hex(sorted.dump() + "\n");
}

std::vector<std::string> distinct(const std::vector<std::pair<Where, std::string>>& seen, Where w) {
  std::vector<std::string> out;
  for (const auto& [where, key] : seen)
    if (where == w && !key.empty() && std::find(out.begin(), out.end(), key) == out.end()) out.push_back(key);
  return out;
}

// ------------------------------------------------------------------------------------ the run

/// Outcome counters and the first few problems (every problem is counted).
struct Tally {
  std::array<std::uint64_t, 5> by_status{};  // indexed by asl::Status
  std::array<std::array<std::uint64_t, 5>, fault_count> by_fault{};
  std::uint64_t cancel_lost_race = 0;  ///< cancel arrived after the execution had ended
  std::uint64_t late_refused = 0;      ///< hung tasks whose late completion was refused
  std::uint64_t problems = 0;
  std::vector<std::string> first_problems;

  void problem(std::string what) {
    ++problems;
    if (first_problems.size() < 20) first_problems.push_back(std::move(what));
  }
};

/// In-flight bookkeeping of the driver thread.
struct Slot {
  std::uint64_t index = 0;
  std::shared_ptr<ExecState> state;
  asl::Execution handle;
};

/// Memory at one point of the run: VmRSS, and the bytes malloc'd and not yet freed (RSS also
/// counts what the allocator keeps after free(); the heap figure does not).
struct MemoryMark {
  std::uint64_t rss_kb = 0, heap_bytes = 0;
  static MemoryMark take() { return MemoryMark{asl_soak::rss_kb(), asl_soak::heap_in_use_bytes()}; }
};

std::string status_name(asl::Status s) { return std::string(asl::to_string(s)); }

/// Checks one ended execution against its plan.
void verify(ExecState& es, const asl::ExecutionResult& r, const asl::Execution& handle,
            const asl::Json& expected_output, Tally& t) {
  const Plan& p = es.plan;
  const std::string who = fmt::format("execution {} ({})", es.index, describe(p));
  t.by_status[static_cast<std::size_t>(r.status)]++;
  t.by_fault[static_cast<std::size_t>(p.fault)][static_cast<std::size_t>(r.status)]++;
  if (!handle.done() || handle.status() != r.status)
    t.problem(fmt::format("{}: on_done said {} but the handle says {} (done={})", who, status_name(r.status),
                          status_name(handle.status()), handle.done()));

  auto expect_success = [&] {
    if (r.status != asl::Status::succeeded)
      t.problem(fmt::format("{}: expected SUCCEEDED, got {} {} {}", who, status_name(r.status),
                            r.error.value_or("-"), r.cause.value_or("-")));
    else if (r.output != expected_output)
      t.problem(fmt::format("{}: SUCCEEDED with a different output: {}", who, r.output.dump()));
  };
  auto expect_failure = [&](std::string_view error) {
    if (r.status != asl::Status::failed || r.error.value_or("") != error)
      t.problem(fmt::format("{}: expected FAILED {}, got {} {} {}", who, error, status_name(r.status),
                            r.error.value_or("-"), r.cause.value_or("-")));
  };
  auto expect_aborted = [&] {
    if (r.status != asl::Status::aborted)
      t.problem(fmt::format("{}: expected ABORTED, got {} {}", who, status_name(r.status), r.error.value_or("-")));
  };
  const bool fired = es.fired.load();

  switch (p.fault) {
    case Fault::none: expect_success(); break;
    case Fault::transient:
    case Fault::caught_train:
      expect_success();
      if (!fired) t.problem(who + ": the planned fault never fired");
      break;
    case Fault::fail_validate: expect_failure("Data.ValidationFailed"); break;
    case Fault::fail_evaluate: expect_failure("Search.Failed"); break;
    case Fault::fail_deploy: expect_failure("Deploy.Failed"); break;
    case Fault::hang: {
      expect_aborted();
      asl::TaskCompletion hung;
      {
        std::lock_guard<std::mutex> lock(es.mutex);
        hung = es.hung;
      }
      if (!hung) {
        t.problem(who + ": the task never hung");
        break;
      }
      // The execution ended while the task was pending: its late result must be refused and its
      // stop token set.
      if (hung.succeed(asl::Json{{"late", true}}) || !hung.stop_requested())
        t.problem(who + ": a late completion of the hung task was accepted (or its stop token is not set)");
      else
        ++t.late_refused;
      break;
    }
    case Fault::cancel:
      if (!fired) t.problem(who + ": the cancel never fired");
      if (r.status == asl::Status::succeeded) {
        // The request is asynchronous: a task near the end may let the execution finish first.
        ++t.cancel_lost_race;
        expect_success();
      } else {
        expect_aborted();
      }
      break;
    case Fault::stop_flag:
      if (!fired) t.problem(who + ": the stop flag was never set");
      expect_aborted();
      break;
  }
}

int run(const Args& a) {
  const std::string dir = a.workload;
  std::optional<std::string> definition = read_text(dir + "/definition.asl.json");
  if (!definition) definition = read_text(dir + "/definition.json");
  const std::optional<std::string> input_text = read_text(dir + "/input.json");
  if (!definition || !input_text) {
    fmt::print(stderr, "asl_soak: no definition(.asl).json or input.json in '{}'\n", dir);
    return exit_fail;
  }
  const asl::Json input = asl::parse_json(*input_text);
  std::string expected_digest;
  double retry_scale = 0;  // the workload's expected.json says 0: retries happen at once
  if (auto e = read_text(dir + "/expected.json")) {
    const asl::Json expected = asl::Json::parse(*e);
    expected_digest = expected.value("output_sha256", "");
    retry_scale = expected.value("retry_interval_scale", 0.0);
  }

  const auto total = static_cast<std::uint64_t>(a.executions);
  const auto window = static_cast<std::size_t>(std::min<long long>(a.in_flight, a.executions));
  // Everything on_done, the handlers and the engine touch is declared before the engine, so it
  // outlives the executions the engine's destructor cancels on an early return.
  // on_done must run exactly once per execution: count the calls, check after shutdown too.
  auto done_calls = std::make_unique<std::atomic<std::uint32_t>[]>(total);
  for (std::uint64_t i = 0; i < total; ++i) done_calls[i].store(0);
  // Stop flags are per slot, not per execution, so their addresses stay valid for as long as the
  // engine may read them; a recycled flag can only reach an already-ended execution (no effect).
  auto stop_flags = std::make_unique<std::atomic<bool>[]>(window);
  Harness harness;
  FaultResolver resolver(harness);
  const asl::StateMachine sm = asl::StateMachine::parse(*definition, resolver);
  for (Where w : {Where::validate, Where::train, Where::evaluate, Where::deploy})
    if (!harness.has_state(w)) {
      fmt::print(stderr, "asl_soak: the definition has no Task state '{}' (expected ml_pipeline)\n",
                 where_names[static_cast<std::size_t>(w)]);
      return exit_fail;
    }

  asl::EngineOptions eo;
  eo.threads = static_cast<unsigned>(a.threads);
  eo.retry_interval_scale = retry_scale;
  eo.payload_limit = 0;  // as the asl tool runs the workloads
  asl::Engine engine(eo);

  // The reference: one clean run, checked against the digest bench.sh uses, records which Map
  // items Train and Evaluate see so that injected faults aim at items that really run.
  asl::Json expected_output;
  std::vector<std::string> train_keys, evaluate_keys, caught_train_keys;
  {
    auto ref = harness.begin(Harness::reference_index, Plan{}, nullptr, true);
    asl::RunOptions ro;
    ro.name = Harness::name_of(Harness::reference_index);
    asl::ExecutionResult r = engine.run(sm, input, ro);
    harness.end(Harness::reference_index);
    if (!r.succeeded()) {
      fmt::print(stderr, "asl_soak: the clean run ended {} {} {}\n", status_name(r.status), r.error.value_or("-"),
                 r.cause.value_or("-"));
      return exit_fail;
    }
    const std::string digest = jq_digest(r.output);
    if (!expected_digest.empty() && digest != expected_digest) {
      fmt::print(stderr, "asl_soak: the clean output's digest {} differs from expected.json's {}\n", digest,
                 expected_digest);
      return exit_fail;
    }
    expected_output = std::move(r.output);
    train_keys = distinct(ref->seen, Where::train);
    evaluate_keys = distinct(ref->seen, Where::evaluate);
    // A failed Train item scores 0, so it changes the output only if it was the best model.
    const std::string best = expected_output.at("deployment").at("config_id").dump();
    for (const auto& k : train_keys)
      if (k != best) caught_train_keys.push_back(k);
    if (train_keys.empty() || evaluate_keys.empty() || caught_train_keys.empty()) {
      fmt::print(stderr, "asl_soak: the clean run called no Train/Evaluate items\n");
      return exit_fail;
    }
    fmt::print("reference: SUCCEEDED, output sha256 {} ({}), {} Train and {} Evaluate items\n", digest,
               expected_digest.empty() ? "no digest in expected.json" : "matches expected.json", train_keys.size(),
               evaluate_keys.size());
  }

  // A run shorter than twice the mark takes its baseline half-way instead.
  const std::uint64_t mark =
      std::min<std::uint64_t>(static_cast<std::uint64_t>(a.rss_mark), std::max<std::uint64_t>(1, total / 2));
  Planner planner(static_cast<std::uint64_t>(a.seed), train_keys, evaluate_keys, caught_train_keys);

  std::vector<Slot> slots(window);
  std::vector<std::size_t> free_slots;
  for (std::size_t s = window; s-- > 0;) free_slots.push_back(s);
  std::unordered_map<std::uint64_t, std::size_t> slot_of;

  Tally tally;
  std::uint64_t started = 0, finished = 0;
  MemoryMark at_mark, at_end;
  // Heap in use with nothing running, before and after: an allocator-independent leak check.
  const std::uint64_t heap_idle_start = asl_soak::heap_in_use_bytes();
  const std::uint64_t progress_every =
      a.progress ? static_cast<std::uint64_t>(a.progress) : std::max<std::uint64_t>(1, total / 10);
  EventQueue& events = harness.events();

  auto start_one = [&] {
    const std::uint64_t i = started++;
    Plan plan = planner.draw();
    const std::size_t s = free_slots.back();
    free_slots.pop_back();
    stop_flags[s].store(false);
    const bool cancel_at_start = plan.fault == Fault::cancel && plan.where == Where::start;
    auto es = harness.begin(i, std::move(plan), &stop_flags[s]);
    asl::RunOptions ro;
    ro.name = Harness::name_of(i);
    ro.stop = &stop_flags[s];
    ro.on_done = [&events, &done_calls, i](const asl::ExecutionResult& r) {
      if (done_calls[i].fetch_add(1) != 0) return;  // a second call: counted, reported at the end
      events.push(Event{Event::Kind::done, i, r});
    };
    slot_of[i] = s;
    slots[s].index = i;
    slots[s].state = es;
    slots[s].handle = engine.start(sm, input, ro);
    if (cancel_at_start) {
      es->fired.store(true);
      slots[s].handle.cancel();
    }
  };

  const auto t0 = std::chrono::steady_clock::now();
  auto last_progress = t0;
  while (finished < total) {
    while (!free_slots.empty() && started < total) start_one();
    std::vector<Event> batch = events.take(std::chrono::seconds(a.stall_seconds));
    if (batch.empty()) {
      if (std::chrono::steady_clock::now() - last_progress < std::chrono::seconds(a.stall_seconds)) continue;
      fmt::print(stderr, "asl_soak: no execution ended for {} s; {} in flight:\n", a.stall_seconds, slot_of.size());
      for (const auto& [i, s] : slot_of)
        fmt::print(stderr, "  execution {} ({}): {}\n", i, describe(slots[s].state->plan),
                   status_name(slots[s].handle.status()));
      return exit_fail;
    }
    last_progress = std::chrono::steady_clock::now();
    for (Event& ev : batch) {
      auto it = slot_of.find(ev.index);
      if (it == slot_of.end()) {
        tally.problem(fmt::format("execution {}: event {} after it was retired", ev.index, static_cast<int>(ev.kind)));
        continue;
      }
      Slot& slot = slots[it->second];
      if (ev.kind != Event::Kind::done) {
        slot.handle.cancel();  // may run on_done right here, which queues the done event
        continue;
      }
      verify(*slot.state, ev.result, slot.handle, expected_output, tally);
      harness.end(ev.index);
      free_slots.push_back(it->second);
      slot = Slot{};
      slot_of.erase(it);
      ++finished;
      if (finished == mark) at_mark = MemoryMark::take();
      if (finished % progress_every == 0)
        fmt::print(stderr, "  {:>9} done, RSS {:.1f} MiB, heap in use {:.1f} MiB\n", finished,
                   asl_soak::to_mib(asl_soak::rss_kb()), asl_soak::to_mib(asl_soak::heap_in_use_bytes() / 1024));
    }
  }
  const auto t1 = std::chrono::steady_clock::now();
  const std::uint64_t peak_kb = asl_soak::peak_rss_kb();
  at_end = MemoryMark::take();

  // Nothing is in flight; a drain must find nothing, and no on_done may arrive late.
  engine.shutdown(asl::ShutdownMode::drain);
  std::uint64_t never = 0, twice = 0;
  for (std::uint64_t i = 0; i < total; ++i) {
    const std::uint32_t n = done_calls[i].load();
    if (n == 0) ++never;
    if (n > 1) {
      ++twice;
      tally.problem(fmt::format("execution {}: on_done called {} times", i, n));
    }
  }
  if (never) tally.problem(fmt::format("{} executions never called on_done", never));
  if (harness.live() != 0) tally.problem(fmt::format("{} executions still registered", harness.live()));
  const std::uint64_t heap_idle_end = asl_soak::heap_in_use_bytes();
  // After every reading above: how much of the RSS is free memory the allocator merely keeps.
  const std::uint64_t rss_trimmed_kb = asl_soak::trim_heap() ? asl_soak::rss_kb() : 0;
  if (harness.orphans_unstopped())
    tally.problem(fmt::format("{} handler calls after on_done without the stop token set", harness.orphans_unstopped()));

  const double seconds = std::chrono::duration<double>(t1 - t0).count();
  const bool rss_ok = at_end.rss_kb * 100 <= at_mark.rss_kb * static_cast<std::uint64_t>(100 + a.rss_tolerance);
  // Slack for per-thread allocator caches (tcache) and bounded containers that grew to their size.
  constexpr std::uint64_t heap_slack = 1024 * 1024;
  const bool heap_ok = heap_idle_start == 0 || heap_idle_end <= heap_idle_start + heap_slack;

  fmt::print("executions      {} ({} in flight, {} worker threads, seed {})\n", total, window, engine.threads(),
             a.seed);
  fmt::print("status          SUCCEEDED {}  FAILED {}  ABORTED {}  TIMED_OUT {}  RUNNING {}\n",
             tally.by_status[static_cast<std::size_t>(asl::Status::succeeded)],
             tally.by_status[static_cast<std::size_t>(asl::Status::failed)],
             tally.by_status[static_cast<std::size_t>(asl::Status::aborted)],
             tally.by_status[static_cast<std::size_t>(asl::Status::timed_out)],
             tally.by_status[static_cast<std::size_t>(asl::Status::running)]);
  fmt::print("by plan         (SUCCEEDED/FAILED/ABORTED)\n");
  for (std::size_t f = 0; f < fault_count; ++f) {
    const auto& s = tally.by_fault[f];
    fmt::print("  {:<14} {:>7} {:>7} {:>7}\n", fault_names[f], s[static_cast<std::size_t>(asl::Status::succeeded)],
               s[static_cast<std::size_t>(asl::Status::failed)], s[static_cast<std::size_t>(asl::Status::aborted)]);
  }
  fmt::print("cancel races    {} cancels arrived after the execution ended (counted as SUCCEEDED)\n",
             tally.cancel_lost_race);
  fmt::print("late completion {} hung tasks refused their late result\n", tally.late_refused);
  fmt::print("orphan calls    {} handler calls after their execution's on_done ({} without the stop token)\n",
             harness.orphans(), harness.orphans_unstopped());
  fmt::print("on_done         {} never, {} more than once\n", never, twice);
  fmt::print("wall time       {:.2f} s, {:.0f} executions/s\n", seconds, static_cast<double>(total) / seconds);
  auto growth = [](std::uint64_t from, std::uint64_t to) {
    return from ? 100.0 * (static_cast<double>(to) - static_cast<double>(from)) / static_cast<double>(from) : 0.0;
  };
  fmt::print("RSS             {:.1f} MiB after {} executions, {:.1f} MiB at the end ({:+.1f} %, limit +{} %)\n",
             asl_soak::to_mib(at_mark.rss_kb), mark, asl_soak::to_mib(at_end.rss_kb),
             growth(at_mark.rss_kb, at_end.rss_kb), a.rss_tolerance);
  fmt::print("peak RSS        {:.1f} MiB (VmHWM)\n", asl_soak::to_mib(peak_kb));
  if (rss_trimmed_kb)
    fmt::print("RSS after trim  {:.1f} MiB once idle and after malloc_trim(0) (not a gate: shows what the allocator "
               "kept)\n",
               asl_soak::to_mib(rss_trimmed_kb));
  if (heap_idle_start)
    fmt::print("heap in use     {:.2f} MiB idle before, {:.2f} MiB with {} in flight after {} executions, "
               "{:.2f} MiB idle after all (limit +1 MiB)\n",
               asl_soak::to_mib(heap_idle_start / 1024), asl_soak::to_mib(at_mark.heap_bytes / 1024), window, mark,
               asl_soak::to_mib(heap_idle_end / 1024));
  for (const auto& p : tally.first_problems) fmt::print(stderr, "problem: {}\n", p);
  if (!rss_ok) fmt::print(stderr, "problem: RSS grew more than {} %\n", a.rss_tolerance);
  if (!heap_ok) fmt::print(stderr, "problem: heap in use grew by more than 1 MiB with nothing running\n");
  const bool ok = tally.problems == 0 && rss_ok && heap_ok;
  fmt::print("result          {} ({} problems)\n", ok ? "PASS" : "FAIL",
             tally.problems + (rss_ok ? 0 : 1) + (heap_ok ? 0 : 1));
  return ok ? exit_ok : exit_fail;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  try {
    args = parse_args(argc, argv);
  } catch (const UsageError& e) {
    if (!e.message.empty()) fmt::print(stderr, "asl_soak: {}\n", e.message);
    fmt::print(stderr, "{}", usage_text);
    return e.message.empty() ? exit_ok : exit_usage;
  }
  try {
    return run(args);
  } catch (const std::exception& e) {
    fmt::print(stderr, "asl_soak: {}\n", e.what());
    return exit_fail;
  }
}
