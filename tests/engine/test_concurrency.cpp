// Engine tests on the worker pool: concurrent executions, Map/Parallel fan-out, deferred tasks,
// task-token callbacks, timeouts and heartbeats on a manual clock, cancellation, shutdown, stress.
// SPDX-License-Identifier: MIT
#include <atomic>
#include <chrono>
#include <map>
#include <condition_variable>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <asl/testing/manual_clock.hpp>

#include "support/catch.hpp"
#include "support/pending.hpp"
#include "support/run.hpp"

#include <asl/detail/base/timestamp.hpp>  // parses the context object's timestamps in assertions

using asl::Json;
using namespace std::chrono_literals;

namespace {

using asl::testing::hang_guard;
using Pending = asl::testing::PendingTasks;

const char* const arn_work = "arn:aws:lambda:us-east-1:123456789012:function:work";

asl::EngineOptions pool(unsigned threads, bool virtual_time = true) {
  asl::EngineOptions o;
  o.threads = threads;
  o.virtual_time = virtual_time;
  return o;
}

/// A registry whose `work` handler defers every call: the test completes them through `pending`.
asl::HandlerRegistry deferring(Pending& pending) { return asl::testing::deferring(pending, arn_work); }

/// One Task state calling `work`.
Json one_task_machine() {
  return Json::parse(R"J({"StartAt":"W","States":{"W":{"Type":"Task",
    "Resource":"arn:aws:lambda:us-east-1:123456789012:function:work","End":true}}})J");
}

Json map_of(const Json& processor_states, const std::string& start, int max_concurrency) {
  return Json{{"StartAt", "M"},
              {"States",
               {{"M",
                 {{"Type", "Map"},
                  {"MaxConcurrency", max_concurrency},
                  {"ItemProcessor", {{"StartAt", start}, {"States", processor_states}}},
                  {"End", true}}}}}};
}

}  // namespace

TEST_CASE("concurrency: Map in Map in Parallel completes on any pool size", "[concurrency]") {
  const unsigned threads = GENERATE(1u, 2u, 4u, 8u);
  const Json def = Json::parse(R"J({"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
    {"StartAt":"Outer","States":{"Outer":{"Type":"Map","ItemProcessor":{"StartAt":"Inner","States":{
      "Inner":{"Type":"Map","MaxConcurrency":1,"ItemProcessor":{"StartAt":"Leaf","States":{
        "Leaf":{"Type":"Pass","Parameters":{"v.$":"$"},"End":true}}},"End":true}}},"End":true}}},
    {"StartAt":"B","States":{"B":{"Type":"Pass","Result":"b","End":true}}}],"End":true}}})J");
  Json input = Json::array();
  for (int i = 0; i < 50; ++i) input.push_back(Json::array({i, i + 1, i + 2}));
  asl::Engine engine(pool(threads));
  auto r = engine.run(asl::StateMachine::from_json(def), input);
  REQUIRE(r.status == asl::Status::succeeded);
  REQUIRE(r.output[0].size() == 50);
  CHECK(r.output[0][49] == Json::parse(R"([{"v":49},{"v":50},{"v":51}])"));
  CHECK(r.output[1] == "b");
  CHECK(r.stats.state_entries == 1 + 1 + 50 + 150 + 1);
}

TEST_CASE("concurrency: many executions at once, each with its own result", "[concurrency]") {
  const unsigned threads = GENERATE(1u, 2u, 4u, 8u);
  asl::HandlerRegistry tasks;
  tasks.add(arn_work, [](const Json& in) { return Json{{"double", in["n"].get<int>() * 2}}; });
  const Json def = Json::parse(R"J({"StartAt":"T","States":{
    "T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:work","ResultPath":"$.r","Next":"M"},
    "M":{"Type":"Map","ItemsPath":"$.xs","ItemProcessor":{"StartAt":"I","States":{
      "I":{"Type":"Pass","Parameters":{"x.$":"States.MathAdd($, 1)"},"End":true}}},"ResultPath":"$.m","End":true}}})J");
  auto sm = asl::StateMachine::from_json(def, tasks);
  asl::Engine engine(pool(threads));
  std::vector<asl::Execution> execs;
  for (int n = 0; n < 200; ++n) execs.push_back(engine.start(sm, Json{{"n", n}, {"xs", {n, n + 1}}}));
  for (int n = 0; n < 200; ++n) {
    auto r = execs[static_cast<std::size_t>(n)].get();
    REQUIRE(r.status == asl::Status::succeeded);
    CHECK(r.output["r"]["double"] == 2 * n);
    CHECK(r.output["m"] == Json::parse("[{\"x\":" + std::to_string(n + 1) + "},{\"x\":" + std::to_string(n + 2) + "}]"));
  }
}

