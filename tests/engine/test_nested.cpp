// Nested pipelines: states:startExecution (plain, .sync, .sync:2, .waitForTaskToken) on a local
// StateMachineRegistry, inline and on the pool; composition through JSON and the Builder;
// StateMachine handles stay immutable while a definition is reloaded.
// SPDX-License-Identifier: MIT
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include <asl/testing/manual_clock.hpp>

#include "support/catch.hpp"
#include "support/pending.hpp"
#include "support/run.hpp"

using asl::Json;
using namespace std::chrono_literals;

namespace {

using asl::testing::hang_guard;
using Pending = asl::testing::PendingTasks;

/// 0 = inline execution on virtual time; otherwise a pool of that many workers on real time
/// (these children have no timers, so nothing ever sleeps).
asl::EngineOptions mode(unsigned threads) {
  asl::EngineOptions o;
  o.threads = threads;
  o.inline_execution = threads == 0;
  o.virtual_time = threads == 0;
  return o;
}

/// Terminal events per execution name, from any thread.
class EndObserver final : public asl::Observer {
 public:
  void on_event(const asl::HistoryEvent& e) override {
    if (e.type != asl::EventType::ExecutionSucceeded && e.type != asl::EventType::ExecutionFailed &&
        e.type != asl::EventType::ExecutionTimedOut && e.type != asl::EventType::ExecutionAborted)
      return;
    std::lock_guard<std::mutex> lock(mutex_);
    ends_.emplace_back(std::string(e.execution_name), e.type);
    cv_.notify_all();
  }
  /// Waits until `name` ended; returns how.
  std::optional<asl::EventType> wait_end(const std::string& name) {
    std::unique_lock<std::mutex> lock(mutex_);
    std::optional<asl::EventType> found;
    cv_.wait_for(lock, hang_guard, [&] {
      for (const auto& [n, t] : ends_)
        if (n == name) found = t;
      return found.has_value();
    });
    return found;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::pair<std::string, asl::EventType>> ends_;
};

const char* const child_json = R"J({"StartAt":"Echo","States":{
  "Echo":{"Type":"Pass","Parameters":{"got.$":"$.x","MyKey":"MyValue"},"End":true}}})J";

Json parent_calling(const std::string& resource, const Json& parameters) {
  return Json{{"StartAt", "Call"},
              {"States", {{"Call", {{"Type", "Task"}, {"Resource", resource}, {"Parameters", parameters}, {"End", true}}}}}};
}

}  // namespace

TEST_CASE("nested: StateMachineRegistry finds machines by name and by ARN", "[nested]") {
  asl::StateMachineRegistry machines;
  machines.load("Child", child_json, asl::HandlerRegistry{});
  CHECK(machines.contains("Child"));
  CHECK(machines.contains("arn:aws:states:us-east-1:123456789012:stateMachine:Child"));
  CHECK(machines.contains("arn:aws:states:eu-west-1:999999999999:stateMachine:Child:prod"));  // any account, alias
  CHECK_FALSE(machines.contains("arn:aws:states:us-east-1:123456789012:activity:Child"));
  CHECK_FALSE(machines.contains("Other"));
  CHECK(asl::StateMachineRegistry::arn("Child") == "arn:aws:states:us-east-1:123456789012:stateMachine:Child");
  CHECK(machines.find("Child")->name() == "Child");
}

