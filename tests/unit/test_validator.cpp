// Unit tests of asl::detail::validate_definition and did_you_mean: every diagnostic id, AWS's recorded verdicts, no false positives.
// SPDX-License-Identifier: MIT
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "asl/detail/load/definition_parser.hpp"
#include "asl/detail/base/did_you_mean.hpp"
#include "asl/detail/load/validator.hpp"
#include "support/catch.hpp"

#ifndef ASL_CONFORMANCE_DIR
#define ASL_CONFORMANCE_DIR "/work/shared/conformance"
#endif
#ifndef ASL_BENCH_DIR
#define ASL_BENCH_DIR "/work/shared/bench"
#endif

namespace {

using asl::Diagnostic;
using asl::Json;
using asl::detail::did_you_mean;
using asl::detail::validate_definition;
using asl::detail::ValidateOptions;

std::vector<Diagnostic> check(std::string_view text, bool express = false) {
  return validate_definition(Json::parse(text), ValidateOptions{express});
}

/// The single diagnostic of `text`, as a string (fails the test when there is not exactly one).
std::string only(std::string_view text, bool express = false) {
  const auto d = check(text, express);
  std::string all;
  for (const auto& x : d) all += "\n  " + x.to_string();
  INFO(text << all);
  REQUIRE(d.size() == 1);
  return d[0].to_string();
}

std::vector<std::string> ids(const std::vector<Diagnostic>& d) {
  std::vector<std::string> out;
  for (const auto& x : d) out.push_back(x.id.substr(std::string("asl.definition.").size()));
  return out;
}

/// A one-state machine around `state` (named S).
std::string machine(const std::string& state) { return R"({"StartAt":"S","States":{"S":)" + state + "}}"; }

std::vector<Json> read_jsonl(const std::string& path) {
  std::vector<Json> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) out.push_back(Json::parse(line));
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Valid definitions
// ---------------------------------------------------------------------------------------------

TEST_CASE("valid definitions have no diagnostics", "[validator]") {
  REQUIRE(check(R"({"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}})").empty());
  REQUIRE(check(R"J({
    "Comment": "every state type, every JSONPath field",
    "Version": "1.0",
    "TimeoutSeconds": 3600,
    "QueryLanguage": "JSONPath",
    "StartAt": "Prepare",
    "States": {
      "Prepare": {"Type": "Pass", "Comment": "c", "QueryLanguage": "JSONPath", "InputPath": "$.in",
                  "Parameters": {"flagged": true, "parts": {"first.$": "$.vals[0]", "last3.$": "$.vals[-3:]"},
                                 "weekday.$": "$$.DayOfWeek", "f.$": "States.Format('Today is {}', $$.DayOfWeek)"},
                  "ResultPath": "$.prepared", "OutputPath": "$", "Next": "Work"},
      "Work": {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
               "Parameters": {"FunctionName": "f", "Payload": {"token.$": "$$.Task.Token"}},
               "ResultSelector": {"r.$": "$.Payload"}, "ResultPath": null, "InputPath": null, "OutputPath": null,
               "TimeoutSeconds": 60, "HeartbeatSeconds": 10, "Credentials": {"RoleArn.$": "$.role"},
               "Retry": [{"ErrorEquals": ["Lambda.ServiceException"], "IntervalSeconds": 2, "MaxAttempts": 0,
                          "BackoffRate": 1.5, "MaxDelaySeconds": 10, "JitterStrategy": "FULL", "Comment": "r"},
                         {"ErrorEquals": ["States.ALL"]}],
               "Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "Failed", "ResultPath": "$.error"},
                         {"ErrorEquals": ["States.ALL"], "Next": "Failed", "ResultPath": null}],
               "Next": "Decide"},
      "Decide": {"Type": "Choice", "InputPath": "$", "OutputPath": "$",
                 "Choices": [{"Variable": "$.x", "NumericGreaterThanEquals": 20, "Next": "Wait1"},
                             {"And": [{"Variable": "$.s", "IsPresent": true}, {"Not": {"Variable": "$.s", "StringMatches": "a*"}}],
                              "Next": "Wait2"},
                             {"Variable": "$.t", "TimestampLessThanPath": "$$.Execution.StartTime", "Next": "Wait3"}],
                 "Default": "Wait4"},
      "Wait1": {"Type": "Wait", "Seconds": 0, "Next": "Fan"},
      "Wait2": {"Type": "Wait", "Timestamp": "2016-03-14T01:59:00.123+01:00", "Next": "Fan"},
      "Wait3": {"Type": "Wait", "SecondsPath": "$.s", "Next": "Fan"},
      "Wait4": {"Type": "Wait", "TimestampPath": "$.ts", "Next": "Fan"},
      "Fan": {"Type": "Parallel", "Parameters": {"a.$": "$"}, "ResultSelector": {"flat.$": "$[*][*]"},
              "Branches": [{"Comment": "b", "StartAt": "B1", "States": {"B1": {"Type": "Succeed"}}}],
              "Retry": [], "Catch": [], "Next": "Each"},
      "Each": {"Type": "Map", "ItemsPath": "$.items", "ItemSelector": {"v.$": "$$.Map.Item.Value"},
               "MaxConcurrency": 8, "ToleratedFailurePercentage": 12.5, "ToleratedFailureCountPath": "$.n",
               "Label": "each-item", "ResultSelector": {"all.$": "$"},
               "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                                 "StartAt": "M1", "States": {"M1": {"Type": "Pass", "End": true}}},
               "ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "Parameters": {"Bucket": "b", "Key.$": "$.key"},
                              "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "GIVEN", "CSVHeaders": ["a"],
                                               "MaxItemsPath": "$.max"}},
               "ItemBatcher": {"MaxItemsPerBatch": 10, "MaxInputBytesPerBatch": 1024, "BatchInput": {"x.$": "$.x"}},
               "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "b"},
                                "WriterConfig": {"Transformation": "FLATTEN", "OutputType": "JSONL"}},
               "Next": "Old"},
      "Old": {"Type": "Map", "Iterator": {"StartAt": "I1", "States": {"I1": {"Type": "Pass", "End": true}}},
              "Parameters": {"i.$": "$$.Map.Item.Index"}, "MaxConcurrencyPath": "$.mc", "End": true},
      "Failed": {"Type": "Fail", "ErrorPath": "$.error.Error", "CausePath": "States.Format('bad: {}', $.error.Cause)"}
    }
  })J")
              .empty());
}

TEST_CASE("Fail and Succeed are terminal; loops with an exit are fine", "[validator]") {
  REQUIRE(check(R"({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Choice",
      "Choices":[{"Variable":"$.done","BooleanEquals":true,"Next":"C"}],"Default":"A"},"C":{"Type":"Fail","Error":"E","Cause":"c"}}})")
              .empty());
}

// ---------------------------------------------------------------------------------------------
// Every diagnostic id, with its full message
// ---------------------------------------------------------------------------------------------

