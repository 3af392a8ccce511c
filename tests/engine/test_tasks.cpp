// Engine tests: Task handlers and resolution, Retry/Catch semantics on virtual time, Map and Parallel.
// SPDX-License-Identifier: MIT
#include <stdexcept>

#include "support/catch.hpp"
#include "support/run.hpp"

#include <asl/detail/base/timestamp.hpp>  // parses the context object's timestamps in assertions

using asl::Json;
using asl::testing::run_machine;

namespace {
const char* const arn_train = "arn:aws:lambda:us-east-1:123456789012:function:train";

/// A handler that fails with the given error names in order, then succeeds with its input.
asl::TaskHandler failing_then_ok(std::vector<std::string> errors, std::shared_ptr<int> calls) {
  return [errors, calls](const Json& in, asl::TaskContext&) -> asl::Result<Json> {
    const int n = (*calls)++;
    if (n < static_cast<int>(errors.size()))
      return asl::Error(errors[static_cast<std::size_t>(n)], "attempt " + std::to_string(n));
    return in;
  };
}

Json task_machine(const Json& task_fields) {
  Json t = task_fields;
  t["Type"] = "Task";
  t["Resource"] = arn_train;
  if (!t.contains("Next")) t["End"] = true;
  Json states{{"Train", t}};
  if (t.contains("Catch"))  // the catch target, present only when something can reach it
    states["Z"] = Json{{"Type", "Pass"}, {"Result", "caught"}, {"ResultPath", "$.caught"}, {"End", true}};
  return Json{{"StartAt", "Train"}, {"States", states}};
}
}  // namespace

TEST_CASE("tasks: handlers resolve by exact resource, state name and pattern", "[tasks]") {
  asl::HandlerRegistry tasks;
  tasks.add_pattern("arn:aws:lambda:*:*:function:tr*", [](const Json&) { return Json("pattern"); });
  tasks.add_state("ByName", [](const Json&) { return Json("state"); });
  const Json def = Json::parse(R"J({"StartAt":"A","States":{
    "A":{"Type":"Task","Resource":"arn:aws:lambda:eu-west-1:1:function:train-v2","ResultPath":"$.a","Next":"ByName"},
    "ByName":{"Type":"Task","Resource":"arn:aws:states:::custom:thing","ResultPath":"$.b","End":true}}})J");
  auto r = run_machine(def, Json::object(), tasks);
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(r.output == Json::parse(R"J({"a":"pattern","b":"state"})J"));
}

TEST_CASE("tasks: an unresolvable resource is a definition error naming state and resource", "[tasks]") {
  asl::HandlerRegistry none;
  try {
    asl::StateMachine::from_json(task_machine(Json::object()), none);
    FAIL("expected a DefinitionError");
  } catch (const asl::DefinitionError& e) {
    CHECK(std::string(e.what()) ==
          "[asl.definition.601] /States/Train/Resource: no task handler for resource "
          "\"arn:aws:lambda:us-east-1:123456789012:function:train\" (state \"Train\"): register one with the "
          "TaskResolver given to the loader");
  }
}

TEST_CASE("tasks: exceptions become States.TaskFailed, TaskError keeps its name", "[tasks]") {
  asl::HandlerRegistry tasks;
  SECTION("std::exception") {
    tasks.add(arn_train, [](const Json&) -> Json { throw std::runtime_error("disk full"); });
    auto r = run_machine(task_machine(Json::object()), Json::object(), tasks);
    CHECK(r.error == std::optional<std::string>("States.TaskFailed"));
    CHECK(r.cause == std::optional<std::string>("disk full"));
  }
  SECTION("asl::TaskError") {
    tasks.add(arn_train, [](const Json&) -> Json { throw asl::TaskError("Train.OutOfMemory", "batch too big"); });
    auto r = run_machine(task_machine(Json::object()), Json::object(), tasks);
    CHECK(r.error == std::optional<std::string>("Train.OutOfMemory"));
    CHECK(r.cause == std::optional<std::string>("batch too big"));
  }
}

