// asl::testing::test_state (AWS's TestState API): the stages each state type shows, mocks, Retry/Catch as stateConfiguration places them, variables, a state of a whole machine, AWS's request checks and the response's JSON.
// SPDX-License-Identifier: MIT
#include <string>

#include <asl/parse_json.hpp>
#include <asl/testing/test_state.hpp>

#include "support/catch.hpp"

using asl::Json;
using asl::parse_json;
using asl::testing::InspectionLevel;
using asl::testing::TestStateError;
using asl::testing::TestStateMock;
using asl::testing::TestStateOptions;
using asl::testing::TestStateStatus;

namespace {

TestStateOptions debug() {
  TestStateOptions o;
  o.inspection_level = InspectionLevel::debug;
  return o;
}

TestStateMock result(Json r) {
  TestStateMock m;
  m.result = std::move(r);
  return m;
}

TestStateMock error(std::string name, std::string cause) {
  TestStateMock m;
  m.error_output = asl::Error(std::move(name), std::move(cause));
  return m;
}

const char* const task = R"({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
  "InputPath": "$.job", "Parameters": {"size.$": "$.size"}, "ResultSelector": {"loss.$": "$.loss"},
  "ResultPath": "$.trained", "OutputPath": "$.trained",
  "Retry": [{"ErrorEquals": ["Preempted"], "IntervalSeconds": 2, "MaxAttempts": 3, "BackoffRate": 3}],
  "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Recover"}],
  "Next": "Evaluate"})";

/// The test's fallback: the exact text of an error a call was expected to throw.
template <class F>
std::string refusal(F&& f) {
  try {
    f();
  } catch (const TestStateError& e) {
    return e.code() + ": " + e.message();
  }
  return "(accepted)";
}

}  // namespace

TEST_CASE("test_state: a Task's stages, from InputPath to OutputPath", "[test_state]") {
  auto o = debug();
  o.mock = result(Json{{"loss", 0.25}, {"epochs", 3}});
  const auto r = asl::testing::test_state(parse_json(task), Json{{"job", {{"size", 10}}}}, o);
  CHECK(r.status == TestStateStatus::succeeded);
  CHECK(*r.output == Json{{"loss", 0.25}});
  CHECK(r.next_state == std::optional<std::string>("Evaluate"));
  const auto& d = *r.inspection_data;
  CHECK(*d.input == Json{{"job", {{"size", 10}}}});
  CHECK(*d.after_input_path == Json{{"size", 10}});
  CHECK(*d.after_parameters == Json{{"size", 10}});
  CHECK(*d.result == Json{{"loss", 0.25}, {"epochs", 3}});
  CHECK(*d.after_result_selector == Json{{"loss", 0.25}});
  CHECK(*d.after_result_path == Json{{"job", {{"size", 10}}}, {"trained", {{"loss", 0.25}}}});
  CHECK_FALSE(d.after_arguments);
}

TEST_CASE("test_state: INFO shows no inspection data, and the response is AWS's JSON", "[test_state]") {
  TestStateOptions o;
  o.mock = result(Json{{"loss", 0.5}});
  const auto r = asl::testing::test_state(parse_json(task), Json{{"job", {{"size", 1}}}}, o);
  CHECK_FALSE(r.inspection_data);
  CHECK(r.to_json() == Json{{"output", R"({"loss":0.5})"}, {"nextState", "Evaluate"}, {"status", "SUCCEEDED"}});
}

TEST_CASE("test_state: Retry and Catch as stateConfiguration.retrierRetryCount places the attempt", "[test_state]") {
  auto o = debug();
  o.mock = error("Preempted", "node lost");
  SECTION("a retry is left: RETRIABLE with the backoff of that retry") {
    o.state_configuration.retrier_retry_count = 2;
    const auto r = asl::testing::test_state(parse_json(task), Json{{"job", {{"size", 1}}}}, o);
    CHECK(r.status == TestStateStatus::retriable);
    CHECK(r.error == std::optional<std::string>("Preempted"));
    CHECK(*r.inspection_data->error_details->retry_index == 0);
    CHECK(*r.inspection_data->error_details->retry_backoff_interval_seconds == 18.0);  // 2 × 3²
    CHECK_FALSE(r.output);
  }
  SECTION("retries exhausted: the Catch takes it") {
    o.state_configuration.retrier_retry_count = 3;
    const auto r = asl::testing::test_state(parse_json(task), Json{{"job", {{"size", 1}}}}, o);
    CHECK(r.status == TestStateStatus::caught_error);
    CHECK(r.next_state == std::optional<std::string>("Recover"));
    CHECK(*r.output == Json{{"job", {{"size", 1}}}, {"error", {{"Error", "Preempted"}, {"Cause", "node lost"}}}});
    CHECK(*r.inspection_data->error_details->catch_index == 0);
    CHECK(r.to_json()["inspectionData"]["errorDetails"] == Json{{"catchIndex", 0}, {"retryIndex", 0}});
  }
}

