// Pipeline tests as data (asl::testing::TestSpec, run_test_specs), their coverage (Coverage), JUnit XML, ExecutionRecorder and the Catch2 matchers.
// SPDX-License-Identifier: MIT
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include <asl/asl.hpp>
#include <asl/testing/catch_matchers.hpp>
#include <asl/testing/test_spec.hpp>

#include "support/catch.hpp"

using asl::Json;
using asl::testing::TestSpec;
using asl::testing::TestSpecError;

namespace {

const std::string pipelines = std::string(ASL_SOURCE_DIR) + "/examples/pipelines/";

/// A fresh directory for one test's files.
std::filesystem::path scratch(const std::string& name) {
  const auto dir = std::filesystem::temp_directory_path() / ("asl_test_spec_" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

void write(const std::filesystem::path& p, const std::string& text) { std::ofstream(p) << text; }

/// A machine with a Choice of two branches and a Catch, and a mock file whose cases take each.
void write_catching_machine(const std::filesystem::path& dir) {
  write(dir / "job.asl.json", R"({"StartAt":"Run","States":{
    "Run":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:1:function:run","Next":"Gate",
           "Retry":[{"ErrorEquals":["Flaky"],"MaxAttempts":1,"IntervalSeconds":60}],
           "Catch":[{"ErrorEquals":["Broken"],"ResultPath":"$.error","Next":"Report"}]},
    "Gate":{"Type":"Choice","Choices":[{"Variable":"$.ok","BooleanEquals":true,"Next":"Done"}],"Default":"Report"},
    "Report":{"Type":"Pass","End":true},
    "Done":{"Type":"Succeed"}}})");
  write(dir / "job.mock.json", R"({"StateMachines":{"job":{"TestCases":{
      "Ok":{"Run":"Ok"},"NotOk":{"Run":"NotOk"},"Broken":{"Run":"Broken"}}}},
    "MockedResponses":{
      "Ok":{"0":{"Throw":{"Error":"Flaky","Cause":"once"}},"1":{"Return":{"ok":true}}},
      "NotOk":{"0":{"Return":{"ok":false}}},
      "Broken":{"0":{"Throw":{"Error":"Broken","Cause":"gone"}}}}})");
}

}  // namespace

TEST_CASE("test spec: the training example's spec passes, covering every state and transition", "[test_spec]") {
  const auto spec = TestSpec::load_file(pipelines + "training.test.json");
  REQUIRE(spec.cases.size() == 5);
  std::vector<std::string> seen;
  asl::testing::TestRunOptions options;
  options.on_case = [&](const asl::testing::TestCaseResult& c) { seen.push_back(c.name); };
  const auto r = asl::testing::run_test_specs({spec}, options);
  for (const auto& c : r.cases) {
    INFO(c.name << ": " << Json(c.failures).dump());
    CHECK(c.passed);
  }
  CHECK(seen.size() == 5);
  CHECK(r.summary() == "5 passed, 0 failed");
  REQUIRE(r.coverage.size() == 1);
  CHECK(r.coverage[0].states_covered() == r.coverage[0].states_total());
  CHECK(r.coverage[0].transitions_covered() == r.coverage[0].transitions_total());
}

