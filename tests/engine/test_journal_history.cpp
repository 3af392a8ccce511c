// Engine tests: Engine::history(name), the GetExecutionHistory of a journaled execution rebuilt
// by replaying its journal: the same events, ids and details as the run's own observer saw, for
// an ended, a running and a redriven execution, with no handler called.
// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <asl/asl.hpp>
#include <asl/history_json.hpp>
#include <asl/testing/manual_clock.hpp>
#include <asl/testing/memory_journal.hpp>

using asl::Json;

namespace {

constexpr const char* pipeline = R"J({"StartAt": "Train", "States": {
  "Train": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:train", "ResultPath": "$.model",
            "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 3, "MaxAttempts": 2}], "Next": "Cool"},
  "Cool": {"Type": "Wait", "Seconds": 10, "Next": "Score"},
  "Score": {"Type": "Map", "ItemsPath": "$.items", "ResultPath": "$.scores",
            "ItemProcessor": {"StartAt": "One", "States": {
              "One": {"Type": "Task", "Resource": "arn:score", "End": true}}}, "Next": "Both"},
  "Both": {"Type": "Parallel", "ResultPath": "$.both", "Branches": [
     {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": "a", "End": true}}},
     {"StartAt": "B", "States": {"B": {"Type": "Task", "Resource": "arn:later", "End": true}}}], "End": true}}})J";

struct Calls {
  std::mutex mutex;
  int count = 0;
  bool defer_later = false;
  std::vector<asl::TaskCompletion> waiting;
};

asl::HandlerRegistry handlers(Calls& calls) {
  asl::HandlerRegistry tasks;
  tasks.add("arn:aws:lambda:us-east-1:123456789012:function:train",
            [&calls](const Json&, asl::TaskContext& ctx) -> asl::Result<Json> {
              std::lock_guard<std::mutex> lock(calls.mutex);
              ++calls.count;
              if (ctx.retry_count == 0) return asl::Error("Flaky", "spot instance lost");
              return Json{{"auc", 0.9}};
            });
  tasks.add("arn:score", [&calls](const Json& in) -> asl::Result<Json> {
    std::lock_guard<std::mutex> lock(calls.mutex);
    ++calls.count;
    return Json{{"score", in}};
  });
  tasks.add("arn:later", [&calls](const Json&, asl::TaskContext& ctx) -> asl::Result<Json> {
    std::lock_guard<std::mutex> lock(calls.mutex);
    ++calls.count;
    if (calls.defer_later) {
      calls.waiting.push_back(ctx.defer());
      return Json();
    }
    return Json("b");
  });
  return tasks;
}

/// The events without their timestamps (the replay's clock skips task durations).
Json without_time(Json history) {
  for (Json& e : history["events"]) e.erase("timestamp");
  return history;
}

