// Engine tests: JSONata states (spec §11): every field that takes "{% %}", $states, AWS's functions,
// States.QueryEvaluationError and its causes, mixed JSONPath/JSONata machines.
// SPDX-License-Identifier: MIT
#include "support/catch.hpp"
#include "support/run.hpp"

#include "asl/jsonata.hpp"

#include <cstddef>
#include <string>
#include <thread>
#include <vector>

using asl::Json;
using asl::testing::run_machine;

namespace {

/// A JSONata machine of the given states (first is StartAt).
Json jsonata_machine(const char* start, const char* states) {
  return Json::parse(std::string(R"({"QueryLanguage":"JSONata","StartAt":")") + start + R"(","States":)" + states +
                     "}");
}

}  // namespace

TEST_CASE("jsonata: Pass Output reads $states.input and builds nested values", "[jsonata]") {
  auto r = run_machine(jsonata_machine("P", R"({"P":{"Type":"Pass","End":true,
      "Output":{"total":"{% $sum($states.input.xs) %}","first":["{% $states.input.xs[0] %}", " {% not me %} "],
                "name":"{% $states.context.State.Name %}"}}})"),
                       Json::parse(R"({"xs":[1,2,3]})"));
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(r.output == Json::parse(R"({"total":6,"first":[1," {% not me %} "],"name":"P"})"));
}

TEST_CASE("jsonata: Task Arguments, Output with $states.result, default output the result", "[jsonata]") {
  asl::HandlerRegistry tasks;
  Json seen;
  tasks.add("arn:aws:lambda:us-east-1:1:function:train", [&](const Json& in) {
    seen = in;
    return Json{{"accuracy", 0.93}, {"uri", "s3://m/1"}};
  });
  SECTION("with Output") {
    auto r = run_machine(jsonata_machine("T", R"({"T":{"Type":"Task","End":true,
        "Resource":"arn:aws:lambda:us-east-1:1:function:train",
        "Arguments":{"lr":"{% $states.input.lr * 2 %}"},
        "Output":{"model":"{% $states.result.uri %}","lr":"{% $states.input.lr %}"}}})"),
                         Json::parse(R"({"lr":0.5})"), tasks);
    REQUIRE(r.status == asl::Status::succeeded);
    CHECK(seen == Json::parse(R"({"lr":1.0})"));
    CHECK(r.output == Json::parse(R"({"model":"s3://m/1","lr":0.5})"));
  }
  SECTION("without Output the result is the output (AWS-recorded)") {
    auto r = run_machine(jsonata_machine("T", R"({"T":{"Type":"Task","End":true,
        "Resource":"arn:aws:lambda:us-east-1:1:function:train"}})"),
                         Json::parse(R"({"lr":0.5})"), tasks);
    CHECK(seen == Json::parse(R"({"lr":0.5})"));
    CHECK(r.output == Json::parse(R"({"accuracy":0.93,"uri":"s3://m/1"})"));
  }
}

TEST_CASE("jsonata: Choice Condition, a rule's Output and Assign, Default", "[jsonata]") {
  const Json def = jsonata_machine("Gate", R"({
      "Gate":{"Type":"Choice","Default":"Reject","Choices":[
        {"Condition":"{% $states.input.accuracy > 0.9 %}","Next":"Deploy",
         "Output":{"ok":true},"Assign":{"gate":"{% 'passed at ' & $string($states.input.accuracy) %}"}}]},
      "Deploy":{"Type":"Pass","End":true,"Output":{"in":"{% $states.input %}","gate":"{% $gate %}"}},
      "Reject":{"Type":"Fail","Error":"{% 'Gate.' & 'Rejected' %}","Cause":"{% 'accuracy ' & $string($states.input.accuracy) %}"}})");
  auto pass = run_machine(def, Json::parse(R"({"accuracy":0.95})"));
  REQUIRE(pass.status == asl::Status::succeeded);
  CHECK(pass.output == Json::parse(R"({"in":{"ok":true},"gate":"passed at 0.95"})"));
  auto fail = run_machine(def, Json::parse(R"({"accuracy":0.5})"));
  REQUIRE(fail.status == asl::Status::failed);
  CHECK(fail.error == std::optional<std::string>("Gate.Rejected"));
  CHECK(fail.cause == std::optional<std::string>("accuracy 0.5"));
}

