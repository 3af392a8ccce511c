// Unit tests for payload templates (spec §4.5): compile problems, evaluation, AWS causes.
// SPDX-License-Identifier: MIT
#include <string>
#include <vector>

#include "asl/detail/jsonpath/payload_template.hpp"
#include "support/catch.hpp"

using asl::Json;
using asl::detail::PayloadTemplate;
using asl::detail::TemplateError;

namespace {

Json run(const Json& tmpl, const Json& input, const Json* ctx = nullptr) {
  std::vector<TemplateError> problems;
  const auto t = PayloadTemplate::compile(tmpl, &problems);
  REQUIRE(problems.empty());
  auto r = t.evaluate(input, ctx);
  INFO((r ? std::string() : r.error().cause.value_or("")));
  REQUIRE(r.ok());
  return *r;
}

asl::Error run_error(const Json& tmpl, const Json& input, const Json* ctx = nullptr) {
  const auto t = PayloadTemplate::compile(tmpl);
  auto r = t.evaluate(input, ctx);
  REQUIRE_FALSE(r.ok());
  return r.error();
}

std::vector<TemplateError> problems_of(const Json& tmpl) {
  std::vector<TemplateError> problems;
  (void)PayloadTemplate::compile(tmpl, &problems);
  return problems;
}

}  // namespace

TEST_CASE("template: the spec's worked example with a context object", "[template]") {
  const Json tmpl = Json::parse(R"J({
    "flagged": true,
    "parts": {"first.$": "$.vals[0]", "last3.$": "$.vals[-3:]"},
    "weekday.$": "$$.DayOfWeek",
    "formattedOutput.$": "States.Format('Today is {}', $$.DayOfWeek)"
  })J");
  const Json input = Json::parse(R"J({"flagged": 7, "vals": [0, 10, 20, 30, 40, 50]})J");
  const Json ctx = Json::parse(R"J({"DayOfWeek": "TUESDAY"})J");
  const auto t = PayloadTemplate::compile(tmpl);
  CHECK(t.uses_context());
  auto r = t.evaluate(input, &ctx);
  REQUIRE(r.ok());
  CHECK(
      r->dump() ==
      R"J({"flagged":true,"parts":{"first":0,"last3":[30,40,50]},"weekday":"TUESDAY","formattedOutput":"Today is TUESDAY"})J");
}

TEST_CASE("template: nested objects and arrays", "[template]") {
  const Json tmpl = Json::parse(R"J({
    "list": [1, {"a.$": "$.x", "lit": "$.x"}, "$.x", [{"deep.$": "$.y.z"}]],
    "obj": {"inner": {"v.$": "$.y"}, "plain": {"k": [1, 2]}},
    "whole.$": "$",
    "keep": null
  })J");
  const Json input = Json::parse(R"J({"x": "X", "y": {"z": [true]}})J");
  CHECK(
      run(tmpl, input).dump() ==
      R"J({"list":[1,{"a":"X","lit":"$.x"},"$.x",[{"deep":[true]}]],"obj":{"inner":{"v":{"z":[true]}},"plain":{"k":[1,2]}},"whole":{"x":"X","y":{"z":[true]}},"keep":null})J");
  CHECK_FALSE(PayloadTemplate::compile(tmpl).uses_context());
}

TEST_CASE("template: keys without .$ stay literal even when the value looks like a path",
          "[template]") {
  const Json tmpl = Json::parse(R"J({
    "not-evaluated": "$customerName", "path": "$.x", "ctx": "$$", "fn": "States.Format('{}', 1)",
    "jsonata": "{% $states.input %}", "nested": {"a": ["$.x", {"b": "$$.Execution.Id"}]}
  })J");
  CHECK(run(tmpl, Json::object()) == tmpl);
  CHECK(run(Json::object(), Json::parse(R"J({"a":1})J")) == Json::object());
}

