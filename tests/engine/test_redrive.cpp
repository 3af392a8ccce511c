// Engine tests: redrive (Engine::redrive, AWS RedriveExecution). A failed, timed-out or aborted
// execution runs again from where it stopped: what succeeded is not run again, the failed state
// (and the failed or aborted Map iterations / Parallel branches) run again with fresh retry
// counters, $$.Execution.RedriveCount goes up, ExecutionRedriven joins the history, and AWS's
// refusals apply. Inline and on a pool.
// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <asl/asl.hpp>
#include <asl/testing/manual_clock.hpp>
#include <asl/testing/memory_journal.hpp>

using asl::Json;
using asl::testing::MemoryJournal;

namespace {

/// Calls per task, by resource and input; `broken` makes a resource fail (as a bug in it would).
struct Calls {
  std::mutex mutex;
  std::map<std::string, int> count;
  std::map<std::string, std::vector<std::uint32_t>> retry_counts;
  std::map<std::string, bool> broken;
  bool fails(const std::string& key) {
    std::lock_guard<std::mutex> lock(mutex);
    return broken[key];
  }
  void add(const std::string& key, std::uint32_t retry) {
    std::lock_guard<std::mutex> lock(mutex);
    ++count[key];
    retry_counts[key].push_back(retry);
  }
  int of(const std::string& key) {
    std::lock_guard<std::mutex> lock(mutex);
    return count[key];
  }
};

/// arn:work answers {"done": input}; it fails with "Broken" when calls.broken[key] is set, key
/// being the input's "key" member (or "work").
asl::HandlerRegistry handlers(Calls& calls) {
  asl::HandlerRegistry tasks;
  tasks.add("arn:work", [&calls](const Json& in, asl::TaskContext& ctx) -> asl::Result<Json> {
    const std::string key = in.is_object() && in.contains("key") ? in["key"].get<std::string>() : "work";
    calls.add(key, ctx.retry_count);
    if (calls.fails(key)) return asl::Error("Broken", key + " is broken");
    return Json{{"done", in}};
  });
  return tasks;
}

class History final : public asl::Observer {
 public:
  void on_event(const asl::HistoryEvent& e) override {
    std::lock_guard<std::mutex> lock(mutex_);
    events.emplace_back(e.type, e.id);
    if (e.type == asl::EventType::ExecutionRedriven) redriven.push_back((*e.details)["redriveCount"].get<int>());
  }
  std::vector<std::pair<asl::EventType, std::uint64_t>> events;
  std::vector<int> redriven;
  std::uint64_t id_of_last(asl::EventType t) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = events.rbegin(); it != events.rend(); ++it)
      if (it->first == t) return it->second;
    return 0;
  }

 private:
  std::mutex mutex_;
};

struct Setup {
  std::shared_ptr<MemoryJournal> journal = std::make_shared<MemoryJournal>();
  std::shared_ptr<asl::testing::ManualClock> clock =
      std::make_shared<asl::testing::ManualClock>(asl::TimePoint{std::chrono::seconds(1'750'000'000)});
  std::shared_ptr<History> history = std::make_shared<History>();
  asl::EngineOptions options(bool inline_run) const {
    asl::EngineOptions o;
    o.inline_execution = inline_run;
    o.threads = 2;
    o.virtual_time = true;
    o.clock = clock;
    o.jitter_seed = 3;
    o.journal = journal;
    return o;
  }
};

asl::RunOptions named(const std::string& name) {
  asl::RunOptions r;
  r.name = name;
  return r;
}

constexpr const char* pipeline = R"J({"StartAt": "Prepare", "States": {
  "Prepare": {"Type": "Task", "Resource": "arn:work", "Parameters": {"key": "prepare"}, "ResultPath": "$.prepared",
              "Next": "Train"},
  "Train": {"Type": "Task", "Resource": "arn:work", "Parameters": {"key": "train"}, "ResultPath": "$.model",
            "Retry": [{"ErrorEquals": ["Broken"], "IntervalSeconds": 5, "MaxAttempts": 2}], "Next": "Report"},
  "Report": {"Type": "Pass", "Parameters": {"redrives.$": "$$.Execution.RedriveCount"}, "ResultPath": "$.report",
             "End": true}}})J";

}  // namespace

