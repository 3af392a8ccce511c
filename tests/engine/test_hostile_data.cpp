// Data nobody here wrote: documents nested far deeper than any stack, a definition that loops on
// its own output, retry storms and waits past the end of time. Each entry point answers with an
// error value (or a definition error), never a crash or a hang.
// SPDX-License-Identifier: MIT
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <asl/detail/json/depth.hpp>

#include "support/catch.hpp"
#include "support/pending.hpp"
#include "support/run.hpp"

using asl::Json;

namespace {

/// `[[[...]]]` nested `depth` levels, built without recursion (and freed without it: nlohmann's
/// destructor is iterative).
Json nested_arrays(std::size_t depth) {
  Json j = Json::array();
  for (std::size_t i = 1; i < depth; ++i) {
    Json outer = Json::array();
    outer.push_back(std::move(j));
    j = std::move(outer);
  }
  return j;
}

std::string nested_text(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

const Json one_pass = Json::parse(R"J({"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}})J");

bool contains(const std::optional<std::string>& s, const std::string& part) {
  return s && s->find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("deep data: an execution input deeper than max_json_depth is refused before any state runs",
          "[limits][depth]") {
  for (const bool pool : {false, true}) {
    asl::EngineOptions o;
    o.inline_execution = !pool;
    o.threads = 2;
    asl::Engine engine(o);
    auto observer = std::make_shared<asl::testing::RecordingObserver>();
    engine.add_observer(observer);
    // Moved in: copying it here would be the very recursion the engine avoids.
    const auto r = engine.run(asl::StateMachine::from_json(one_pass), nested_arrays(300'000));
    REQUIRE(r.status == asl::Status::failed);
    CHECK(r.error == std::optional<std::string>("States.DataLimitExceeded"));
    CHECK(r.cause == std::optional<std::string>("The execution input is nested deeper than the limit of 1000 "
                                                "levels (EngineOptions::max_json_depth)."));
    CHECK(r.stats.state_entries == 0);
    REQUIRE(observer->events.size() == 2);
    CHECK(observer->events[0].type == asl::EventType::ExecutionStarted);
    CHECK(observer->events[1].type == asl::EventType::ExecutionFailed);
  }
  // The limit is the nesting depth: 1,000 levels run, 1,001 do not; and it is configurable.
  CHECK(asl::testing::run_machine(one_pass, nested_arrays(1000)).status == asl::Status::succeeded);
  CHECK(asl::testing::run_machine(one_pass, nested_arrays(1001)).status == asl::Status::failed);
  asl::EngineOptions small;
  small.max_json_depth = 3;
  CHECK(asl::testing::run_machine(one_pass, nested_arrays(3), asl::HandlerRegistry{}, small).status == asl::Status::succeeded);
  CHECK(asl::testing::run_machine(one_pass, Json{{"a", {{"b", Json::array()}}}}, asl::HandlerRegistry{}, small).status ==
        asl::Status::succeeded);
  CHECK(asl::testing::run_machine(one_pass, Json{{"a", {{"b", {{"c", 1}}}}}}, asl::HandlerRegistry{}, small).status ==
        asl::Status::succeeded);
  CHECK(asl::testing::run_machine(one_pass, Json{{"a", {{"b", {{"c", Json::array()}}}}}}, asl::HandlerRegistry{}, small).status ==
        asl::Status::failed);
}

TEST_CASE("deep data: a task result deeper than the limit fails the task, and Catch handles it", "[limits][depth]") {
  asl::HandlerRegistry tasks;
  tasks.add("arn:aws:lambda:us-east-1:123456789012:function:deep", [](const Json&) { return nested_arrays(200'000); });
  const Json def = Json::parse(R"J({"StartAt":"T","States":{
    "T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:deep",
         "Catch":[{"ErrorEquals":["States.DataLimitExceeded"],"ResultPath":"$.error","Next":"Caught"}],"End":true},
    "Caught":{"Type":"Pass","End":true}}})J");
  const auto r = asl::testing::run_machine(def, Json::object(), tasks);
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(r.output["error"]["Error"] == "States.DataLimitExceeded");
  CHECK(r.output["error"]["Cause"] == "The state/task 'T' returned a result nested deeper than the limit of 1000 "
                                      "levels (EngineOptions::max_json_depth).");
}

TEST_CASE("deep data: a deferred completion and a callback deliver deep results the same way", "[limits][depth]") {
  asl::testing::PendingTasks pending;
  const std::string arn = "arn:aws:lambda:us-east-1:123456789012:function:later";
  const Json def = Json::parse(R"J({"StartAt":"T","States":{
    "T":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:later","Next":"C"},
    "C":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","End":true,
         "Parameters":{"token.$":"$$.Task.Token"}}}})J");
  asl::HandlerRegistry tasks = asl::testing::deferring(pending, arn);
  tasks.add("arn:aws:states:::sqs:sendMessage.waitForTaskToken", [&](const Json& in) {
    pending.add(asl::TaskCompletion(), in["token"].get<std::string>());
    return Json::object();
  });
  for (const bool callback : {false, true}) {
    asl::EngineOptions o;
    o.threads = 1;
    asl::Engine engine(o);
    const std::size_t first = pending.items.size();
    auto exec = engine.start(asl::StateMachine::from_json(def, tasks), Json::object());
    REQUIRE(pending.wait_count(first + 1));
    if (callback) {
      REQUIRE(pending.at(first).succeed(Json::object()));
      REQUIRE(pending.wait_count(first + 2));
      std::string token;
      {
        std::lock_guard<std::mutex> lock(pending.mutex);
        token = pending.tokens[first + 1];
      }
      CHECK_FALSE(engine.send_task_success(token, nested_arrays(100'000)).has_value());
    } else {
      REQUIRE(pending.at(first).succeed(nested_arrays(100'000)));
    }
    REQUIRE(exec.wait_for(asl::testing::hang_guard));
    const auto r = exec.get();
    REQUIRE(r.status == asl::Status::failed);
    CHECK(r.error == std::optional<std::string>("States.DataLimitExceeded"));
    CHECK(contains(r.cause, callback ? "The state/task 'C' returned" : "The state/task 'T' returned"));
  }
}

TEST_CASE("deep data: States.StringToJson refuses text nested deeper than the limit", "[limits][depth]") {
  const Json def = Json::parse(R"J({"StartAt":"P","States":{
    "P":{"Type":"Pass","Parameters":{"v.$":"States.StringToJson($.s)"},"End":true}}})J");
  asl::EngineOptions o;
  o.payload_limit = 0;  // 600 KB of text: past AWS's payload limit, which is not the point here
  const auto deep = asl::testing::run_machine(def, Json{{"s", nested_text(300'000)}}, asl::HandlerRegistry{}, o);
  REQUIRE(deep.status == asl::Status::failed);
  CHECK(deep.error == std::optional<std::string>("States.IntrinsicFailure"));
  CHECK(contains(deep.cause, "nested deeper than the limit of 1000 levels"));
  const auto ok = asl::testing::run_machine(def, Json{{"s", nested_text(999)}});
  REQUIRE(ok.status == asl::Status::succeeded);
  // One level under the template's object: the output (1,000 levels) is within the limit.
  CHECK(ok.output["v"].is_array());
}

TEST_CASE("deep data: a state whose output is deeper than the limit ends the execution", "[limits][depth]") {
  SECTION("a loop that wraps its own output") {
    // Each round nests the document one level deeper; nothing in the definition ends the loop,
    // the depth limit does (long before AWS's 25,000-event history cap would).
    const Json def = Json::parse(R"J({"StartAt":"Wrap","States":{
      "Wrap":{"Type":"Pass","Parameters":{"inner.$":"$"},"Next":"Check"},
      "Check":{"Type":"Choice","Choices":[{"Variable":"$.stop","IsPresent":true,"Next":"Done"}],"Default":"Wrap"},
      "Done":{"Type":"Succeed"}}})J");
    auto observer = std::make_shared<asl::testing::RecordingObserver>();
    const auto r = asl::testing::run_machine(def, Json::object(), asl::HandlerRegistry{}, {}, observer);
    REQUIRE(r.status == asl::Status::failed);
    CHECK(r.error == std::optional<std::string>("States.DataLimitExceeded"));
    CHECK(r.cause == std::optional<std::string>("The state 'Wrap' produced an output nested deeper than the "
                                                "limit of 1000 levels (EngineOptions::max_json_depth)."));
    // Every output the observer saw (it copies each one) is within the limit.
    for (const auto& e : observer->events)
      if (e.details.contains("output")) CHECK(asl::detail::json_depth(e.details["output"]) <= 1000);
  }
  SECTION("one ResultPath that builds thousands of levels at once") {
    std::string path = "$";
    for (int i = 0; i < 5000; ++i) path += ".a";
    Json def = one_pass;
    def["States"]["P"]["Result"] = 1;
    def["States"]["P"]["ResultPath"] = path;
    const auto r = asl::testing::run_machine(def, Json::object(), asl::HandlerRegistry{}, {},
                                             std::make_shared<asl::testing::RecordingObserver>());
    REQUIRE(r.status == asl::Status::failed);
    CHECK(r.error == std::optional<std::string>("States.DataLimitExceeded"));
  }
  SECTION("Map results count the levels their items add") {
    const Json def = Json::parse(R"J({"StartAt":"M","States":{
      "M":{"Type":"Map","Next":"Wrap","ItemProcessor":{"StartAt":"I","States":{
        "I":{"Type":"Pass","Parameters":{"x.$":"$"},"End":true}}}},
      "Wrap":{"Type":"Pass","Parameters":{"y.$":"$"},"End":true}}})J");
    asl::EngineOptions o;
    o.max_json_depth = 5;
    // Items of depth 2 become {x: item} (3), the results array 4, Wrap's object 5: at the limit.
    const Json items = Json::array({Json::array({Json::array()}), 1});
    const auto ok = asl::testing::run_machine(def, items, asl::HandlerRegistry{}, o);
    CHECK(ok.status == asl::Status::succeeded);
    o.max_json_depth = 4;
    const auto deep = asl::testing::run_machine(def, items, asl::HandlerRegistry{}, o);
    REQUIRE(deep.status == asl::Status::failed);
    CHECK(contains(deep.cause, "The state 'Wrap' produced an output nested deeper"));
  }
}

TEST_CASE("deep data: asl::parse_json refuses text deeper than its limit with a Json::exception", "[limits][depth]") {
  CHECK_THROWS_AS(asl::parse_json(nested_text(300'000)), asl::JsonDepthError);
  try {
    asl::parse_json(nested_text(1001));
    FAIL("1,001 levels parsed under the default limit of 1,000");
  } catch (const asl::Json::exception& e) {
    CHECK(std::string(e.what()) == "[asl.json.depth] JSON text is nested deeper than the limit of 1000 levels");
  }
  CHECK(asl::detail::json_depth(asl::parse_json(nested_text(1000))) == 1000);
  CHECK(asl::detail::json_depth(asl::parse_json(nested_text(5), 5)) == 5);
  CHECK_THROWS_AS(asl::parse_json("{\"a\":" + nested_text(5) + "}", 5), asl::JsonDepthError);
  CHECK_THROWS_AS(asl::parse_json(std::string(300'000, '[')), asl::Json::parse_error);  // malformed first
  CHECK(asl::parse_json(nested_text(2000), 0).is_array());  // 0 = no limit
}

TEST_CASE("deep data: a host-built definition deeper than LoadOptions::max_depth is a definition error",
          "[limits][depth]") {
  Json def = one_pass;
  def["States"]["P"]["Result"] = nested_arrays(100'000);
  try {
    asl::StateMachine::from_json(std::move(def));  // moved: a copy would recurse 100,000 levels
    FAIL("a 100,000-level definition loaded");
  } catch (const asl::DefinitionError& e) {
    REQUIRE(e.diagnostics().size() == 1);
    CHECK(e.diagnostics()[0].id == "asl.definition.004");
  }
}

TEST_CASE("json_depth walks any depth without recursion", "[limits][depth]") {
  CHECK(asl::detail::json_depth(Json(1)) == 0);
  CHECK(asl::detail::json_depth(Json::array()) == 1);
  CHECK(asl::detail::json_depth(Json{{"a", 1}, {"b", {{"c", Json::array({1, Json::object()})}}}}) == 4);
  const Json deep = nested_arrays(500'000);
  CHECK(asl::detail::json_depth(deep) == 500'000);
  CHECK(asl::detail::json_depth(deep, 10) == 11);  // stops as soon as it knows
  CHECK(asl::detail::too_deep(deep, 499'999));
  CHECK_FALSE(asl::detail::too_deep(deep, 0));
}

TEST_CASE("AWS quotas: a Standard retry storm ends at the 25,000-event history cap", "[limits]") {
  // A Parallel whose only branch fails, retried 99,999,999 times 1 s apart: AWS accepts it and
  // ends it when the history reaches 25,000 events, with ExecutionFailed as event 25,000.
  const Json def = Json::parse(R"J({"StartAt":"Par","States":{"Par":{"Type":"Parallel","End":true,
    "Branches":[{"StartAt":"F","States":{"F":{"Type":"Fail","Error":"Boom"}}}],
    "Retry":[{"ErrorEquals":["States.ALL"],"IntervalSeconds":1,"MaxAttempts":99999999,"BackoffRate":1.0}]}}})J");
  auto observer = std::make_shared<asl::testing::RecordingObserver>();
  const auto r = asl::testing::run_machine(def, Json::object(), asl::HandlerRegistry{}, {}, observer);
  REQUIRE(r.status == asl::Status::failed);
  CHECK(r.error == std::optional<std::string>("States.Runtime"));
  CHECK(r.cause == std::optional<std::string>("The execution reached the maximum number of history events (25000)."));
  REQUIRE(observer->events.size() == 25'000);
  CHECK(observer->events.back().type == asl::EventType::ExecutionFailed);
  CHECK(observer->events.back().id == 25'000);
  CHECK(observer->events[24'998].id == 24'999);

  // EXPRESS machines keep no history on AWS (no cap) but may run 5 minutes: the same storm
  // ends TIMED_OUT after 5 virtual minutes of 1-second retries.
  asl::LoadOptions express;
  express.express = true;
  asl::EngineOptions o;
  o.virtual_time = true;
  o.inline_execution = true;
  asl::Engine engine(o);
  const auto ex = engine.run(asl::StateMachine::from_json(def, express), Json::object());
  CHECK(ex.status == asl::Status::timed_out);
  CHECK(ex.stats.retries >= 299);
  CHECK(ex.stats.retries <= 301);
}

TEST_CASE("AWS quotas: waits past the maximum duration, a Java int or a Java long", "[limits]") {
  const Json def = Json::parse(R"J({"StartAt":"W","States":{"W":{"Type":"Wait","SecondsPath":"$.s","End":true}}})J");
  auto run_with = [&](const Json& seconds) { return asl::testing::run_machine(def, Json{{"s", seconds}}); };
  const auto huge = run_with(9.99e300);
  REQUIRE(huge.status == asl::Status::failed);
  CHECK(contains(huge.cause, "The SecondsPath parameter cannot be parsed as a long value: $.s == "));
  const auto too_long = run_with(1e12);
  REQUIRE(too_long.status == asl::Status::failed);
  CHECK(contains(too_long.cause, "Wait state delay is too long."));
  CHECK(run_with(2147483648LL).status == asl::Status::failed);
  // Within a Java int but past a Standard execution's year: AWS times the execution out then.
  const auto year = run_with(99'999'999);
  CHECK(year.status == asl::Status::timed_out);
  CHECK(run_with(86'400 * 364).status == asl::Status::succeeded);
  asl::EngineOptions unlimited;
  unlimited.max_duration_seconds = 0;
  CHECK(asl::testing::run_machine(def, Json{{"s", 99'999'999}}, asl::HandlerRegistry{}, unlimited).status == asl::Status::succeeded);
}

TEST_CASE("deep data: a nested StartExecution whose Input text is too deep is refused as AWS's API refuses it",
          "[limits][depth][nested]") {
  asl::EngineOptions o;
  o.inline_execution = true;
  o.payload_limit = 0;  // 200 KB of text: past AWS's payload limit, which is not the point here
  asl::Engine engine(o);
  asl::StateMachineRegistry machines;
  asl::NestedExecutionResolver resolver(engine, machines);
  machines.load("Child", R"J({"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}})J", resolver);
  const Json def{{"StartAt", "Call"},
                 {"States",
                  {{"Call",
                    {{"Type", "Task"},
                     {"Resource", "arn:aws:states:::states:startExecution.sync:2"},
                     {"Parameters",
                      {{"StateMachineArn", asl::StateMachineRegistry::arn("Child")}, {"Input.$", "$.text"}}},
                     {"End", true}}}}}};
  const auto r = engine.run(asl::StateMachine::from_json(def, resolver), Json{{"text", nested_text(100'000)}});
  REQUIRE(r.status == asl::Status::failed);
  CHECK(r.error == std::optional<std::string>("StepFunctions.InvalidExecutionInputException"));
}

TEST_CASE("AWS quotas: the history cap counts an inline Map's iterations, not a Distributed Map's", "[limits]") {
  // 9,000 items write ~36,000 events. Inline, they are the parent's history on AWS too (past
  // 25,000: failed); Distributed, each iteration is a child execution with a history of its own.
  auto def = [](const char* mode) {
    return Json::parse(std::string(R"J({"StartAt":"M","States":{"M":{"Type":"Map","End":true,
      "ItemProcessor":{"ProcessorConfig":{"Mode":")J") + mode + R"J(","ExecutionType":"STANDARD"},
        "StartAt":"I","States":{"I":{"Type":"Pass","End":true}}}}}})J");
  };
  const Json items = Json(std::vector<int>(9000, 1));
  const auto inline_map = asl::testing::run_machine(def("INLINE"), items);
  CHECK(inline_map.status == asl::Status::failed);
  CHECK(contains(inline_map.cause, "maximum number of history events (25000)"));
  const auto distributed = asl::testing::run_machine(def("DISTRIBUTED"), items);
  CHECK(distributed.status == asl::Status::succeeded);
  CHECK(distributed.output.size() == 9000);
}