TEST_CASE("template: key order and renaming", "[template]") {
  const Json tmpl = Json::parse(R"J({"z": 1, "y.$": "$.a", "x": {"w.$": "$.b"}, ".$": "$.a"})J");
  CHECK(run(tmpl, Json::parse(R"J({"a": "A", "b": "B"})J")).dump() ==
        R"J({"z":1,"y":"A","x":{"w":"B"},"":"A"})J");
}

TEST_CASE("template: context paths, whole documents and intrinsics", "[template]") {
  const Json ctx = Json::parse(
      R"J({"Execution": {"Id": "arn:x", "Input": {"k": 1}}, "Map": {"Item": {"Index": 2, "Value": "v"}}})J");
  const Json tmpl = Json::parse(R"J({
    "id.$": "$$.Execution.Id", "all.$": "$$", "index.$": "$$.Map.Item.Index",
    "s.$": "States.Format('{}-{}', $.p, $$.Map.Item.Value)", "flat.$": "$[*][*]"
  })J");
  const Json input = Json::parse(R"J([[1, 2], [3]])J");
  // "$.p" on an array input is a miss, so split the checks.
  CHECK(run(Json::parse(R"J({"flat.$": "$[*][*]"})J"), input) ==
        Json::parse(R"J({"flat":[1,2,3]})J"));
  const Json obj_input = Json::parse(R"J({"p": "P"})J");
  const Json out =
      run(Json::parse(R"J({"id.$": "$$.Execution.Id", "all.$": "$$", "index.$": "$$.Map.Item.Index",
                                       "s.$": "States.Format('{}-{}', $.p, $$.Map.Item.Value)"})J"),
          obj_input, &ctx);
  CHECK(out ==
        Json::parse(R"J({"id":"arn:x","all":)J" + ctx.dump() + R"J(,"index":2,"s":"P-v"})J"));
  CHECK(PayloadTemplate::compile(tmpl).uses_context());
  CHECK(PayloadTemplate::compile(Json::parse(R"J({"a": {"s.$": "States.Array($$.x)"}})J"))
            .uses_context());
  CHECK_FALSE(PayloadTemplate::compile(Json::parse(R"J({"a": {"s.$": "States.Array($.x)"}})J"))
                  .uses_context());
}