TEST_CASE("redrive: a failed task runs again with fresh retries; what succeeded does not", "[redrive]") {
  const bool inline_run = GENERATE(true, false);
  CAPTURE(inline_run);
  Setup s;
  Calls calls;
  const auto machine = asl::StateMachine::parse(pipeline, handlers(calls));
  calls.broken["train"] = true;
  std::uint64_t failed_id = 0;
  {
    asl::Engine engine(s.options(inline_run));
    engine.add_observer(s.history);
    const auto r = engine.run(machine, Json{{"data", 1}}, named("nightly"));
    REQUIRE(r.status == asl::Status::failed);
    CHECK(r.error == std::optional<std::string>("Broken"));
    CHECK(calls.of("train") == 3);  // the first attempt and two retries
    failed_id = s.history->id_of_last(asl::EventType::ExecutionFailed);
  }
  calls.broken["train"] = false;
  asl::Engine engine(s.options(inline_run));
  engine.add_observer(s.history);
  asl::Execution redriven = engine.redrive("nightly", handlers(calls));
  const auto r = redriven.get();
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(calls.of("prepare") == 1);  // succeeded before: not run again
  CHECK(calls.of("train") == 4);
  CHECK(calls.retry_counts["train"].back() == 0);  // AWS resets the retry counters
  CHECK(r.output["report"]["redrives"] == 1);
  CHECK(r.output["prepared"]["done"]["key"] == "prepare");
  // ExecutionRedriven follows the history the execution had when it failed.
  REQUIRE(s.history->redriven == std::vector<int>{1});
  CHECK(s.history->id_of_last(asl::EventType::ExecutionRedriven) == failed_id + 1);
  CHECK(s.history->id_of_last(asl::EventType::ExecutionSucceeded) > failed_id + 1);
  // Succeeded now: a second redrive is refused with AWS's reason.
  try {
    engine.redrive("nightly", handlers(calls));
    FAIL("a succeeded execution must not be redriven");
  } catch (const asl::ExecutionNotRedrivable& e) {
    CHECK(std::string(e.what()) == "Execution is SUCCEEDED and cannot be redriven.");
  }
}

TEST_CASE("redrive: twice, and after a restart in the middle of a redriven run", "[redrive]") {
  const bool inline_run = GENERATE(true, false);
  CAPTURE(inline_run);
  Setup s;
  Calls calls;
  const auto machine = asl::StateMachine::parse(pipeline, handlers(calls));
  calls.broken["train"] = true;
  {
    asl::Engine engine(s.options(inline_run));
    REQUIRE(engine.run(machine, Json::object(), named("n")).status == asl::Status::failed);
    // Redriven, and it fails again: the new failure is where the next redrive starts.
    REQUIRE(engine.redrive("n", handlers(calls)).get().status == asl::Status::failed);
  }
  CHECK(calls.of("train") == 6);
  calls.broken["train"] = false;
  {
    asl::Engine engine(s.options(inline_run));
    const auto r = engine.redrive("n", handlers(calls)).get();
    REQUIRE(r.status == asl::Status::succeeded);
    CHECK(r.output["report"]["redrives"] == 2);
  }
  CHECK(calls.of("prepare") == 1);
  CHECK(calls.of("train") == 7);
  // A restart replays all of it (both redrives) without calling anything again.
  asl::Engine engine(s.options(inline_run));
  CHECK(engine.recover(handlers(calls)).empty());  // it had ended
  CHECK_THROWS_AS(engine.redrive("n", handlers(calls)), asl::ExecutionNotRedrivable);
}

TEST_CASE("redrive: a redriven execution suspended by one engine is resumed by the next", "[redrive]") {
  Setup s;
  Calls calls;
  asl::HandlerRegistry tasks = handlers(calls);
  std::mutex m;
  std::vector<asl::TaskCompletion> pending;
  tasks.add("arn:later", [&](const Json&, asl::TaskContext& ctx) -> asl::Result<Json> {
    std::lock_guard<std::mutex> lock(m);
    pending.push_back(ctx.defer());
    return Json();
  });
  const auto machine = asl::StateMachine::parse(R"J({"StartAt": "Train", "States": {
    "Train": {"Type": "Task", "Resource": "arn:work", "Parameters": {"key": "train"}, "ResultPath": "$.model",
              "Next": "Publish"},
    "Publish": {"Type": "Task", "Resource": "arn:later", "ResultPath": null, "Next": "Report"},
    "Report": {"Type": "Pass", "Parameters": {"redrives.$": "$$.Execution.RedriveCount"}, "End": true}}})J",
                                                tasks);
  calls.broken["train"] = true;
  {
    asl::Engine engine(s.options(false));
    REQUIRE(engine.run(machine, Json::object(), named("n")).status == asl::Status::failed);
  }
  calls.broken["train"] = false;
  {
    asl::Engine engine(s.options(false));
    asl::Execution e = engine.redrive("n", tasks);
    for (;;) {
      std::lock_guard<std::mutex> lock(m);
      if (!pending.empty()) break;
    }
    // Running again: not redrivable while it runs.
    try {
      engine.redrive("n", tasks);
      FAIL("a running execution must not be redriven");
    } catch (const asl::ExecutionNotRedrivable& x) {
      CHECK(std::string(x.what()) == "Execution is RUNNING and cannot be redriven.");
    }
  }  // suspended: it stays running in the journal
  pending.clear();
  asl::Engine engine(s.options(false));
  auto resumed = engine.recover(tasks);
  REQUIRE(resumed.size() == 1);
  for (;;) {
    std::lock_guard<std::mutex> lock(m);
    if (!pending.empty()) break;
  }
  {
    std::lock_guard<std::mutex> lock(m);
    pending[0].succeed(Json{{"ok", true}});
  }
  const auto r = resumed[0].get();
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(r.output["redrives"] == 1);
  CHECK(calls.of("train") == 2);  // once failed, once in the redrive; not again after the restart
}

