// Unit tests for the query-language seam: what the JSONPath implementation of StateQueries tells
// the interpreter (QueryShape) and computes through the interface, state by state.
// SPDX-License-Identifier: MIT
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <asl/asl.hpp>

#include "asl/detail/load/compile_jsonpath.hpp"
#include "support/catch.hpp"

using asl::Json;
using asl::detail::Combine;
using asl::detail::JsonPathCompiler;
using asl::detail::JsonPathQueries;
using asl::detail::NumberField;
using asl::detail::Selection;
using asl::detail::StateType;

namespace {

std::unique_ptr<JsonPathQueries> compile(StateType type, const char* text, bool* uses_context = nullptr) {
  const Json state = Json::parse(text);
  bool ctx = false;
  auto q = JsonPathCompiler(nullptr).compile(type, state, ctx);
  if (uses_context) *uses_context = ctx;
  return q;
}

}  // namespace

TEST_CASE("state queries: the shape says where the interpreter may skip a stage", "[state_queries]") {
  SECTION("absent fields and \"$\" are the identity") {
    auto q = compile(StateType::pass, R"J({"Type": "Pass", "InputPath": "$", "ResultPath": "$", "OutputPath": "$"})J");
    CHECK(q->shape().input_is_raw);
    CHECK(q->shape().output_is_doc);
    CHECK(q->shape().combine == Combine::replace);
    CHECK_FALSE(q->shape().has_arguments);
    CHECK(q->shape().merge_overhead == 0);
  }
  SECTION("null InputPath, ResultPath and OutputPath") {
    auto q = compile(StateType::pass, R"J({"Type": "Pass", "InputPath": null, "ResultPath": null, "OutputPath": null})J");
    CHECK_FALSE(q->shape().input_is_raw);
    CHECK_FALSE(q->shape().output_is_doc);
    CHECK(q->shape().combine == Combine::discard);
  }
  SECTION("a ResultPath into the input merges, and says how much it may add") {
    auto q = compile(StateType::task, R"J({"Type": "Task", "Resource": "r", "ResultPath": "$.out.model",
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "x"},
                  {"ErrorEquals": ["States.ALL"], "ResultPath": null, "Next": "x"},
                  {"ErrorEquals": ["States.ALL"], "Next": "x"}]})J");
    CHECK(q->shape().combine == Combine::merge);
    CHECK(q->shape().merge_overhead == std::string("$.out.model").size() + 4);
    REQUIRE(q->shape().catch_combine.size() == 3);
    CHECK(q->shape().catch_combine[0] == Combine::merge);
    CHECK(q->shape().catch_combine[1] == Combine::discard);
    CHECK(q->shape().catch_combine[2] == Combine::replace);
    CHECK(q->shape().catch_overhead[0] == std::string("$.error").size());
  }
  SECTION("the numbers a state has, and only those") {
    auto task = compile(StateType::task, R"J({"Type": "Task", "Resource": "r", "TimeoutSecondsPath": "$.t"})J");
    CHECK(task->shape().has(NumberField::timeout_seconds));
    CHECK_FALSE(task->shape().has(NumberField::heartbeat_seconds));
    auto plain = compile(StateType::task, R"J({"Type": "Task", "Resource": "r"})J");
    CHECK(plain->shape().numbers == 0);
    auto map = compile(StateType::map, R"J({"Type": "Map", "MaxConcurrency": 4, "ToleratedFailurePercentage": 5})J");
    CHECK(map->shape().has(NumberField::max_concurrency));
    CHECK(map->shape().has(NumberField::tolerated_failure_percentage));
    CHECK_FALSE(map->shape().has(NumberField::tolerated_failure_count));
  }
  SECTION("an ItemSelector that reads $$ is flagged, so Map chunks build a context per item") {
    bool ctx = false;
    auto q = compile(StateType::map, R"J({"Type": "Map", "ItemSelector": {"i.$": "$$.Map.Item.Index"}})J", &ctx);
    CHECK(q->shape().has_item_selector);
    CHECK(q->shape().item_selector_reads_context);
    CHECK(ctx);
  }
  SECTION("a *Path that reads $$ marks the state as reading the context") {
    bool ctx = false;
    compile(StateType::task, R"J({"Type": "Task", "Resource": "r", "HeartbeatSecondsPath": "$$.Execution.Input.h"})J",
            &ctx);
    CHECK(ctx);
  }
}