asl::EngineOptions options(const std::shared_ptr<asl::Journal>& journal) {
  asl::EngineOptions o;
  o.inline_execution = true;  // one frame at a time: event ids are the same on every run
  o.virtual_time = true;
  o.clock = std::make_shared<asl::testing::ManualClock>(asl::TimePoint{std::chrono::seconds(1'750'000'000)});
  o.journal = journal;
  return o;
}

asl::RunOptions named(const std::string& name) {
  asl::RunOptions r;
  r.name = name;
  return r;
}

}  // namespace

TEST_CASE("journal history: an ended execution's history is rebuilt exactly, calling nothing", "[durable][history]") {
  auto journal = std::make_shared<asl::testing::MemoryJournal>();
  Calls calls;
  const auto tasks = handlers(calls);
  auto live = std::make_shared<asl::HistoryRecorder>();
  asl::Engine engine(options(journal));
  engine.add_observer(live);
  const auto r = engine.run(asl::StateMachine::parse(pipeline, tasks), Json{{"items", {1, 2, 3}}}, named("n"));
  REQUIRE(r.status == asl::Status::succeeded);
  const int calls_after_run = calls.count;
  const Json rebuilt = engine.history("n");
  CHECK(calls.count == calls_after_run);
  REQUIRE(rebuilt["events"].size() == live->history()["events"].size());
  CHECK(without_time(rebuilt) == without_time(live->history()));
  // The Wait's and the retry's times are recorded: the rebuilt Wait ends 13 s after the start.
  const Json& events = rebuilt["events"];
  double started = 0, waited = 0;
  for (const Json& e : events) {
    if (e["type"] == "ExecutionStarted") started = e["timestamp"].get<double>();
    if (e["type"] == "WaitStateExited") waited = e["timestamp"].get<double>();
  }
  CHECK(waited - started == Approx(13.0));
  CHECK_THROWS_AS(engine.history("nobody"), asl::ExecutionDoesNotExist);
}

TEST_CASE("journal history: a running execution's history ends where it is", "[durable][history]") {
  auto journal = std::make_shared<asl::testing::MemoryJournal>();
  Calls calls;
  calls.defer_later = true;
  const auto tasks = handlers(calls);
  asl::EngineOptions o = options(journal);
  o.inline_execution = false;
  o.threads = 1;
  // On the real clock, with the Wait and the retry interval skipped: what was recorded is in the
  // past of the present that history() stops at.
  o.virtual_time = false;
  o.clock = std::make_shared<asl::SystemClock>();
  o.wait_scale = 0;
  o.retry_interval_scale = 0;
  asl::Engine engine(o);
  asl::Execution e = engine.start(asl::StateMachine::parse(pipeline, tasks), Json{{"items", {1}}}, named("r"));
  for (;;) {
    std::lock_guard<std::mutex> lock(calls.mutex);
    if (!calls.waiting.empty()) break;
  }
  const int calls_before = calls.count;
  const Json events = engine.history("r")["events"];
  CHECK(calls.count == calls_before);
  REQUIRE(events.size() > 10);
  CHECK(events.back()["type"] == "TaskStarted");  // B's task, in flight
  for (const Json& ev : events) CHECK(ev["type"] != "ExecutionSucceeded");
  {
    std::lock_guard<std::mutex> lock(calls.mutex);
    calls.waiting[0].succeed(Json("b"));
  }
  CHECK(e.get().status == asl::Status::succeeded);
  CHECK(engine.history("r")["events"].back()["type"] == "ExecutionSucceeded");
}

TEST_CASE("journal history: a redriven execution's history has ExecutionRedriven", "[durable][history]") {
  auto journal = std::make_shared<asl::testing::MemoryJournal>();
  asl::HandlerRegistry tasks;
  bool broken = true;
  tasks.add("arn:work", [&broken](const Json& in) -> asl::Result<Json> {
    if (broken) return asl::Error("Broken", "down");
    return in;
  });
  const auto machine = asl::StateMachine::parse(
      R"J({"StartAt": "W", "States": {"W": {"Type": "Task", "Resource": "arn:work", "End": true}}})J", tasks);
  auto live = std::make_shared<asl::HistoryRecorder>();
  asl::Engine engine(options(journal));
  engine.add_observer(live);
  REQUIRE(engine.run(machine, Json{{"x", 1}}, named("d")).status == asl::Status::failed);
  broken = false;
  REQUIRE(engine.redrive("d", tasks).get().status == asl::Status::succeeded);
  std::vector<std::string> types;
  const Json history = engine.history("d");
  INFO(history.dump());
  for (const Json& e : history["events"]) types.push_back(e["type"].get<std::string>());
  // AWS appends to the same history: the failed run, ExecutionRedriven, then the state again.
  const std::vector<std::string> expected{"ExecutionStarted", "TaskStateEntered", "TaskScheduled", "TaskStarted",
                                          "TaskFailed",       "ExecutionFailed",  "ExecutionRedriven",
                                          "TaskStateEntered", "TaskScheduled",    "TaskStarted",
                                          "TaskSucceeded",    "TaskStateExited",  "ExecutionSucceeded"};
  CHECK(types == expected);
}
