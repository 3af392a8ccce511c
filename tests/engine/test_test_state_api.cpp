// asl::testing::test_state (AWS's TestState API): the stages each state type shows (a Map's item pipeline, an HTTP Task's TRACE), mocks and fieldValidationMode, Retry/Catch as stateConfiguration places them, variables, a state of a whole machine, AWS's request checks, the response's JSON, and agreement with an execution of the same state.
// SPDX-License-Identifier: MIT
#include <string>

#include <asl/asl.hpp>
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

TEST_CASE("test_state: a Map's ItemSelector and ItemBatcher stages", "[test_state]") {
  auto o = debug();
  const Json map = parse_json(R"({"Type":"Map","ItemsPath":"$.items",
      "ItemSelector":{"value.$":"$$.Map.Item.Value","index.$":"$$.Map.Item.Index","run.$":"$.run"},
      "ItemBatcher":{"MaxItemsPerBatch":2,"BatchInput":{"run.$":"$.run"}},
      "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
                       "StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true})");
  const Json in{{"items", {"a", "b", "c"}}, {"run", 7}};
  o.mock = result(Json{1, 2});
  auto r = asl::testing::test_state(map, in, o);
  REQUIRE(r.status == TestStateStatus::succeeded);
  const auto& d = *r.inspection_data;
  CHECK(*d.after_items_path == Json{"a", "b", "c"});
  const Json selected = parse_json(R"([{"value":"a","index":0,"run":7},{"value":"b","index":1,"run":7},
                                       {"value":"c","index":2,"run":7}])");
  CHECK(*d.after_item_selector == selected);
  CHECK(*d.after_item_batcher == Json::array({Json{{"BatchInput", {{"run", 7}}}, {"Items", {selected[0], selected[1]}}},
                                              Json{{"BatchInput", {{"run", 7}}}, {"Items", {selected[2]}}}}));
  CHECK_FALSE(d.after_items_pointer);
  const Json j = r.to_json();
  CHECK(j["inspectionData"]["afterItemSelector"] == selected.dump());
  CHECK(j["inspectionData"]["afterItemBatcher"].is_string());
  // Two batches are two iterations: three failures cannot have happened.
  o.state_configuration.map_iteration_failure_count = 3;
  CHECK(refusal([&] { asl::testing::test_state(map, in, o); }) ==
        "ValidationException: Map iteration failure count must be less than or equal to the number of Map "
        "iterations");

  // INFO computes the stages (a failing ItemSelector fails the state) but shows none.
  const Json bad = parse_json(R"({"Type":"Map","ItemSelector":{"v.$":"$.missing"},
      "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true})");
  TestStateOptions info;
  info.mock = result(Json{1});
  r = asl::testing::test_state(bad, Json::array({1}), info);
  CHECK(r.status == TestStateStatus::failed);
  CHECK(r.error == std::optional<std::string>("States.Runtime"));
  CHECK_FALSE(r.inspection_data);

  // JSONata: $states.input is the Map's input, $states.context.Map.Item the item.
  const Json ata = parse_json(R"({"Type":"Map","QueryLanguage":"JSONata","Items":"{% $states.input.xs %}",
      "ItemSelector":{"x":"{% $states.context.Map.Item.Value * $states.input.k %}"},
      "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true})");
  o = debug();
  o.mock = result(Json{0, 0});
  r = asl::testing::test_state(ata, Json{{"xs", {2, 3}}, {"k", 10}}, o);
  CHECK(*r.inspection_data->after_item_selector == parse_json(R"([{"x":20},{"x":30}])"));
  CHECK_FALSE(r.inspection_data->after_items_path);
}

TEST_CASE("test_state: an ItemReader's ItemsPointer over mapItemReaderData", "[test_state]") {
  auto o = debug();
  const Json map = parse_json(R"({"Type":"Map",
      "ItemReader":{"Resource":"arn:aws:states:::s3:getObject","ReaderConfig":{"InputType":"JSON","ItemsPointer":"/data/rows"},
                    "Parameters":{"Bucket":"b","Key":"k.json"}},
      "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
                       "StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"End":true})");
  o.mock = result(Json{1, 2});
  o.state_configuration.map_item_reader_data = parse_json(R"({"data":{"rows":[{"id":1},{"id":2}]}})");
  auto r = asl::testing::test_state(map, Json::object(), o);
  REQUIRE(r.status == TestStateStatus::succeeded);
  CHECK(*r.inspection_data->after_items_pointer == parse_json(R"([{"id":1},{"id":2}])"));
  CHECK(r.to_json()["inspectionData"]["afterItemsPointer"] == R"([{"id":1},{"id":2}])");
  o.state_configuration.map_item_reader_data = parse_json(R"({"data":{"rows":{"id":1}}})");
  r = asl::testing::test_state(map, Json::object(), o);
  CHECK(r.error == std::optional<std::string>("States.ItemReaderFailed"));
  CHECK(r.cause == std::optional<std::string>("Attempting to map over non-iterable node."));
  o.state_configuration.map_item_reader_data = Json::object();
  r = asl::testing::test_state(map, Json::object(), o);
  CHECK(r.cause == std::optional<std::string>("The ItemsPointer /data/rows does not point to a value in the file."));
}