TEST_CASE("tasks: effective input, ResultSelector and the task context", "[tasks]") {
  asl::HandlerRegistry tasks;
  tasks.add(arn_train, [](const Json& in, asl::TaskContext& ctx) {
    return Json{{"got", in}, {"state", std::string(ctx.state_name)}, {"retry", ctx.retry_count}, {"junk", 1}};
  });
  auto r = run_machine(task_machine(Json::parse(R"J({"InputPath":"$.job","Parameters":{"epochs.$":"$.epochs"},
      "ResultSelector":{"got.$":"$.got","state.$":"$.state","retry.$":"$.retry"},"ResultPath":"$.out"})J")),
                       Json::parse(R"J({"job":{"epochs":3}})J"), tasks);
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(r.output == Json::parse(R"J({"job":{"epochs":3},"out":{"got":{"epochs":3},"state":"Train","retry":0}})J"));
}

TEST_CASE("retry: the spec's complex example (A,B,C,B then Catch)", "[retry]") {
  auto calls = std::make_shared<int>(0);
  asl::HandlerRegistry tasks;
  tasks.add(arn_train, failing_then_ok({"ErrorA", "ErrorB", "ErrorC", "ErrorB"}, calls));
  auto observer = std::make_shared<asl::testing::RecordingObserver>();
  auto r = run_machine(task_machine(Json::parse(R"J({"Retry":[
      {"ErrorEquals":["ErrorA","ErrorB"],"IntervalSeconds":1,"BackoffRate":2.0,"MaxAttempts":2},
      {"ErrorEquals":["ErrorC"],"IntervalSeconds":5}],
      "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$.error","Next":"Z"}]})J")),
                       Json::object(), tasks, {}, observer);
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(*calls == 4);
  CHECK(r.stats.retries == 3);
  CHECK(r.output["error"]["Error"] == "ErrorB");
  CHECK(r.output["caught"] == "caught");
}

TEST_CASE("retry: intervals follow BackoffRate and MaxDelaySeconds on virtual time", "[retry]") {
  auto calls = std::make_shared<int>(0);
  asl::HandlerRegistry tasks;
  tasks.add(arn_train, failing_then_ok({"E", "E", "E"}, calls));
  const Json def = Json::parse(R"J({"StartAt":"Train","States":{
    "Train":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:train",
      "Retry":[{"ErrorEquals":["E"],"IntervalSeconds":3,"MaxAttempts":3,"BackoffRate":2,"MaxDelaySeconds":5}],
      "Next":"T"},
    "T":{"Type":"Pass","Parameters":{"start.$":"$$.Execution.StartTime","now.$":"$$.State.EnteredTime"},"End":true}}})J");
  auto r = run_machine(def, Json::object(), tasks);
  REQUIRE(r.status == asl::Status::succeeded);
  const auto start = asl::detail::timestamp::parse(r.output["start"].get<std::string>());
  const auto now = asl::detail::timestamp::parse(r.output["now"].get<std::string>());
  CHECK(*now - *start == (3 + 5 + 5) * 1000000000LL);  // 3, min(6,5), min(12,5)
}

TEST_CASE("retry: MaxAttempts 0 never retries; TaskFailed does not match States.Timeout", "[retry]") {
  auto calls = std::make_shared<int>(0);
  asl::HandlerRegistry tasks;
  tasks.add(arn_train, failing_then_ok({"States.Timeout", "E"}, calls));
  auto r = run_machine(task_machine(Json::parse(R"J({"Retry":[
      {"ErrorEquals":["States.TaskFailed"],"MaxAttempts":5},
      {"ErrorEquals":["States.Timeout"],"MaxAttempts":0}]})J")),
                       Json::object(), tasks);
  CHECK(r.error == std::optional<std::string>("States.Timeout"));
  CHECK(*calls == 1);
}

TEST_CASE("retry: States.Runtime is never retried nor caught", "[retry]") {
  asl::HandlerRegistry tasks;
  tasks.add(arn_train, [](const Json& in) { return in; });
  auto r = run_machine(task_machine(Json::parse(R"J({"InputPath":"$.missing",
      "Retry":[{"ErrorEquals":["States.ALL"]}],
      "Catch":[{"ErrorEquals":["States.Runtime"],"Next":"Z"}]})J")),
                       Json::object(), tasks);
  CHECK(r.status == asl::Status::failed);
  CHECK(r.error == std::optional<std::string>("States.Runtime"));
  CHECK(r.stats.retries == 0);
}

