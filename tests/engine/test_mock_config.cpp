// Step Functions Local mock files (asl::testing::MockConfig, MockResolver): the format with its
// range keys, Return and Throw, retries and Map iterations taking invocation numbers per
// execution, Catch of a thrown mock, mocked .waitForTaskToken / .sync / startExecution tasks,
// the missing-mock message, malformed files with the pointer of the fault, the selection rules,
// and two executions counting apart on a pool.
// SPDX-License-Identifier: MIT
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include <asl/testing/mock_config.hpp>

#include "support/catch.hpp"
#include "support/pending.hpp"
#include "support/run.hpp"

using asl::Json;
using asl::testing::MockConfig;
using asl::testing::MockConfigError;
using asl::testing::MockResolver;

namespace {

/// The shape of AWS's documentation example: one machine, two test cases, range keys.
const char* const mock_file = R"J({
  "StateMachines": {
    "training": {
      "TestCases": {
        "HappyPath": {"Train": "TrainOk", "Deploy": "DeployOk"},
        "RetryPath": {"Train": "TrainFlakyTwice", "Deploy": "DeployOk"},
        "Broken": {"Train": "TrainBroken"}
      }
    }
  },
  "MockedResponses": {
    "TrainOk": {"0": {"Return": {"loss": 0.1}}},
    "TrainFlakyTwice": {
      "0-1": {"Throw": {"Error": "Training.TransientError", "Cause": "node preempted"}},
      "2": {"Return": {"loss": 0.2}}
    },
    "TrainBroken": {"0": {"Throw": {"Error": "Training.Fatal", "Cause": "bad data"}}},
    "DeployOk": {"0": {"Return": {"endpoint": "churn"}}}
  }
})J";

/// Train (retried on a transient error, a fatal one caught) then Deploy.
Json training_definition(int max_attempts = 3) {
  return Json::parse(R"J({"StartAt":"Train","States":{
    "Train":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:train",
      "Retry":[{"ErrorEquals":["Training.TransientError"],"IntervalSeconds":5,"MaxAttempts":)J" +
                     std::to_string(max_attempts) + R"J(}],
      "Catch":[{"ErrorEquals":["Training.Fatal"],"ResultPath":"$.error","Next":"Rejected"}],
      "ResultPath":"$.model","Next":"Deploy"},
    "Deploy":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:deploy",
      "ResultPath":"$.deployment","End":true},
    "Rejected":{"Type":"Pass","End":true}}})J");
}

asl::ExecutionResult run_case(const std::string& test_case, const Json& definition = training_definition(),
                              const asl::TaskResolver* fallback = nullptr,
                              std::shared_ptr<asl::Observer> observer = nullptr) {
  const MockConfig config = MockConfig::parse(mock_file);
  MockResolver resolver(config.test_case("training", test_case), fallback);
  return asl::testing::run_machine(definition, Json::object(), resolver, {}, std::move(observer));
}

/// The MockConfigError `text` raises (fails the test when it raises none).
MockConfigError error_of(const std::string& text) {
  try {
    (void)MockConfig::parse(text);
  } catch (const MockConfigError& e) {
    return e;
  }
  FAIL("no MockConfigError for " << text);
  return MockConfigError("", "");
}

std::string with_response(const std::string& response) {
  return R"J({"StateMachines":{"m":{"TestCases":{"c":{"S":"R"}}}},"MockedResponses":{"R":)J" + response + "}}";
}

}  // namespace