TEST_CASE("template: a .$ path that matches nothing is States.Runtime", "[template]") {
  const Json input = Json::parse(R"J({"int-literal": 0})J");
  SECTION("input path") {
    const auto err = run_error(Json::parse(R"J({"value.$": "$.no_such_jsonpath"})J"), input);
    CHECK(err.name_or_empty() == "States.Runtime");
    CHECK(
        err.cause.value_or("") ==
        "The JSONPath '$.no_such_jsonpath' specified for the field 'value.$' could not be found in "
        "the input '{\"int-literal\":0}'");
  }
  SECTION("context path: same text, and the state input is quoted") {
    const Json ctx = Json::parse(R"J({"Execution": {"Input": {"int-literal": 0}}})J");
    const auto err = run_error(
        Json::parse(R"J({"value.$": "$$.Execution.Input.no_such_jsonpath"})J"), input, &ctx);
    CHECK(err.name_or_empty() == "States.Runtime");
    CHECK(err.cause.value_or("") ==
          "The JSONPath '$$.Execution.Input.no_such_jsonpath' specified for the field 'value.$' "
          "could not be found in the input '{\"int-literal\":0}'");
  }
  SECTION("nested field: the key is named as written") {
    const auto err = run_error(Json::parse(R"J({"a": {"b": [{"c.$": "$.nope"}]}})J"),
                               Json::parse(R"J({"x":1.5})J"));
    CHECK(err.cause.value_or("") ==
          "The JSONPath '$.nope' specified for the field 'c.$' could not be found in the input "
          "'{\"x\":1.5}'");
  }
  SECTION("an index past the end of an existing array reads as null (AWS, measured by floci)") {
    const Json in = Json::parse(R"J({"items":[1,2],"m":{"a":[]}})J");
    CHECK(run(Json::parse(R"J({"v.$": "$.items[5]", "w.$": "$.m.a[0]", "x.$": "$.items[-3]"})J"),
              in) == Json::parse(R"J({"v":null,"w":null,"x":null})J"));
    const Json ctx = Json::parse(R"J({"Map":{"Item":{"Value":[0]}}})J");
    CHECK(run(Json::parse(R"J({"v.$": "$$.Map.Item.Value[3]"})J"), in, &ctx) ==
          Json::parse(R"J({"v":null})J"));
    // ...but reading past it, or indexing something that is not an array, is still a miss.
    CHECK(
        run_error(Json::parse(R"J({"v.$": "$.items[5].x"})J"), in).cause.value_or("") ==
        "The JSONPath '$.items[5].x' specified for the field 'v.$' could not be found in the input "
        "'{\"items\":[1,2],\"m\":{\"a\":[]}}'");
    CHECK(run_error(Json::parse(R"J({"v.$": "$.m[0]"})J"), in).name_or_empty() == "States.Runtime");
    CHECK(run_error(Json::parse(R"J({"v.$": "$.nope[0]"})J"), in).name_or_empty() ==
          "States.Runtime");
  }
  SECTION("JSONPath functions are not evaluated (AWS execution reported on repost.aws)") {
    const Json jobs = Json::parse(R"J({"Jobs":[0,0,1]})J");
    const auto err = run_error(Json::parse(R"J({"Jobs.$": "$.Jobs.sum()"})J"), jobs);
    CHECK(err.name_or_empty() == "States.Runtime");
    CHECK(err.cause.value_or("") ==
          "The JSONPath '$.Jobs.sum()' specified for the field 'Jobs.$' could not be found in the "
          "input '{\"Jobs\":[0,0,1]}'");
    CHECK(run_error(Json::parse(R"J({"n.$": "$.Jobs.length()"})J"), jobs).name_or_empty() ==
          "States.Runtime");
  }
  SECTION("an explicit null is found") {
    CHECK(run(Json::parse(R"J({"v.$": "$.n"})J"), Json::parse(R"J({"n": null})J")) ==
          Json::parse(R"J({"v":null})J"));
  }
}

TEST_CASE("template: intrinsic failures propagate unchanged", "[template]") {
  const auto err = run_error(Json::parse(R"J({"r.$": "States.ArrayGetItem($.a, 3)"})J"),
                             Json::parse(R"J({"a":[1,2,3]})J"));
  CHECK(err.name_or_empty() == "States.IntrinsicFailure");
  CHECK(err.cause.value_or("") ==
        "The function 'States.ArrayGetItem($.a, 3)' had the following error: States.ArrayGetItem "
        "index 3 is out of bounds for an array of 3 elements");
}

TEST_CASE("template: duplicate keys after removing .$", "[template]") {
  const auto problems =
      problems_of(Json::parse(R"J({"a": 1, "a.$": "$.x", "n": {"b.$": "$.y", "b": 2}})J"));
  REQUIRE(problems.size() == 2);
  CHECK(problems[0].pointer == "/a.$");
  CHECK(problems[0].message ==
        "the field \"a.$\" duplicates the field \"a\" (a key ending in \".$\" is renamed without "
        "the suffix)");
  CHECK(problems[1].pointer == "/n/b");
  CHECK(problems[1].message ==
        "the field \"b\" duplicates the field \"b\" (a key ending in \".$\" is renamed without the "
        "suffix)");
}