TEST_CASE("document problems (0xx)", "[validator]") {
  SECTION("002 not an object") {
    const auto d = validate_definition(Json::array());
    REQUIRE(d.size() == 1);
    REQUIRE(d[0].to_string() == "[asl.definition.002] /: Definition must be a valid JSON object, got an array");
  }
  SECTION("012 JSONPath state under a JSONata machine (AWS message)") {
    const auto d = check(
        R"({"StartAt":"Pass","States":{"Pass":{"Type":"Pass","End":true,"QueryLanguage":"JSONPath"}},"QueryLanguage":"JSONata"})");
    REQUIRE(ids(d) == std::vector<std::string>{"012"});
    REQUIRE(d[0].to_string() ==
            "[asl.definition.012] /States/Pass/QueryLanguage: 'QueryLanguage' can not be 'JSONPath' if set to "
            "'JSONata' for whole state machine");
    REQUIRE(d[0].aws_code == "SCHEMA_VALIDATION_FAILED");
  }
  SECTION("JSONata machines and states are accepted, mixed with JSONPath ones") {
    REQUIRE(check(R"({"QueryLanguage":"JSONata","StartAt":"A","States":{"A":{"Type":"Pass","Output":{"x":"{% 1 %}"},"End":true}}})").empty());
    REQUIRE(check(machine(R"({"Type":"Pass","QueryLanguage":"JSONata","Output":"{% $states.input %}","End":true})")).empty());
  }
  SECTION("Assign is accepted in both languages, on states, Choice rules and Catchers") {
    REQUIRE(check(machine(R"({"Type":"Pass","Assign":{"x":1,"y.$":"$.a"},"End":true})")).empty());
    const auto d = check(R"({"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[
        {"Variable":"$.v","IsPresent":true,"Next":"E","Assign":{"a":1}}],"Default":"T"},
        "T":{"Type":"Task","Resource":"r","Catch":[{"ErrorEquals":["X"],"Next":"E","Assign":{}}],"End":true},
        "E":{"Type":"Succeed"}}})");
    REQUIRE(d.empty());
  }
  SECTION("JSONPath fields read workflow variables ($name paths)") {
    REQUIRE(check(machine(R"({"Type":"Pass","Parameters":{"a.$":"$answer.x"},"InputPath":"$v","End":true})")).empty());
  }
}

TEST_CASE("JSONata expressions and variables (306-309)", "[validator][jsonata]") {
  auto jsonata = [](const std::string& state) {
    return R"({"QueryLanguage":"JSONata","StartAt":"S","States":{"S":)" + state + "}}";
  };
  SECTION("306 an expression that does not parse: AWS's code and JSONata's message") {
    const auto d = check(jsonata(R"({"Type":"Pass","Output":{"a":"{% [1, %}"},"End":true})"));
    REQUIRE(ids(d) == std::vector<std::string>{"306"});
    REQUIRE(d[0].pointer == "/States/S/Output/a");
    REQUIRE(d[0].aws_code == "INVALID_JSONATA_EXPRESSION");
  }
  SECTION("307 references AWS refuses: a top-level field or $, $$, $states.result outside Output/Assign") {
    for (const char* expr : {"{% total %}", "{% $ %}", "{% $$.a %}", "{% $map([1], function($x){ b }) %}"}) {
      const auto d = check(jsonata(std::string(R"({"Type":"Pass","Output":")") + expr + R"(","End":true})"));
      REQUIRE(ids(d) == std::vector<std::string>{"307"});
      REQUIRE(d[0].aws_code == "UNSUPPORTED_JSONATA_EXPRESSION");
    }
    REQUIRE(ids(check(jsonata(R"({"Type":"Pass","Output":"{% $states.result %}","End":true})"))) ==
            std::vector<std::string>{"307"});
    REQUIRE(check(jsonata(R"({"Type":"Pass","Output":"{% $states.input.a[b > 1] %}","End":true})")).empty());
  }
  SECTION("308 a variable name that is not an identifier, or `states`") {
    REQUIRE(ids(check(machine(R"({"Type":"Pass","Assign":{"a.b":1},"End":true})"))) ==
            std::vector<std::string>{"308"});
    REQUIRE(ids(check(machine(R"({"Type":"Pass","Assign":{"states":1},"End":true})"))) ==
            std::vector<std::string>{"308"});
  }
  SECTION("309 an inner scope assigns a name an outer scope owns") {
    const auto d = check(R"({"StartAt":"P","States":{"P":{"Type":"Pass","Assign":{"x":1},"Next":"M"},
        "M":{"Type":"Map","End":true,"ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","Assign":{"x":2},"End":true}}}}}})");
    REQUIRE(ids(d) == std::vector<std::string>{"309"});
    REQUIRE(d[0].pointer == "/States/M/ItemProcessor/States/I/Assign/x");
  }
}

TEST_CASE("structure and transitions (1xx)", "[validator]") {
  SECTION("101 StartAt names no state") {
    REQUIRE(only(R"({"StartAt":"Frist","States":{"First":{"Type":"Succeed"}}})") ==
            "[asl.definition.101] /StartAt: StartAt \"Frist\" does not name a state in \"States\" (did you mean "
            "\"First\"?)");
    REQUIRE(only(R"({"StartAt":"B1","States":{"P":{"Type":"Parallel","Branches":[
        {"StartAt":"B1","States":{"B1":{"Type":"Succeed"}}}],"End":true}}})") ==
            "[asl.definition.101] /StartAt: StartAt \"B1\" names a state of another States object "
            "(/States/P/Branches/0/States/B1): StartAt must name a state of its own \"States\"");
  }
  SECTION("103 neither Next nor End") {
    const auto d = check(R"({"StartAt":"S","States":{"S":{"Type":"Pass"},"E":{"Type":"Succeed"}}})");
    REQUIRE(ids(d) == std::vector<std::string>{"103", "109"});  // E is cut off, as AWS would also say
    REQUIRE(d[0].to_string() ==
            "[asl.definition.103] /States/S: A Pass state needs either \"Next\" (the state to go to) or \"End\": true");
  }
  SECTION("104 target does not exist, with did-you-mean") {
    const auto d = check(R"({"StartAt":"Train","States":{
        "Train":{"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","Next":"Evalute"},
        "Evaluate":{"Type":"Succeed"}}})");
    REQUIRE(ids(d) == std::vector<std::string>{"104", "109"});
    REQUIRE(d[0].to_string() ==
            "[asl.definition.104] /States/Train/Next: state \"Evalute\" does not exist (did you mean \"Evaluate\"?)");
    REQUIRE(d[0].aws_code == "MISSING_TRANSITION_TARGET");
  }
  SECTION("104 for Default, Choice rule Next and Catch Next; no suggestion when nothing is close") {
    const auto d = check(R"({"StartAt":"C","States":{
        "C":{"Type":"Choice","Choices":[{"Variable":"$.a","IsNull":true,"Next":"Nowhere"}],"Default":"Elsewhere"},
        "T":{"Type":"Task","Resource":"r","Catch":[{"ErrorEquals":["States.ALL"],"Next":"Gone"}],"End":true}}})");
    REQUIRE(d.size() == 4);
    REQUIRE(d[0].to_string() == "[asl.definition.104] /States/C/Choices/0/Next: state \"Nowhere\" does not exist");
    REQUIRE(d[1].to_string() == "[asl.definition.104] /States/C/Default: state \"Elsewhere\" does not exist");
    REQUIRE(d[2].id == "asl.definition.109");
    REQUIRE(d[3].to_string() == "[asl.definition.104] /States/T/Catch/0/Next: state \"Gone\" does not exist");
  }
  SECTION("105 transition into or out of a branch") {
    const auto d = check(R"({"StartAt":"P","States":{
        "P":{"Type":"Parallel","Branches":[{"StartAt":"B1","States":{"B1":{"Type":"Pass","Next":"Done"},"B2":{"Type":"Succeed"}}}],"Next":"B2"},
        "Done":{"Type":"Succeed"}}})");
    REQUIRE(ids(d) == std::vector<std::string>{"105", "109", "105", "109"});
    REQUIRE(d[0].to_string() ==
            "[asl.definition.105] /States/P/Branches/0/States/B1/Next: state \"Done\" is in another States object "
            "(/States/Done): transitions cannot enter or leave a Parallel branch or a Map processor");
    REQUIRE(d[2].to_string() ==
            "[asl.definition.105] /States/P/Next: state \"B2\" is in another States object "
            "(/States/P/Branches/0/States/B2): transitions cannot enter or leave a Parallel branch or a Map "
            "processor");
  }
  SECTION("106 both Next and End") {
    REQUIRE(only(R"({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B","End":true},"B":{"Type":"Succeed"}}})") ==
            "[asl.definition.106] /States/A/End: \"Next\" and \"End\" cannot both be set: a state either continues to "
            "\"Next\" or ends the States object with \"End\": true");
  }
  SECTION("107 End must be true") {
    REQUIRE(only(R"({"StartAt":"A","States":{"A":{"Type":"Pass","End":false,"Next":"B"},"B":{"Type":"Succeed"}}})") ==
            "[asl.definition.107] /States/A/End: \"End\" must be true: remove it and use \"Next\" to continue to "
            "another state");
  }
  SECTION("108 state names are unique across the whole machine") {
    REQUIRE(only(R"({"StartAt":"P","States":{"P":{"Type":"Parallel","Branches":[
        {"StartAt":"X","States":{"X":{"Type":"Succeed"}}},{"StartAt":"X","States":{"X":{"Type":"Succeed"}}}],"End":true}}})") ==
            "[asl.definition.108] /States/P/Branches/1/States/X: state name \"X\" is already used at "
            "/States/P/Branches/0/States/X: state names must be unique across the whole state machine, Parallel "
            "branches and Map processors included");
  }
  SECTION("109 unreachable state (AWS wording first)") {
    REQUIRE(only(R"({"StartAt":"pass1","States":{"pass1":{"Type":"Pass","End":true},"pass2":{"Type":"Pass","End":true}}})") ==
            "[asl.definition.109] /States/pass2: State \"pass2\" is not reachable: no \"StartAt\", \"Next\", "
            "\"Default\" or Catch \"Next\" of its States object leads to it");
  }
  SECTION("109 inside a Map processor; states reached only through Catch are reachable") {
    const auto d = check(R"({"StartAt":"M","States":{"M":{"Type":"Map","End":true,"ItemProcessor":{"StartAt":"T","States":{
        "T":{"Type":"Task","Resource":"r","Catch":[{"ErrorEquals":["States.ALL"],"Next":"H"}],"End":true},
        "H":{"Type":"Succeed"},"Orphan":{"Type":"Succeed"}}}}}})");
    REQUIRE(d.size() == 1);
    REQUIRE(d[0].pointer == "/States/M/ItemProcessor/States/Orphan");
  }
  SECTION("110 no terminal state, which suppresses unreachable-state reports as AWS does") {
    const auto d = check(R"({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","Next":"A"},
        "C":{"Type":"Pass","Next":"A"}}})");
    REQUIRE(d.size() == 1);
    REQUIRE(d[0].to_string() ==
            "[asl.definition.110] /States: Workflow has no terminal state: at least one state must have \"End\": true "
            "or be a Succeed or Fail state");
    REQUIRE(d[0].aws_code == "MISSING_END_STATE");
    // ... but an unreachable terminal state counts as a terminal state (floci-2786 measurement).
    const auto d2 = check(R"({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","Next":"A"},
        "C":{"Type":"Pass","End":true}}})");
    REQUIRE(ids(d2) == std::vector<std::string>{"109"});
    // A dangling target is reported together with the missing terminal state.
    REQUIRE(ids(check(R"({"StartAt":"A","States":{"A":{"Type":"Pass","Next":"NOPE"}}})")) ==
            std::vector<std::string>{"110", "104"});
  }
  SECTION("102 state name length") {
    const std::string long_name(81, 'n');
    REQUIRE(only(R"({"StartAt":")" + long_name + R"(","States":{")" + long_name + R"(":{"Type":"Succeed"}}})") ==
            "[asl.definition.102] /States/" + long_name +
                ": state name is 81 characters long; state names are limited to 80 characters");
    // 80 characters, counted as characters: 80 two-byte letters are fine.
    std::string accented;
    for (int i = 0; i < 80; ++i) accented += "\xC3\xA9";
    REQUIRE(check(R"({"StartAt":")" + accented + R"(","States":{")" + accented + R"(":{"Type":"Succeed"}}})").empty());
    REQUIRE(only(R"({"StartAt":"","States":{"":{"Type":"Succeed"}}})") ==
            "[asl.definition.102] /States/: state names must not be empty");
  }
}