TEST_CASE("map: results in item order, ItemSelector sees $$.Map.Item, MaxConcurrency", "[map]") {
  const Json def = Json::parse(R"J({"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.xs","MaxConcurrency":2,
    "ItemSelector":{"i.$":"$$.Map.Item.Index","v.$":"$$.Map.Item.Value","k.$":"$.k"},
    "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"ResultPath":"$.out","End":true}}})J");
  auto r = run_machine(def, Json::parse(R"J({"xs":["a","b","c"],"k":9})J"));
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(r.output["out"] == Json::parse(R"J([{"i":0,"v":"a","k":9},{"i":1,"v":"b","k":9},{"i":2,"v":"c","k":9}])J"));
  CHECK(r.stats.state_entries == 4);
}

TEST_CASE("map: an iteration failure fails the Map with the iteration's own error", "[map]") {
  const Json def = Json::parse(R"J({"StartAt":"M","States":{"M":{"Type":"Map",
    "ItemProcessor":{"StartAt":"C","States":{
      "C":{"Type":"Choice","Choices":[{"Variable":"$","NumericEquals":2,"Next":"Bad"}],"Default":"Ok"},
      "Bad":{"Type":"Fail","Error":"Item.Bad","Cause":"two"},"Ok":{"Type":"Succeed"}}},
    "Catch":[{"ErrorEquals":["Item.Bad"],"Next":"Handled"}],"End":true},
    "Handled":{"Type":"Pass","End":true}}})J");
  auto r = run_machine(def, Json::parse("[1,2,3]"));
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(r.output == Json::parse(R"J({"Error":"Item.Bad","Cause":"two"})J"));
}

TEST_CASE("map: items move out of the input only where nothing reads that input again", "[map]") {
  // The engine moves a Map's items out of its raw input instead of copying them when the input
  // is dead afterwards; every case where it is read again must still see it whole.
  const auto map_over = [](const std::string& extra) {
    return Json::parse(R"J({"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.xs",
      "ItemProcessor":{"StartAt":"T","States":{"T":{"Type":"Task","Resource":")J" +
                       std::string(arn_train) + R"J(","End":true}}},)J" + extra +
                       R"J(,"Next":"Done"},"Done":{"Type":"Pass","End":true}}})J");
  };
  const Json input = Json::parse(R"J({"xs":[1,2,3],"k":"keep"})J");
  // Item 2 fails on its first call only.
  const auto flaky_two = [](std::shared_ptr<int> calls) {
    return [calls](const Json& in, asl::TaskContext&) -> asl::Result<Json> {
      if (in == 2 && (*calls)++ == 0) return asl::Error("Item.Flaky", "first call");
      return Json(in.get<int>() * 10);
    };
  };
  SECTION("a Retry on the Map re-reads the items") {
    asl::HandlerRegistry tasks;
    tasks.add(arn_train, flaky_two(std::make_shared<int>(0)));
    auto r = run_machine(map_over(R"J("Retry":[{"ErrorEquals":["Item.Flaky"],"IntervalSeconds":1}])J"), input, tasks);
    REQUIRE(r.status == asl::Status::succeeded);
    CHECK(r.output == Json::parse("[10,20,30]"));
    CHECK(r.stats.retries == 1);
  }
  SECTION("a Catch that keeps the input (ResultPath to a field, or null) sees it whole") {
    for (const char* catch_path : {R"J("$.error")J", "null"}) {
      asl::HandlerRegistry tasks;
      tasks.add(arn_train, flaky_two(std::make_shared<int>(0)));
      auto r = run_machine(map_over(std::string(R"J("Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":)J") +
                                    catch_path + R"J(,"Next":"Done"}])J"),
                           input, tasks);
      REQUIRE(r.status == asl::Status::succeeded);
      CHECK(r.output["xs"] == Json::parse("[1,2,3]"));
      CHECK(r.output["k"] == "keep");
    }
  }
  SECTION("a ResultPath that keeps the input sees it whole next to the results") {
    asl::HandlerRegistry tasks;
    tasks.add(arn_train, flaky_two(std::make_shared<int>(1)));  // never fails
    auto r = run_machine(map_over(R"J("ResultPath":"$.out")J"), input, tasks);
    REQUIRE(r.status == asl::Status::succeeded);
    CHECK(r.output == Json::parse(R"J({"xs":[1,2,3],"k":"keep","out":[10,20,30]})J"));
  }
  SECTION("ResultPath $ with a Catch to $: the items are taken, the outputs are unchanged") {
    asl::HandlerRegistry tasks;
    tasks.add(arn_train, flaky_two(std::make_shared<int>(1)));
    auto ok = run_machine(map_over(R"J("Catch":[{"ErrorEquals":["States.ALL"],"Next":"Done"}])J"), input, tasks);
    REQUIRE(ok.status == asl::Status::succeeded);
    CHECK(ok.output == Json::parse("[10,20,30]"));
    asl::HandlerRegistry failing;
    failing.add(arn_train, flaky_two(std::make_shared<int>(0)));
    auto caught = run_machine(map_over(R"J("Catch":[{"ErrorEquals":["States.ALL"],"Next":"Done"}])J"), input, failing);
    REQUIRE(caught.status == asl::Status::succeeded);
    CHECK(caught.output == Json::parse(R"J({"Error":"Item.Flaky","Cause":"first call"})J"));
  }
}