TEST_CASE("test spec: each expectation that does not hold is one line", "[test_spec]") {
  const Json doc = asl::parse_json(R"({"definition": "training.asl.json", "mockConfig": "training.mock.json",
    "inputFile": "training.input.json",
    "cases": [{"name": "wrong", "testCase": "BelowThreshold", "expect": {
      "status": "FAILED", "error": "X", "statesVisitedInclude": ["Deploy"], "statesNotVisited": ["Train"],
      "outputPaths": {"$.metrics.accuracy": 0.9},
      "states": {"Train": {"retries": 1, "output": {}}, "Deploy": {"input": {}}}}}]})");
  const auto r = asl::testing::run_test_specs({TestSpec::from_json(doc, pipelines, "wrong.json")});
  REQUIRE(r.cases.size() == 1);
  CHECK_FALSE(r.cases[0].passed);
  CHECK(r.summary() == "0 passed, 1 failed");
  const std::vector<std::string> want{
      R"(status: got SUCCEEDED, want "FAILED")",
      R"(error: got none, want "X")",
      R"(output $.metrics.accuracy: got 0.6, want 0.9)",
      R"(state "Deploy" was not visited (visited: ["ValidateData","CheckData","WaitForTrainingSlot","Train","Evaluate","QualityGate","NotifyBelowThreshold"]))",
      R"(state "Train" was visited)",
      R"(state Deploy: not visited)",
  };
  const auto& f = r.cases[0].failures;
  for (const auto& w : want) CHECK(std::find(f.begin(), f.end(), w) != f.end());
  CHECK(std::find_if(f.begin(), f.end(), [](const std::string& s) {
          return s.rfind("state Train output: got {", 0) == 0;
        }) != f.end());
  CHECK(std::find(f.begin(), f.end(), "state Train: 0 retries, want 1") != f.end());
  const std::string xml = r.junit_xml();
  CHECK(xml.find(R"(<testsuites name="asl test" tests="1" failures="1")") != std::string::npos);
  CHECK(xml.find(R"(<failure message="status: got SUCCEEDED, want &quot;FAILED&quot;">)") != std::string::npos);
}

TEST_CASE("test spec: coverage tells Choice branches and Catchers apart", "[test_spec]") {
  const auto dir = scratch("coverage");
  write_catching_machine(dir);
  auto spec_for = [&](const std::string& cases) {
    return TestSpec::from_json(
        asl::parse_json(R"({"definition": "job.asl.json", "mockConfig": "job.mock.json", "cases": [)" + cases + "]}"),
        dir.string() + "/", "job.test.json");
  };
  auto r = asl::testing::run_test_specs({spec_for(R"({"testCase": "Ok", "expect": {
      "status": "SUCCEEDED", "statesVisited": ["Run", "Gate", "Done"], "states": {"Run": {"retries": 1, "error": "Flaky"}}}})")});
  CHECK(r.cases[0].failures == std::vector<std::string>{});
  const auto& c = r.coverage.at(0);
  CHECK(c.states_covered() == 3);
  CHECK(c.transitions_total() == 4);  // Run -Next-> Gate, Run -Catch#0-> Report, Gate -Choice#0/Default->
  CHECK(c.transitions_covered() == 2);
  CHECK(c.states_not_visited() == std::vector<std::string>{"Report"});
  CHECK(c.to_text() ==
        "coverage " + (dir / "job.asl.json").string() + ": states 3/4 (75.0 %), transitions 2/4 (50.0 %)\n"
        "  states not visited: Report\n"
        "  not taken: Run -[Catch#0]-> Report\n"
        "  not taken: Gate -[Default]-> Report\n");
  r = asl::testing::run_test_specs({spec_for(R"({"testCase": "Ok"}, {"testCase": "NotOk"},
      {"testCase": "Broken", "expect": {"statesVisited": ["Run", "Report"], "states": {"Run": {"error": "Broken"},
       "Report": {"input": {"error": {"Error": "Broken", "Cause": "gone"}}}}}})")});
  CHECK(r.passed() == 3);
  const Json j = r.coverage_json().at(0);
  CHECK(j["states"]["percent"] == 100.0);
  CHECK(j["transitions"]["covered"] == 4);
  CHECK(j["transitions"]["notTaken"] == Json::array());
  CHECK(j["states"]["visits"]["Run"] == 3);
}

TEST_CASE("test spec: coverage counts each Choice rule, two rules to one state included", "[test_spec]") {
  // An inline definition: three ways from Gate to Done (rule 0, rule 1, Default).
  const Json doc = asl::parse_json(R"({"definition": {"StartAt": "Gate", "States": {
      "Gate": {"Type": "Choice", "Choices": [
          {"Variable": "$.n", "NumericEquals": 1, "Next": "Done"},
          {"Variable": "$.n", "NumericEquals": 2, "Next": "Done"}], "Default": "Done"},
      "Done": {"Type": "Succeed"}}},
    "cases": [{"name": "two", "input": {"n": 2}, "expect": {"statesVisited": ["Gate", "Done"]}}]})");
  auto r = asl::testing::run_test_specs({TestSpec::from_json(doc, "", "rules.test.json")});
  REQUIRE(r.cases.at(0).passed);
  REQUIRE(r.coverage.size() == 1);
  CHECK(r.coverage[0].name() == "rules.test.json#/definition");
  CHECK(r.coverage[0].to_text() ==
        "coverage rules.test.json#/definition: states 2/2 (100.0 %), transitions 1/3 (33.3 %)\n"
        "  not taken: Gate -[Choice#0]-> Done\n"
        "  not taken: Gate -[Default]-> Done\n");
  Json all = doc;
  all["cases"] = asl::parse_json(R"([{"input": {"n": 1}}, {"input": {"n": 2}}, {"input": {"n": 3}}])");
  r = asl::testing::run_test_specs({TestSpec::from_json(all, "", "rules.test.json")});
  CHECK(r.passed() == 3);
  const Json j = r.coverage_json().at(0);
  CHECK(j["transitions"]["covered"] == 3);
  CHECK(j["transitions"]["edges"] == asl::parse_json(R"([
      {"from": "Gate", "to": "Done", "via": "Choice#0", "taken": 1},
      {"from": "Gate", "to": "Done", "via": "Choice#1", "taken": 1},
      {"from": "Gate", "to": "Done", "via": "Default", "taken": 1}])"));
}