TEST_CASE("state queries: the pipeline's stages through the interface", "[state_queries]") {
  const Json raw = Json::parse(R"J({"a": {"b": [1, 2, 3]}, "s": "text"})J");
  SECTION("input: a view into the raw input, never a copy of it") {
    auto q = compile(StateType::pass, R"J({"Type": "Pass", "InputPath": "$.a.b"})J");
    Selection v;
    REQUIRE_FALSE(q->input(raw, asl::detail::QueryEnv{}, v).has_value());
    CHECK(v.ptr == &raw["a"]["b"]);
  }
  SECTION("input from $$ is copied: a Selection only points into the document it was given") {
    auto q = compile(StateType::pass, R"J({"Type": "Pass", "InputPath": "$$.Execution.Name"})J");
    const Json ctx = Json::parse(R"J({"Execution": {"Name": "run-1"}})J");
    Selection v;
    REQUIRE_FALSE(q->input(raw, asl::detail::QueryEnv{&ctx}, v).has_value());
    CHECK(v.ptr == nullptr);
    CHECK(v.owned == "run-1");
  }
  SECTION("a missing InputPath is States.Runtime with AWS's tail") {
    auto q = compile(StateType::pass, R"J({"Type": "Pass", "InputPath": "$.nope"})J");
    Selection v;
    const auto e = q->input(raw, asl::detail::QueryEnv{}, v);
    REQUIRE(e.has_value());
    CHECK(e->name == std::optional<std::string>("States.Runtime"));
    CHECK(e->cause->rfind("Invalid path '$.nope' : ", 0) == 0);
  }
  SECTION("merge leaves the document as it was when it cannot apply") {
    auto q = compile(StateType::task, R"J({"Type": "Task", "Resource": "r", "ResultPath": "$.s.x"})J");
    Json doc = raw;
    const auto e = q->merge(doc, Json(5), asl::detail::QueryEnv{});
    REQUIRE(e.has_value());
    CHECK(e->name == std::optional<std::string>("States.ResultPathMatchFailure"));
    CHECK(doc == raw);
  }
  SECTION("select_result, merge and output in order") {
    auto q = compile(StateType::task, R"J({"Type": "Task", "Resource": "r", "ResultSelector": {"n.$": "$.count"},
        "ResultPath": "$.result", "OutputPath": "$.result"})J");
    Json result = Json::parse(R"J({"count": 7, "noise": true})J");
    REQUIRE_FALSE(q->select_result(result, asl::detail::QueryEnv{}).has_value());
    Json doc = raw;
    REQUIRE_FALSE(q->merge(doc, std::move(result), asl::detail::QueryEnv{}).has_value());
    REQUIRE_FALSE(q->output(doc, asl::detail::QueryEnv{}).has_value());
    CHECK(doc == Json::parse(R"J({"n": 7})J"));
  }
}