TEST_CASE("map: empty items give []; Map inside Map inside Parallel completes", "[map][parallel]") {
  const Json def = Json::parse(R"J({"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
    {"StartAt":"Outer","States":{"Outer":{"Type":"Map","ItemProcessor":{"StartAt":"Inner","States":{
      "Inner":{"Type":"Map","ItemProcessor":{"StartAt":"Leaf","States":{"Leaf":{"Type":"Pass","End":true}}},"End":true}}},
      "End":true}}},
    {"StartAt":"Empty","States":{"Empty":{"Type":"Map","ItemsPath":"$[2]","ItemProcessor":{"StartAt":"X",
      "States":{"X":{"Type":"Pass","End":true}}},"End":true}}}],"End":true}}})J");
  auto r = run_machine(def, Json::parse(R"J([[1,2],[3],[]])J"));
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(r.output == Json::parse(R"J([[[1,2],[3],[]],[]])J"));
}

TEST_CASE("parallel: every branch gets the same input; failure surfaces the branch error", "[parallel]") {
  const Json def = Json::parse(R"J({"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
    {"StartAt":"A","States":{"A":{"Type":"Pass","InputPath":"$.a","End":true}}},
    {"StartAt":"B","States":{"B":{"Type":"Pass","InputPath":"$.b","End":true}}}],
    "ResultSelector":{"sum.$":"States.MathAdd($[0], $[1])"},"End":true}}})J");
  auto r = run_machine(def, Json::parse(R"J({"a":2,"b":3})J"));
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(r.output == Json::parse(R"J({"sum":5})J"));

  const Json failing = Json::parse(R"J({"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
    {"StartAt":"W","States":{"W":{"Type":"Wait","Seconds":100,"End":true}}},
    {"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Branch.Boom","Cause":"b"}}}],"End":true}}})J");
  auto f = run_machine(failing);
  CHECK(f.status == asl::Status::failed);
  CHECK(f.error == std::optional<std::string>("Branch.Boom"));
}

TEST_CASE("retry: JitterStrategy FULL is reproducible with a seed and stays within the interval", "[retry]") {
  const Json def = Json::parse(R"J({"StartAt":"Train","States":{
    "Train":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:train",
      "Retry":[{"ErrorEquals":["E"],"IntervalSeconds":100,"MaxAttempts":3,"BackoffRate":1,"JitterStrategy":"FULL"}],
      "Next":"T"},
    "T":{"Type":"Pass","Parameters":{"start.$":"$$.Execution.StartTime","now.$":"$$.State.EnteredTime"},"End":true}}})J");
  auto waited = [&](std::uint64_t seed) {
    auto calls = std::make_shared<int>(0);
    asl::HandlerRegistry tasks;
    tasks.add(arn_train, failing_then_ok({"E", "E", "E"}, calls));
    asl::EngineOptions o;
    o.jitter_seed = seed;
    auto r = run_machine(def, Json::object(), tasks, o);
    REQUIRE(r.status == asl::Status::succeeded);
    return *asl::detail::timestamp::parse(r.output["now"].get<std::string>()) -
           *asl::detail::timestamp::parse(r.output["start"].get<std::string>());
  };
  const auto a = waited(1), b = waited(1), c = waited(2);
  CHECK(a == b);
  CHECK(a != c);
  // Three retries, each uniformly in [0, 100 s]: strictly less than the 300 s without jitter.
  CHECK(a >= 0);
  CHECK(a < 300LL * 1000000000LL);
}