TEST_CASE("fields and types (2xx)", "[validator]") {
  SECTION("201 unknown field with did-you-mean") {
    const auto d = check(R"({"StartAt":"A","States":{"A":{"Type":"Pass","Nxet":"B"},"B":{"Type":"Succeed"}}})");
    REQUIRE(ids(d) == std::vector<std::string>{"103", "201", "109"});
    REQUIRE(d[1].to_string() ==
            "[asl.definition.201] /States/A/Nxet: field \"Nxet\" is not supported in a Pass state (did you mean "
            "\"Next\"?)");
  }
  SECTION("201 a field of another state type names its owners") {
    REQUIRE(only(machine(R"({"Type":"Pass","TimeoutSeconds":5,"End":true})")) ==
            "[asl.definition.201] /States/S/TimeoutSeconds: field \"TimeoutSeconds\" is not supported in a Pass state "
            "(it is a field of: Task)");
    REQUIRE(only(machine(R"({"Type":"Succeed","Next":"S"})")) ==
            "[asl.definition.201] /States/S/Next: field \"Next\" is not supported in a Succeed state: Succeed and "
            "Fail states are terminal");
    REQUIRE(only(R"({"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[{"Variable":"$.a","IsNull":true,"Next":"E"}],"End":true},"E":{"Type":"Succeed"}}})") ==
            "[asl.definition.201] /States/C/End: field \"End\" is not supported in a Choice state: a Choice state "
            "moves on through its Choices rules' \"Next\" and its \"Default\"");
    REQUIRE(only(R"({"StartAt":"S","States":{"S":{"Type":"Succeed"}},"comment":"x"})") ==
            "[asl.definition.201] /comment: field \"comment\" is not supported in the top level of a state machine "
            "(did you mean \"Comment\"?)");
  }
  SECTION("202 required field missing") {
    REQUIRE(only(machine(R"({"Type":"Task","End":true})")) ==
            "[asl.definition.202] /States/S: missing required field \"Resource\" in a Task state");
    const auto d = check("{}");
    REQUIRE(d.size() == 2);
    REQUIRE(d[0].to_string() == "[asl.definition.202] /: missing required field \"StartAt\" in the top level of a state machine");
    REQUIRE(d[1].to_string() == "[asl.definition.202] /: missing required field \"States\" in the top level of a state machine");
    REQUIRE(only(machine(R"({"End":true})")) ==
            "[asl.definition.202] /States/S: missing required field \"Type\" in state \"S\" (one of Task, Wait, Pass, "
            "Succeed, Fail, Choice, Parallel, Map)");
  }
  SECTION("202 Credentials without RoleArn (AWS wording)") {
    REQUIRE(only(machine(R"({"Type":"Task","Resource":"r","Credentials":{},"End":true})")) ==
            "[asl.definition.202] /States/S/Credentials: The field 'RoleArn' is required but was missing in "
            "Credentials (give \"RoleArn\" or \"RoleArn.$\")");
  }
  SECTION("203 wrong JSON type") {
    REQUIRE(only(machine(R"({"Type":"Task","Resource":42,"End":true})")) ==
            "[asl.definition.203] /States/S/Resource: \"Resource\" must be a string, got an integer");
    REQUIRE(only(machine(R"({"Type":"Task","Resource":"r","ResultSelector":"$.x","End":true})")) ==
            "[asl.definition.203] /States/S/ResultSelector: \"ResultSelector\" must be an object (a payload "
            "template), got a string");
    REQUIRE(only(machine(R"({"Type":"Task","Resource":"r","TimeoutSeconds":"60","End":true})")) ==
            "[asl.definition.203] /States/S/TimeoutSeconds: \"TimeoutSeconds\" must be an integer from 1 to 99999999, "
            "got a string");
    REQUIRE(only(R"({"StartAt":"S","States":[]})") ==
            "[asl.definition.203] /States: \"States\" must be an object mapping state names to states, got an array");
  }
  SECTION("204 Type (AWS message) with did-you-mean") {
    REQUIRE(only(machine(R"({"Type":"pass","End":true})")) ==
            "[asl.definition.204] /States/S/Type: The field 'Type' should have one of these values: [Task, Wait, "
            "Pass, Succeed, Fail, Choice, Parallel, Map], got \"pass\" (did you mean \"Pass\"?)");
    REQUIRE(only(machine(R"({"Type":7})")) ==
            "[asl.definition.204] /States/S/Type: The field 'Type' should have one of these values: [Task, Wait, "
            "Pass, Succeed, Fail, Choice, Parallel, Map], got 7");
  }
  SECTION("205 mutually exclusive fields") {
    REQUIRE(only(machine(R"({"Type":"Task","Resource":"r","TimeoutSeconds":5,"TimeoutSecondsPath":"$.t","End":true})")) ==
            "[asl.definition.205] /States/S/TimeoutSecondsPath: \"TimeoutSeconds\" and \"TimeoutSecondsPath\" cannot "
            "both be set: use one or the other");
    REQUIRE(only(machine(R"({"Type":"Wait","Timestamp":"2024-01-01T00:00:00Z","SecondsPath":"$.s","End":true})")) ==
            "[asl.definition.205] /States/S/SecondsPath: only one of \"Seconds\", \"Timestamp\", \"SecondsPath\", "
            "\"TimestampPath\" may be set, found \"Timestamp\" and \"SecondsPath\"");
    for (const char* pair : {R"("Error":"E","ErrorPath":"$.e")", R"("Cause":"C","CausePath":"$.c")"}) {
      REQUIRE(ids(check(machine(std::string(R"({"Type":"Fail",)") + pair + "}"))) == std::vector<std::string>{"205"});
    }
    const std::string items = R"("ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Succeed"}}})";
    for (const char* pair : {R"("MaxConcurrency":1,"MaxConcurrencyPath":"$.m")",
                             R"("ToleratedFailureCount":1,"ToleratedFailureCountPath":"$.m")",
                             R"("ToleratedFailurePercentage":1,"ToleratedFailurePercentagePath":"$.m")",
                             R"("ItemSelector":{},"Parameters":{})"}) {
      REQUIRE(ids(check(machine(R"({"Type":"Map","End":true,)" + items + "," + pair + "}"))) ==
              std::vector<std::string>{"205"});
    }
    REQUIRE(ids(check(machine(R"({"Type":"Map","End":true,)" + items +
                              R"(,"Iterator":{"StartAt":"J","States":{"J":{"Type":"Succeed"}}}})"))) ==
            std::vector<std::string>{"205"});
  }
  SECTION("206 none of a required set") {
    REQUIRE(only(machine(R"({"Type":"Wait","End":true})")) ==
            "[asl.definition.206] /States/S: A Wait state needs exactly one of \"Seconds\", \"Timestamp\", "
            "\"SecondsPath\", \"TimestampPath\"");
    REQUIRE(only(machine(R"({"Type":"Map","End":true})")) ==
            "[asl.definition.206] /States/S: A Map state needs exactly one of \"ItemProcessor\" or \"Iterator\"");
    REQUIRE(only(machine(R"({"Type":"Map","End":true,"Iterator":{"StartAt":"J","States":{"J":{"Type":"Succeed"}}},"ItemBatcher":{}})")) ==
            "[asl.definition.206] /States/S/ItemBatcher: An ItemBatcher needs at least one of \"MaxItemsPerBatch\", "
            "\"MaxItemsPerBatchPath\", \"MaxInputBytesPerBatch\", \"MaxInputBytesPerBatchPath\"");
  }
  SECTION("207 numbers out of range") {
    REQUIRE(only(machine(R"({"Type":"Task","Resource":"r","TimeoutSeconds":0,"End":true})")) ==
            "[asl.definition.207] /States/S/TimeoutSeconds: \"TimeoutSeconds\" must be an integer from 1 to "
            "99999999, got 0");
    REQUIRE(only(machine(R"({"Type":"Task","Resource":"r","HeartbeatSeconds":1.5,"End":true})")) ==
            "[asl.definition.207] /States/S/HeartbeatSeconds: \"HeartbeatSeconds\" must be an integer from 1 to "
            "99999999, got 1.5");
    REQUIRE(only(R"({"StartAt":"S","TimeoutSeconds":100000000,"States":{"S":{"Type":"Succeed"}}})") ==
            "[asl.definition.207] /TimeoutSeconds: \"TimeoutSeconds\" must be an integer from 1 to 99999999, got "
            "100000000");
    REQUIRE(only(machine(R"({"Type":"Wait","Seconds":-1,"End":true})")) ==
            "[asl.definition.207] /States/S/Seconds: \"Seconds\" must be an integer from 0 to 99999999, got -1");
    REQUIRE(only(machine(R"({"Type":"Map","End":true,"ToleratedFailurePercentage":100.5,"Iterator":{"StartAt":"J","States":{"J":{"Type":"Succeed"}}}})")) ==
            "[asl.definition.207] /States/S/ToleratedFailurePercentage: \"ToleratedFailurePercentage\" must be a "
            "number from 0 to 100, got 100.5");
    // Huge numbers never wrap around.
    REQUIRE(ids(check(machine(R"({"Type":"Wait","Seconds":123456789012345678901234567890,"End":true})"))) ==
            std::vector<std::string>{"207"});
    REQUIRE(ids(check(machine(R"({"Type":"Wait","Seconds":18446744073709551615,"End":true})"))) ==
            std::vector<std::string>{"207"});
    REQUIRE(ids(check(machine(R"({"Type":"Wait","Seconds":-9223372036854775808,"End":true})"))) ==
            std::vector<std::string>{"207"});
    // An integral float is an integer, as in JSON Schema.
    REQUIRE(check(machine(R"({"Type":"Wait","Seconds":5.0,"End":true})")).empty());
  }
  SECTION("208 HeartbeatSeconds must be smaller than TimeoutSeconds") {
    REQUIRE(only(machine(R"({"Type":"Task","Resource":"r","TimeoutSeconds":30,"HeartbeatSeconds":30,"End":true})")) ==
            "[asl.definition.208] /States/S/HeartbeatSeconds: \"HeartbeatSeconds\" (30) must be smaller than "
            "\"TimeoutSeconds\" (30)");
  }
  SECTION("209 value not one of the allowed words") {
    REQUIRE(only(R"({"StartAt":"S","Version":"2.0","States":{"S":{"Type":"Succeed"}}})") ==
            "[asl.definition.209] /Version: \"Version\" must be \"1.0\", got \"2.0\"");
    REQUIRE(only(machine(R"({"Type":"Succeed","QueryLanguage":"jsonpath"})")) ==
            "[asl.definition.209] /States/S/QueryLanguage: \"QueryLanguage\" must be one of \"JSONPath\", "
            "\"JSONata\", got \"jsonpath\" (did you mean \"JSONPath\"?)");
    REQUIRE(only(machine(R"({"Type":"Map","End":true,"ItemProcessor":{"ProcessorConfig":{"Mode":"INLNE"},"StartAt":"J","States":{"J":{"Type":"Succeed"}}}})")) ==
            "[asl.definition.209] /States/S/ItemProcessor/ProcessorConfig/Mode: \"Mode\" must be one of \"INLINE\", "
            "\"DISTRIBUTED\", got \"INLNE\" (did you mean \"INLINE\"?)");
    REQUIRE(ids(check(machine(R"({"Type":"Map","End":true,"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"FAST"},"StartAt":"J","States":{"J":{"Type":"Succeed"}}}})"))) ==
            std::vector<std::string>{"209"});
  }
  SECTION("210 DISTRIBUTED needs ExecutionType") {
    REQUIRE(only(machine(R"({"Type":"Map","End":true,"ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED"},"StartAt":"J","States":{"J":{"Type":"Succeed"}}}})")) ==
            "[asl.definition.210] /States/S/ItemProcessor/ProcessorConfig: a DISTRIBUTED Map needs \"ExecutionType\" "
            "(\"STANDARD\" or \"EXPRESS\") in ProcessorConfig: it is the type of the child executions");
  }
  SECTION("211 Map Label rules") {
    auto map_with_label = [](const std::string& label) {
      return machine(R"({"Type":"Map","End":true,"Label":)" + label +
                     R"(,"ItemProcessor":{"StartAt":"J","States":{"J":{"Type":"Succeed"}}}})");
    };
    REQUIRE(only(map_with_label(R"("")")) == "[asl.definition.211] /States/S/Label: Label cannot be empty");
    REQUIRE(only(map_with_label("\"" + std::string(41, 'x') + "\"")) ==
            "[asl.definition.211] /States/S/Label: Label cannot exceed 40 characters, got 41");
    REQUIRE(only(map_with_label(R"("a:b")")) ==
            "[asl.definition.211] /States/S/Label: Label \"a:b\" contains a forbidden character: no whitespace, "
            "wildcards (? *), brackets (< > { } [ ]), control characters or any of : ; , \\ | ^ ~ $ # % & ` \"");
    REQUIRE(check(map_with_label(R"("ok-label_1.2")")).empty());
    REQUIRE(only(R"({"StartAt":"M1","States":{
        "M1":{"Type":"Map","Label":"L","Next":"M2","ItemProcessor":{"StartAt":"J","States":{"J":{"Type":"Succeed"}}}},
        "M2":{"Type":"Map","Label":"L","End":true,"ItemProcessor":{"StartAt":"K","States":{"K":{"Type":"Succeed"}}}}}})") ==
            "[asl.definition.211] /States/M2/Label: Label \"L\" is already used at /States/M1/Label: Map Run labels "
            "must be unique in the definition");
  }
  SECTION("212 Wait Timestamp") {
    REQUIRE(only(machine(R"({"Type":"Wait","Timestamp":"2024-01-01T00:00:00","End":true})")) ==
            "[asl.definition.212] /States/S/Timestamp: \"Timestamp\" must be an RFC 3339 timestamp with an uppercase "
            "T and a Z or numeric offset, such as \"2016-03-14T01:59:00Z\", got \"2024-01-01T00:00:00\"");
  }
  SECTION("213 EXPRESS refuses .sync, .waitForTaskToken and activities (AWS messages)") {
    const std::string sync = machine(R"({"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2","End":true})");
    REQUIRE(check(sync).empty());
    REQUIRE(only(sync, true) ==
            "[asl.definition.213] /States/S/Resource: Express state machine does not support '.sync' service "
            "integration");
    REQUIRE(only(machine(R"({"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken","End":true})"), true) ==
            "[asl.definition.213] /States/S/Resource: Express state machine does not support '.waitForTaskToken' "
            "service integration");
    REQUIRE(only(machine(R"({"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:a","End":true})"), true) ==
            "[asl.definition.213] /States/S/Resource: Express state machine does not support Activity ARN");
    REQUIRE(check(machine(R"({"Type":"Task","Resource":"arn:aws:states:::lambda:invoke","End":true})"), true).empty());
  }
  SECTION("214 empty Branches / ResultWriter") {
    REQUIRE(only(machine(R"({"Type":"Parallel","Branches":[],"End":true})")) ==
            "[asl.definition.214] /States/S/Branches: \"Branches\" cannot be empty: a Parallel state needs at least "
            "one branch");
    REQUIRE(only(machine(R"({"Type":"Map","End":true,"ResultWriter":{},"Iterator":{"StartAt":"J","States":{"J":{"Type":"Succeed"}}}})")) ==
            "[asl.definition.214] /States/S/ResultWriter: \"ResultWriter\" cannot be empty: give \"WriterConfig\", or "
            "\"Resource\" and \"Parameters\"");
  }
  SECTION("215 field of the other query language") {
    REQUIRE(only(machine(R"({"Type":"Pass","Output":{"a":1},"End":true})")) ==
            "[asl.definition.215] /States/S/Output: field \"Output\" is only allowed in JSONata states, and this state "
            "uses JSONPath");
    const auto d = check(machine(R"({"Type":"Pass","QueryLanguage":"JSONata","InputPath":"$.a","End":true})"));
    REQUIRE(ids(d) == std::vector<std::string>{"215"});
    REQUIRE(d[0].to_string() ==
            "[asl.definition.215] /States/S/InputPath: field \"InputPath\" is only allowed in JSONPath states, and "
            "this state uses JSONata");
  }
}