TEST_CASE("jsonata: Map Items, ItemSelector with $states.context.Map.Item, MaxConcurrency", "[jsonata]") {
  auto r = run_machine(jsonata_machine("M", R"({"M":{"Type":"Map","End":true,
      "Items":"{% $states.input.rows[value > 1] %}","MaxConcurrency":"{% 1 + 1 %}",
      "ItemSelector":{"i":"{% $states.context.Map.Item.Index %}","v":"{% $states.context.Map.Item.Value.value %}",
                      "scale":"{% $states.input.scale %}"},
      "ItemProcessor":{"StartAt":"X","States":{"X":{"Type":"Pass","End":true,
        "Output":"{% $states.input.v * $states.input.scale + $states.input.i %}"}}},
      "Output":{"sum":"{% $sum($states.result) %}"}}})"),
                       Json::parse(R"({"scale":10,"rows":[{"value":1},{"value":2},{"value":3}]})"));
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(r.output == Json::parse(R"({"sum":51})"));  // 2*10+0 + 3*10+1
}

TEST_CASE("jsonata: Wait Seconds and Timestamp from expressions (virtual time)", "[jsonata]") {
  auto r = run_machine(jsonata_machine("W", R"({"W":{"Type":"Wait","Seconds":"{% $states.input.s %}","Next":"V"},
      "V":{"Type":"Wait","Timestamp":"{% '2000-01-01T00:00:00Z' %}","End":true}})"),
                       Json::parse(R"({"s":3600})"));
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(r.output == Json::parse(R"({"s":3600})"));
}

TEST_CASE("jsonata: evaluation failures are States.QueryEvaluationError with AWS's causes", "[jsonata]") {
  SECTION("undefined") {
    auto r = run_machine(jsonata_machine("P", R"({"P":{"Type":"Pass","End":true,"Output":{"a":"{% $states.input.nope %}"}}})"));
    REQUIRE(r.status == asl::Status::failed);
    CHECK(r.error == std::optional<std::string>("States.QueryEvaluationError"));
    CHECK(r.cause == std::optional<std::string>(
                               "An error occurred while executing the state 'P' (entered at the event id #2). The "
                               "JSONata expression '$states.input.nope' specified for the field 'Output/a' returned "
                               "nothing (undefined)."));
  }
  SECTION("a JSONata error, with its code") {
    auto r = run_machine(jsonata_machine("P", R"({"P":{"Type":"Pass","End":true,"Output":"{% $eval('1') %}"}})"));
    REQUIRE(r.status == asl::Status::failed);
    CHECK(r.cause == std::optional<std::string>(
                               "An error occurred while executing the state 'P' (entered at the event id #2). The "
                               "JSONata expression '$eval('1')' specified for the field 'Output' threw an error during "
                               "evaluation. T1006: Attempted to invoke a non-function"));
  }
  SECTION("a wrong type for the field") {
    auto r = run_machine(jsonata_machine("W", R"({"W":{"Type":"Wait","End":true,"Seconds":"{% 'soon' %}"}})"));
    REQUIRE(r.status == asl::Status::failed);
    CHECK(r.error == std::optional<std::string>("States.QueryEvaluationError"));
  }
  SECTION("caught by a Catcher whose Output reads $states.errorOutput and whose Assign is applied") {
    asl::HandlerRegistry tasks;
    tasks.add("r", [](const Json&) -> Json { return Json::object(); });
    auto r = run_machine(jsonata_machine("T", R"({
        "T":{"Type":"Task","Resource":"r","Output":"{% $states.result.missing %}","End":true,
             "Catch":[{"ErrorEquals":["States.QueryEvaluationError"],"Next":"After",
                       "Output":{"err":"{% $states.errorOutput.Error %}"},"Assign":{"caught":true}}]},
        "After":{"Type":"Pass","End":true,"Output":{"in":"{% $states.input %}","caught":"{% $caught %}"}}})"),
                         Json::object(), tasks);
    REQUIRE(r.status == asl::Status::succeeded);
    CHECK(r.output == Json::parse(R"({"in":{"err":"States.QueryEvaluationError"},"caught":true})"));
  }
}

TEST_CASE("jsonata: AWS's functions", "[jsonata]") {
  auto r = run_machine(jsonata_machine("P", R"({"P":{"Type":"Pass","End":true,"Output":{
      "partition":"{% $partition([1,2,3,4,5], 2) %}",
      "range":"{% $range(0, 10, 5) %}",
      "single":"{% $range(1, 9, 9) %}",
      "hash":"{% $hash('abc', 'SHA-256') %}",
      "parsed":"{% $parse('{\"a\":[1,2]}').a[1] %}",
      "same":"{% $random(7) = $random(7) %}",
      "unit":"{% $random() < 1 %}",
      "uuid":"{% $length($uuid()) %}"}}})"));
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(r.output == Json::parse(R"({"partition":[[1,2],[3,4],[5]],"range":[0,5,10],"single":1,
      "hash":"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
      "parsed":2,"same":true,"unit":true,"uuid":36})"));
}