TEST_CASE("nested: the three startExecution patterns give AWS's output shapes", "[nested][concurrency]") {
  const unsigned threads = GENERATE(0u, 1u, 2u, 4u, 8u);
  asl::Engine engine(mode(threads));
  auto observer = std::make_shared<EndObserver>();
  engine.add_observer(observer);
  asl::StateMachineRegistry machines;
  asl::NestedExecutionResolver resolver(engine, machines);
  machines.load("Child", child_json, resolver);
  const std::string child_arn = asl::StateMachineRegistry::arn("Child");

  SECTION("fire-and-forget: {ExecutionArn, StartDate}, the child runs on its own") {
    auto sm = asl::StateMachine::from_json(
        parent_calling("arn:aws:states:::states:startExecution",
                       Json{{"StateMachineArn", child_arn}, {"Input", {{"x", 1}}}, {"Name", "job-1"}}),
        resolver);
    auto r = engine.run(sm, Json::object());
    REQUIRE(r.status == asl::Status::succeeded);
    CHECK(r.output.size() == 2);
    CHECK(r.output["ExecutionArn"] == "arn:aws:states:us-east-1:123456789012:execution:Child:job-1");
    CHECK(r.output["StartDate"].is_number_integer());
    CHECK(observer->wait_end("job-1") == asl::EventType::ExecutionSucceeded);
  }

  SECTION(".sync: a DescribeExecution record with Input and Output as JSON strings") {
    auto sm = asl::StateMachine::from_json(
        parent_calling("arn:aws:states:::states:startExecution.sync",
                       Json{{"StateMachineArn", child_arn}, {"Input", {{"x", 7}}}, {"Name", "job-2"}}),
        resolver);
    auto r = engine.run(sm, Json::object());
    REQUIRE(r.status == asl::Status::succeeded);
    const Json& d = r.output;
    CHECK(d["ExecutionArn"] == "arn:aws:states:us-east-1:123456789012:execution:Child:job-2");
    CHECK(d["Input"] == R"({"x":7})");
    CHECK(d["Output"] == R"({"got":7,"MyKey":"MyValue"})");
    CHECK(d["Status"] == "SUCCEEDED");
    CHECK(d["Name"] == "job-2");
    CHECK(d["StateMachineArn"] == child_arn);
    CHECK(d["StartDate"].is_number_integer());
    CHECK(d["StopDate"].get<std::int64_t>() >= d["StartDate"].get<std::int64_t>());
  }

  SECTION(".sync:2: the same record with Input and Output as JSON; Input given as JSON text") {
    auto sm = asl::StateMachine::from_json(
        parent_calling("arn:aws:states:::states:startExecution.sync:2",
                       Json{{"StateMachineArn", child_arn}, {"Input.$", "States.JsonToString($)"}}),
        resolver);
    auto r = engine.run(sm, Json{{"x", "abc"}});
    REQUIRE(r.status == asl::Status::succeeded);
    CHECK(r.output["Input"] == Json{{"x", "abc"}});
    CHECK(r.output["Output"] == Json::parse(R"({"got":"abc","MyKey":"MyValue"})"));
    CHECK(r.output["Name"] == "Child-1");  // generated when Name is absent
  }

  SECTION(".waitForTaskToken: the child completes the parent's task with its token") {
    asl::HandlerRegistry child_tasks;
    child_tasks.add("arn:aws:lambda:us-east-1:123456789012:function:report", [&](const Json& in) {
      auto refused = engine.send_task_success(in["token"].get<std::string>(), Json{{"approved", in["x"]}});
      return Json{{"sent", !refused.has_value()}};
    });
    machines.load("Reporter", R"J({"StartAt":"Report","States":{"Report":{"Type":"Task",
      "Resource":"arn:aws:lambda:us-east-1:123456789012:function:report","End":true}}})J",
                  child_tasks);
    auto sm = asl::StateMachine::from_json(
        parent_calling("arn:aws:states:::states:startExecution.waitForTaskToken",
                       Json{{"StateMachineArn", asl::StateMachineRegistry::arn("Reporter")},
                            {"Input", {{"x", 3}, {"token.$", "$$.Task.Token"}}}}),
        resolver);
    auto r = engine.run(sm, Json::object());
    REQUIRE(r.status == asl::Status::succeeded);
    CHECK(r.output == Json{{"approved", 3}});
  }

  SECTION("an unknown machine fails the task with the API's error") {
    auto sm = asl::StateMachine::from_json(
        parent_calling("arn:aws:states:::states:startExecution.sync",
                       Json{{"StateMachineArn", asl::StateMachineRegistry::arn("Nope")}}),
        resolver);
    auto r = engine.run(sm, Json::object());
    CHECK(r.status == asl::Status::failed);
    CHECK(r.error == std::optional<std::string>("StepFunctions.StateMachineDoesNotExistException"));
  }
}