TEST_CASE("concurrency: MaxConcurrency bounds the iterations in flight", "[concurrency]") {
  const unsigned threads = GENERATE(1u, 2u, 4u, 8u);
  // MaxConcurrency 2, or MaxConcurrency 0 (unbounded) under the engine's window of 2.
  const int max_concurrency = GENERATE(2, 0);
  Pending pending;
  std::atomic<int> in_flight{0}, max_seen{0};
  asl::HandlerRegistry tasks;
  tasks.add(arn_work, [&](const Json& in, asl::TaskContext& ctx) -> asl::Result<Json> {
    const int now = ++in_flight;
    int prev = max_seen.load();
    while (now > prev && !max_seen.compare_exchange_weak(prev, now)) {
    }
    pending.add(ctx.defer());
    return in;  // ignored: the task completes through the deferred completion
  });
  const Json def = map_of(Json::parse(R"J({"W":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:work","End":true}})J"),
                          "W", max_concurrency);
  asl::EngineOptions options = pool(threads, false);
  if (max_concurrency == 0) options.max_map_concurrency = 2;
  asl::Engine engine(options);
  Json items = Json::array();
  for (int i = 0; i < 10; ++i) items.push_back(i);
  auto exec = engine.start(asl::StateMachine::from_json(def, tasks), items);
  for (std::size_t done = 0; done < 10; ++done) {
    REQUIRE(pending.wait_count(std::min<std::size_t>(done + 2, 10)));
    --in_flight;
    asl::TaskCompletion c;
    {
      std::lock_guard<std::mutex> lock(pending.mutex);
      c = pending.items[done];
    }
    CHECK(c.succeed(Json(static_cast<int>(done) * 10)));
  }
  REQUIRE(exec.wait_for(hang_guard));
  auto r = exec.get();
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(max_seen.load() == 2);
  CHECK(r.output.size() == 10);
}

TEST_CASE("concurrency: chunked Map items that suspend go on alone; results stay in order", "[concurrency]") {
  // Large enough for the pool to hand out items in chunks: items that finish at once reuse
  // their chunk's frame and the chunk moves on to the next range itself; every seventh item
  // defers, leaves its chunk and completes later from this thread.
  const unsigned threads = GENERATE(2u, 4u, 8u);
  const int max_concurrency = GENERATE(0, 6);
  Pending pending;
  std::atomic<int> in_flight{0}, max_seen{0};
  asl::HandlerRegistry tasks;
  tasks.add(arn_work, [&](const Json& in, asl::TaskContext& ctx) -> asl::Result<Json> {
    if (in.get<int>() % 7 != 0) return Json(in.get<int>() * 10);
    const int now = ++in_flight;
    int prev = max_seen.load();
    while (now > prev && !max_seen.compare_exchange_weak(prev, now)) {
    }
    pending.add(ctx.defer());
    return in;
  });
  const Json def = map_of(Json::parse(R"J({"W":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:work","End":true}})J"),
                          "W", max_concurrency);
  asl::Engine engine(pool(threads, false));
  const int total = 400;
  Json items = Json::array();
  for (int i = 0; i < total; ++i) items.push_back(i);
  auto exec = engine.start(asl::StateMachine::from_json(def, tasks), items);
  const std::size_t deferred = (total + 6) / 7;
  for (std::size_t k = 0; k < deferred; ++k) {
    REQUIRE(pending.wait_count(k + 1));
    asl::TaskCompletion c = pending.at(k);
    --in_flight;
    CHECK(c.succeed(Json(-1)));  // the deferred items' results, told apart from the others'
  }
  REQUIRE(exec.wait_for(hang_guard));
  auto r = exec.get();
  REQUIRE(r.status == asl::Status::succeeded);
  REQUIRE(r.output.size() == static_cast<std::size_t>(total));
  for (int i = 0; i < total; ++i) CHECK(r.output[static_cast<std::size_t>(i)] == (i % 7 == 0 ? -1 : i * 10));
  if (max_concurrency > 0) CHECK(max_seen.load() <= max_concurrency);
  CHECK(r.stats.state_entries == static_cast<std::uint64_t>(1 + total));
}

