// Engine tests: the JSONPath input/output pipeline, Pass/Choice/Wait/Succeed/Fail, the context object.
// SPDX-License-Identifier: MIT
#include "support/catch.hpp"
#include "support/run.hpp"

#include <asl/detail/base/timestamp.hpp>  // parses the context object's timestamps in assertions

using asl::Json;
using asl::testing::run_machine;

namespace {
Json single_state(Json state) {
  state["End"] = true;
  return Json{{"StartAt", "S"}, {"States", {{"S", state}}}};
}
}  // namespace

TEST_CASE("pipeline: the TestState example of spec §4.1", "[pipeline]") {
  auto r = run_machine(single_state(Json::parse(R"J({"Type":"Pass","InputPath":"$.payload",
      "Parameters":{"data":1},"ResultPath":"$.result","OutputPath":"$.result.data"})J")),
                       Json::parse(R"J({"payload":{"foo":"bar"}})J"));
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(r.output == Json(1));
}

TEST_CASE("pipeline: Pass Result placed by ResultPath (spec §3.2)", "[pipeline]") {
  auto r = run_machine(single_state(Json::parse(
                           R"J({"Type":"Pass","Result":{"x-datum":0.381018},"ResultPath":"$.coords"})J")),
                       Json::parse(R"J({"georefOf":"Home"})J"));
  CHECK(r.output == Json::parse(R"J({"georefOf":"Home","coords":{"x-datum":0.381018}})J"));
}

TEST_CASE("pipeline: null versus absent (spec §4.2)", "[pipeline]") {
  const Json input = Json::parse(R"J({"a":1})J");
  SECTION("InputPath null gives {}") {
    auto r = run_machine(single_state(Json::parse(R"J({"Type":"Pass","InputPath":null})J")), input);
    CHECK(r.output == Json::object());
  }
  SECTION("ResultPath null keeps the raw input") {
    auto r = run_machine(single_state(Json::parse(R"J({"Type":"Pass","Result":5,"ResultPath":null})J")), input);
    CHECK(r.output == input);
  }
  SECTION("OutputPath null gives {}") {
    auto r = run_machine(single_state(Json::parse(R"J({"Type":"Pass","OutputPath":null})J")), input);
    CHECK(r.output == Json::object());
  }
  SECTION("ResultPath combines with the raw input, not the effective input") {
    auto r = run_machine(single_state(Json::parse(
                             R"J({"Type":"Pass","InputPath":"$.a","ResultPath":"$.copy"})J")),
                         input);
    CHECK(r.output == Json::parse(R"J({"a":1,"copy":1})J"));
  }
}

TEST_CASE("pipeline: ResultPath creates intermediate objects (spec §4.4)", "[pipeline]") {
  auto r = run_machine(single_state(Json::parse(R"J({"Type":"Pass","Result":6,"ResultPath":"$.master.result.sum"})J")),
                       Json::parse(R"J({"master":{"detail":[1,2,3]}})J"));
  CHECK(r.output == Json::parse(R"J({"master":{"detail":[1,2,3],"result":{"sum":6}}})J"));
}

TEST_CASE("pipeline: ResultPath on a scalar input fails with ResultPathMatchFailure", "[pipeline]") {
  auto r = run_machine(single_state(Json::parse(R"J({"Type":"Pass","Result":1,"ResultPath":"$.x"})J")), Json("foo"));
  CHECK(r.status == asl::Status::failed);
  CHECK(r.error == std::optional<std::string>("States.ResultPathMatchFailure"));
}

TEST_CASE("pipeline: a missing InputPath is States.Runtime with AWS's cause", "[pipeline]") {
  auto r = run_machine(
      Json::parse(R"J({"StartAt":"pass","States":{"pass":{"Type":"Pass","InputPath":"$.NoSuchInputPath","End":true}}})J"));
  CHECK(r.status == asl::Status::failed);
  CHECK(r.error == std::optional<std::string>("States.Runtime"));
  CHECK(r.cause == std::optional<std::string>(
                       "An error occurred while executing the state 'pass' (entered at the event id #2). "
                       "Invalid path '$.NoSuchInputPath' : No results for path: $['NoSuchInputPath']"));
}

TEST_CASE("pipeline: payload template example of spec §4.5 with the context object", "[pipeline]") {
  auto r = run_machine(single_state(Json::parse(R"J({"Type":"Pass","Parameters":{"flagged":true,
      "parts":{"first.$":"$.vals[0]","last3.$":"$.vals[-3:]"},"state.$":"$$.State.Name",
      "formatted.$":"States.Format('In state {}', $$.State.Name)"}})J")),
                       Json::parse(R"J({"flagged":7,"vals":[0,10,20,30,40,50]})J"));
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(r.output == Json::parse(R"J({"flagged":true,"parts":{"first":0,"last3":[30,40,50]},"state":"S",
      "formatted":"In state S"})J"));
}