TEST_CASE("mock config: the file format, range keys, Return and Throw", "[mock]") {
  const MockConfig config = MockConfig::parse(mock_file);
  CHECK(config.state_machines() == std::vector<std::string>{"training"});
  CHECK(config.test_cases("training") == std::vector<std::string>{"Broken", "HappyPath", "RetryPath"});
  const auto retry = config.test_case("training", "RetryPath");
  CHECK(retry.state_machine() == "training");
  CHECK(retry.name() == "RetryPath");
  CHECK(retry.mocked_states() == std::vector<std::string>{"Deploy", "Train"});
  CHECK(retry.response("Evaluate") == nullptr);
  const auto* train = retry.response("Train");
  REQUIRE(train != nullptr);
  for (std::uint64_t n : {0u, 1u}) {
    REQUIRE(train->at(n) != nullptr);
    CHECK_FALSE(train->at(n)->value);
    CHECK(train->at(n)->error.name == std::optional<std::string>("Training.TransientError"));
    CHECK(train->at(n)->error.cause == std::optional<std::string>("node preempted"));
  }
  REQUIRE(train->at(2) != nullptr);
  CHECK(*train->at(2)->value == Json{{"loss", 0.2}});
  CHECK(train->at(3) == nullptr);

  // A wide range costs one span, not a million entries.
  const MockConfig wide = MockConfig::parse(with_response(R"({"0-999999":{"Return":1},"1000000":{"Return":2}})"));
  const auto* r = wide.test_case("m", "c").response("S");
  CHECK(r->spans.size() == 2);
  CHECK(*r->at(999999)->value == 1);
  CHECK(*r->at(1000000)->value == 2);
  CHECK(r->at(1000001) == nullptr);
}

TEST_CASE("mock config: mocked tasks return and throw", "[mock]") {
  SECTION("Return is the task's result") {
    auto recorder = std::make_shared<asl::testing::RecordingObserver>();
    const auto r = run_case("HappyPath", training_definition(), nullptr, recorder);
    REQUIRE(r.status == asl::Status::succeeded);
    CHECK(r.output == Json{{"model", {{"loss", 0.1}}}, {"deployment", {{"endpoint", "churn"}}}});
    CHECK(recorder->states_entered() == std::vector<std::string>{"Train", "Deploy"});
  }
  SECTION("Throw is the task's error, matched by Catch") {
    const auto r = run_case("Broken");
    REQUIRE(r.status == asl::Status::succeeded);
    CHECK(r.output == Json{{"error", {{"Error", "Training.Fatal"}, {"Cause", "bad data"}}}});
  }
  SECTION("Throw uncaught fails the execution with its Error and Cause") {
    Json def = training_definition();
    def["States"]["Train"].erase("Catch");
    def["States"].erase("Rejected");
    const auto r = run_case("Broken", def);
    CHECK(r.status == asl::Status::failed);
    CHECK(r.error == std::optional<std::string>("Training.Fatal"));
    CHECK(r.cause == std::optional<std::string>("bad data"));
  }
}

TEST_CASE("mock config: each retry takes the next invocation number", "[mock][retry]") {
  SECTION("two thrown, then returned: two retries") {
    const auto r = run_case("RetryPath");
    REQUIRE(r.status == asl::Status::succeeded);
    CHECK(r.stats.retries == 2);
    CHECK(r.output["model"] == Json{{"loss", 0.2}});
  }
  SECTION("past the last key the execution fails with Step Functions Local's message, not caught") {
    Json def = training_definition(5);
    def["States"]["Train"]["Catch"] = Json::parse(R"([{"ErrorEquals":["States.ALL"],"Next":"Rejected"}])");
    def["States"]["Train"]["Retry"] = Json::parse(R"([{"ErrorEquals":["States.ALL"],"MaxAttempts":5}])");
    const MockConfig config = MockConfig::parse(mock_file);
    MockResolver resolver(config.test_case("training", "Broken"));
    const auto r = asl::testing::run_machine(def, Json::object(), resolver);
    CHECK(r.status == asl::Status::failed);
    CHECK(r.error == std::optional<std::string>("States.Runtime"));
    CHECK(r.cause ==
          std::optional<std::string>("No Local mocked response definition for state 'Train' and invocation number '1'"));
    CHECK(r.stats.retries == 1);
  }
}