TEST_CASE("concurrency: a failing iteration fails the Map without waiting for its siblings", "[concurrency]") {
  const unsigned threads = GENERATE(1u, 2u, 4u, 8u);
  Pending pending;
  asl::HandlerRegistry tasks;
  tasks.add(arn_work, [&](const Json& in, asl::TaskContext& ctx) -> asl::Result<Json> {
    if (in == 0) return asl::Error("Item.Failed", "item 0");
    pending.add(ctx.defer());
    return in;
  });
  const Json def = map_of(Json::parse(R"J({"W":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:work","End":true}})J"),
                          "W", 0);
  asl::Engine engine(pool(threads, false));
  auto exec = engine.start(asl::StateMachine::from_json(def, tasks), Json::parse("[1,2,0,3]"));
  REQUIRE(exec.wait_for(hang_guard));
  auto r = exec.get();
  CHECK(r.status == asl::Status::failed);
  CHECK(r.error == std::optional<std::string>("Item.Failed"));
  // Whatever siblings had started are now refused: their results would be dropped.
  std::lock_guard<std::mutex> lock(pending.mutex);
  for (auto& c : pending.items) {
    CHECK(c.stop_requested());
    CHECK_FALSE(c.succeed(Json(1)));
  }
}

TEST_CASE("concurrency: cancel() aborts promptly and signals the stop token", "[concurrency][cancel]") {
  const unsigned threads = GENERATE(1u, 2u, 4u, 8u);
  Pending pending;
  asl::HandlerRegistry tasks = deferring(pending);
  const Json def = one_task_machine();
  asl::Engine engine(pool(threads, false));
  auto exec = engine.start(asl::StateMachine::from_json(def, tasks), Json::object());
  REQUIRE(pending.wait_count(1));
  exec.cancel();
  REQUIRE(exec.wait_for(hang_guard));
  CHECK(exec.get().status == asl::Status::aborted);
  CHECK(pending.items[0].stop_requested());
  CHECK_FALSE(pending.items[0].succeed(Json(1)));  // a late result is dropped
}

TEST_CASE("concurrency: TimeoutSeconds on a manual clock; the late result is dropped", "[concurrency][timeout]") {
  const unsigned threads = GENERATE(1u, 2u, 4u, 8u);
  auto clock = std::make_shared<asl::testing::ManualClock>();
  Pending pending;
  asl::HandlerRegistry tasks = deferring(pending);
  const Json def = Json::parse(R"J({"StartAt":"Train","States":{"Train":{"Type":"Task",
    "Resource":"arn:aws:lambda:us-east-1:123456789012:function:work","TimeoutSeconds":30,"End":true}}})J");
  asl::EngineOptions o = pool(threads, false);
  o.clock = clock;
  asl::Engine engine(o);
  auto exec = engine.start(asl::StateMachine::from_json(def, tasks), Json::object());
  REQUIRE(pending.wait_count(1));
  clock->advance(29s);
  CHECK_FALSE(exec.wait_for(0ms));
  clock->advance(1s);
  REQUIRE(exec.wait_for(hang_guard));
  auto r = exec.get();
  CHECK(r.status == asl::Status::failed);
  CHECK(r.error == std::optional<std::string>("States.Timeout"));
  CHECK(pending.items[0].stop_requested());
  CHECK_FALSE(pending.items[0].succeed(Json(1)));
}