TEST_CASE("pipeline: Choice picks the first matching rule, else Default, else NoChoiceMatched", "[pipeline][choice]") {
  const Json def = Json::parse(R"J({"StartAt":"C","States":{
    "C":{"Type":"Choice","Choices":[
      {"Variable":"$.v","NumericGreaterThan":10,"Next":"Big"},
      {"And":[{"Variable":"$.v","IsPresent":true},{"Variable":"$.v","NumericGreaterThan":5}],"Next":"Mid"}],
     "Default":"Small"},
    "Big":{"Type":"Pass","Result":"big","End":true},
    "Mid":{"Type":"Pass","Result":"mid","End":true},
    "Small":{"Type":"Pass","Result":"small","End":true}}})J");
  CHECK(run_machine(def, Json{{"v", 11}}).output == "big");
  CHECK(run_machine(def, Json{{"v", 6}}).output == "mid");
  CHECK(run_machine(def, Json{{"v", 1}}).output == "small");
  Json no_default = def;
  no_default["States"]["C"].erase("Default");
  no_default["States"].erase("Small");
  auto r = run_machine(no_default, Json{{"v", 1}});
  CHECK(r.status == asl::Status::failed);
  CHECK(r.error == std::optional<std::string>("States.NoChoiceMatched"));
}

TEST_CASE("pipeline: Fail with only Cause has no error name", "[pipeline][fail]") {
  auto r = run_machine(Json::parse(R"J({"StartAt":"F","States":{"F":{"Type":"Fail","Cause":"why"}}})J"));
  CHECK(r.status == asl::Status::failed);
  CHECK_FALSE(r.error.has_value());
  CHECK(r.cause == std::optional<std::string>("why"));
}

TEST_CASE("pipeline: Fail ErrorPath/CausePath and a missing path", "[pipeline][fail]") {
  const Json def = Json::parse(R"J({"StartAt":"fail","States":{"fail":{"Type":"Fail",
      "ErrorPath":"$.e","CausePath":"States.Format('code {}', $.code)"}}})J");
  auto r = run_machine(def, Json{{"e", "Custom.Error"}, {"code", 7}});
  CHECK(r.error == std::optional<std::string>("Custom.Error"));
  CHECK(r.cause == std::optional<std::string>("code 7"));
  auto missing = run_machine(def, Json{{"code", 7}});
  CHECK(missing.error == std::optional<std::string>("States.Runtime"));
  CHECK(missing.cause ==
        std::optional<std::string>("An error occurred while executing the state 'fail' (entered at the event id #2). "
                                   "The JSONPath '$.e' specified for the field 'ErrorPath' could not be found in the "
                                   "input '{\"code\":7}'"));
}

TEST_CASE("pipeline: Wait on virtual time advances the context clock", "[pipeline][wait]") {
  const Json def = Json::parse(R"J({"StartAt":"W","States":{
    "W":{"Type":"Wait","Seconds":3600,"Next":"After"},
    "After":{"Type":"Pass","Parameters":{"start.$":"$$.Execution.StartTime","now.$":"$$.State.EnteredTime"},"End":true}}})J");
  auto r = run_machine(def);
  REQUIRE(r.status == asl::Status::succeeded);
  auto start = asl::detail::timestamp::parse(r.output["start"].get<std::string>());
  auto now = asl::detail::timestamp::parse(r.output["now"].get<std::string>());
  REQUIRE(start);
  REQUIRE(now);
  CHECK(*now - *start == 3600LL * 1000000000LL);
}

TEST_CASE("pipeline: SecondsPath errors carry AWS's causes", "[pipeline][wait]") {
  const Json def = Json::parse(
      R"J({"StartAt":"WaitState","States":{"WaitState":{"Type":"Wait","SecondsPath":"$.input.waitSeconds","End":true}}})J");
  auto neg = run_machine(def, Json::parse(R"J({"input":{"waitSeconds":-1}})J"));
  CHECK(neg.cause == std::optional<std::string>(
                         "An error occurred while executing the state 'WaitState' (entered at the event id #2). "
                         "The SecondsPath parameter references a negative value: $.input.waitSeconds == -1"));
  auto frac = run_machine(def, Json::parse(R"J({"input":{"waitSeconds":1.5}})J"));
  CHECK(frac.cause == std::optional<std::string>(
                          "An error occurred while executing the state 'WaitState' (entered at the event id #2). "
                          "The SecondsPath parameter cannot be parsed as a long value: $.input.waitSeconds == 1.5"));
}

TEST_CASE("pipeline: execution TimeoutSeconds ends TIMED_OUT on virtual time", "[pipeline][timeout]") {
  auto r = run_machine(Json::parse(
      R"J({"StartAt":"W","TimeoutSeconds":5,"States":{"W":{"Type":"Wait","Seconds":60,"End":true}}})J"));
  CHECK(r.status == asl::Status::timed_out);
  CHECK_FALSE(r.error.has_value());
}