TEST_CASE("nested: a failing child fails the parent task with States.TaskFailed and its record",
          "[nested][concurrency]") {
  const unsigned threads = GENERATE(0u, 1u, 2u, 4u, 8u);
  asl::Engine engine(mode(threads));
  asl::StateMachineRegistry machines;
  asl::NestedExecutionResolver resolver(engine, machines);
  machines.load("Gate", R"J({"StartAt":"Reject","States":{
    "Reject":{"Type":"Fail","Error":"Model.BelowThreshold","Cause":"accuracy 0.51 < 0.9"}}})J",
                resolver);
  const Json call = Json::parse(R"J({"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2",
    "Parameters":{"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:Gate","Name":"gate-1"}})J");

  SECTION("uncaught: the parent fails with States.TaskFailed; the cause is the child's record") {
    Json def{{"StartAt", "Call"}, {"States", {{"Call", call}}}};
    def["States"]["Call"]["End"] = true;
    auto r = engine.run(asl::StateMachine::from_json(def, resolver), Json::object());
    REQUIRE(r.status == asl::Status::failed);
    CHECK(r.error == std::optional<std::string>("States.TaskFailed"));
    REQUIRE(r.cause);
    const Json record = Json::parse(*r.cause);
    CHECK(record["Status"] == "FAILED");
    CHECK(record["Error"] == "Model.BelowThreshold");
    CHECK(record["Cause"] == "accuracy 0.51 < 0.9");
    CHECK(record["ExecutionArn"] == "arn:aws:states:us-east-1:123456789012:execution:Gate:gate-1");
    CHECK_FALSE(record.contains("Output"));
  }

  SECTION("caught: States.StringToJson recovers the child's error name") {
    Json def{{"StartAt", "Call"}, {"States", {{"Call", call}}}};
    def["States"]["Call"]["Catch"] = Json::parse(R"([{"ErrorEquals":["States.TaskFailed"],"Next":"Why"}])");
    def["States"]["Call"]["End"] = true;
    def["States"]["Why"] = Json::parse(
        R"J({"Type":"Pass","Parameters":{"child.$":"States.StringToJson($.Cause)"},"OutputPath":"$.child.Error","End":true})J");
    auto r = engine.run(asl::StateMachine::from_json(def, resolver), Json::object());
    REQUIRE(r.status == asl::Status::succeeded);
    CHECK(r.output == "Model.BelowThreshold");
  }
}

TEST_CASE("nested: a child that times out surfaces as States.TaskFailed", "[nested][timeout]") {
  const char* const slow_child = R"J({"StartAt":"Work","TimeoutSeconds":5,"States":{
    "Work":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:work","End":true}}})J";
  const Json parent = parent_calling("arn:aws:states:::states:startExecution.sync",
                                     Json{{"StateMachineArn", asl::StateMachineRegistry::arn("Slow")}});

  SECTION("inline, virtual time: the child's Wait outlasts its TimeoutSeconds") {
    asl::Engine engine(mode(0));
    asl::StateMachineRegistry machines;
    asl::NestedExecutionResolver resolver(engine, machines);
    machines.load("Slow", R"J({"StartAt":"W","TimeoutSeconds":5,"States":{"W":{"Type":"Wait","Seconds":60,"End":true}}})J",
                  resolver);
    auto r = engine.run(asl::StateMachine::from_json(parent, resolver), Json::object());
    REQUIRE(r.status == asl::Status::failed);
    CHECK(r.error == std::optional<std::string>("States.TaskFailed"));
    CHECK(Json::parse(*r.cause)["Status"] == "TIMED_OUT");
  }

  SECTION("pool, manual clock: the child's deferred task outlasts its TimeoutSeconds") {
    const unsigned threads = GENERATE(1u, 2u, 4u, 8u);
    auto clock = std::make_shared<asl::testing::ManualClock>();
    asl::EngineOptions o = mode(threads);
    o.clock = clock;
    asl::Engine engine(o);
    Pending pending;
    asl::HandlerRegistry tasks;
    tasks.add("arn:aws:lambda:us-east-1:123456789012:function:work",
              [&](const Json& in, asl::TaskContext& ctx) -> asl::Result<Json> {
                pending.add(ctx.defer());
                return in;
              });
    asl::StateMachineRegistry machines;
    asl::NestedExecutionResolver resolver(engine, machines, &tasks);
    machines.load("Slow", slow_child, resolver);
    auto exec = engine.start(asl::StateMachine::from_json(parent, resolver), Json::object());
    REQUIRE(pending.wait_count(1));  // the child runs and its timeout timer is armed
    clock->advance(5s);
    REQUIRE(exec.wait_for(hang_guard));
    auto r = exec.get();
    REQUIRE(r.status == asl::Status::failed);
    CHECK(r.error == std::optional<std::string>("States.TaskFailed"));
    CHECK(Json::parse(*r.cause)["Status"] == "TIMED_OUT");
    CHECK(pending.at(0).stop_requested());
  }
}