TEST_CASE("concurrency: heartbeats keep a task alive; expiry matches States.HeartbeatTimeout",
          "[concurrency][timeout]") {
  const unsigned threads = GENERATE(1u, 2u, 4u, 8u);
  auto clock = std::make_shared<asl::testing::ManualClock>();
  Pending pending;
  asl::HandlerRegistry tasks = deferring(pending);
  const Json def = Json::parse(R"J({"StartAt":"Train","States":{
    "Train":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:work",
      "TimeoutSeconds":100,"HeartbeatSeconds":10,
      "Catch":[{"ErrorEquals":["States.HeartbeatTimeout"],"Next":"Lost"}],"End":true},
    "Lost":{"Type":"Pass","End":true}}})J");
  asl::EngineOptions o = pool(threads, false);
  o.clock = clock;
  asl::Engine engine(o);
  auto exec = engine.start(asl::StateMachine::from_json(def, tasks), Json::object());
  REQUIRE(pending.wait_count(1));
  clock->advance(8s);
  CHECK(pending.items[0].heartbeat());
  clock->advance(8s);  // 16 s since the start, 8 s since the heartbeat: still alive
  CHECK_FALSE(exec.wait_for(0ms));
  CHECK(pending.items[0].heartbeat());
  clock->advance(10s);  // 10 s without a heartbeat
  REQUIRE(exec.wait_for(hang_guard));
  auto r = exec.get();
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(r.output == Json::parse(R"({"Error":"States.Timeout","Cause":"No heartbeat received within 10 seconds."})"));
}

TEST_CASE("concurrency: .waitForTaskToken completes through send_task_success/failure", "[concurrency][callback]") {
  const unsigned threads = GENERATE(1u, 2u, 4u, 8u);
  Pending pending;
  asl::HandlerRegistry tasks;
  tasks.add("arn:aws:states:::sqs:sendMessage.waitForTaskToken", [&](const Json& in, asl::TaskContext& ctx) {
    CHECK(in["token"] == ctx.task_token);  // $$.Task.Token is the token the engine registered
    pending.add(asl::TaskCompletion(), ctx.task_token);
    return Json{{"MessageId", "m-1"}};
  });
  const Json def = Json::parse(R"J({"StartAt":"Approve","States":{"Approve":{"Type":"Task",
    "Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
    "Parameters":{"token.$":"$$.Task.Token"},"ResultPath":"$.approval","End":true}}})J");
  auto sm = asl::StateMachine::from_json(def, tasks);
  asl::Engine engine(pool(threads, false));

  auto ok = engine.start(sm, Json{{"model", "m"}});
  REQUIRE(pending.wait_count(1));
  const std::string token = pending.tokens[0];
  CHECK(engine.send_task_success("no-such-token", Json(1)).has_value());
  CHECK_FALSE(engine.send_task_heartbeat(token).has_value());
  CHECK_FALSE(engine.send_task_success(token, Json{{"approved", true}}).has_value());
  REQUIRE(ok.wait_for(hang_guard));
  CHECK(ok.get().output == Json::parse(R"({"model":"m","approval":{"approved":true}})"));
  auto again = engine.send_task_success(token, Json(2));  // a used token is refused
  REQUIRE(again.has_value());

  auto bad = engine.start(sm, Json::object());
  REQUIRE(pending.wait_count(2));
  CHECK_FALSE(engine.send_task_failure(pending.tokens[1], std::string("Review.Rejected"), std::string("no")).has_value());
  auto r = bad.get();
  CHECK(r.error == std::optional<std::string>("Review.Rejected"));
  CHECK(r.cause == std::optional<std::string>("no"));
}

TEST_CASE("concurrency: virtual time on the pool: waits, retries and an execution timeout", "[concurrency][timeout]") {
  const unsigned threads = GENERATE(1u, 2u, 4u, 8u);
  std::atomic<int> calls{0};
  asl::HandlerRegistry tasks;
  tasks.add(arn_work, [&](const Json& in) -> asl::Result<Json> {
    if (++calls % 3 != 0) return asl::Error("Transient", "again");
    return in;
  });
  const Json def = Json::parse(R"J({"StartAt":"Wait","States":{
    "Wait":{"Type":"Wait","Seconds":3600,"Next":"Work"},
    "Work":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:work",
      "Retry":[{"ErrorEquals":["Transient"],"IntervalSeconds":10,"BackoffRate":3,"MaxAttempts":5}],"Next":"Stamp"},
    "Stamp":{"Type":"Pass","Parameters":{"start.$":"$$.Execution.StartTime","now.$":"$$.State.EnteredTime"},"End":true}}})J");
  asl::Engine engine(pool(threads));
  auto r = engine.run(asl::StateMachine::from_json(def, tasks), Json::object());
  REQUIRE(r.status == asl::Status::succeeded);
  const auto start = asl::detail::timestamp::parse(r.output["start"].get<std::string>());
  const auto now = asl::detail::timestamp::parse(r.output["now"].get<std::string>());
  CHECK(*now - *start == (3600 + 10 + 30) * 1000000000LL);

  auto timed = engine.run(asl::StateMachine::from_json(Json::parse(
      R"J({"StartAt":"W","TimeoutSeconds":5,"States":{"W":{"Type":"Wait","Seconds":60,"End":true}}})J")));
  CHECK(timed.status == asl::Status::timed_out);
}