TEST_CASE("test spec: a Choice rule on workflow variables is told by the variables it saw", "[test_spec]") {
  // The rules read a variable, not the Choice's input: the recorder keeps the assignments.
  const Json doc = asl::parse_json(R"({"cases": [{"name": "b", "input": {"mode": "b"},
      "definition": {"QueryLanguage": "JSONata", "StartAt": "Remember", "States": {
        "Remember": {"Type": "Pass", "Assign": {"mode": "{% $states.input.mode %}"}, "Output": {}, "Next": "Gate"},
        "Gate": {"Type": "Choice", "Choices": [
            {"Condition": "{% $mode = 'a' %}", "Next": "Done"},
            {"Condition": "{% $mode = 'b' %}", "Next": "Done"}], "Default": "Done"},
        "Done": {"Type": "Succeed"}}}}]})");
  const auto r = asl::testing::run_test_specs({TestSpec::from_json(doc, "", "vars.test.json")});
  REQUIRE(r.cases.at(0).passed);
  CHECK(r.coverage.at(0).name() == "vars.test.json#/cases/0/definition");
  const Json edges = r.coverage_json().at(0)["transitions"]["edges"];
  for (const auto& e : edges)
    if (e["from"] == "Gate") CHECK(e["taken"] == (e["via"] == "Choice#1" ? 1 : 0));
}

TEST_CASE("test spec: an inline definition with a mock file", "[test_spec]") {
  const auto dir = scratch("inline");
  write_catching_machine(dir);
  std::ifstream in(dir / "job.asl.json");
  const Json definition = asl::parse_json(std::string(std::istreambuf_iterator<char>(in), {}));
  Json doc = asl::parse_json(R"({"mockConfig": "job.mock.json", "stateMachine": "job", "cases": [
      {"testCase": "Broken", "expect": {"statesVisited": ["Run", "Report"]}},
      {"testCase": "Ok", "definition": "job.asl.json", "expect": {"statesVisited": ["Run", "Gate", "Done"]}}]})");
  doc["definition"] = definition;
  const auto spec = TestSpec::from_json(doc, dir.string() + "/", "inline.test.json");
  CHECK(spec.cases[0].definition == "inline.test.json#/definition");
  CHECK(spec.cases[0].definition_json == definition);
  CHECK(spec.cases[1].definition == (dir / "job.asl.json").string());
  CHECK_FALSE(spec.cases[1].definition_json);
  const auto r = asl::testing::run_test_specs({spec});
  for (const auto& c : r.cases) {
    INFO(c.name << ": " << Json(c.failures).dump());
    CHECK(c.passed);
  }
  CHECK(r.coverage.size() == 2);  // one per definition: the inline one and the file
}