TEST_CASE("state queries: Choice, Map, numbers, Wait and Fail", "[state_queries]") {
  SECTION("choose: the first matching rule, or none") {
    auto q = compile(StateType::choice, R"J({"Type": "Choice", "Choices": [
        {"Variable": "$.v", "NumericGreaterThan": 10, "Next": "a"},
        {"Variable": "$.v", "NumericGreaterThan": 5, "Next": "b"}], "Default": "c"})J");
    std::size_t chosen = 99;
    REQUIRE_FALSE(q->choose(Json{{"v", 7}}, asl::detail::QueryEnv{}, chosen).has_value());
    CHECK(chosen == 1);
    REQUIRE_FALSE(q->choose(Json{{"v", 1}}, asl::detail::QueryEnv{}, chosen).has_value());
    CHECK(chosen == asl::detail::StateQueries::no_rule);
  }
  SECTION("items: a view into the input when the path is definite, AWS's message when not an array") {
    auto q = compile(StateType::map, R"J({"Type": "Map", "ItemsPath": "$.list"})J");
    const Json in = Json::parse(R"J({"list": [1, 2], "one": 3})J");
    Selection found;
    REQUIRE_FALSE(q->items(in, asl::detail::QueryEnv{}, found).has_value());
    CHECK(found.ptr == &in["list"]);
    auto scalar = compile(StateType::map, R"J({"Type": "Map", "ItemsPath": "$.one"})J");
    Selection none;
    const auto e = scalar->items(in, asl::detail::QueryEnv{}, none);
    REQUIRE(e.has_value());
    CHECK(e->cause == std::optional<std::string>("Reference path \"$.one\" must point to array."));
  }
  SECTION("numbers: a literal, a path, and a wrong type with AWS's wording") {
    auto q = compile(StateType::map, R"J({"Type": "Map", "MaxConcurrencyPath": "$.mc", "ToleratedFailureCount": 2})J");
    std::optional<Json> n;
    REQUIRE_FALSE(q->number(NumberField::max_concurrency, Json{{"mc", 3}}, asl::detail::QueryEnv{}, n).has_value());
    CHECK(n == std::optional<Json>(Json(3)));
    n.reset();
    REQUIRE_FALSE(q->number(NumberField::tolerated_failure_count, Json::object(), asl::detail::QueryEnv{}, n).has_value());
    CHECK(n == std::optional<Json>(Json(2)));
    n.reset();
    const auto e = q->number(NumberField::max_concurrency, Json{{"mc", "x"}}, asl::detail::QueryEnv{}, n);
    REQUIRE(e.has_value());
    CHECK(e->cause == std::optional<std::string>(
                          "The MaxConcurrencyPath field refers to value \"x\" which is not a valid integer: $.mc"));
  }
  SECTION("wait: seconds, an instant, and a SecondsPath that is not a long") {
    asl::detail::WaitSpec w;
    REQUIRE_FALSE(compile(StateType::wait, R"J({"Type": "Wait", "Seconds": 30})J")->wait(Json(), asl::detail::QueryEnv{}, w).has_value());
    CHECK_FALSE(w.is_timestamp);
    CHECK(w.seconds == 30);
    asl::detail::WaitSpec at;
    REQUIRE_FALSE(compile(StateType::wait, R"J({"Type": "Wait", "Timestamp": "2026-01-01T00:00:00Z"})J")
                      ->wait(Json(), asl::detail::QueryEnv{}, at)
                      .has_value());
    CHECK(at.is_timestamp);
    CHECK(at.at.seconds == 1767225600);
    asl::detail::WaitSpec bad;
    const auto e =
        compile(StateType::wait, R"J({"Type": "Wait", "SecondsPath": "$.s"})J")->wait(Json{{"s", 1.5}}, asl::detail::QueryEnv{}, bad);
    REQUIRE(e.has_value());
    CHECK(e->cause == std::optional<std::string>("The SecondsPath parameter cannot be parsed as a long value: $.s == 1.5"));
  }
  SECTION("fail_texts: a literal Error and a Cause read by path") {
    auto q = compile(StateType::fail, R"J({"Type": "Fail", "Error": "Model.Rejected", "CausePath": "$.why"})J");
    asl::Error out;
    REQUIRE_FALSE(q->fail_texts(Json{{"why", "accuracy 0.61"}}, asl::detail::QueryEnv{}, out).has_value());
    CHECK(out.name == std::optional<std::string>("Model.Rejected"));
    CHECK(out.cause == std::optional<std::string>("accuracy 0.61"));
  }
}