TEST_CASE("concurrency: run() drives its execution's top-level states on the calling thread", "[concurrency]") {
  const unsigned threads = GENERATE(1u, 2u, 4u);
  const bool virtual_time = GENERATE(false, true);
  // Top-level states run where run() was called (that thread would only wait). Map items go to
  // the pool, and the states after the Map come back to the caller; on virtual time a Wait (a
  // timer) hands the execution back to the caller too, and does not jump while it works.
  const std::thread::id caller = std::this_thread::get_id();
  std::mutex m;
  std::vector<std::thread::id> top;
  std::atomic<int> items{0};
  asl::HandlerRegistry tasks;
  tasks.add(arn_work, [&](const Json& in) {
    std::lock_guard<std::mutex> lock(m);
    top.push_back(std::this_thread::get_id());
    return in;
  });
  tasks.add("arn:aws:lambda:us-east-1:123456789012:function:item", [&](const Json& in) {
    ++items;
    return Json(in.get<int>() * 2);
  });
  const std::string wait = virtual_time ? R"("W":{"Type":"Wait","Seconds":30,"Next":"M"},)" : "";
  const Json def = Json::parse(R"J({"StartAt":"A","States":{
    "A":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:work","Next":")J" +
                               std::string(virtual_time ? "W" : "M") + R"J("},)J" + wait + R"J(
    "M":{"Type":"Map","ItemsPath":"$.xs","ResultPath":"$.ys","ItemProcessor":{"StartAt":"I","States":{
      "I":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:item","End":true}}},"Next":"B"},
    "B":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:work","Next":"S"},
    "S":{"Type":"Pass","Parameters":{"start.$":"$$.Execution.StartTime","now.$":"$$.State.EnteredTime",
      "ys.$":"$.ys"},"End":true}}})J");
  const auto sm = asl::StateMachine::from_json(def, tasks);
  asl::Engine engine(pool(threads, virtual_time));
  for (int round = 0; round < 20; ++round) {
    Json input = {{"xs", Json::array()}};
    for (int i = 0; i < 100; ++i) input["xs"].push_back(i + round);
    auto r = engine.run(sm, input);
    REQUIRE(r.status == asl::Status::succeeded);
    REQUIRE(r.output["ys"].size() == 100);
    CHECK(r.output["ys"][99] == 2 * (99 + round));
    if (virtual_time) {
      const auto start = asl::detail::timestamp::parse(r.output["start"].get<std::string>());
      const auto now = asl::detail::timestamp::parse(r.output["now"].get<std::string>());
      CHECK(*now - *start == 30 * 1000000000LL);
    }
  }
  CHECK(items == 20 * 100);
  std::lock_guard<std::mutex> lock(m);
  REQUIRE(top.size() == 40);
  for (const auto& id : top) CHECK(id == caller);
}