TEST_CASE("mock config: a state with no mock and no handler fails when reached", "[mock]") {
  const MockConfig config = MockConfig::parse(
      R"J({"StateMachines":{"training":{"TestCases":{"OnlyTrain":{"Train":"TrainOk"}}}},
           "MockedResponses":{"TrainOk":{"0":{"Return":{"loss":0.1}}}}})J");
  SECTION("no fallback: the definition loads, the run fails at Deploy") {
    MockResolver resolver(config.test_case("training", "OnlyTrain"));
    const auto r = asl::testing::run_machine(training_definition(), Json::object(), resolver);
    CHECK(r.status == asl::Status::failed);
    CHECK(r.error == std::optional<std::string>("States.Runtime"));
    CHECK(r.cause ==
          std::optional<std::string>("No Local mocked response definition for state 'Deploy' and invocation number '0'"));
  }
  SECTION("the fallback serves the states the test case does not mock") {
    asl::HandlerRegistry host;
    host.add_pattern("*:function:deploy", [](const Json& in) { return Json{{"deployed", in["model"]["loss"]}}; });
    host.add_pattern("*:function:train", [](const Json&) -> Json { throw std::runtime_error("not mocked?"); });
    MockResolver resolver(config.test_case("training", "OnlyTrain"), &host);
    const auto r = asl::testing::run_machine(training_definition(), Json::object(), resolver);
    REQUIRE(r.status == asl::Status::succeeded);
    CHECK(r.output["deployment"] == Json{{"deployed", 0.1}});
  }
}

TEST_CASE("mock config: a Map's mocked task counts invocations per execution", "[mock][map]") {
  // Step Functions Local numbers the invocations of the state across the Map's iterations;
  // MaxConcurrency 1 makes the assignment follow the items' order.
  const MockConfig config = MockConfig::parse(
      R"J({"StateMachines":{"scores":{"TestCases":{"T":{"Score":"Scores"}}}},
           "MockedResponses":{"Scores":{"0":{"Return":"first"},"1-2":{"Return":"next"},
                                        "3":{"Throw":{"Error":"Score.Failed","Cause":"fourth"}}}}})J");
  const Json def = Json::parse(R"J({"StartAt":"M","States":{"M":{"Type":"Map","ItemsPath":"$.xs","MaxConcurrency":1,
    "ItemProcessor":{"StartAt":"Score","States":{"Score":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:1:function:score",
      "Catch":[{"ErrorEquals":["Score.Failed"],"Next":"Failed"}],"End":true},
      "Failed":{"Type":"Pass","Result":"caught","End":true}}},"End":true}}})J");
  MockResolver resolver(config.test_case("scores", "T"));
  const auto sm = asl::StateMachine::from_json(def, resolver);
  asl::EngineOptions o;
  o.inline_execution = true;
  o.virtual_time = true;
  // Two runs of one machine under one name, in two engines: each execution counts from 0.
  for (int run = 0; run < 2; ++run) {
    asl::Engine engine(o);
    asl::RunOptions ro;
    ro.name = "same-name";
    const auto r = engine.run(sm, Json{{"xs", {1, 2, 3, 4}}}, ro);
    REQUIRE(r.status == asl::Status::succeeded);
    CHECK(r.output == Json{"first", "next", "next", "caught"});
  }
  asl::Engine engine(o);
  const auto r = engine.run(sm, Json{{"xs", {1, 2, 3, 4, 5}}});
  CHECK(r.status == asl::Status::failed);
  CHECK(r.cause ==
        std::optional<std::string>("No Local mocked response definition for state 'Score' and invocation number '4'"));
}

