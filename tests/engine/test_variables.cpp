// Engine tests: workflow variables (Assign, spec §12) in both languages: evaluation order, where `$`
// points, Choice/Catch precedence, scopes of Map and Parallel, history, concurrency.
// SPDX-License-Identifier: MIT
#include "support/catch.hpp"
#include "support/run.hpp"

#include <memory>
#include <string>

using asl::Json;
using asl::testing::run_machine;

TEST_CASE("variables: all values of one Assign are computed from the variables at state entry", "[variables]") {
  // The spec's example: entry x=3, a=6; Assign {x: $a, nextX: $x} gives x=6, nextX=3.
  auto r = run_machine(Json::parse(R"J({"QueryLanguage":"JSONata","StartAt":"Init","States":{
      "Init":{"Type":"Pass","Assign":{"x":3,"a":6},"Next":"Swap"},
      "Swap":{"Type":"Pass","Assign":{"x":"{% $a %}","nextX":"{% $x %}"},"Output":{"seen":"{% $x %}"},"Next":"Show"},
      "Show":{"Type":"Pass","End":true,"Output":{"x":"{% $x %}","nextX":"{% $nextX %}","seen":"{% $states.input.seen %}"}}}})J"));
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(r.output == Json::parse(R"J({"x":6,"nextX":3,"seen":3})J"));
}

TEST_CASE("variables: JSONPath Assign is a payload template whose `$` depends on the state", "[variables]") {
  asl::HandlerRegistry tasks;
  tasks.add("train", [](const Json&) { return Json{{"uri", "s3://m"}, {"acc", 0.9}}; });
  auto r = run_machine(Json::parse(R"J({"StartAt":"T","States":{
      "T":{"Type":"Task","Resource":"train","ResultSelector":{"only.$":"$.acc"},
           "Assign":{"uri.$":"$.uri","literal":"$.not.a.path","ctx.$":"$$.State.Name"},"Next":"C"},
      "C":{"Type":"Choice","Choices":[{"Variable":"$uri","StringMatches":"s3://*","Next":"W",
           "Assign":{"from_rule.$":"$.only"}}],"Default":"W"},
      "W":{"Type":"Wait","Seconds":1,"Assign":{"waited.$":"$.only"},"Next":"P"},
      "P":{"Type":"Pass","Parameters":{"uri.$":"$uri","l.$":"$literal","c.$":"$ctx","r.$":"$from_rule",
           "w.$":"$waited","f.$":"States.Format('{}!', $uri)"},"End":true}}})J"),
                       Json::object(), tasks);
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(r.output == Json::parse(
                        R"J({"uri":"s3://m","l":"$.not.a.path","c":"T","r":0.9,"w":0.9,"f":"s3://m!"})J"));
}

TEST_CASE("variables: a matched Choice rule's Assign replaces the state's; a Catcher's runs alone", "[variables]") {
  asl::HandlerRegistry tasks;
  tasks.add("boom", [](const Json&) -> Json { throw asl::TaskError("Boom", "no"); });
  auto r = run_machine(Json::parse(R"J({"StartAt":"C","States":{
      "C":{"Type":"Choice","Assign":{"who":"state"},"Choices":[
        {"Variable":"$.go","BooleanEquals":true,"Assign":{"who":"rule"},"Next":"T"}],"Default":"T"},
      "T":{"Type":"Task","Resource":"boom","Assign":{"task":"ran"},"End":true,
           "Catch":[{"ErrorEquals":["States.ALL"],"Assign":{"err.$":"$.Error"},"Next":"Out"}]},
      "Out":{"Type":"Pass","Parameters":{"who.$":"$who","err.$":"$err"},"End":true}}})J"),
                       Json::parse(R"J({"go":true})J"), tasks);
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(r.output == Json::parse(R"J({"who":"rule","err":"Boom"})J"));
}

TEST_CASE("variables: Map iterations and Parallel branches read outer variables in scopes of their own",
          "[variables]") {
  const Json def = Json::parse(R"J({"StartAt":"Init","States":{
      "Init":{"Type":"Pass","Assign":{"bias":10},"Next":"M"},
      "M":{"Type":"Map","ItemsPath":"$.xs","MaxConcurrency":2,"ResultPath":"$.mapped","Assign":{"count.$":"States.ArrayLength($)"},
           "ItemProcessor":{"StartAt":"Own","States":{
             "Own":{"Type":"Pass","Assign":{"mine.$":"$"},"Next":"Use"},
             "Use":{"Type":"Pass","Parameters":{"v.$":"States.MathAdd($mine, $bias)"},"OutputPath":"$.v","End":true}}},
           "Next":"P"},
      "P":{"Type":"Parallel","Branches":[
             {"StartAt":"B1","States":{"B1":{"Type":"Pass","Assign":{"b":1},"Parameters":{"c.$":"$count"},"End":true}}},
             {"StartAt":"B2","States":{"B2":{"Type":"Pass","Assign":{"b":2},"Parameters":{"bias.$":"$bias"},"End":true}}}],
           "ResultPath":"$.branches","Next":"End"},
      "End":{"Type":"Pass","Parameters":{"mapped.$":"$.mapped","results.$":"$.branches","count.$":"$count"},"End":true}}})J");
  const unsigned threads = GENERATE(1u, 2u, 4u);
  asl::EngineOptions o;
  o.virtual_time = true;
  o.threads = threads;
  o.inline_execution = threads == 1;
  asl::Engine engine(o);
  auto r = engine.run(asl::StateMachine::from_json(def, asl::HandlerRegistry{}), Json::parse(R"J({"xs":[1,2,3,4]})J"));
  INFO(r.error.value_or("") << ": " << r.cause.value_or(""));
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(r.output == Json::parse(R"J({"mapped":[11,12,13,14],"results":[{"c":4},{"bias":10}],"count":4})J"));
}