TEST_CASE("test_state: TRACE shows an HTTP Task's request and response", "[test_state]") {
  const Json http = parse_json(R"({"Type":"Task","Resource":"arn:aws:states:::http:invoke",
      "Parameters":{"ApiEndpoint":"https://api.example.com/v1/items","Method":"POST",
                    "Headers":{"x-team":"ml"},"QueryParameters":{"q":"a b","tag":["x","y"]},
                    "RequestBody":{"name.$":"$.name"},
                    "Authentication":{"ConnectionArn":"arn:aws:events:us-east-1:123456789012:connection/c/1"}},
      "ResultSelector":{"body.$":"$.ResponseBody"},"End":true})");
  TestStateOptions o;
  o.inspection_level = InspectionLevel::trace;
  o.mock = result(parse_json(R"({"StatusCode":201,"StatusText":"Created","Headers":{"content-type":["application/json"]},
                                 "ResponseBody":{"id":9}})"));
  auto r = asl::testing::test_state(http, Json{{"name", "n1"}}, o);
  REQUIRE(r.status == TestStateStatus::succeeded);
  CHECK(*r.output == Json{{"body", {{"id", 9}}}});
  const auto& d = *r.inspection_data;
  REQUIRE(d.request);
  CHECK(d.request->protocol == "https");
  CHECK(d.request->method == "POST");
  CHECK(d.request->url == "https://api.example.com/v1/items?q=a%20b&tag=x&tag=y");
  CHECK(d.request->headers == "[x-team: ml]");
  CHECK(d.request->body == R"({"name":"n1"})");
  REQUIRE(d.response);
  CHECK(d.response->status_code == "201");
  CHECK(d.response->status_message == "Created");
  CHECK(d.response->headers == "[content-type: application/json]");
  CHECK(d.response->body == R"({"id":9})");
  const Json j = r.to_json();
  CHECK(j["inspectionData"]["request"]["url"] == "https://api.example.com/v1/items?q=a%20b&tag=x&tag=y");
  CHECK(j["inspectionData"]["response"]["statusCode"] == "201");

  // A URL_ENCODED body per ArrayFormat; an error has a request and no response.
  const Json form = parse_json(R"({"Type":"Task","Resource":"arn:aws:states:::http:invoke",
      "Parameters":{"ApiEndpoint":"http://h/p","Method":"PUT","RequestBody":{"a":"1 2","b":[1,2]},
                    "Transform":{"RequestBodyEncoding":"URL_ENCODED","RequestEncodingOptions":{"ArrayFormat":"BRACKETS"}}},
      "End":true})");
  o.mock = error("States.Http.Socket", "timeout");
  r = asl::testing::test_state(form, Json::object(), o);
  CHECK(r.status == TestStateStatus::failed);
  CHECK(r.inspection_data->request->protocol == "http");
  CHECK(r.inspection_data->request->body == "a=1%202&b%5B%5D=1&b%5B%5D=2");
  CHECK_FALSE(r.inspection_data->response);

  // DEBUG, or TRACE on a state that is no HTTP Task, shows no request.
  o = debug();
  o.mock = result(Json{{"StatusCode", 200}});
  CHECK_FALSE(asl::testing::test_state(http, Json{{"name", "n1"}}, o).inspection_data->request);
  o.inspection_level = InspectionLevel::trace;
  o.mock = result(Json{{"loss", 0.5}});
  CHECK_FALSE(asl::testing::test_state(parse_json(task), Json{{"job", {{"size", 1}}}}, o).inspection_data->request);
}