TEST_CASE("mock config: mocked .waitForTaskToken and .sync tasks complete at once", "[mock]") {
  const MockConfig config = MockConfig::parse(
      R"J({"StateMachines":{"m":{"TestCases":{"T":{"Approve":"Approved","TrainJob":"JobDone","Reject":"No"}}}},
           "MockedResponses":{"Approved":{"0":{"Return":{"approved":true}}},
                              "JobDone":{"0":{"Return":{"TrainingJobStatus":"Completed"}}},
                              "No":{"0":{"Throw":{"Error":"Review.Rejected","Cause":"looks wrong"}}}}})J");
  const Json def = Json::parse(R"J({"StartAt":"TrainJob","States":{
    "TrainJob":{"Type":"Task","Resource":"arn:aws:states:::sagemaker:createTrainingJob.sync",
      "Parameters":{"TrainingJobName":"j"},"ResultPath":"$.job","Next":"Approve"},
    "Approve":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
      "Parameters":{"QueueUrl":"q","MessageBody":{"token.$":"$$.Task.Token"}},
      "HeartbeatSeconds":60,"ResultPath":"$.review","Next":"Reject"},
    "Reject":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
      "Parameters":{"QueueUrl":"q","MessageBody":{"token.$":"$$.Task.Token"}},
      "Catch":[{"ErrorEquals":["Review.Rejected"],"ResultPath":"$.rejected","Next":"Done"}],"End":true},
    "Done":{"Type":"Pass","End":true}}})J");
  MockResolver resolver(config.test_case("m", "T"));
  const auto sm = asl::StateMachine::from_json(def, resolver);
  const unsigned threads = GENERATE(0u, 2u);
  asl::EngineOptions o;
  o.threads = threads;
  o.inline_execution = threads == 0;
  o.virtual_time = threads == 0;
  asl::Engine engine(o);
  // On the pool a callback that waited would hang here: the guard turns that into a failure.
  asl::Execution e = engine.start(sm, Json::object());
  REQUIRE(e.wait_for(asl::testing::hang_guard));
  const auto r = e.get();
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(r.output["job"] == Json{{"TrainingJobStatus", "Completed"}});
  CHECK(r.output["review"] == Json{{"approved", true}});
  CHECK(r.output["rejected"] == Json{{"Error", "Review.Rejected"}, {"Cause", "looks wrong"}});
}

TEST_CASE("mock config: a mocked states:startExecution starts no child", "[mock][nested]") {
  asl::EngineOptions o;
  o.inline_execution = true;
  o.virtual_time = true;
  asl::Engine engine(o);
  asl::StateMachineRegistry machines;
  std::atomic<int> child_calls{0};
  asl::HandlerRegistry tasks;
  tasks.add_pattern("*:function:child-work", [&child_calls](const Json&) {
    ++child_calls;
    return Json{{"real", true}};
  });
  asl::NestedExecutionResolver nested(engine, machines, &tasks);
  machines.load("Child",
                R"({"StartAt":"Work","States":{"Work":{"Type":"Task",
                    "Resource":"arn:aws:lambda:us-east-1:1:function:child-work","End":true}}})",
                nested);
  const MockConfig config = MockConfig::parse(
      R"J({"StateMachines":{"parent":{"TestCases":{"T":{"RunChild":"ChildDone"}}}},
           "MockedResponses":{"ChildDone":{"0":{"Return":{"Status":"SUCCEEDED","Output":"{\"mocked\":true}"}}}}})J");
  const Json def = Json::parse(R"J({"StartAt":"RunChild","States":{
    "RunChild":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync",
      "Parameters":{"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:Child","Input":{}},
      "Next":"RunChildForReal"},
    "RunChildForReal":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2",
      "Parameters":{"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:Child","Input":{}},
      "ResultSelector":{"out.$":"$.Output"},"End":true}}})J");
  MockResolver resolver(config.test_case("parent", "T"), &nested);
  auto recorder = std::make_shared<asl::testing::RecordingObserver>();
  engine.add_observer(recorder);
  const auto r = engine.run(asl::StateMachine::from_json(def, resolver), Json::object());
  REQUIRE(r.status == asl::Status::succeeded);
  // The mocked state started nothing; the unmocked one ran the child through the fallback.
  CHECK(child_calls == 1);
  CHECK(r.output == Json{{"out", {{"real", true}}}});
  bool mocked_output_seen = false;
  for (const auto& e : recorder->events)
    if (e.type == asl::EventType::TaskSucceeded && e.details.value("output", Json()) ==
                                                        Json{{"Status", "SUCCEEDED"}, {"Output", "{\"mocked\":true}"}})
      mocked_output_seen = true;
  CHECK(mocked_output_seen);
}