TEST_CASE("redrive: a Map reruns only its failed and unfinished iterations", "[redrive]") {
  const bool inline_run = GENERATE(true, false);
  const int concurrency = GENERATE(1, 0);
  CAPTURE(inline_run, concurrency);
  Setup s;
  Calls calls;
  const auto machine = asl::StateMachine::parse(
      std::string(R"J({"StartAt": "Score", "States": {
    "Score": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": )J") +
          std::to_string(concurrency) + R"J(, "ItemSelector": {"key.$": "$$.Map.Item.Value"},
              "ItemProcessor": {"StartAt": "One", "States": {
                "One": {"Type": "Task", "Resource": "arn:work", "End": true}}}, "End": true}}})J",
      handlers(calls));
  const Json input = Json{{"items", {"a", "b", "c", "d", "e", "f"}}};
  calls.broken["c"] = true;
  {
    asl::Engine engine(s.options(inline_run));
    REQUIRE(engine.run(machine, input, named("batch")).status == asl::Status::failed);
  }
  std::map<std::string, int> before;
  for (const char* k : {"a", "b", "c", "d", "e", "f"}) before[k] = calls.of(k);
  CHECK(before["c"] == 1);
  calls.broken["c"] = false;
  asl::Engine engine(s.options(inline_run));
  const auto r = engine.redrive("batch", handlers(calls)).get();
  REQUIRE(r.status == asl::Status::succeeded);
  REQUIRE(r.output.size() == 6);
  for (const char* k : {"a", "b", "c", "d", "e", "f"}) {
    CAPTURE(k);
    CHECK(r.output[static_cast<std::size_t>(k[0] - 'a')]["done"]["key"] == k);
    if (std::string(k) == "c") {
      CHECK(calls.of(k) == 2);
    } else if (concurrency == 1) {
      // One at a time: an item either succeeded before the failure (not run again) or had not
      // started (run once, now).
      CHECK(calls.of(k) == 1);
    } else {
      // Concurrent items may still be in their handler when the execution fails: a result
      // recorded after the end belongs to no run, and that attempt runs again (at least once).
      CHECK(calls.of(k) >= 1);
    }
  }
}

TEST_CASE("redrive: every failed iteration of a Map past its tolerated failures runs again", "[redrive]") {
  const bool inline_run = GENERATE(true, false);
  CAPTURE(inline_run);
  Setup s;
  Calls calls;
  const auto machine = asl::StateMachine::parse(R"J({"StartAt": "Score", "States": {
    "Score": {"Type": "Map", "ItemsPath": "$.items", "MaxConcurrency": 1, "ToleratedFailureCount": 1,
              "ItemSelector": {"key.$": "$$.Map.Item.Value"},
              "ItemProcessor": {"StartAt": "One", "States": {
                "One": {"Type": "Task", "Resource": "arn:work", "End": true}}}, "End": true}}})J",
                                                handlers(calls));
  calls.broken["b"] = calls.broken["d"] = true;
  {
    asl::Engine engine(s.options(inline_run));
    const auto r = engine.run(machine, Json{{"items", {"a", "b", "c", "d", "e"}}}, named("t"));
    REQUIRE(r.status == asl::Status::failed);
    CHECK(r.error == std::optional<std::string>("States.ExceedToleratedFailureThreshold"));
  }
  calls.broken["b"] = calls.broken["d"] = false;
  asl::Engine engine(s.options(inline_run));
  const auto r = engine.redrive("t", handlers(calls)).get();
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(r.output[1]["done"]["key"] == "b");
  CHECK(r.output[3]["done"]["key"] == "d");
  CHECK(calls.of("a") == 1);
  CHECK(calls.of("b") == 2);
  CHECK(calls.of("c") == 1);
  CHECK(calls.of("d") == 2);
  CHECK(calls.of("e") == 1);
}