TEST_CASE("paths, templates and intrinsics (3xx)", "[validator]") {
  SECTION("301 invalid Path") {
    REQUIRE(only(machine(R"({"Type":"Pass","InputPath":"foo","End":true})")) ==
            "[asl.definition.301] /States/S/InputPath: \"InputPath\" must be a JSONPath: Invalid JSONPath 'foo': a path "
            "must start with '$' at offset 0");
    REQUIRE(ids(check(machine(R"({"Type":"Pass","OutputPath":"$.a[","End":true})"))) == std::vector<std::string>{"301"});
    REQUIRE(ids(check(machine(R"({"Type":"Pass","InputPath":5,"End":true})"))) == std::vector<std::string>{"203"});
  }
  SECTION("302 Reference Path required") {
    REQUIRE(only(machine(R"({"Type":"Map","End":true,"ItemsPath":"$.items[*]","Iterator":{"StartAt":"J","States":{"J":{"Type":"Succeed"}}}})")) ==
            "[asl.definition.302] /States/S/ItemsPath: \"ItemsPath\" must be a Reference Path that selects a single "
            "node (no wildcards, filters, slices, unions or \"..\"), got \"$.items[*]\"");
    REQUIRE(ids(check(machine(R"({"Type":"Pass","ResultPath":"$..a","End":true})"))) == std::vector<std::string>{"302"});
    REQUIRE(ids(check(machine(R"({"Type":"Wait","SecondsPath":"$.a[0:2]","End":true})"))) == std::vector<std::string>{"302"});
    // Full Paths are fine where a Path (not a Reference Path) is expected.
    REQUIRE(check(machine(R"({"Type":"Pass","InputPath":"$.a[*].b","OutputPath":"$..c","End":true})")).empty());
  }
  SECTION("303 ResultPath cannot write the context object or a variable") {
    REQUIRE(only(machine(R"({"Type":"Pass","ResultPath":"$$.Execution","End":true})")) ==
            "[asl.definition.303] /States/S/ResultPath: \"ResultPath\" cannot start with \"$$\": the context object is "
            "read-only; use a path into the state's input such as \"$.result\"");
    REQUIRE(only(R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"r","End":true,
        "Catch":[{"ErrorEquals":["States.ALL"],"ResultPath":"$err","Next":"E"}]},"E":{"Type":"Succeed"}}})") ==
            "[asl.definition.303] /States/T/Catch/0/ResultPath: \"ResultPath\" cannot name a workflow variable "
            "(\"$err\"): it places the result into the state's input; use a path such as \"$.result\"");
  }
  SECTION("304 payload template problems, with the full pointer") {
    const auto d = check(machine(R"({"Type":"Pass","Parameters":{"parts":{"first.$":"vals[0]","a":1,"a.$":"$.a"}},"End":true})"));
    REQUIRE(d.size() == 2);
    REQUIRE(d[0].to_string() ==
            "[asl.definition.304] /States/S/Parameters/parts/first.$: the value of \"first.$\" (\"vals[0]\") is not a "
            "JSONPath or an intrinsic function call");
    REQUIRE(d[1].to_string() ==
            "[asl.definition.304] /States/S/Parameters/parts/a.$: the field \"a.$\" duplicates the field \"a\" (a key "
            "ending in \".$\" is renamed without the suffix)");
    // ResultSelector, ItemSelector, ItemReader Parameters, BatchInput and Credentials are templates too.
    REQUIRE(ids(check(machine(R"({"Type":"Task","Resource":"r","ResultSelector":{"x.$":7},"Credentials":{"RoleArn.$":"nope"},"End":true})"))) ==
            std::vector<std::string>{"304", "304"});
  }
  SECTION("305 invalid intrinsic in Fail ErrorPath / CausePath") {
    REQUIRE(only(machine(R"({"Type":"Fail","CausePath":"States.Format(1"})")) ==
            "[asl.definition.305] /States/S/CausePath: \"CausePath\" must be a Reference Path or an intrinsic function "
            "call: Invalid intrinsic function expression 'States.Format(1': missing ')' to close States.Format (at "
            "character 16)");
    REQUIRE(ids(check(machine(R"J({"Type":"Fail","ErrorPath":"States.Nope($.a)"})J"))) == std::vector<std::string>{"305"});
    REQUIRE(ids(check(machine(R"({"Type":"Fail","ErrorPath":"$.errors[*]"})"))) == std::vector<std::string>{"302"});
  }
  SECTION("intrinsics in templates are checked") {
    const auto d = check(machine(R"({"Type":"Pass","Parameters":{"x.$":"States.Array(1,"},"End":true})"));
    REQUIRE(ids(d) == std::vector<std::string>{"304"});
    REQUIRE(d[0].pointer == "/States/S/Parameters/x.$");
  }
}

TEST_CASE("Choice rules (4xx)", "[validator]") {
  auto choice = [](const std::string& rules) {
    return R"({"StartAt":"C","States":{"C":{"Type":"Choice","Choices":)" + rules +
           R"(,"Default":"E"},"E":{"Type":"Succeed"}}})";
  };
  SECTION("401 rule shape, operator and operand problems") {
    REQUIRE(only(choice(R"([{"Variable":"$.x","StringEquals":"a","NumericEquals":1,"Next":"E"}])")) ==
            "[asl.definition.401] /States/C/Choices/0: each Choice Rule can only have one comparison operator; found "
            "StringEquals and NumericEquals");
    REQUIRE(only(choice(R"([{"And":[{"Variable":"$.x","NumericEquals":"1"}],"Next":"E"}])")) ==
            "[asl.definition.401] /States/C/Choices/0/And/0/NumericEquals: 'NumericEquals' must be a number");
    REQUIRE(ids(check(choice(R"([{"Variable":"$.x","Next":"E"}])"))) == std::vector<std::string>{"401"});
  }
  SECTION("402 top-level rule without Next") {
    REQUIRE(only(choice(R"([{"Variable":"$.x","IsNull":true}])")) ==
            "[asl.definition.402] /States/C/Choices/0: a top-level Choice rule needs \"Next\": the state to go to when "
            "the rule matches");
  }
  SECTION("403 Next inside a nested rule") {
    REQUIRE(only(choice(R"([{"Not":{"Variable":"$.x","IsNull":true,"Next":"E"},"Next":"E"}])")) ==
            "[asl.definition.403] /States/C/Choices/0/Not/Next: 'Next' is only allowed in a top-level Choice Rule, not "
            "in a rule nested inside And, Or or Not");
  }
  SECTION("404 Choices empty or missing") {
    REQUIRE(only(choice("[]")) ==
            "[asl.definition.404] /States/C/Choices: \"Choices\" cannot be empty: a Choice state needs at least one "
            "rule");
    REQUIRE(ids(check(R"({"StartAt":"C","States":{"C":{"Type":"Choice","Default":"E"},"E":{"Type":"Succeed"}}})")) ==
            std::vector<std::string>{"202"});
  }
}

TEST_CASE("Retry and Catch (5xx)", "[validator]") {
  auto task = [](const std::string& handlers) {
    return R"({"StartAt":"T","States":{"T":{"Type":"Task","Resource":"r",)" + handlers +
           R"(,"Next":"E"},"E":{"Type":"Succeed"}}})";
  };
  SECTION("501 Retry/Catch only on Task, Parallel and Map") {
    REQUIRE(only(machine(R"({"Type":"Pass","Retry":[],"End":true})")) ==
            "[asl.definition.501] /States/S/Retry: field \"Retry\" is not supported in a Pass state: only Task, "
            "Parallel and Map states can retry or catch errors (spec §9.2)");
    for (const char* state : {R"({"Type":"Wait","Seconds":1,"End":true,"Catch":[]})", R"({"Type":"Succeed","Catch":[]})",
                              R"({"Type":"Fail","Catch":[]})"}) {
      REQUIRE(ids(check(machine(state))) == std::vector<std::string>{"501"});
    }
  }
  SECTION("502 ErrorEquals") {
    REQUIRE(only(task(R"("Retry":[{"ErrorEquals":[]}])")) ==
            "[asl.definition.502] /States/T/Retry/0/ErrorEquals: \"ErrorEquals\" must be a non-empty array of error "
            "names such as \"States.ALL\", got an empty array");
    REQUIRE(only(task(R"("Retry":[{"ErrorEquals":["A",1]}])")) ==
            "[asl.definition.502] /States/T/Retry/0/ErrorEquals/1: \"ErrorEquals\" must contain error-name strings, "
            "got an integer");
    REQUIRE(ids(check(task(R"("Retry":[{"MaxAttempts":1}])"))) == std::vector<std::string>{"202"});
  }
  SECTION("503 States.ALL alone") {
    const auto d = check(task(R"("Catch":[{"ErrorEquals":["X","States.ALL"],"Next":"E"}])"));
    REQUIRE(d.size() == 1);
    REQUIRE(d[0].to_string() ==
            "[asl.definition.503] /States/T/Catch/0/ErrorEquals/1: \"States.ALL\" must appear alone in its "
            "\"ErrorEquals\": it already matches every error");
  }
  SECTION("504 States.ALL only in the last Retrier / Catcher") {
    REQUIRE(only(task(R"("Retry":[{"ErrorEquals":["States.ALL"]},{"ErrorEquals":["X"]}])")) ==
            "[asl.definition.504] /States/T/Retry/0/ErrorEquals/0: \"States.ALL\" may only appear in the last "
            "Retrier: the ones after it could never match");
    REQUIRE(only(task(R"("Catch":[{"ErrorEquals":["States.ALL"],"Next":"E"},{"ErrorEquals":["X"],"Next":"E"}])")) ==
            "[asl.definition.504] /States/T/Catch/0/ErrorEquals/0: \"States.ALL\" may only appear in the last "
            "Catcher: the ones after it could never match");
  }
  SECTION("505 Retrier ranges") {
    const auto d = check(task(R"("Retry":[{"ErrorEquals":["X"],"IntervalSeconds":0,"MaxAttempts":-1,"BackoffRate":0.5,
        "MaxDelaySeconds":31622401,"JitterStrategy":"full"}])"));
    REQUIRE(d.size() == 5);
    REQUIRE(d[0].to_string() ==
            "[asl.definition.505] /States/T/Retry/0/IntervalSeconds: \"IntervalSeconds\" must be an integer from 1 to "
            "99999999, got 0");
    REQUIRE(d[1].to_string() ==
            "[asl.definition.505] /States/T/Retry/0/MaxAttempts: \"MaxAttempts\" must be an integer from 0 to "
            "99999999, got -1");
    REQUIRE(d[2].to_string() ==
            "[asl.definition.505] /States/T/Retry/0/BackoffRate: \"BackoffRate\" must be a number at least 1, got 0.5");
    REQUIRE(d[3].to_string() ==
            "[asl.definition.505] /States/T/Retry/0/MaxDelaySeconds: \"MaxDelaySeconds\" must be an integer from 1 to "
            "31622400, got 31622401");
    REQUIRE(d[4].to_string() ==
            "[asl.definition.505] /States/T/Retry/0/JitterStrategy: \"JitterStrategy\" must be one of \"FULL\", "
            "\"NONE\", got \"full\" (did you mean \"FULL\"?)");
    REQUIRE(check(task(R"("Retry":[{"ErrorEquals":["X"],"IntervalSeconds":99999999,"MaxAttempts":0,"BackoffRate":1,"MaxDelaySeconds":31622400}])"))
                .empty());
  }
  SECTION("Catcher fields") {
    REQUIRE(only(task(R"("Catch":[{"ErrorEquals":["X"],"Next":"E","Nxet":"E"}])")) ==
            "[asl.definition.201] /States/T/Catch/0/Nxet: field \"Nxet\" is not supported in a Catcher (did you mean "
            "\"Next\"?)");
  }
}