TEST_CASE("mock config: malformed files name the JSON Pointer of the fault", "[mock]") {
  struct Case {
    std::string text, pointer, message;
  };
  const std::vector<Case> cases{
      {"{\"StateMachines\": ", "", "not valid JSON"},
      {"[]", "", "a mock config is a JSON object"},
      {R"({"MockedResponses":{}})", "", "needs \"StateMachines\""},
      {R"({"StateMachines":[]})", "/StateMachines", "an object, got an array"},
      {R"({"StateMachines":{"m":{}}})", "/StateMachines/m", "needs \"TestCases\""},
      {R"({"StateMachines":{"m":{"TestCases":{"c":[]}}}})", "/StateMachines/m/TestCases/c", "an object, got an array"},
      {R"({"StateMachines":{"m":{"TestCases":{"c":{"S":1}}}}})", "/StateMachines/m/TestCases/c/S",
       "a string, got a number"},
      {R"({"StateMachines":{"m":{"TestCases":{"c":{"S":"TrainOK"}}}},"MockedResponses":{"TrainOk":{"0":{"Return":1}}}})",
       "/StateMachines/m/TestCases/c/S", "mocked response 'TrainOK' is not defined in \"MockedResponses\" (did you mean 'TrainOk'?)"},
      {R"({"StateMachines":{"a/b":{"TestCases":{"c":{"S":"X"}}}}})", "/StateMachines/a~1b/TestCases/c/S",
       "is not defined"},
      {R"({"StateMachines":{},"MockedResponses":[]})", "/MockedResponses", "an object, got an array"},
      {with_response("[]"), "/MockedResponses/R", "an object, got an array"},
      {with_response("{}"), "/MockedResponses/R", "at least one invocation key"},
      {with_response(R"({"first":{"Return":1}})"), "/MockedResponses/R/first", "neither a number"},
      {with_response(R"({"1-":{"Return":1}})"), "/MockedResponses/R/1-", "neither a number"},
      {with_response(R"({"2-1":{"Return":1}})"), "/MockedResponses/R/2-1", "ends before it starts"},
      {with_response(R"({"1":{"Return":1}})"), "/MockedResponses/R/1", "numbered from 0"},
      {with_response(R"({"0":{"Return":1},"2-3":{"Return":1}})"), "/MockedResponses/R/2-3",
       "'2-3' follows '0', so invocation 1 has no response"},
      {with_response(R"({"0-1":{"Return":1},"1":{"Return":1}})"), "/MockedResponses/R/1", "overlaps key '0-1'"},
      {with_response(R"({"0":1})"), "/MockedResponses/R/0", "got a number"},
      {with_response(R"({"0":{}})"), "/MockedResponses/R/0", "{\"Return\": VALUE} or {\"Throw\""},
      {with_response(R"({"0":{"Return":1,"Throw":{"Error":"E","Cause":"C"}}})"), "/MockedResponses/R/0", "not both"},
      {with_response(R"({"0":{"Returns":1}})"), "/MockedResponses/R/0/Returns", "(did you mean 'Return'?)"},
      {with_response(R"({"0":{"Throw":"E"}})"), "/MockedResponses/R/0/Throw", "got a string"},
      {with_response(R"({"0":{"Throw":{"Error":"E"}}})"), "/MockedResponses/R/0/Throw", "\"Cause\" is missing"},
      {with_response(R"({"0":{"Throw":{"Error":7,"Cause":"C"}}})"), "/MockedResponses/R/0/Throw/Error",
       "\"Error\" is a string, got a number"},
  };
  for (const Case& c : cases) {
    INFO(c.text);
    const MockConfigError e = error_of(c.text);
    CHECK(e.pointer() == c.pointer);
    CHECK_THAT(e.message(), Catch::Matchers::Contains(c.message));
    const std::string shown = c.pointer.empty() ? "/" : c.pointer;
    CHECK_THAT(std::string(e.what()), Catch::Matchers::StartsWith(shown + ": "));
  }

  SECTION("a file that cannot be read, or is broken, is named") {
    try {
      (void)MockConfig::load_file("/nonexistent/MockConfigFile.json");
      FAIL("no error");
    } catch (const MockConfigError& e) {
      CHECK(std::string(e.what()) == "mock config '/nonexistent/MockConfigFile.json': /: cannot read the file");
    }
    const std::string path = std::string(ASL_SOURCE_DIR) + "/tests/cli/mock_bad.json";
    try {
      (void)MockConfig::load_file(path);
      FAIL("no error");
    } catch (const MockConfigError& e) {
      CHECK(e.pointer() == "/MockedResponses/TrainFlaky/2");
      CHECK_THAT(std::string(e.what()), Catch::Matchers::StartsWith("mock config '" + path + "': /MockedResponses/"));
    }
  }
}

