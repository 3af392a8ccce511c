// Unit tests of compile-once loading: validate_definition hands its compiled parts (CompiledParts) to the Compiler.
// SPDX-License-Identifier: MIT
#include <string>
#include <utility>
#include <vector>

#include <asl/asl.hpp>

#include "asl/detail/load/compiler.hpp"
#include "asl/detail/load/program.hpp"
#include "asl/detail/load/validator.hpp"
#include "asl/detail/jsonpath/state_queries.hpp"
#include "support/catch.hpp"

using asl::Json;
using asl::detail::CompiledParts;
using asl::detail::Compiler;
using asl::detail::PayloadTemplate;
using asl::detail::Program;
using asl::detail::validate_definition;
namespace choice = asl::detail::choice;
namespace intrinsics = asl::detail::intrinsics;

namespace {

const char* const definition_text = R"J({
  "StartAt": "Shape",
  "States": {
    "Shape": {
      "Type": "Pass",
      "Parameters": {"id.$": "$.doc.id", "nested": {"ctx.$": "$$.Execution.Name", "k": 1}, "lit": [1, 2]},
      "ResultPath": "$.shaped",
      "Next": "Decide"
    },
    "Decide": {
      "Type": "Choice",
      "Choices": [
        {"Variable": "$.doc.id", "NumericGreaterThan": 10, "Next": "Fan"},
        {"And": [{"Variable": "$.doc.id", "IsPresent": true}, {"Variable": "$$.Execution.Name", "StringEquals": "x"}],
         "Next": "Fan"}
      ],
      "Default": "Stop"
    },
    "Fan": {
      "Type": "Map",
      "ItemsPath": "$.items",
      "ItemSelector": {"value.$": "$$.Map.Item.Value"},
      "ItemProcessor": {"StartAt": "Inner", "States": {"Inner": {"Type": "Pass", "Parameters": {"v.$": "$.value"}, "End": true}}},
      "End": true
    },
    "Stop": {"Type": "Fail", "ErrorPath": "States.Format('E{}', $.doc.id)", "CausePath": "$.doc.cause"}
  }
})J";

class NoTasks final : public asl::TaskResolver {
 public:
  asl::TaskHandler resolve(const asl::ResolveRequest&) const override { return {}; }
};

std::shared_ptr<Program> compile(Json definition, CompiledParts* parts) {
  const NoTasks tasks;
  std::vector<asl::Diagnostic> problems;
  Compiler compiler(tasks, problems);
  auto program = compiler.compile(std::move(definition), "m", parts);
  REQUIRE(problems.empty());
  return program;
}

const asl::detail::State& state(const Program& p, const std::string& name) {
  return p.states.at(p.index_by_name.at(name));
}

/// The JSONPath fields behind a state's queries (what the compiler built).
const asl::detail::JsonPathQueries& jsonpath_queries(const asl::detail::State& st) {
  const auto* q = dynamic_cast<const asl::detail::JsonPathQueries*>(st.queries.get());
  REQUIRE(q != nullptr);
  return *q;
}

}  // namespace

TEST_CASE("compile once: moving a definition leaves its members where they are", "[compile_once]") {
  // CompiledParts is keyed by node address: StateMachine::from_json moves the document from the
  // validator to the compiler (and into the Program), never copies it.
  Json doc = Json::parse(definition_text);
  const Json* parameters = &doc["States"]["Shape"]["Parameters"];
  const Json* rule = &doc["States"]["Decide"]["Choices"][0];
  Json moved(std::move(doc));
  CHECK(&moved["States"]["Shape"]["Parameters"] == parameters);
  Json assigned;
  assigned = std::move(moved);
  CHECK(&assigned["States"]["Decide"]["Choices"][0] == rule);
}

TEST_CASE("compile once: validation keeps what it compiled, once, by source node", "[compile_once]") {
  const Json doc = Json::parse(definition_text);
  CompiledParts parts;
  REQUIRE(validate_definition(doc, {}, &parts).empty());
  const Json& states = doc["States"];
  CHECK(parts.take<PayloadTemplate>(states["Shape"]["Parameters"]).has_value());
  CHECK_FALSE(parts.take<PayloadTemplate>(states["Shape"]["Parameters"]).has_value());  // taken
  CHECK(parts.take<PayloadTemplate>(states["Fan"]["ItemSelector"]).has_value());
  CHECK(parts.take<PayloadTemplate>(states["Fan"]["ItemProcessor"]["States"]["Inner"]["Parameters"]).has_value());
  CHECK(parts.take<choice::Rule>(states["Decide"]["Choices"][0]).has_value());
  CHECK(parts.take<choice::Rule>(states["Decide"]["Choices"][1]).has_value());
  CHECK_FALSE(parts.take<choice::Rule>(states["Decide"]["Choices"][1]["And"][0]).has_value());  // part of [1]
  CHECK(parts.take<intrinsics::Expression>(states["Stop"]["ErrorPath"]).has_value());
  CHECK_FALSE(parts.take<intrinsics::Expression>(states["Stop"]["CausePath"]).has_value());  // a plain path
  CHECK_FALSE(parts.take<PayloadTemplate>(states["Shape"]).has_value());  // never compiled

  // Without a CompiledParts, validation is what it always was.
  CHECK(validate_definition(doc).empty());
}