TEST_CASE("jsonata: mixed machines share variables across languages", "[jsonata][variables]") {
  auto r = run_machine(Json::parse(R"({"StartAt":"A","States":{
      "A":{"Type":"Pass","Assign":{"model.$":"$.uri"},"Next":"B"},
      "B":{"Type":"Pass","QueryLanguage":"JSONata","Assign":{"n":"{% $length($model) %}"},"Next":"C",
           "Output":{"m":"{% $model %}"}},
      "C":{"Type":"Pass","Parameters":{"m.$":"$.m","n.$":"$n"},"End":true}}})"),
                       Json::parse(R"({"uri":"s3://b/k"})"));
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(r.output == Json::parse(R"({"m":"s3://b/k","n":8})"));
}

TEST_CASE("jsonata: definitions with bad expressions do not load", "[jsonata]") {
  asl::HandlerRegistry none;
  CHECK_THROWS_AS(asl::StateMachine::from_json(
                      jsonata_machine("P", R"({"P":{"Type":"Pass","End":true,"Output":"{% $states.input. %}"}})"), none),
                  asl::DefinitionError);
  CHECK_THROWS_AS(asl::StateMachine::from_json(
                      jsonata_machine("P", R"({"P":{"Type":"Pass","End":true,"Output":"{% field %}"}})"), none),
                  asl::DefinitionError);
}

TEST_CASE("jsonata: fields built without the evaluator agree with it", "[jsonata]") {
  // Plain paths, literal-key objects, arithmetic and comparisons are built directly; whatever
  // they cannot answer exactly (arrays on a path, missing members, mixed types, non-finite
  // results) goes to the evaluator. Both must give JSONata's answer.
  auto r = run_machine(jsonata_machine("P", R"({"P":{"Type":"Pass","End":true,"Output":{
      "mapped":"{% $states.input.rows.value %}",
      "kept":"{% $states.input.one %}",
      "dropped":"{% {'k': $states.input.missing, 'j': 1} %}",
      "sum":"{% $states.input.a + 0.5 %}",
      "whole":"{% $states.input.a * 2.0 %}",
      "inf":"{% $states.input.a / 0 %}",
      "eq":"{% $states.input.s = 'x' %}",
      "lt":"{% $states.input.a < $states.input.b %}",
      "merged":"{% $merge([$states.input, {'a': 10}]).a %}"}}})"),
                       Json::parse(R"({"rows":[{"value":1},{"value":2}],"one":[5],"a":3,"b":4.5,"s":"x"})"));
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(r.output == Json::parse(R"({"mapped":[1,2],"kept":[5],"dropped":{"j":1},"sum":3.5,"whole":6,
      "inf":"Infinity","eq":true,"lt":true,"merged":10})"));
  SECTION("a type error stays JSONata's") {
    auto bad = run_machine(jsonata_machine("P", R"({"P":{"Type":"Pass","End":true,"Output":"{% $states.input.s < 1 %}"}})"),
                           Json::parse(R"({"s":"x"})"));
    REQUIRE(bad.status == asl::Status::failed);
    CHECK(bad.error == std::optional<std::string>("States.QueryEvaluationError"));
  }
  SECTION("$merge into the input keeps member order and replaces in place") {
    auto m = run_machine(jsonata_machine("P", R"({"P":{"Type":"Pass","End":true,
        "Output":"{% $merge([$states.input, {'b': $states.input.a, 'z': 0}]) %}"}})"),
                         Json::parse(R"({"a":1,"b":2,"c":3})"));
    CHECK(m.output.dump() == R"({"a":1,"b":1,"c":3,"z":0})");
  }
}

TEST_CASE("jsonata: Output of several expressions and a Task's result built in one pass", "[jsonata]") {
  asl::HandlerRegistry tasks;
  tasks.add("arn:aws:lambda:us-east-1:1:function:r", [](const Json&) { return Json::parse(R"({"ok":true,"n":{"v":7}})"); });
  SECTION("a merge takes the result (its only read) and keeps the input's members") {
    auto r = run_machine(jsonata_machine("T", R"({"T":{"Type":"Task","End":true,
        "Resource":"arn:aws:lambda:us-east-1:1:function:r",
        "Output":"{% $merge([$states.input, {'task': $states.result.n, 'id': $states.input.id}]) %}"}})"),
                         Json::parse(R"({"id":3,"task":0,"x":[1]})"), tasks);
    REQUIRE(r.status == asl::Status::succeeded);
    CHECK(r.output.dump() == R"({"id":3,"task":{"v":7},"x":[1]})");
  }
  SECTION("a result read twice is copied for both") {
    auto r = run_machine(jsonata_machine("T", R"({"T":{"Type":"Task","End":true,
        "Resource":"arn:aws:lambda:us-east-1:1:function:r",
        "Output":{"a":"{% $states.result %}","b":["{% $states.result.n.v + 1 %}","{% $states.result.n %}"],
                  "c":{"lit":[1,{"k":"v"}]}}}})"),
                         Json::object(), tasks);
    REQUIRE(r.status == asl::Status::succeeded);
    CHECK(r.output == Json::parse(R"({"a":{"ok":true,"n":{"v":7}},"b":[8,{"v":7}],"c":{"lit":[1,{"k":"v"}]}})"));
  }
  SECTION("a value the template cannot build goes whole to the evaluator, the result intact") {
    auto r = run_machine(jsonata_machine("T", R"({"T":{"Type":"Task","End":true,
        "Resource":"arn:aws:lambda:us-east-1:1:function:r",
        "Output":{"take":"{% $states.result %}","rows":["{% $states.input.rows.v %}"]}}})"),
                         Json::parse(R"({"rows":[{"v":1},{"v":2}]})"), tasks);
    REQUIRE(r.status == asl::Status::succeeded);
    CHECK(r.output == Json::parse(R"({"take":{"ok":true,"n":{"v":7}},"rows":[[1,2]]})"));
  }
}