TEST_CASE("variables: reading a variable no state assigned fails the state", "[variables]") {
  SECTION("JSONPath: States.Runtime") {
    auto r = run_machine(Json::parse(R"J({"StartAt":"P","States":{"P":{"Type":"Pass","Parameters":{"a.$":"$nope"},"End":true}}})J"));
    REQUIRE(r.status == asl::Status::failed);
    CHECK(r.error == std::optional<std::string>("States.Runtime"));
  }
  SECTION("JSONata: States.QueryEvaluationError, returned nothing") {
    auto r = run_machine(Json::parse(
        R"J({"QueryLanguage":"JSONata","StartAt":"P","States":{"P":{"Type":"Pass","Output":"{% $nope %}","End":true}}})J"));
    REQUIRE(r.status == asl::Status::failed);
    CHECK(r.error == std::optional<std::string>("States.QueryEvaluationError"));
  }
}

TEST_CASE("variables: *StateExited carries assignedVariables as JSON text", "[variables]") {
  auto observer = std::make_shared<asl::testing::RecordingObserver>();
  auto r = run_machine(Json::parse(R"J({"StartAt":"P","States":{"P":{"Type":"Pass","Assign":{"q":"What?","n":42},"End":true}}})J"),
                       Json::object(), asl::HandlerRegistry{}, {}, observer);
  REQUIRE(r.status == asl::Status::succeeded);
  bool found = false;
  for (const auto& e : observer->events) {
    if (e.type != asl::EventType::PassStateExited) continue;
    found = true;
    CHECK(e.details.at("assignedVariables") == Json::parse(R"J({"q":"\"What?\"","n":"42"})J"));
    CHECK(e.details.at("assignedVariablesDetails") == Json::parse(R"J({"truncated":false})J"));
  }
  CHECK(found);
}

TEST_CASE("variables: AWS's quotas on one variable, one Assign and all of an execution's variables",
          "[variables]") {
  // With a payload limit of 1,000 bytes the quotas are 1,000 (a variable, an Assign) and 40,000
  // (everything held); AWS's are the same multiples of 256 KiB. Values are built inside the
  // machine ($pad) because an input that large would be refused first.
  asl::EngineOptions o;
  o.payload_limit = 1000;
  SECTION("one variable") {
    auto r = run_machine(Json::parse(R"J({"QueryLanguage":"JSONata","StartAt":"A","States":{
        "A":{"Type":"Pass","Assign":{"big":"{% $pad('', 999, 'x') %}"},"End":true}}})J"),
                         Json::object(), asl::HandlerRegistry{}, o);
    REQUIRE(r.status == asl::Status::failed);
    CHECK(r.error == "States.DataLimitExceeded");
    CHECK(r.cause.value_or("").find("variable 'big' a value of 1001 bytes") != std::string::npos);
  }
  SECTION("one Assign, each variable within its quota") {
    auto r = run_machine(Json::parse(R"J({"QueryLanguage":"JSONata","StartAt":"A","States":{
        "A":{"Type":"Pass","Assign":{"a":"{% $pad('', 600, 'x') %}","b":"{% $pad('', 600, 'x') %}"},"End":true}}})J"),
                         Json::object(), asl::HandlerRegistry{}, o);
    REQUIRE(r.status == asl::Status::failed);
    CHECK(r.cause.value_or("").find("assigned 1204 bytes of variables at once") != std::string::npos);
  }
  SECTION("all variables: 40 of 1,000 bytes fit the execution's quota, a 41st does not, a replacement adds nothing") {
    const auto machine = [](int distinct) {
      Json states = Json::object();
      for (int i = 0; i < 41; ++i) {
        const int var = i < distinct ? i : 0;  // past `distinct`, the states replace v0
        Json st = {{"Type", "Pass"}, {"Assign", {{"v" + std::to_string(var), "{% $pad('', 998, 'x') %}"}}}};
        if (i < 40) st["Next"] = "S" + std::to_string(i + 1);
        else st["End"] = true;
        states["S" + std::to_string(i)] = st;
      }
      return Json{{"QueryLanguage", "JSONata"}, {"StartAt", "S0"}, {"States", states}};
    };
    CHECK(run_machine(machine(40), Json::object(), asl::HandlerRegistry{}, o).status == asl::Status::succeeded);
    auto r = run_machine(machine(41), Json::object(), asl::HandlerRegistry{}, o);
    REQUIRE(r.status == asl::Status::failed);
    CHECK(r.error == "States.DataLimitExceeded");
    CHECK(r.cause.value_or("").find("variables to 41000 bytes, over the quota of 40000") != std::string::npos);
  }
}