TEST_CASE("mock config: choosing the state machine and the test case", "[mock]") {
  const MockConfig one = MockConfig::parse(mock_file);
  const MockConfig two = MockConfig::parse(R"J({"StateMachines":{
      "training":{"TestCases":{"HappyPath":{"Train":"R"}}},
      "inference":{"TestCases":{"HappyPath":{"Score":"R"},"Slow":{"Score":"R"}}}},
      "MockedResponses":{"R":{"0":{"Return":1}}}})J");
  using asl::testing::MockSelection;
  SECTION("the file's only state machine, whatever the definition is called") {
    const auto c = one.select(MockSelection{"HappyPath", "", "somewhere/else.asl.json"});
    CHECK(c.state_machine() == "training");
    CHECK(c.name() == "HappyPath");
  }
  SECTION("else the definition file's base name") {
    CHECK(MockConfig::base_name("examples/pipelines/training.asl.json") == "training");
    CHECK(MockConfig::base_name("inference.json") == "inference");
    CHECK(MockConfig::base_name("C:\\flows\\inference") == "inference");
    CHECK(two.select(MockSelection{"HappyPath", "", "examples/pipelines/training.asl.json"}).mocked_states() ==
          std::vector<std::string>{"Train"});
    CHECK(two.select(MockSelection{"Slow", "", "inference.asl.json"}).state_machine() == "inference");
    try {
      (void)two.select(MockSelection{"HappyPath", "", "other.asl.json"});
      FAIL("no error");
    } catch (const MockConfigError& e) {
      CHECK(e.pointer() == "/StateMachines");
      CHECK_THAT(e.message(), Catch::Matchers::Contains("2 state machines ('inference', 'training')"));
      CHECK_THAT(e.message(), Catch::Matchers::Contains("none is named 'other'"));
    }
  }
  SECTION("the name given, or NAME#CASE, or an ARN#CASE as Step Functions Local takes it") {
    CHECK(two.select(MockSelection{"Slow", "inference", ""}).state_machine() == "inference");
    CHECK(two.select(MockSelection{"inference#Slow", "", "training.asl.json"}).state_machine() == "inference");
    const auto arn = two.select(
        MockSelection{"arn:aws:states:us-east-1:123456789012:stateMachine:inference#Slow", "", ""});
    CHECK(arn.state_machine() == "inference");
    CHECK(arn.name() == "Slow");
    CHECK(two.select(MockSelection{"inference#Slow", "inference", ""}).name() == "Slow");
    CHECK_THROWS_AS(two.select(MockSelection{"inference#Slow", "training", ""}), asl::UsageError);
    CHECK_THROWS_AS(two.select(MockSelection{"", "training", ""}), asl::UsageError);
    CHECK_THROWS_AS(two.select(MockSelection{"inference#", "", ""}), asl::UsageError);
  }
  SECTION("unknown names list what the file has") {
    try {
      (void)two.select(MockSelection{"Slwo", "inference", ""});
      FAIL("no error");
    } catch (const MockConfigError& e) {
      CHECK(e.pointer() == "/StateMachines/inference/TestCases");
      CHECK(e.message() ==
            "no test case 'Slwo' for state machine 'inference' (did you mean 'Slow'?) (it has: 'HappyPath', 'Slow')");
    }
    try {
      (void)two.select(MockSelection{"HappyPath", "trainig", ""});
      FAIL("no error");
    } catch (const MockConfigError& e) {
      CHECK(e.pointer() == "/StateMachines");
      CHECK_THAT(e.message(), Catch::Matchers::Contains("no state machine 'trainig' (did you mean 'training'?)"));
    }
  }
}