TEST_CASE("nested: cancelling the parent stops a .sync child", "[nested][cancel][concurrency]") {
  const unsigned threads = GENERATE(1u, 2u, 4u, 8u);
  asl::Engine engine(mode(threads));
  auto observer = std::make_shared<EndObserver>();
  engine.add_observer(observer);
  Pending pending;
  asl::HandlerRegistry tasks;
  tasks.add("arn:aws:lambda:us-east-1:123456789012:function:train",
            [&](const Json& in, asl::TaskContext& ctx) -> asl::Result<Json> {
              pending.add(ctx.defer());
              return in;
            });
  asl::StateMachineRegistry machines;
  asl::NestedExecutionResolver resolver(engine, machines, &tasks);
  machines.load("Training", R"J({"StartAt":"Train","States":{
    "Train":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:train","Next":"After"},
    "After":{"Type":"Pass","End":true}}})J",
                resolver);
  auto sm = asl::StateMachine::from_json(
      parent_calling("arn:aws:states:::states:startExecution.sync:2",
                     Json{{"StateMachineArn", asl::StateMachineRegistry::arn("Training")}, {"Name", "child"}}),
      resolver);
  auto parent = engine.start(sm, Json::object());
  REQUIRE(pending.wait_count(1));
  parent.cancel();
  REQUIRE(parent.wait_for(hang_guard));
  CHECK(parent.get().status == asl::Status::aborted);
  // The child sees the parent's stop token at its next step: here, when its own task returns.
  pending.at(0).succeed(Json{{"model", "m"}});
  CHECK(observer->wait_end("child") == asl::EventType::ExecutionAborted);
}

namespace {

/// The three sub-pipelines' handlers: deterministic stand-ins for training, evaluation, deploy.
asl::HandlerRegistry ml_tasks() {
  asl::HandlerRegistry tasks;
  tasks.add("arn:aws:lambda:us-east-1:123456789012:function:train", [](const Json& in) {
    const double lr = in.at("learning_rate").get<double>();
    return Json{{"model", "lr-" + std::to_string(static_cast<int>(lr * 100))}, {"loss", lr < 0.2 ? 0.1 : 0.6}};
  });
  tasks.add("arn:aws:lambda:us-east-1:123456789012:function:evaluate", [](const Json& in) {
    return Json{{"accuracy", in.at("loss").get<double>() < 0.3 ? 0.94 : 0.62}};
  });
  tasks.add("arn:aws:lambda:us-east-1:123456789012:function:deploy", [](const Json& in) {
    return Json{{"endpoint", "ep-" + in.at("model").get<std::string>()}};
  });
  return tasks;
}

const char* const training_json = R"J({"StartAt":"Train","States":{"Train":{"Type":"Task",
  "Resource":"arn:aws:lambda:us-east-1:123456789012:function:train","End":true}}})J";
const char* const evaluation_json = R"J({"StartAt":"Evaluate","States":{"Evaluate":{"Type":"Task",
  "Resource":"arn:aws:lambda:us-east-1:123456789012:function:evaluate","End":true}}})J";
const char* const deployment_json = R"J({"StartAt":"Deploy","States":{"Deploy":{"Type":"Task",
  "Resource":"arn:aws:lambda:us-east-1:123456789012:function:deploy","End":true}}})J";