TEST_CASE("pipeline: the payload limit raises States.DataLimitExceeded", "[pipeline][limits]") {
  asl::EngineOptions o;
  o.payload_limit = 64;
  const Json def = single_state(Json::parse(R"J({"Type":"Pass","Parameters":{"a.$":"$.s","b.$":"$.s"}})J"));
  auto r = run_machine(def, Json{{"s", std::string(40, 'x')}}, asl::HandlerRegistry{}, o);
  CHECK(r.status == asl::Status::failed);
  CHECK(r.error == std::optional<std::string>("States.DataLimitExceeded"));
  CHECK(r.cause == std::optional<std::string>("The state/task 'S' returned a result with a size exceeding the "
                                              "maximum number of bytes service limit."));
  auto small = run_machine(def, Json{{"s", "x"}}, asl::HandlerRegistry{}, o);
  CHECK(small.status == asl::Status::succeeded);
}

TEST_CASE("pipeline: the max-transitions guard ends an endless loop", "[pipeline][limits]") {
  asl::EngineOptions o;
  o.max_transitions = 1000;
  // Legal ASL (a terminal state exists) whose exit is never taken.
  auto r = run_machine(Json::parse(R"J({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},
      "B":{"Type":"Choice","Choices":[{"Variable":"$.stop","IsPresent":true,"Next":"Done"}],"Default":"A"},
      "Done":{"Type":"Succeed"}}})J"),
                       Json::object(), asl::HandlerRegistry{}, o);
  CHECK(r.status == asl::Status::failed);
  CHECK(r.error == std::optional<std::string>("States.Runtime"));
  CHECK(r.stats.state_entries == 1001);
}

TEST_CASE("pipeline: a 20,000-state chain runs without recursion", "[pipeline][limits]") {
  Json states = Json::object();
  const int n = 20000;  // deep enough that a recursive interpreter would overflow
  for (int i = 0; i < n; ++i) {
    Json s{{"Type", "Pass"}};
    if (i + 1 < n) s["Next"] = "S" + std::to_string(i + 1);
    else s["End"] = true;
    states["S" + std::to_string(i)] = s;
  }
  const Json def{{"StartAt", "S0"}, {"States", states}};
  CHECK_THROWS_AS(asl::StateMachine::from_json(def), asl::DefinitionError);  // LoadOptions::max_states
  asl::LoadOptions unlimited;
  unlimited.max_states = 0;
  asl::EngineOptions inline_run;
  inline_run.inline_execution = true;
  inline_run.max_history_events = 0;  // 40,002 events: past AWS Standard's cap, as the next run shows
  asl::Engine engine(inline_run);
  auto r = engine.run(asl::StateMachine::from_json(def, unlimited), Json{{"k", 1}});
  CHECK(r.status == asl::Status::succeeded);
  CHECK(r.stats.state_entries == static_cast<std::uint64_t>(n));
  inline_run.max_history_events = 25'000;
  asl::Engine standard(inline_run);
  auto capped = standard.run(asl::StateMachine::from_json(def, unlimited), Json{{"k", 1}});
  CHECK(capped.status == asl::Status::failed);
  CHECK(capped.stats.state_entries == 12'500);  // 1 + 2 * 12,499 + the 12,500th entry = 25,000
}

TEST_CASE("pipeline: a ResultPath that cannot be applied leaves the raw input to the Catch", "[pipeline]") {
  // OutputPath keeps the state off the in-place ResultPath path: both paths must hand the
  // Catch the state's raw input.
  asl::HandlerRegistry tasks;
  tasks.add("arn:echo", [](const Json& in) { return in; });
  for (const char* output_path : {"$", "$.x"}) {
    Json state = Json::parse(R"J({"Type":"Task","Resource":"arn:echo","ResultPath":"$.x.y",
        "Catch":[{"ErrorEquals":["States.ResultPathMatchFailure"],"ResultPath":"$.error","Next":"Done"}],
        "Next":"Done"})J");
    state["OutputPath"] = output_path;
    const Json def = {{"StartAt", "T"}, {"States", {{"T", state}, {"Done", {{"Type", "Succeed"}}}}}};
    auto r = run_machine(def, Json::parse(R"J({"x":"str"})J"), tasks);
    INFO(output_path);
    REQUIRE(r.status == asl::Status::succeeded);
    CHECK(r.output["x"] == "str");
    CHECK(r.output["error"]["Error"] == "States.ResultPathMatchFailure");
  }
}

TEST_CASE("pipeline: TimeoutSecondsPath and HeartbeatSecondsPath may read the context object", "[pipeline]") {
  // Such a path marks the state as reading $$, so the context object exists when it is read.
  asl::HandlerRegistry tasks;
  tasks.add("arn:seen", [](const Json&, asl::TaskContext& ctx) {
    return Json{{"timeout", ctx.timeout_seconds.value_or(0)}, {"heartbeat", ctx.heartbeat_seconds.value_or(0)}};
  });
  auto r = run_machine(single_state(Json::parse(R"J({"Type":"Task","Resource":"arn:seen",
      "TimeoutSecondsPath":"$$.Execution.Input.t","HeartbeatSecondsPath":"$$.Execution.Input.h"})J")),
                       Json::parse(R"J({"t":30,"h":10})J"), tasks);
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(r.output == Json::parse(R"J({"timeout":30,"heartbeat":10})J"));
}