TEST_CASE("redrive: a Parallel reruns its failed branch only; a caught failure is not redriven", "[redrive]") {
  const bool inline_run = GENERATE(true, false);
  CAPTURE(inline_run);
  Setup s;
  Calls calls;
  const auto machine = asl::StateMachine::parse(R"J({"StartAt": "Check", "States": {
    "Check": {"Type": "Task", "Resource": "arn:work", "Parameters": {"key": "check"},
              "Catch": [{"ErrorEquals": ["Broken"], "ResultPath": "$.problem", "Next": "Both"}], "Next": "Both"},
    "Both": {"Type": "Parallel", "Branches": [
      {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:work", "Parameters": {"key": "a"},
                                        "End": true}}},
      {"StartAt": "B", "States": {"B": {"Type": "Task", "Resource": "arn:work", "Parameters": {"key": "b"},
                                        "End": true}}}], "End": true}}})J",
                                                handlers(calls));
  calls.broken["check"] = calls.broken["b"] = true;
  {
    asl::Engine engine(s.options(inline_run));
    REQUIRE(engine.run(machine, Json::object(), named("p")).status == asl::Status::failed);
  }
  calls.broken["b"] = false;
  asl::Engine engine(s.options(inline_run));
  const auto r = engine.redrive("p", handlers(calls)).get();
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(calls.of("check") == 1);  // it failed, but Catch took it: the state exited
  if (inline_run) CHECK(calls.of("a") == 1);  // on a pool it may still be running when B fails
  CHECK(calls.of("b") == 2);
  CHECK(r.output[1]["done"]["key"] == "b");
}

TEST_CASE("redrive: an aborted or timed-out execution goes on; the timeout counts from the redrive", "[redrive]") {
  const bool inline_run = GENERATE(true, false);
  CAPTURE(inline_run);
  Setup s;
  Calls calls;
  // Times out during the Wait (100 s < 150 s); redriven, its Wait keeps its recorded end, which
  // is 50 s after the redrive began, inside the new 100 s.
  const auto machine = asl::StateMachine::parse(R"J({"TimeoutSeconds": 100, "StartAt": "Prepare", "States": {
    "Prepare": {"Type": "Task", "Resource": "arn:work", "Parameters": {"key": "prepare"}, "Next": "Cool"},
    "Cool": {"Type": "Wait", "Seconds": 150, "Next": "Train"},
    "Train": {"Type": "Task", "Resource": "arn:work", "Parameters": {"key": "train"}, "End": true}}})J",
                                                handlers(calls));
  {
    asl::Engine engine(s.options(inline_run));
    REQUIRE(engine.run(machine, Json::object(), named("slow")).status == asl::Status::timed_out);
  }
  // Virtual time passed inside that run only; the host's clock catches up with its end.
  s.clock->advance(std::chrono::seconds(100));
  asl::Engine engine(s.options(inline_run));
  const auto r = engine.redrive("slow", handlers(calls)).get();
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(calls.of("prepare") == 1);
  CHECK(calls.of("train") == 1);
}

TEST_CASE("redrive: AWS's refusals", "[redrive]") {
  Setup s;
  Calls calls;
  const auto machine = asl::StateMachine::parse(pipeline, handlers(calls));
  calls.broken["train"] = true;
  asl::Engine engine(s.options(true));
  try {
    engine.redrive("nobody", handlers(calls));
    FAIL("an unknown name must be refused");
  } catch (const asl::ExecutionDoesNotExist& e) {
    CHECK(std::string(e.what()) == "Execution Does Not Exist: 'arn:aws:states:us-east-1:123456789012:execution:nobody'");
  }
  REQUIRE(engine.run(machine, Json::object(), named("old")).status == asl::Status::failed);
  s.clock->advance(std::chrono::hours(14 * 24) + std::chrono::minutes(1));  // its retries took 15 s
  try {
    engine.redrive("old", handlers(calls));
    FAIL("14 days after its end an execution is no longer redrivable");
  } catch (const asl::ExecutionNotRedrivable& e) {
    CHECK(std::string(e.what()) == "Execution redrivable period exceeded.");
  }
  asl::Engine no_journal([] {
    asl::EngineOptions o;
    o.inline_execution = true;
    return o;
  }());
  CHECK_THROWS_AS(no_journal.redrive("old", handlers(calls)), asl::UsageError);
}