TEST_CASE("test spec: task commands answer the Tasks", "[test_spec]") {
  const auto dir = scratch("commands");
  write_catching_machine(dir);
  const auto spec = TestSpec::from_json(asl::parse_json(R"({"definition": "job.asl.json",
      "tasks": {"Run": "echo '{\"ok\": true}'"}, "cases": [{"expect": {"statesVisited": ["Run", "Gate", "Done"]}}]})"),
                                        dir.string() + "/", "job.test.json");
  const auto r = asl::testing::run_test_specs({spec});
  INFO(Json(r.cases.at(0).failures).dump());
  CHECK(r.cases.at(0).passed);
  CHECK(r.cases.at(0).name == "case 1");
}

TEST_CASE("test spec: a malformed spec names the fault's pointer", "[test_spec]") {
  auto error_of = [](const std::string& text) {
    try {
      (void)TestSpec::from_json(asl::parse_json(text), "", "s.json");
    } catch (const TestSpecError& e) {
      return std::string(e.what());
    }
    return std::string("(accepted)");
  };
  CHECK(error_of(R"({"cases": []})") == "test spec 's.json': /cases: must be a non-empty array");
  CHECK(error_of(R"({"definition": "d.json", "cases": [{"expect": {"statuss": "FAILED"}}]})") ==
        "test spec 's.json': /cases/0/expect/statuss: unknown expectation");
  CHECK(error_of(R"({"cases": [{"name": "x"}]})") ==
        "test spec 's.json': /cases/0: no definition (give one here or at the top)");
  CHECK(error_of(R"({"definition": 5, "cases": [{}]})") ==
        "test spec 's.json': /definition: must be a file path or a definition object");
  CHECK(error_of(R"({"cases": [{"definition": {"StartAt": "A"}}]})") ==
        "test spec 's.json': /cases/0/definition: an inline definition needs StartAt and States");
  CHECK(error_of(R"({"definition": "d.json", "cases": [{"testCase": "A"}]})") ==
        "test spec 's.json': /cases/0/testCase: needs a mockConfig");
  CHECK(error_of(R"({"definition": "d.json", "cases": [{"expect": {"outputPaths": {"$[": 1}}}]})")
            .rfind("test spec 's.json': /cases/0/expect/outputPaths/$[: not a JSONPath", 0) == 0);
}

TEST_CASE("test spec: Catch2 matchers on an ExecutionRecorder", "[test_spec][matchers]") {
  using namespace asl::testing::matchers;
  const auto mocks = asl::testing::MockConfig::load_file(pipelines + "training.mock.json");
  asl::testing::MockResolver resolver(mocks.test_case("training", "TransientFailures"));
  const auto sm = asl::StateMachine::load_file(pipelines + "training.asl.json", resolver);
  asl::EngineOptions eo;
  eo.virtual_time = true;
  eo.inline_execution = true;
  asl::Engine engine(eo);
  auto rec = std::make_shared<asl::testing::ExecutionRecorder>();
  engine.add_observer(rec);
  const auto r = engine.run(sm, asl::parse_json(R"({"dataset": {"rows": 400, "seed": 7},
      "hyperparameters": {"learning_rate": 0.5, "epochs": 200}, "min_accuracy": 0.9})"));
  REQUIRE(r.succeeded());
  CHECK_THAT(*rec, VisitedStates({"ValidateData", "CheckData", "WaitForTrainingSlot", "Train", "Evaluate",
                                  "QualityGate", "Deploy"}));
  CHECK_THAT(*rec, !VisitedStates({"ValidateData", "Deploy"}));
  CHECK_THAT(*rec, VisitedStatesInAnyOrder({"Deploy", "QualityGate", "Evaluate", "Train", "WaitForTrainingSlot",
                                            "CheckData", "ValidateData"}));
  CHECK_THAT(*rec, StateError("Train", "Training.TransientError"));
  CHECK_THAT(*rec, !StateError("Evaluate", "Training.TransientError"));
  CHECK_THAT(*rec, StateOutput("ValidateData", asl::parse_json(R"({"dataset": {"rows": 400, "seed": 7},
      "hyperparameters": {"learning_rate": 0.5, "epochs": 200}, "min_accuracy": 0.9,
      "validation": {"ok": true, "rows": 400}})")));
  CHECK(rec->visit("Train")->retries() == 2);
  CHECK(rec->transitions().size() == 6);
}