TEST_CASE("concurrency: handlers on the pool start and run other executions", "[concurrency]") {
  // A Map item's handler (on a worker, or on run()'s thread standing in for one) starts one
  // execution and runs another to its end: the started one is queued behind the outer frame's
  // own posts, and the run one goes on right there, since that thread would only wait.
  const unsigned threads = GENERATE(1u, 2u, 4u);
  asl::HandlerRegistry tasks;
  asl::Engine engine(pool(threads, false));
  tasks.add(arn_work, [](const Json& in) { return Json(in.get<int>() + 1); });
  const auto inner = asl::StateMachine::from_json(one_task_machine(), tasks);
  std::vector<asl::Execution> started;
  std::mutex m;
  tasks.add("arn:aws:lambda:us-east-1:123456789012:function:item", [&](const Json& in) -> asl::Result<Json> {
    auto nested = engine.run(inner, in);
    if (nested.status != asl::Status::succeeded || nested.output != in.get<int>() + 1)
      return asl::Error("Nested.Failed", "the nested run() did not succeed");
    std::lock_guard<std::mutex> lock(m);
    started.push_back(engine.start(inner, in));
    return in;
  });
  const auto outer = asl::StateMachine::from_json(map_of(Json::parse(R"J({"I":{"Type":"Task",
    "Resource":"arn:aws:lambda:us-east-1:123456789012:function:item","End":true}})J"), "I", 0), tasks);
  auto r = engine.run(outer, Json::array({1, 2, 3, 4, 5, 6, 7, 8}));
  REQUIRE(r.status == asl::Status::succeeded);
  std::lock_guard<std::mutex> lock(m);
  REQUIRE(started.size() == 8);
  int sum = 0;
  for (auto& e : started) {
    auto x = e.get();
    REQUIRE(x.status == asl::Status::succeeded);
    sum += x.output.get<int>();
  }
  CHECK(sum == 36 + 8);
}

TEST_CASE("concurrency: shutdown drains or cancels and leaves nothing running", "[concurrency][cancel]") {
  Pending pending;
  asl::HandlerRegistry tasks = deferring(pending);
  const Json def = one_task_machine();
  auto sm = asl::StateMachine::from_json(def, tasks);
  asl::Execution exec;
  {
    asl::Engine engine(pool(2, false));
    exec = engine.start(sm, Json::object());
    REQUIRE(pending.wait_count(1));
    engine.shutdown(asl::ShutdownMode::cancel);
    CHECK_THROWS_AS(engine.start(sm, Json::object()), asl::UsageError);
  }
  CHECK(exec.get().status == asl::Status::aborted);

  asl::Engine drained(pool(2, false));
  auto e2 = drained.start(sm, Json{{"k", 1}});
  REQUIRE(pending.wait_count(2));
  std::thread completer([&] { pending.items[1].succeed(Json("late but fine")); });
  drained.shutdown(asl::ShutdownMode::drain);
  completer.join();
  CHECK(e2.get().output == "late but fine");
}

TEST_CASE("concurrency: stress: thousands of executions end in exactly one terminal status", "[concurrency][stress]") {
  const unsigned threads = GENERATE(1u, 2u, 4u, 8u);
  // Deterministic per input: item i fails (i % 4) times, so retries decide the outcome.
  asl::HandlerRegistry tasks;
  std::mutex m;
  std::map<std::string, int> attempts;
  tasks.add(arn_work, [&](const Json& in, asl::TaskContext& ctx) -> asl::Result<Json> {
    const std::string key = std::string(ctx.execution_name) + "/" + in["i"].dump();
    int n;
    {
      std::lock_guard<std::mutex> lock(m);
      n = ++attempts[key];
    }
    if (n <= in["i"].get<int>() % 4) return asl::Error("Flaky", "attempt " + std::to_string(n));
    return Json{{"i", in["i"]}, {"n", n}};
  });
  const Json def = Json::parse(R"J({"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":3,
    "ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:work",
      "Retry":[{"ErrorEquals":["Flaky"],"IntervalSeconds":1,"MaxAttempts":2}],
      "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Next":"Gave"}],"End":true},
      "Gave":{"Type":"Pass","Result":"gave up","ResultPath":"$.outcome","End":true}}},"End":true}}})J");
  auto sm = asl::StateMachine::from_json(def, tasks);
  asl::Engine engine(pool(threads));
  std::mt19937 rng(42);
  const int n = 1000;
  std::vector<asl::Execution> execs;
  std::vector<bool> cancelled;
  for (int e = 0; e < n; ++e) {
    Json items = Json::array();
    for (int i = 0; i < 4; ++i) items.push_back(Json{{"i", i}});
    execs.push_back(engine.start(sm, Json{{"items", items}}));
    const bool cancel = rng() % 10 == 0;
    if (cancel) execs.back().cancel();
    cancelled.push_back(cancel);
  }
  int succeeded = 0, aborted = 0;
  for (int e = 0; e < n; ++e) {
    REQUIRE(execs[static_cast<std::size_t>(e)].wait_for(hang_guard));
    auto r = execs[static_cast<std::size_t>(e)].get();
    REQUIRE(r.status != asl::Status::running);
    if (r.status == asl::Status::aborted) {
      ++aborted;
      CHECK(cancelled[static_cast<std::size_t>(e)]);
      continue;
    }
    REQUIRE(r.status == asl::Status::succeeded);
    ++succeeded;
    // i = 0,1,2 succeed after i failures (<= 2 retries); i = 3 exhausts MaxAttempts 2 and is caught.
    CHECK(r.output[0]["n"] == 1);
    CHECK(r.output[1]["n"] == 2);
    CHECK(r.output[2]["n"] == 3);
    CHECK(r.output[3]["outcome"] == "gave up");
    CHECK(r.stats.retries == 0 + 1 + 2 + 2);
  }
  CHECK(succeeded + aborted == n);
}