// ---------------------------------------------------------------------------------------------
// Collection, ordering, robustness
// ---------------------------------------------------------------------------------------------

TEST_CASE("AWS-accepted patterns found in deployed definitions validate cleanly", "[validator]") {
  SECTION("bare words as filter operands (Jayway 2.0 strings)") {
    REQUIRE(check(machine(R"J({"Type":"Pass","InputPath":"$..results[?(@.status==Failure)]",
        "Parameters":{"t.$":"$[?(@.lang==es)].text","v.$":"$.Fields[?(@.Type.Text==AMOUNT_PAID)].Value"},
        "End":true})J")).empty());
    REQUIRE(check(machine(R"J({"Type":"Task","Resource":"r",
        "ResultSelector":{"r.$":"$.Labels[?(@.Name==Receipt || @.Name == Invoice)]"},"End":true})J")).empty());
    REQUIRE(check(R"J({"StartAt":"C","States":{"C":{"Type":"Choice","Choices":[
        {"Variable":"$.items[?(@.kind==book)]","IsPresent":true,"Next":"E"}],"Default":"E"},
        "E":{"Type":"Succeed"}}})J").empty());
    // A word alone is still no filter.
    REQUIRE(ids(check(machine(R"J({"Type":"Pass","InputPath":"$[?(Failure)]","End":true})J"))) ==
            std::vector<std::string>{"301"});
  }
  SECTION("ReaderConfig MaxItems 0 means no limit") {
    const std::string reader = R"({"Type":"Map","End":true,
        "ItemReader":{"Resource":"arn:aws:states:::s3:getObject","Parameters":{"Bucket":"b","Key":"k"},
                      "ReaderConfig":{"InputType":"CSV","CSVHeaderLocation":"GIVEN","CSVHeaders":["a","b"],
                                      "CSVDelimiter":"SEMICOLON","MaxItems":%}},
        "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
                         "StartAt":"J","States":{"J":{"Type":"Succeed"}}}})";
    auto with = [&](const std::string& n) {
      std::string r = reader;
      r.replace(r.find('%'), 1, n);
      return machine(r);
    };
    REQUIRE(check(with("0")).empty());
    REQUIRE(check(with("100000000")).empty());
    REQUIRE(only(with("-1")) ==
            "[asl.definition.207] /States/S/ItemReader/ReaderConfig/MaxItems: \"MaxItems\" must be an integer from 0 "
            "to 100000000, got -1");
    REQUIRE(ids(check(with("100000001"))) == std::vector<std::string>{"207"});
    REQUIRE(ids(check(with("1.5"))) == std::vector<std::string>{"207"});
  }
  SECTION("state Parameters, ItemSelector and BatchInput of any JSON type") {
    REQUIRE(check(machine(R"({"Type":"Pass","Parameters":[{"Item.$":"$.Item"}],"End":true})")).empty());
    REQUIRE(check(machine(R"({"Type":"Task","Resource":"r","Parameters":[1,{"a":[{"b.$":"$.b"}]}],"End":true})")).empty());
    for (const char* scalar : {R"("$.x")", "42", "true", "null", "[]"}) {
      INFO(scalar);
      REQUIRE(check(machine(std::string(R"({"Type":"Pass","Parameters":)") + scalar + R"(,"End":true})")).empty());
      REQUIRE(check(machine(std::string(R"({"Type":"Parallel","Parameters":)") + scalar +
                            R"(,"Branches":[{"StartAt":"B","States":{"B":{"Type":"Succeed"}}}],"End":true})"))
                  .empty());
      REQUIRE(check(machine(std::string(R"({"Type":"Map","ItemSelector":)") + scalar +
                            R"(,"ItemProcessor":{"StartAt":"J","States":{"J":{"Type":"Succeed"}}},"End":true})"))
                  .empty());
      REQUIRE(check(machine(std::string(R"({"Type":"Map","Parameters":)") + scalar +
                            R"(,"Iterator":{"StartAt":"J","States":{"J":{"Type":"Succeed"}}},"End":true})"))
                  .empty());
    }
    REQUIRE(check(machine(R"({"Type":"Map","ItemBatcher":{"MaxItemsPerBatch":2,"BatchInput":["x"]},
        "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"EXPRESS"},
                         "StartAt":"J","States":{"J":{"Type":"Succeed"}}},"End":true})")).empty());
    // `.$` fields inside an array template are still checked, with their pointer.
    const auto d = check(machine(R"({"Type":"Pass","Parameters":[{"a.$":"nope"}],"End":true})"));
    REQUIRE(ids(d) == std::vector<std::string>{"304"});
    REQUIRE(d[0].pointer == "/States/S/Parameters/0/a.$");
    // ResultSelector and the ItemReader / ResultWriter Parameters stay objects (AWS's schema).
    REQUIRE(ids(check(machine(R"({"Type":"Task","Resource":"r","ResultSelector":[{"a.$":"$.a"}],"End":true})"))) ==
            std::vector<std::string>{"203"});
    REQUIRE(ids(check(machine(R"({"Type":"Map","End":true,
        "ItemReader":{"Resource":"arn:aws:states:::s3:listObjectsV2","Parameters":["b"]},
        "ItemProcessor":{"ProcessorConfig":{"Mode":"DISTRIBUTED","ExecutionType":"STANDARD"},
                         "StartAt":"J","States":{"J":{"Type":"Succeed"}}}})"))) == std::vector<std::string>{"203"});
  }
}

TEST_CASE("every problem is collected, in document order", "[validator]") {
  const auto d = check(R"({
    "StartAt": "Start",
    "States": {
      "Start": {"Type": "Task", "Resource": "r", "TimeoutSeconds": 0, "Nxet": "Work", "Next": "Wrok"},
      "Work": {"Type": "Pass", "Result": 1, "Retry": [], "End": true},
      "Pick": {"Type": "Choice", "Choices": []},
      "Bad": {"Type": "Tsk"},
      "Wait": {"Type": "Wait", "Seconds": 1, "SecondsPath": "$.s", "Next": "Work"}
    },
    "Version": "2"
  })");
  REQUIRE(ids(d) == std::vector<std::string>{"207", "201", "104", "501", "404", "204", "205", "209"});
  REQUIRE(d[2].to_string() == "[asl.definition.104] /States/Start/Next: state \"Wrok\" does not exist (did you mean \"Work\"?)");
}

