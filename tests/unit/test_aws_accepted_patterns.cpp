// Definitions AWS accepts although the spec reads stricter (issue #24): they load with no
// diagnostic and run as AWS runs them. Each machine here is a small one written for the pattern.
// SPDX-License-Identifier: MIT
#include <string>

#include "asl/detail/jsonpath/payload_template.hpp"
#include "support/catch.hpp"
#include "support/run.hpp"

using asl::Json;
using asl::testing::run_machine;

namespace {

Json j(const char* text) { return Json::parse(text); }

Json output_of(const char* definition, const char* input, const asl::TaskResolver& tasks = asl::HandlerRegistry{}) {
  const auto r = run_machine(j(definition), j(input), tasks);
  INFO(r.to_json().dump());
  REQUIRE(r.succeeded());
  return r.output;
}

}  // namespace

TEST_CASE("aws patterns: a bare word in a filter matches that string", "[aws_patterns]") {
  // As in deployed translate / Textract samples: ResultSelector and Parameters pick by an unquoted value.
  const char* def = R"J({"StartAt":"Pick","States":{"Pick":{"Type":"Pass",
      "Parameters":{"es.$":"$.out[?(@.lang==es)].text","paid.$":"$.Fields[?(@.Type.Text==AMOUNT_PAID)].Value",
                    "none.$":"$.out[?(@.lang==de)]"},
      "End":true}}})J";
  CHECK(output_of(def, R"J({"out":[{"lang":"es","text":"hola"},{"lang":"fr","text":"salut"}],
      "Fields":[{"Type":{"Text":"AMOUNT_PAID"},"Value":"12.50"},{"Type":{"Text":"TAX"},"Value":"1"}]})J") ==
        j(R"J({"es":["hola"],"paid":["12.50"],"none":[]})J"));
  // InputPath with a deep scan, as in a data-quality sample.
  CHECK(output_of(R"J({"StartAt":"F","States":{"F":{"Type":"Pass",
      "InputPath":"$..QualityResults[?(@.status==Failure)]","End":true}}})J",
                  R"J({"r":{"QualityResults":[{"status":"Failure","c":1},{"status":"Success","c":2}]}})J") ==
        j(R"J([{"status":"Failure","c":1}])J"));
}

TEST_CASE("aws patterns: an array Parameters is the effective input, .$ fields inside evaluated", "[aws_patterns]") {
  // Pass: `"Parameters": [{"Item.$": "$.Item"}]` (a deployed EventBridge Pipes enrichment).
  CHECK(output_of(R"J({"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":[{"Item.$":"$.Item"},"lit"],
      "End":true}}})J",
                  R"J({"Item":{"id":7}})J") == j(R"J([{"Item":{"id":7}},"lit"])J"));
  // Task: the handler receives the array.
  asl::HandlerRegistry tasks;
  tasks.add("arn:aws:lambda:us-east-1:123456789012:function:echo", [](const Json& in) { return in; });
  CHECK(output_of(R"J({"StartAt":"T","States":{"T":{"Type":"Task",
      "Resource":"arn:aws:lambda:us-east-1:123456789012:function:echo",
      "Parameters":[{"a.$":"$.a"},{"ctx.$":"$$.State.Name"}],"ResultPath":"$.r","End":true}}})J",
                  R"J({"a":1})J", tasks) == j(R"J({"a":1,"r":[{"a":1},{"ctx":"T"}]})J"));
}

TEST_CASE("aws patterns: a scalar payload template is itself", "[aws_patterns]") {
  // Only `.$` keys are evaluated, so a string that looks like a path stays a string.
  CHECK(output_of(R"J({"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":"$.x","End":true}}})J",
                  R"J({"x":1})J") == Json("$.x"));
  CHECK(output_of(R"J({"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":42,"End":true}}})J", "{}") == Json(42));
  CHECK(output_of(R"J({"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":null,"ResultPath":"$.p",
      "End":true}}})J", "{}") == j(R"J({"p":null})J"));
  // Map ItemSelector of any type, per item.
  CHECK(output_of(R"J({"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.xs",
      "ItemSelector":[{"v.$":"$$.Map.Item.Value","i.$":"$$.Map.Item.Index"}],
      "ItemProcessor":{"StartAt":"J","States":{"J":{"Type":"Pass","End":true}}},"End":true}}})J",
                  R"J({"xs":["a","b"]})J") == j(R"J([[{"v":"a","i":0}],[{"v":"b","i":1}]])J"));
  CHECK(output_of(R"J({"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.xs","ItemSelector":true,
      "ItemProcessor":{"StartAt":"J","States":{"J":{"Type":"Pass","End":true}}},"End":true}}})J",
                  R"J({"xs":[1,2]})J") == j("[true,true]"));
}

TEST_CASE("aws patterns: array and scalar templates compile like nested values", "[aws_patterns]") {
  std::vector<asl::detail::TemplateError> problems;
  const auto t = asl::detail::PayloadTemplate::compile(j(R"J([{"a.$":"$.a"},[{"b.$":"$.b"}],3])J"), &problems);
  REQUIRE(problems.empty());
  const auto r = t.evaluate(j(R"J({"a":1,"b":2})J"), nullptr);
  REQUIRE(r.ok());
  CHECK(*r == j(R"J([{"a":1},[{"b":2}],3])J"));
  // Problems inside an array carry the element index in their pointer.
  (void)asl::detail::PayloadTemplate::compile(j(R"J([1,{"a.$":5}])J"), &problems);
  REQUIRE(problems.size() == 1);
  CHECK(problems[0].pointer == "/1/a.$");
}