TEST_CASE("test_state: an error no retrier or catcher takes fails the state", "[test_state]") {
  auto o = debug();
  o.mock = error("Oops", "bad");
  const auto r = asl::testing::test_state(
      parse_json(R"({"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true})"), Json::object(), o);
  CHECK(r.status == TestStateStatus::failed);
  CHECK(r.cause == std::optional<std::string>("bad"));
  CHECK_FALSE(r.inspection_data->error_details);
}

TEST_CASE("test_state: Pass, Choice, Wait, Succeed and Fail without a mock", "[test_state]") {
  const Json in{{"value", 22}, {"type", "Private"}};
  auto o = debug();
  SECTION("Pass with Result and ResultPath") {
    const auto r = asl::testing::test_state(
        parse_json(R"({"Type":"Pass","Result":{"k":1},"ResultPath":"$.r","End":true})"), in, o);
    CHECK(*r.output == Json{{"value", 22}, {"type", "Private"}, {"r", {{"k", 1}}}});
    CHECK(*r.inspection_data->result == Json{{"k", 1}});
    CHECK_FALSE(r.inspection_data->after_input_path);
  }
  SECTION("Choice picks the next state") {
    const auto r = asl::testing::test_state(parse_json(R"({"Type":"Choice","Choices":[
        {"Variable":"$.value","NumericGreaterThan":30,"Next":"Big"},
        {"Variable":"$.value","NumericGreaterThan":20,"Next":"Twenties"}],"Default":"Small"})"),
                                            in, o);
    CHECK(r.next_state == std::optional<std::string>("Twenties"));
    CHECK(*r.output == in);
  }
  SECTION("Wait does not wait") {
    const auto r = asl::testing::test_state(parse_json(R"({"Type":"Wait","Seconds":86400,"Next":"Later"})"), in, o);
    CHECK(r.status == TestStateStatus::succeeded);
    CHECK(r.next_state == std::optional<std::string>("Later"));
  }
  SECTION("Fail reports its error and cause") {
    const auto r = asl::testing::test_state(parse_json(R"({"Type":"Fail","Error":"E","CausePath":"$.type"})"), in, o);
    CHECK(r.status == TestStateStatus::failed);
    CHECK(r.error == std::optional<std::string>("E"));
    CHECK(r.cause == std::optional<std::string>("Private"));
  }
  SECTION("Succeed with OutputPath") {
    const auto r = asl::testing::test_state(parse_json(R"({"Type":"Succeed","OutputPath":"$.value"})"), in, o);
    CHECK(*r.output == 22);
    CHECK_FALSE(r.next_state);
  }
}

TEST_CASE("test_state: JSONata, variables and Assign", "[test_state]") {
  auto o = debug();
  o.variables = Json{{"threshold", 0.9}};
  o.mock = result(Json{{"accuracy", 0.95}});
  const auto r = asl::testing::test_state(parse_json(R"({"Type":"Task","QueryLanguage":"JSONata",
      "Resource":"arn:aws:states:::lambda:invoke","Arguments":{"x":"{% $states.input.x %}"},
      "Assign":{"passed":"{% $states.result.accuracy >= $threshold %}"},
      "Output":{"acc":"{% $states.result.accuracy %}"},"End":true})"),
                                          Json{{"x", 1}}, o);
  CHECK(*r.output == Json{{"acc", 0.95}});
  CHECK(*r.inspection_data->after_arguments == Json{{"x", 1}});
  CHECK_FALSE(r.inspection_data->after_parameters);
  const Json& vars = *r.inspection_data->variables;  // the given ones and the state's Assign
  CHECK(vars.size() == 2);
  CHECK(vars.at("passed") == true);
  CHECK(vars.at("threshold") == 0.9);
}

TEST_CASE("test_state: a state of a whole machine, nested ones included", "[test_state]") {
  const Json machine = parse_json(R"({"StartAt":"A","States":{
      "A":{"Type":"Pass","Result":1,"Next":"M"},
      "M":{"Type":"Map","ItemProcessor":{"StartAt":"Inner","States":{"Inner":{"Type":"Pass","End":true}}},"End":true}}})");
  auto o = debug();
  o.state_name = "Inner";
  const auto r = asl::testing::test_state(machine, Json{{"item", 3}}, o);
  CHECK(*r.output == Json{{"item", 3}});
  o.state_name = "A";
  CHECK(asl::testing::test_state(machine, Json::object(), o).next_state == std::optional<std::string>("M"));
  o.state_name = "Nope";
  CHECK(refusal([&] { asl::testing::test_state(machine, Json::object(), o); }) ==
        "ValidationException: State 'Nope' does not exist in the definition.");
}