TEST_CASE("hostile documents do not throw", "[validator]") {
  SECTION("invalid UTF-8 inside a Json built in code") {
    Json doc = {{"StartAt", "\xff"}, {"States", {{"\xff", {{"Type", "\xfe"}}}}}};
    std::vector<Diagnostic> d;
    REQUIRE_NOTHROW(d = validate_definition(doc));
    REQUIRE(ids(d) == std::vector<std::string>{"204"});
  }
  SECTION("states that are not objects, odd container shapes") {
    REQUIRE(ids(check(R"({"StartAt":"A","States":{"A":1}})")) == std::vector<std::string>{"203"});
    REQUIRE(ids(check(R"({"StartAt":5,"States":{"A":{"Type":"Succeed"}}})")) == std::vector<std::string>{"203"});
    REQUIRE(ids(check(machine(R"({"Type":"Parallel","Branches":[1,{}],"End":true})"))) ==
            std::vector<std::string>{"203", "202", "202"});
    REQUIRE(ids(check(machine(R"({"Type":"Task","Resource":"r","Retry":{},"Catch":[1],"End":true})"))) ==
            std::vector<std::string>{"203", "203"});
    REQUIRE(ids(check(machine(R"({"Type":"Choice","Choices":[1,{"Next":"S"}],"Default":7})"))) ==
            std::vector<std::string>{"110", "203", "401", "203"});
  }
  SECTION("many diagnostics about one big States object") {
    // No timing here (speed is the benchmarks' job); the size keeps a quadratic pass noticeable.
    std::string text = R"({"StartAt":"S0","States":{"S0":{"Type":"Succeed"})";
    for (int i = 1; i < 3000; ++i) text += ",\"S" + std::to_string(i) + R"(":{"Type":"Pass","Next":"Nope"})";
    text += "}}";
    const auto d = check(text);
    REQUIRE(d.size() == 2 * 2999);  // a dangling Next and an unreachable state each
    REQUIRE(d[0].to_string() == "[asl.definition.109] /States/S1: State \"S1\" is not reachable: no \"StartAt\", "
                                "\"Next\", \"Default\" or Catch \"Next\" of its States object leads to it");
    REQUIRE(d[1].to_string() == "[asl.definition.104] /States/S1/Next: state \"Nope\" does not exist");
    REQUIRE(d.back().pointer == "/States/S2999/Next");
  }
  SECTION("a large machine validates quickly") {
    std::string text = R"({"StartAt":"S0","States":{)";
    for (int i = 0; i < 5000; ++i) {
      text += "\"S" + std::to_string(i) + R"(":{"Type":"Pass",)" +
              (i + 1 < 5000 ? "\"Next\":\"S" + std::to_string(i + 1) + "\"" : std::string("\"End\":true")) + "},";
    }
    text.back() = '}';
    text += "}";
    REQUIRE(check(text).empty());
  }
}