const char* const pipeline_json = R"J({"StartAt":"Training","States":{
  "Training":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2",
    "Parameters":{"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:StandardTraining",
                  "Input":{"learning_rate.$":"$.learning_rate"}},
    "ResultSelector":{"model.$":"$.Output.model","loss.$":"$.Output.loss"},"ResultPath":"$.training","Next":"Evaluation"},
  "Evaluation":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync:2",
    "Parameters":{"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:ModelEvaluation",
                  "Input.$":"$.training"},
    "ResultSelector":{"accuracy.$":"$.Output.accuracy"},"ResultPath":"$.evaluation","Next":"Gate"},
  "Gate":{"Type":"Choice","Choices":[{"Variable":"$.evaluation.accuracy","NumericGreaterThan":0.9,"Next":"Deployment"}],
    "Default":"Rejected"},
  "Deployment":{"Type":"Task","Resource":"arn:aws:states:::states:startExecution.sync",
    "Parameters":{"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:SafeDeployment",
                  "Input":{"model.$":"$.training.model"}},
    "ResultSelector":{"deployed.$":"States.StringToJson($.Output)"},"OutputPath":"$.deployed","End":true},
  "Rejected":{"Type":"Fail","Error":"Model.BelowThreshold"}}})J";

}  // namespace

TEST_CASE("nested: StandardTraining, ModelEvaluation and SafeDeployment composed through JSON",
          "[nested][concurrency]") {
  const unsigned threads = GENERATE(0u, 1u, 2u, 4u, 8u);
  asl::Engine engine(mode(threads));
  const asl::HandlerRegistry tasks = ml_tasks();
  asl::StateMachineRegistry machines;
  asl::NestedExecutionResolver resolver(engine, machines, &tasks);
  machines.load("StandardTraining", training_json, resolver);
  machines.load("ModelEvaluation", evaluation_json, resolver);
  machines.load("SafeDeployment", deployment_json, resolver);
  auto pipeline = asl::StateMachine::parse(pipeline_json, resolver);

  auto good = engine.run(pipeline, Json{{"learning_rate", 0.1}});
  REQUIRE(good.status == asl::Status::succeeded);
  CHECK(good.output == Json{{"endpoint", "ep-lr-10"}});
  auto bad = engine.run(pipeline, Json{{"learning_rate", 0.5}});
  CHECK(bad.status == asl::Status::failed);
  CHECK(bad.error == std::optional<std::string>("Model.BelowThreshold"));

  // Many parents at once, each with three children, share the engine.
  std::vector<asl::Execution> runs;
  for (int i = 0; i < 40; ++i) runs.push_back(engine.start(pipeline, Json{{"learning_rate", i % 2 ? 0.5 : 0.1}}));
  for (int i = 0; i < 40; ++i) {
    REQUIRE(runs[static_cast<std::size_t>(i)].wait_for(hang_guard));
    CHECK(runs[static_cast<std::size_t>(i)].get().status == (i % 2 ? asl::Status::failed : asl::Status::succeeded));
  }
}