TEST_CASE("test_state: fieldValidationMode checks the service responses asl knows", "[test_state]") {
  using asl::testing::FieldValidationMode;
  auto mocked = [](Json r, FieldValidationMode mode) {
    TestStateOptions o;
    o.mock = result(std::move(r));
    o.mock->field_validation_mode = mode;
    return o;
  };
  const Json lambda = parse_json(R"({"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true})");
  const Json start = parse_json(R"({"Type":"Task","Resource":"arn:aws:states:::states:startExecution","End":true})");
  const Json start_sync =
      parse_json(R"({"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2","End":true})");
  const Json callback =
      parse_json(R"({"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","End":true})");
  const Json function =
      parse_json(R"({"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:f","End":true})");
  const std::string head = "ValidationException: Mock result schema validation error: ";
  auto run = [](const Json& def, const TestStateOptions& o) {
    return refusal([&] { asl::testing::test_state(def, Json::object(), o); });
  };
  // A known field of the wrong type: STRICT and PRESENT refuse it, NONE takes it.
  CHECK(run(lambda, mocked(Json{{"StatusCode", "200"}}, FieldValidationMode::strict)) ==
        head + "Field 'StatusCode' must be a number");
  CHECK(run(lambda, mocked(Json{{"StatusCode", "200"}}, FieldValidationMode::present)) ==
        head + "Field 'StatusCode' must be a number");
  CHECK(run(lambda, mocked(Json{{"StatusCode", "200"}}, FieldValidationMode::none)) == "(accepted)");
  // Fields the table does not name pass in every mode (AWS-recorded for events:putEvents).
  CHECK(run(lambda, mocked(Json{{"random", "json"}}, FieldValidationMode::strict)) == "(accepted)");
  // A required field: STRICT only.
  CHECK(run(start, mocked(Json{{"StartDate", 1.5}}, FieldValidationMode::strict)) ==
        head + "Required field 'ExecutionArn' is missing");
  CHECK(run(start, mocked(Json{{"StartDate", 1.5}}, FieldValidationMode::present)) == "(accepted)");
  CHECK(run(start_sync,
            mocked(parse_json(R"({"ExecutionArn":"a","StateMachineArn":"s","StartDate":1,"Status":"DONE"})"),
                   FieldValidationMode::strict)) == head + "Field 'Status' is not an expected value");
  // A service's response is an object; a callback's result and a function's output are anything.
  CHECK(run(lambda, mocked(Json{1, 2}, FieldValidationMode::present)) ==
        head + "The result of lambda:invoke must be a JSON object");
  CHECK(run(lambda, mocked(Json{1, 2}, FieldValidationMode::none)) == "(accepted)");
  CHECK(run(callback, mocked(Json{1, 2}, FieldValidationMode::strict)) == "(accepted)");
  CHECK(run(function, mocked(Json("text"), FieldValidationMode::strict)) == "(accepted)");
  // The request document's field.
  CHECK(refusal([&] {
          asl::testing::test_state(Json{{"definition", lambda.dump()},
                                        {"mock", {{"result", R"({"StatusCode":"x"})"}, {"fieldValidationMode", "PRESENT"}}}});
        }) == head + "Field 'StatusCode' must be a number");
}