TEST_CASE("compile once: Credentials with RoleArn.$ alone are kept, a stand-in is not", "[compile_once]") {
  const Json alone = Json::parse(R"J({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:r",
    "Credentials": {"RoleArn.$": "$.role"}, "End": true}}})J");
  CompiledParts parts;
  REQUIRE(validate_definition(alone, {}, &parts).empty());
  CHECK(parts.take<PayloadTemplate>(alone["States"]["T"]["Credentials"]).has_value());

  // Both RoleArn and RoleArn.$: a diagnostic, and the stand-in checked for RoleArn.$ is not kept.
  const Json both = Json::parse(R"J({"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": "arn:r",
    "Credentials": {"RoleArn": "r", "RoleArn.$": "$.role"}, "End": true}}})J");
  CompiledParts none;
  CHECK_FALSE(validate_definition(both, {}, &none).empty());
  CHECK_FALSE(none.take<PayloadTemplate>(both["States"]["T"]["Credentials"]).has_value());
}

TEST_CASE("compile once: the compiler takes the parts, and compiles the same program without them", "[compile_once]") {
  Json handed = Json::parse(definition_text);
  const Json* parameters = &handed["States"]["Shape"]["Parameters"];
  CompiledParts parts;
  REQUIRE(validate_definition(handed, {}, &parts).empty());
  const auto with_parts = compile(std::move(handed), &parts);
  CHECK_FALSE(parts.take<PayloadTemplate>(*parameters).has_value());  // consumed by the compiler
  const auto standalone = compile(Json::parse(definition_text), nullptr);

  const Json input = Json::parse(R"J({"doc": {"id": 12, "cause": "c"}, "items": [1, 2]})J");
  const Json context = Json::parse(R"J({"Execution": {"Name": "x"}, "Map": {"Item": {"Value": 7}}})J");
  for (const auto* p : {with_parts.get(), standalone.get()}) {
    const auto& shape = state(*p, "Shape");
    REQUIRE(jsonpath_queries(shape).parameters);
    CHECK(jsonpath_queries(shape).parameters->uses_context());
    CHECK(shape.uses_context);
    REQUIRE(shape.queries->shape().has_arguments);
    const auto shaped = shape.queries->arguments(input, asl::detail::QueryEnv{&context});
    REQUIRE(shaped.ok());
    CHECK(*shaped == Json::parse(R"J({"id": 12, "nested": {"ctx": "x", "k": 1}, "lit": [1, 2]})J"));

    const auto& decide = state(*p, "Decide");
    REQUIRE(jsonpath_queries(decide).rules.size() == 2);
    REQUIRE(decide.choice_next.size() == 2);
    CHECK(decide.uses_context);
    CHECK(jsonpath_queries(decide).rules[0].evaluate(input, &context).value());
    CHECK(jsonpath_queries(decide).rules[1].evaluate(input, &context).value());
    std::size_t chosen = asl::detail::StateQueries::no_rule;
    REQUIRE_FALSE(decide.queries->choose(input, asl::detail::QueryEnv{&context}, chosen).has_value());
    CHECK(chosen == 0);
    CHECK(decide.choice_next[0] == p->index_by_name.at("Fan"));

    const auto& fan = state(*p, "Fan");
    REQUIRE(fan.queries->shape().has_item_selector);
    CHECK(fan.queries->shape().item_selector_reads_context);
    CHECK(fan.queries->item_input(input, asl::detail::QueryEnv{&context}).value() == Json::parse(R"J({"value": 7})J"));
    CHECK(fan.processor != asl::detail::no_index);
    const auto& inner = state(*p, "Inner");
    CHECK(inner.scope == fan.processor);
    REQUIRE(jsonpath_queries(inner).parameters);

    const auto& stop = state(*p, "Stop");
    REQUIRE(jsonpath_queries(stop).error.function);
    CHECK(jsonpath_queries(stop).error.function->evaluate(intrinsics::Env{input, &context}).value() == "E12");
    REQUIRE(jsonpath_queries(stop).cause.path);
    CHECK(jsonpath_queries(stop).cause.path->text() == "$.doc.cause");
    asl::Error texts;
    REQUIRE_FALSE(stop.queries->fail_texts(input, asl::detail::QueryEnv{&context}, texts).has_value());
    CHECK(texts.name == std::optional<std::string>("E12"));
    CHECK(texts.cause == std::optional<std::string>("c"));
  }
}

TEST_CASE("compile once: loading through StateMachine runs as before", "[compile_once]") {
  auto machine = asl::StateMachine::parse(definition_text);
  CHECK(machine.definition() == Json::parse(definition_text));
  const auto& program = *machine.program();
  CHECK(jsonpath_queries(state(program, "Shape")).parameters.has_value());
  CHECK(state(program, "Shape").queries->shape().has_arguments);
  CHECK(state(program, "Decide").choice_next.size() == 2);
}