TEST_CASE("nested: the same composition declared with the C++ Builder", "[nested][builder][concurrency]") {
  const unsigned threads = GENERATE(0u, 1u, 2u, 4u, 8u);
  asl::Engine engine(mode(threads));
  asl::StateMachineRegistry machines;
  asl::NestedExecutionResolver resolver(engine, machines);
  auto named = [](const char* name) {
    asl::LoadOptions o;
    o.name = name;
    return o;
  };
  const std::string train_fn = "arn:aws:lambda:us-east-1:123456789012:function:train";
  machines.add("StandardTraining",
               asl::Builder{}
                   .start_at("Train")
                   .task("Train", asl::local(train_fn, [](const Json& in) {
                     return Json{{"model", "m"}, {"loss", in.at("learning_rate").get<double>()}};
                   }))
                   .end()
                   .build(named("StandardTraining")));
  machines.add("ModelEvaluation",
               asl::Builder{}
                   .start_at("Score")
                   .pass("Score")
                   .parameters({{"accuracy.$", "States.MathAdd(1, 0)"}})
                   .end()
                   .build(named("ModelEvaluation")));
  machines.add("SafeDeployment",
               asl::Builder{}.start_at("Ship").pass("Ship").parameters({{"endpoint.$", "$.model"}}).end().build(
                   named("SafeDeployment")));

  auto child = [](const char* name, Json input) {
    return Json{{"StateMachineArn", asl::StateMachineRegistry::arn(name)}, {"Input", std::move(input)}};
  };
  const std::string sync2 = "arn:aws:states:::states:startExecution.sync:2";
  asl::Builder pipeline;
  pipeline.start_at("Training")
      .task("Training", sync2)
          .parameters(child("StandardTraining", {{"learning_rate.$", "$.learning_rate"}}))
          .result_selector({{"model.$", "$.Output.model"}})
          .result_path("$.training")
          .next("Evaluation")
      .task("Evaluation", sync2)
          .parameters(child("ModelEvaluation", {{"model.$", "$.training.model"}}))
          .result_selector({{"accuracy.$", "$.Output.accuracy"}})
          .result_path("$.evaluation")
          .next("Gate")
      .choice("Gate")
          .when(asl::var("$.evaluation.accuracy") >= 1, "Deployment")
          .otherwise("Rejected")
      .task("Deployment", sync2)
          .parameters(child("SafeDeployment", {{"model.$", "$.training.model"}}))
          .output_path("$.Output")
          .end()
      .fail("Rejected", "Model.BelowThreshold");
  CHECK(asl::validate(pipeline.to_json().dump()).empty());

  auto r = engine.run(pipeline.build(resolver), Json{{"learning_rate", 0.1}});
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(r.output == Json{{"endpoint", "m"}});
}

TEST_CASE("nested: a StateMachine is an immutable handle; reloading never changes a running execution",
          "[nested][concurrency]") {
  const unsigned threads = GENERATE(1u, 2u, 4u, 8u);
  asl::Engine engine(mode(threads));
  Pending pending;
  asl::HandlerRegistry tasks;
  tasks.add("arn:aws:lambda:us-east-1:123456789012:function:train",
            [&](const Json& in, asl::TaskContext& ctx) -> asl::Result<Json> {
              pending.add(ctx.defer());
              return in;
            });
  std::string v1 = R"J({"StartAt":"Train","States":{
    "Train":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:train","Next":"Tag"},
    "Tag":{"Type":"Pass","Result":"v1","ResultPath":"$.version","End":true}}})J";
  std::string v2 = v1;
  v2.replace(v2.find("\"v1\""), 4, "\"v2\"");

  asl::StateMachineRegistry machines;
  asl::NestedExecutionResolver resolver(engine, machines, &tasks);
  asl::StateMachine old_sm = machines.load("Training", v1, resolver);
  auto direct = engine.start(old_sm, Json{{"run", "direct"}});
  auto parent = engine.start(asl::StateMachine::from_json(
      parent_calling("arn:aws:states:::states:startExecution.sync:2",
                     Json{{"StateMachineArn", asl::StateMachineRegistry::arn("Training")}, {"Input", {{"run", "nested"}}}}),
      resolver));
  REQUIRE(pending.wait_count(2));  // both executions wait inside Train, on v1

  asl::StateMachine new_sm = machines.load("Training", v2, resolver);  // reload while they run
  CHECK(machines.find("Training")->definition()["States"]["Tag"]["Result"] == "v2");
  CHECK(old_sm.definition()["States"]["Tag"]["Result"] == "v1");

  pending.at(0).succeed(Json{{"run", "first"}});
  pending.at(1).succeed(Json{{"run", "second"}});
  REQUIRE(direct.wait_for(hang_guard));
  REQUIRE(parent.wait_for(hang_guard));
  CHECK(direct.get().output["version"] == "v1");
  CHECK(parent.get().output["Output"]["version"] == "v1");

  auto fresh = engine.start(new_sm, Json::object());
  REQUIRE(pending.wait_count(3));
  pending.at(2).succeed(Json::object());
  CHECK(fresh.get().output["version"] == "v2");
}