TEST_CASE("concurrency: stress with task timeouts on a manual clock", "[concurrency][stress][timeout]") {
  const unsigned threads = GENERATE(1u, 2u, 4u, 8u);
  // Per execution: item 0 fails once then succeeds (a retry), item 1 never answers (its 5 s
  // TimeoutSeconds fires when the test advances the clock), item 2 succeeds at once.
  // MaxConcurrency 1 runs the items in order, so item 0 has finished when item 1 waits: were it
  // still in flight when the clock moves 5 s, its own timeout would fire, as it should.
  auto clock = std::make_shared<asl::testing::ManualClock>();
  Pending pending;
  std::mutex m;
  std::map<std::string, int> attempts;
  asl::HandlerRegistry tasks;
  tasks.add(arn_work, [&](const Json& in, asl::TaskContext& ctx) -> asl::Result<Json> {
    const int i = in["i"].get<int>();
    if (i == 1) {
      pending.add(ctx.defer());
      return in;
    }
    int n;
    {
      std::lock_guard<std::mutex> lock(m);
      n = ++attempts[std::string(ctx.execution_name) + "/" + std::to_string(i)];
    }
    if (i == 0 && n == 1) return asl::Error("Flaky", "once");
    return Json{{"i", i}};
  });
  const Json def = Json::parse(R"J({"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.items","MaxConcurrency":1,
    "ItemProcessor":{"StartAt":"W","States":{"W":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:work",
      "TimeoutSeconds":5,"Retry":[{"ErrorEquals":["Flaky"],"MaxAttempts":1}],
      "Catch":[{"ErrorEquals":["States.Timeout"],"ResultPath":"$.error","Next":"Late"}],"End":true},
      "Late":{"Type":"Pass","Result":"timed out","ResultPath":"$.outcome","End":true}}},"End":true}}})J");
  auto sm = asl::StateMachine::from_json(def, tasks);
  asl::EngineOptions o = pool(threads, false);
  o.clock = clock;
  o.retry_interval_scale = 0;
  asl::Engine engine(o);
  const int n = 300;
  std::vector<asl::Execution> execs;
  for (int e = 0; e < n; ++e)
    execs.push_back(engine.start(sm, Json{{"items", Json::parse(R"([{"i":0},{"i":1},{"i":2}])")}}));
  REQUIRE(pending.wait_count(n));  // every execution waits on item 1: all timeouts are armed
  execs[7].cancel();
  clock->advance(std::chrono::seconds(5));
  int succeeded = 0;
  for (int e = 0; e < n; ++e) {
    REQUIRE(execs[static_cast<std::size_t>(e)].wait_for(hang_guard));
    auto r = execs[static_cast<std::size_t>(e)].get();
    if (e == 7) {
      CHECK(r.status == asl::Status::aborted);
      continue;
    }
    REQUIRE(r.status == asl::Status::succeeded);
    ++succeeded;
    CHECK(r.output[0] == Json{{"i", 0}});
    CHECK(r.output[1]["outcome"] == "timed out");
    CHECK(r.output[1]["error"]["Error"] == "States.Timeout");
    CHECK(r.output[2] == Json{{"i", 2}});
    CHECK(r.stats.retries == 1);
  }
  CHECK(succeeded == n - 1);
  std::lock_guard<std::mutex> lock(pending.mutex);
  for (auto& c : pending.items) CHECK_FALSE(c.succeed(Json("too late")));
}