TEST_CASE("mock config: executions at once on a pool of 2 count apart", "[mock][concurrency]") {
  // Each execution calls Score 5 times (4 Map items, one retried): keys 0-4. Counted together,
  // the two executions would reach invocation 5, which has no response.
  const MockConfig config = MockConfig::parse(
      R"J({"StateMachines":{"m":{"TestCases":{"T":{"Score":"Scores"}}}},
           "MockedResponses":{"Scores":{"0":{"Throw":{"Error":"Flaky","Cause":"once"}},
                                        "1-4":{"Return":{"s":1}}}}})J");
  const Json def = Json::parse(R"J({"StartAt":"Rendezvous","States":{
    "Rendezvous":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:1:function:rendezvous","Next":"M"},
    "M":{"Type":"Map","ItemsPath":"$.xs","MaxConcurrency":2,
      "ItemProcessor":{"StartAt":"Score","States":{"Score":{"Type":"Task",
        "Resource":"arn:aws:lambda:us-east-1:1:function:score",
        "Retry":[{"ErrorEquals":["Flaky"],"IntervalSeconds":1}],"End":true}}},"End":true}}})J");
  // Both executions wait for each other here, so they are surely alive at the same time.
  std::mutex mutex;
  std::condition_variable cv;
  int arrived = 0;
  asl::HandlerRegistry host;
  host.add_pattern("*:function:rendezvous", [&](const Json& in) {
    std::unique_lock<std::mutex> lock(mutex);
    ++arrived;
    cv.notify_all();
    cv.wait_for(lock, asl::testing::hang_guard, [&] { return arrived >= 2; });
    return in;
  });
  MockResolver resolver(config.test_case("m", "T"), &host);
  const auto sm = asl::StateMachine::from_json(def, resolver);
  asl::EngineOptions o;
  o.threads = 2;
  o.retry_interval_scale = 0;
  asl::Engine engine(o);
  for (int round = 0; round < 3; ++round) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      arrived = 0;
    }
    asl::RunOptions ro;
    ro.name = "twin";  // the same name for both: names do not tell executions apart
    asl::Execution a = engine.start(sm, Json{{"xs", {1, 2, 3, 4}}}, ro);
    asl::Execution b = engine.start(sm, Json{{"xs", {1, 2, 3, 4}}}, ro);
    REQUIRE(a.wait_for(asl::testing::hang_guard));
    REQUIRE(b.wait_for(asl::testing::hang_guard));
    for (const asl::Execution& e : {a, b}) {
      const auto r = e.get();
      INFO(r.to_json().dump());
      REQUIRE(r.status == asl::Status::succeeded);
      CHECK(r.output == Json::parse(R"([{"s":1},{"s":1},{"s":1},{"s":1}])"));
      CHECK(r.stats.retries == 1);
    }
  }
}