TEST_CASE("did_you_mean suggests only close candidates", "[validator]") {
  const std::vector<std::string_view> fields{"Type", "Next", "End", "Comment", "InputPath", "OutputPath"};
  REQUIRE(did_you_mean("Nxet", fields) == std::optional<std::string>("Next"));
  REQUIRE(did_you_mean("next", fields) == std::optional<std::string>("Next"));
  REQUIRE(did_you_mean("Comnet", fields) == std::optional<std::string>("Comment"));
  REQUIRE(did_you_mean("InptPath", fields) == std::optional<std::string>("InputPath"));
  REQUIRE_FALSE(did_you_mean("Foo", fields));
  REQUIRE_FALSE(did_you_mean("Ed", fields));   // 1 edit is not less than half of 2 characters
  REQUIRE_FALSE(did_you_mean("Next", fields));  // exact: nothing to suggest
  REQUIRE_FALSE(did_you_mean("Resource", {}));
  REQUIRE(did_you_mean("Evalute", {"Train", "Evaluate", "Deploy"}) == std::optional<std::string>("Evaluate"));
  REQUIRE(did_you_mean("\xC3\x89valuer", {"Evaluer"}) == std::optional<std::string>("Evaluer"));  // É counts as one
  REQUIRE(did_you_mean("ab", {"ba"}) == std::nullopt);
  REQUIRE(did_you_mean("abcd", {"abdc", "abce"}) == std::optional<std::string>("abdc"));  // ties: first wins
}