TEST_CASE("jsonata: outputs built without the evaluator still meet max_json_depth", "[jsonata][limits][depth]") {
  // Such an Output's growth is known at load (no measuring per state); a loop that nests the
  // input one level per turn must still stop at the limit.
  const Json def = jsonata_machine("Wrap", R"({
      "Wrap":{"Type":"Pass","Next":"Check","Output":{"in":"{% $states.input %}","n":"{% $states.input.n + 1 %}"}},
      "Check":{"Type":"Choice","Default":"Done","Choices":[{"Condition":"{% $states.input.n < 40 %}","Next":"Wrap"}]},
      "Done":{"Type":"Succeed"}})");
  asl::EngineOptions small;
  small.max_json_depth = 20;
  auto r = run_machine(def, Json::parse(R"({"n":0})"), asl::HandlerRegistry{}, small);
  REQUIRE(r.status == asl::Status::failed);
  CHECK(r.error == std::optional<std::string>("States.DataLimitExceeded"));
  CHECK(r.cause == std::optional<std::string>("The state 'Wrap' produced an output nested deeper than the limit of "
                                              "20 levels (EngineOptions::max_json_depth)."));
  small.max_json_depth = 60;
  auto ok = run_machine(def, Json::parse(R"({"n":0})"), asl::HandlerRegistry{}, small);
  CHECK(ok.status == asl::Status::succeeded);
}

TEST_CASE("jsonata: constant expressions inside JSON are evaluated, not copied as text", "[jsonata][variables]") {
  // A part of a field without expressions is copied whole; `{% true %}` is an expression even
  // though its value is a constant (conformance: test_base_output_any_non_dict, Items sampling).
  auto r = run_machine(jsonata_machine("P", R"({"P":{"Type":"Pass","Next":"Q",
      "Assign":{"v":"{% 1 %}","w":["{% 'x' %}",{"k":"{% null %}"}]},
      "Output":[{"key":"{% true %}"},"{% 0.5 %}",{"plain":"{ % no % }"}]},
      "Q":{"Type":"Pass","End":true,"Output":{"in":"{% $states.input %}","v":"{% $v %}","w":"{% $w %}"}}})"));
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(r.output == Json::parse(R"({"in":[{"key":true},0.5,{"plain":"{ % no % }"}],"v":1,"w":["x",{"k":null}]})"));
}

TEST_CASE("jsonata: one compiled expression evaluated on several threads at once", "[jsonata][concurrency]") {
  // The evaluator counts its values' references without atomics: nothing an evaluation can copy
  // may be shared with another one. A compiled tree (its string literals, regexes, lambdas) and
  // the built-in functions are, so this runs under ThreadSanitizer in CI.
  const auto expr = asl::jsonata::compile(
      R"($join($map(items[$contains(name, /a/)], function($v, $i) { $uppercase($v.name) & "-" & $string($i) }), ", ")
         & " " & $string($sum(items.qty)) & " " & ($f := function($n) { $n < 2 ? $n : $f($n - 1) + $f($n - 2) }; $string($f(10))))");
  const Json input = Json::parse(R"({"items":[{"name":"alpha","qty":1},{"name":"bravo","qty":2},{"name":"echo","qty":3}]})");
  const Json expected = "ALPHA-0, BRAVO-1 6 55";
  REQUIRE(expr.evaluate(input).value() == expected);
  for (std::size_t threads : {2u, 4u, 8u}) {
    std::vector<std::thread> pool;
    std::vector<int> wrong(threads, 0);
    for (std::size_t t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        for (int i = 0; i < 200; ++i) {
          auto r = expr.evaluate(input);
          if (!r.has_value() || r.value() != expected) ++wrong[t];
        }
      });
    }
    for (auto& th : pool) th.join();
    for (std::size_t t = 0; t < threads; ++t) CHECK(wrong[t] == 0);
  }
}