// TestState drives the state's compiled queries in the interpreter's stage order a second time
// (detail/testing/test_state_run.hpp). This runs the same states both ways, a Task's result
// answered alike, and compares what they produce: a change of order or of a stage's rule in
// run/ that TestState does not follow fails here even where no AWS recording covers it.
TEST_CASE("test_state: the same state as an execution runs it gives the same output", "[test_state]") {
  struct Case {
    const char* name;
    const char* state;  // with "Next": "After"
    const char* input;
    const char* result;  // the Task's result (ignored by other states)
  };
  const Case cases[] = {
      {"JSONPath Task, every stage",
       R"j({"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","InputPath":"$.job",
           "Parameters":{"size.$":"$.size","tag.$":"States.Format('run-{}', $.id)","fixed":1},
           "ResultSelector":{"loss.$":"$.Payload.loss","n.$":"States.ArrayLength($.Payload.hist)"},
           "ResultPath":"$.trained","OutputPath":"$.trained","Next":"After"})j",
       R"({"job":{"size":10,"id":"a"}})", R"({"Payload":{"loss":0.5,"hist":[1,2,3]}})"},
      {"JSONPath Task, ResultPath null and Assign",
       R"({"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","ResultPath":null,
           "Assign":{"seen.$":"$.Payload"},"Next":"After"})",
       R"({"keep":true})", R"({"Payload":7})"},
      {"JSONata Task, Arguments, Output, Assign",
       R"({"Type":"Task","QueryLanguage":"JSONata","Resource":"arn:aws:states:::lambda:invoke",
           "Arguments":{"n":"{% $states.input.n * 2 %}"},"Assign":{"last":"{% $states.result.v %}"},
           "Output":{"v":"{% $states.result.v %}","in":"{% $states.input %}"},"Next":"After"})",
       R"({"n":4})", R"({"v":"x"})"},
      {"JSONPath Pass", R"({"Type":"Pass","Parameters":{"a.$":"$.x","b":[1,2]},"ResultPath":"$.p","OutputPath":"$.p","Next":"After"})",
       R"({"x":{"y":1}})", "null"},
      {"JSONPath Pass, Result", R"({"Type":"Pass","Result":{"r":1},"ResultPath":"$.r","Next":"After"})",
       R"({"x":1})", "null"},
      {"JSONata Pass", R"({"Type":"Pass","QueryLanguage":"JSONata","Output":"{% $states.input.x + 1 %}","Next":"After"})",
       R"({"x":1})", "null"},
      {"JSONPath Choice",
       R"({"Type":"Choice","InputPath":"$.in","OutputPath":"$.v","Choices":[{"Variable":"$.v","NumericGreaterThan":1,"Next":"After"}],
           "Default":"After"})",
       R"({"in":{"v":5}})", "null"},
      {"JSONata Choice with a rule's Output",
       R"({"Type":"Choice","QueryLanguage":"JSONata","Output":"{% 'state' %}",
           "Choices":[{"Condition":"{% $states.input.v > 1 %}","Output":"{% 'rule' %}","Next":"After"}],"Default":"After"})",
       R"({"v":5})", "null"},
      {"JSONPath Wait", R"({"Type":"Wait","Seconds":0,"InputPath":"$.a","OutputPath":"$.b","Next":"After"})",
       R"({"a":{"b":3}})", "null"},
  };
  for (const auto& c : cases) {
    INFO(c.name);
    const Json state = parse_json(c.state);
    const Json input = parse_json(c.input);
    const Json task_result = parse_json(c.result);
    asl::HandlerRegistry tasks;
    tasks.add("arn:aws:states:::lambda:invoke", [task_result](const Json&) { return task_result; });
    Json machine{{"StartAt", "S"}, {"States", {{"S", state}, {"After", {{"Type", "Pass"}, {"End", true}}}}}};
    const auto sm = asl::StateMachine::from_json(machine, tasks);
    asl::EngineOptions eo;
    eo.inline_execution = true;
    eo.virtual_time = true;
    asl::Engine engine(eo);
    const auto run = engine.run(sm, input);
    REQUIRE(run.succeeded());
    TestStateOptions o;
    if (state["Type"] == "Task") o.mock = result(task_result);
    const auto r = asl::testing::test_state(state, input, o);
    CHECK(r.status == TestStateStatus::succeeded);
    CHECK(r.next_state == std::optional<std::string>("After"));
    CHECK(*r.output == run.output);
  }

  // A Map: the engine runs the iterations (each returns its input), TestState is given their
  // results as the mock; the items after ItemSelector are those results.
  const char* const maps[] = {
      R"({"Type":"Map","ItemsPath":"$.xs","ItemSelector":{"v.$":"$$.Map.Item.Value","i.$":"$$.Map.Item.Index","k.$":"$.k"},
          "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},"ResultPath":"$.out","Next":"After"})",
      R"({"Type":"Map","QueryLanguage":"JSONata","Items":"{% $states.input.xs %}",
          "ItemSelector":{"v":"{% $states.context.Map.Item.Value %}","k":"{% $states.input.k %}"},
          "ItemProcessor":{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}},
          "Output":{"out":"{% $states.result %}"},"Next":"After"})",
  };
  for (const char* m : maps) {
    INFO(m);
    const Json state = parse_json(m);
    const Json input = parse_json(R"({"xs":["a","b","c"],"k":9})");
    Json machine{{"StartAt", "S"}, {"States", {{"S", state}, {"After", {{"Type", "Pass"}, {"End", true}}}}}};
    asl::EngineOptions eo;
    eo.inline_execution = true;
    asl::Engine engine(eo);
    const auto run = engine.run(asl::StateMachine::from_json(machine), input);
    REQUIRE(run.succeeded());
    auto o = debug();
    o.mock = result(run.output.at("out"));
    const auto r = asl::testing::test_state(state, input, o);
    CHECK(*r.output == run.output);
    CHECK(*r.inspection_data->after_item_selector == run.output.at("out"));
  }
}