TEST_CASE("template: invalid .$ values are reported with their pointer", "[template]") {
  const Json tmpl = Json::parse(R"J({
    "parts": {"first.$": 5, "ok.$": "$.a"},
    "list": [{"s.$": "hello"}],
    "fn.$": "States.Nope(1)",
    "arity.$": "States.MathAdd(1)",
    "a/b~c.$": true
  })J");
  const auto problems = problems_of(tmpl);
  REQUIRE(problems.size() == 5);
  CHECK(problems[0].pointer == "/parts/first.$");
  CHECK(problems[0].message ==
        "the value of \"first.$\" must be a string holding a JSONPath or an intrinsic function "
        "call, got a number");
  CHECK(problems[1].pointer == "/list/0/s.$");
  CHECK(problems[1].message ==
        "the value of \"s.$\" (\"hello\") is not a JSONPath or an intrinsic function call");
  CHECK(problems[2].pointer == "/fn.$");
  CHECK(problems[2].message ==
        "Invalid intrinsic function expression 'States.Nope(1)': unknown intrinsic function "
        "'States.Nope' (at character 1)");
  CHECK(problems[3].pointer == "/arity.$");
  CHECK(problems[3].message ==
        "Invalid intrinsic function expression 'States.MathAdd(1)': States.MathAdd takes 2 "
        "arguments, got 1 (at character 1)");
  CHECK(problems[4].pointer == "/a~1b~0c.$");
  CHECK(problems[4].message ==
        "the value of \"a/b~c.$\" must be a string holding a JSONPath or an intrinsic function "
        "call, got a boolean");

  SECTION("compiled without a problem list, a bad field fails when evaluated") {
    const auto err = run_error(Json::parse(R"J({"s.$": "hello"})J"), Json::object());
    CHECK(err.name_or_empty() == "States.Runtime");
    CHECK(err.cause.value_or("") ==
          "Invalid payload template field 's.$': the value of \"s.$\" (\"hello\") is not a "
          "JSONPath or "
          "an intrinsic function call");
  }
}

TEST_CASE("template: a variable no state assigned", "[template]") {
  CHECK(problems_of(Json::parse(R"J({"v.$": "$myVar.x"})J")).empty());
  const auto err = run_error(Json::parse(R"J({"v.$": "$myVar.x"})J"), Json::object());
  CHECK(err.name_or_empty() == "States.Runtime");
  CHECK(err.cause.value_or("") ==
        "The variable reference '$myVar.x' specified for the field 'v.$' cannot be resolved: "
        "no state has assigned the variable 'myVar'");
}

TEST_CASE("template: a context path without a context object", "[template]") {
  const auto err =
      run_error(Json::parse(R"J({"v.$": "$$.Execution.Id"})J"), Json::object(), nullptr);
  CHECK(err.name_or_empty() == "States.Runtime");
  CHECK(err.cause.value_or("") ==
        "The JSONPath '$$.Execution.Id' specified for the field 'v.$' reads the context object, "
        "which "
        "is not available here");
}

TEST_CASE("template: AWS-recorded literal escapes pass through untouched", "[template]") {
  const Json tmpl = Json::parse(R"J({
    "emoji": "\ud83c\udd97", "escaped_backslash": "Backslash \\\\ in string",
    "escaped_double_in_string": "An escaped quote: \\\"hello\\\"", "literal_single_quote": "'",
    "whitespace_escapes": "Line1\nLine2\tTabbed"
  })J");
  CHECK(run(tmpl, Json::parse(R"J({"Test\\\"\"Name\"": "Value\"\\"})J")) == tmpl);
}

TEST_CASE("template: default-constructed and copied templates", "[template]") {
  const PayloadTemplate empty;
  CHECK(empty.evaluate(Json::object(), nullptr).value() == Json::object());
  const auto t = PayloadTemplate::compile(Json::parse(R"J({"a.$": "$.b"})J"));
  const PayloadTemplate copy = t;  // NOLINT: copies share the compiled tree
  CHECK(copy.evaluate(Json::parse(R"J({"b": 3})J"), nullptr).value() ==
        Json::parse(R"J({"a":3})J"));
}