TEST_CASE("test_state: Map and Parallel with a mock", "[test_state]") {
  auto o = debug();
  const Json map = parse_json(R"({"Type":"Map","ItemsPath":"$.items","ToleratedFailureCount":1,
      "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"ResultPath":"$.out","End":true})");
  const Json in{{"items", {1, 2, 3}}};
  o.mock = result(Json{10, 20, 30});
  auto r = asl::testing::test_state(map, in, o);
  CHECK(*r.output == Json{{"items", {1, 2, 3}}, {"out", {10, 20, 30}}});
  CHECK(*r.inspection_data->after_items_path == Json{1, 2, 3});
  CHECK(*r.inspection_data->max_concurrency == 0);
  CHECK(*r.inspection_data->tolerated_failure_count == 1);
  o.state_configuration.map_iteration_failure_count = 2;
  r = asl::testing::test_state(map, in, o);
  CHECK(r.status == TestStateStatus::failed);
  CHECK(r.error == std::optional<std::string>("States.ExceedToleratedFailureThreshold"));
  o.state_configuration.map_iteration_failure_count = 4;
  CHECK(refusal([&] { asl::testing::test_state(map, in, o); }) ==
        "ValidationException: Map iteration failure count must be less than or equal to the number of Map "
        "iterations");

  const Json parallel = parse_json(R"({"Type":"Parallel","End":true,"Branches":[
      {"StartAt":"B1","States":{"B1":{"Type":"Pass","End":true}}},{"StartAt":"B2","States":{"B2":{"Type":"Pass","End":true}}}]})");
  o = debug();
  o.mock = result(Json{1, 2});
  CHECK(*asl::testing::test_state(parallel, Json::object(), o).output == Json{1, 2});
  o.mock = result(Json{1});
  CHECK(refusal([&] { asl::testing::test_state(parallel, Json::object(), o); }) ==
        "ValidationException: Mocked result must contain the same number of items as number of Parallel branches.");
}

TEST_CASE("test_state: the requests AWS refuses, with AWS's words", "[test_state]") {
  const Json pass = parse_json(R"({"Type":"Pass","End":true})");
  const Json map = parse_json(
      R"({"Type":"Map","ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true})");
  TestStateOptions o;
  o.mock = result(Json::object());
  CHECK(refusal([&] { asl::testing::test_state(pass, Json::object(), o); }) ==
        "ValidationException: State type 'Pass' is not supported when a mock is specified");
  o.mock->error_output = asl::Error("E", "C");
  CHECK(refusal([&] { asl::testing::test_state(parse_json(task), Json::object(), o); }) ==
        "ValidationException: A test mock should have only one of the following fields: [result, errorOutput].");
  o.mock = result(Json::object());
  CHECK(refusal([&] { asl::testing::test_state(map, Json::object(), o); }) ==
        "ValidationException: Mocked result must be an array.");
  o.reveal_secrets = true;
  CHECK(refusal([&] { asl::testing::test_state(parse_json(task), Json::object(), o); }) ==
        "ValidationException: TestState does not support RevealSecrets when a mock is specified.");
  o = TestStateOptions{};
  CHECK(refusal([&] { asl::testing::test_state(map, Json::object(), o); }) ==
        "InvalidDefinition: TestState API does not support Map or Parallel states. Supported state types include: "
        "[Task, Wait, Pass, Succeed, Fail, Choice]");
  o.state_configuration.map_iteration_failure_count = 1;
  CHECK(refusal([&] { asl::testing::test_state(pass, Json::object(), o); }) ==
        "ValidationException: TestState does not support MapIterationFailureCount when a mock is not specified.");
  CHECK(refusal([&] { asl::testing::test_state(parse_json(R"({"Type":"Pass","Next":7})"), Json::object()); })
            .rfind("InvalidDefinition: ", 0) == 0);
  CHECK(refusal([&] {
          asl::testing::test_state(Json{{"definition", task}, {"input", "{"}, {"mock", {{"result", "{}"}}}});
        }) == "ValidationException: The input is not valid JSON.");
  CHECK(refusal([&] {
          asl::testing::test_state(Json{{"definition", task}, {"mock", {{"result", "not json"}}}});
        }) == "ValidationException: Mocked result must be valid JSON");
}

TEST_CASE("test_state: a Task without a mock calls TestStateOptions::invoke", "[test_state]") {
  TestStateOptions o;
  std::string called;
  o.invoke = [&](std::string_view resource, const Json& in) -> asl::Result<Json> {
    called = std::string(resource);
    return Json{{"loss", in.at("size").get<int>() * 2}};
  };
  const auto r = asl::testing::test_state(parse_json(task), Json{{"job", {{"size", 4}}}}, o);
  CHECK(called == "arn:aws:states:::lambda:invoke");
  CHECK(*r.output == Json{{"loss", 8}});
  o.invoke = nullptr;
  CHECK(refusal([&] { asl::testing::test_state(parse_json(task), Json::object(), o); }).rfind("ValidationException", 0) ==
        0);
}