// ---------------------------------------------------------------------------------------------
// AWS's verdicts and the no-false-positives sweep
// ---------------------------------------------------------------------------------------------

namespace {

/// Parse + validate like CreateStateMachine / ValidateStateMachineDefinition would.
std::vector<Diagnostic> load(const std::string& text, bool express) {
  std::vector<Diagnostic> d;
  auto doc = asl::detail::parse_definition_text(text, d);
  if (doc) d = validate_definition(*doc, ValidateOptions{express});
  return d;
}

/// AWS refuses the definition iff some diagnostic carries an AWS code (a diagnostic without one
/// would be a limit of asl's own that AWS does not have).
bool aws_would_refuse(const std::vector<Diagnostic>& d) {
  return std::any_of(d.begin(), d.end(), [](const Diagnostic& x) { return !x.aws_code.empty(); });
}

}  // namespace

TEST_CASE("AWS's recorded validation verdicts", "[validator]") {
  const std::string path = std::string(ASL_CONFORMANCE_DIR) + "/aws-recorded-extra.jsonl";
  if (!std::filesystem::exists(path)) {
    WARN("skipped: " << path << " not found (set ASL_CONFORMANCE_DIR)");
    return;
  }
  int cases = 0;
  for (const Json& c : read_jsonl(path)) {
    std::set<std::string> expected_codes;
    bool expect_fail = false;
    if (c.value("kind", "") == "validate_state_machine_definition") {
      expect_fail = c["expected"]["result"] == "FAIL";
      for (const auto& x : c["expected"]["diagnostics"]) expected_codes.insert(x["code"].get<std::string>());
    } else if (c.value("kind", "") == "create_state_machine_error" &&
               c["expected"]["Error"]["Code"] == "InvalidDefinition") {
      expect_fail = true;
      // "Invalid State Machine Definition: 'CODE: message at location'"
      const std::string m = c["expected"]["Error"]["Message"];
      const auto start = m.find('\'') + 1;
      expected_codes.insert(m.substr(start, m.find(':', start) - start));
    } else {
      continue;
    }
    ++cases;
    const auto d = load(c["definition_text"].get<std::string>(), c["state_machine_type"] == "EXPRESS");
    INFO(c["id"].get<std::string>());
    std::string all;
    for (const auto& x : d) all += "\n  " + x.to_string() + " {" + x.aws_code + "}";
    INFO(all);
    REQUIRE(aws_would_refuse(d) == expect_fail);
    for (const auto& code : expected_codes) {
      REQUIRE(std::any_of(d.begin(), d.end(), [&](const Diagnostic& x) { return x.aws_code == code; }));
    }
  }
  REQUIRE(cases == 17);
}

TEST_CASE("no false positives: every definition that ran on AWS validates cleanly, JSONata and Assign ones too",
          "[validator]") {
  const std::string path = std::string(ASL_CONFORMANCE_DIR) + "/aws-recorded.jsonl";
  if (!std::filesystem::exists(path)) {
    WARN("skipped: " << path << " not found (set ASL_CONFORMANCE_DIR)");
    return;
  }
  int checked = 0;
  for (const Json& c : read_jsonl(path)) {
    ++checked;
    const auto d = validate_definition(c["definition"], ValidateOptions{c["state_machine_type"] == "EXPRESS"});
    INFO(c["id"].get<std::string>());
    std::string all;
    for (const auto& x : d) all += "\n  " + x.to_string();
    INFO(all);
    REQUIRE(d.empty());
    // The text form too: the parser must accept what AWS accepted.
    REQUIRE(load(c["definition"].dump(2), c["state_machine_type"] == "EXPRESS").empty());
  }
  REQUIRE(checked > 500);
}

TEST_CASE("JSONata and Assign definitions that ran on AWS validate with no diagnostic", "[validator][jsonata]") {
  const std::string path = std::string(ASL_CONFORMANCE_DIR) + "/aws-recorded.jsonl";
  if (!std::filesystem::exists(path)) {
    WARN("skipped: " << path << " not found (set ASL_CONFORMANCE_DIR)");
    return;
  }
  int checked = 0;
  for (const Json& c : read_jsonl(path)) {
    const auto& tags = c["tags"];
    if (std::find(tags.begin(), tags.end(), "jsonata") == tags.end() &&
        std::find(tags.begin(), tags.end(), "assign") == tags.end()) {
      continue;
    }
    ++checked;
    const auto d = validate_definition(c["definition"], ValidateOptions{c["state_machine_type"] == "EXPRESS"});
    std::string all;
    for (const auto& x : d) all += "\n  " + x.to_string() + " {" + x.aws_code + "}";
    INFO(c["id"].get<std::string>() << all);
    REQUIRE(d.empty());
  }
  REQUIRE(checked > 100);
}

TEST_CASE("no false positives: the benchmark workloads validate cleanly", "[validator]") {
  const std::filesystem::path dir = std::filesystem::path(ASL_BENCH_DIR) / "workloads";
  if (!std::filesystem::exists(dir)) {
    WARN("skipped: " << dir.string() << " not found (set ASL_BENCH_DIR)");
    return;
  }
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const auto file = entry.path() / "definition.json";
    if (!std::filesystem::exists(file)) continue;
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    ++checked;
    const auto d = load(text.str(), false);
    std::string all;
    for (const auto& x : d) all += "\n  " + x.to_string();
    INFO(file.string() << all);
    REQUIRE(d.empty());
  }
  REQUIRE(checked >= 8);
}
