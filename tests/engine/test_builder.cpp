// Engine tests: pipelines declared with asl::Builder, their exported ASL JSON, and the JSON round trip.
// SPDX-License-Identifier: MIT
#include <atomic>
#include <chrono>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/catch.hpp"
#include "support/run.hpp"

using asl::Json;
using namespace std::chrono_literals;

namespace builder_test {
struct Candidate {
  double learning_rate = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Candidate, learning_rate)
struct Trial {
  double learning_rate = 0;
  double accuracy = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Trial, learning_rate, accuracy)
}  // namespace builder_test

namespace {
using builder_test::Candidate;
using builder_test::Trial;

const char* const arn_validate = "arn:aws:lambda:us-east-1:123456789012:function:validate";
const char* const arn_train = "arn:aws:lambda:us-east-1:123456789012:function:train";
const char* const arn_best = "arn:aws:lambda:us-east-1:123456789012:function:best";
const char* const arn_deploy = "arn:aws:lambda:us-east-1:123456789012:function:deploy";

asl::ExecutionResult run(const asl::StateMachine& sm, const Json& input) {
  asl::EngineOptions options;
  options.virtual_time = true;
  asl::Engine engine(options);
  return engine.run(sm, input);
}

/// validate -> wait for a cluster -> train a Map of candidates -> pick the best -> gate -> deploy.
/// `deploy` stays a plain resource, resolved through the user's TaskResolver.
asl::Builder ml_pipeline() {
  auto validate = asl::local(arn_validate, [](const Json& in) -> asl::Result<Json> {
    if (!in.contains("candidates")) return asl::Error("Data.Invalid", "no candidates");
    return in;
  });
  auto train = asl::local(arn_train, [](const Candidate& c) {
    return Trial{c.learning_rate, c.learning_rate < 0.2 ? 0.9 + c.learning_rate / 10 : 0.7};
  });
  auto best = asl::local(arn_best, [](const std::vector<Trial>& trials) {
    Trial top;
    for (const Trial& t : trials)
      if (t.accuracy > top.accuracy) top = t;
    return top;
  });
  return std::move(
      asl::Builder{}
          .machine_comment("ML training pipeline")
          .start_at("Validate")
          .task("Validate", validate)
          .catch_errors({"Data.Invalid"}, "Rejected", "$.error")
          .next("Provision")
          .wait("Provision", 30s)
          .next("Train")
          .map("Train", asl::MapPolicy{}.items_path("$.candidates").max_concurrency(2),
               asl::Builder{}
                   .start_at("Fit")
                   .task("Fit", train)
                   .retry(asl::Retry{"States.TaskFailed"}.interval(1s).max_attempts(2).backoff(2.0))
                   .end())
          .result_path("$.trials")
          .next("Best")
          .task("Best", best)
          .input_path("$.trials")
          .result_path("$.best")
          .timeout(5min)
          .next("Gate")
          .choice("Gate")
          .when(asl::var("$.best.accuracy") >= 0.9 && asl::is_present("$.deploy_to"), "Deploy")
          .otherwise("Rejected")
          .task("Deploy", arn_deploy)
          .parameters(Json{{"model.$", "$.best"}, {"target.$", "$.deploy_to"}})
          .result_path("$.endpoint")
          .output_path("$.endpoint")
          .end()
          .fail("Rejected", "Model.Rejected", "accuracy below 0.9 or no target"));
}

asl::HandlerRegistry deploy_registry() {
  asl::HandlerRegistry tasks;
  tasks.add(arn_deploy, [](const Json& in) {
    return Json{{"url", "https://" + in.at("target").get<std::string>() + "/lr-" +
                            std::to_string(in.at("model").at("learning_rate").get<double>()).substr(0, 4)}};
  });
  return tasks;
}

bool same(const asl::ExecutionResult& a, const asl::ExecutionResult& b) {
  return a.status == b.status && a.output == b.output && a.error == b.error && a.cause == b.cause &&
         a.stats.state_entries == b.stats.state_entries && a.stats.retries == b.stats.retries;
}
}  // namespace

TEST_CASE("builder: an ML pipeline runs, and its exported JSON runs identically", "[builder]") {
  const asl::Builder b = ml_pipeline();
  const asl::HandlerRegistry user = deploy_registry();
  const asl::StateMachine built = b.build(user);

  const Json exported = b.to_json();
  CHECK(asl::validate(exported.dump()).empty());
  // The exported JSON needs the builder's callables, then the user's resolver: the same chain.
  const asl::StateMachine loaded = asl::StateMachine::from_json(exported, asl::detail::ChainedResolver(b.handlers(), user));
  CHECK(loaded.definition() == built.definition());

  const std::vector<Json> inputs = {
      Json::parse(R"({"candidates":[{"learning_rate":0.3},{"learning_rate":0.1}],"deploy_to":"prod"})"),
      Json::parse(R"({"candidates":[{"learning_rate":0.3}],"deploy_to":"prod"})"),
      Json::parse(R"({"candidates":[{"learning_rate":0.1}]})"),
      Json::parse(R"({"dataset":"churn.csv"})"),
      Json::parse(R"({"candidates":[{"rate":0.1}],"deploy_to":"prod"})"),
  };
  std::vector<asl::ExecutionResult> results;
  for (const Json& input : inputs) {
    results.push_back(run(built, input));
    CHECK(same(results.back(), run(loaded, input)));
  }
  CHECK(results[0].status == asl::Status::succeeded);
  CHECK(results[0].output == Json{{"url", "https://prod/lr-0.10"}});
  CHECK(results[1].error == std::optional<std::string>("Model.Rejected"));
  CHECK(results[2].error == std::optional<std::string>("Model.Rejected"));
  CHECK(results[3].error == std::optional<std::string>("Model.Rejected"));  // caught Data.Invalid, then Fail
  // The Map iteration's input did not convert: retried twice as States.TaskFailed, then it failed the Map.
  CHECK(results[4].status == asl::Status::failed);
  CHECK(results[4].error == std::optional<std::string>("Asl.InputConversionFailed"));
  CHECK(results[4].stats.retries == 2);
}

TEST_CASE("builder: the exported JSON uses ASL's field names", "[builder]") {
  auto noop = asl::local("arn:aws:lambda:us-east-1:123456789012:function:noop", [](const Json& in) { return in; });
  const asl::Builder b =
      asl::Builder{}
                    .start_at("T")
                    .machine_timeout(1h)
                    .task("T", noop)
                    .comment("train")
                    .timeout(asl::Timeout{}.seconds(10min).heartbeat(1min))
                    .retry(asl::Retry{"Lambda.ServiceException", "States.Timeout"}
                               .interval(2s)
                               .max_attempts(4)
                               .backoff(1.5)
                               .max_delay(30s)
                               .jitter(asl::Jitter::full))
                    .retry(asl::Retry{"States.ALL"})
                    .catch_errors(asl::Catch{"States.ALL"}.next("F").result_path(nullptr))
                    .result_selector(Json{{"v.$", "$.value"}})
                    .result_path("$.out")
                    .next("P")
                    .parallel("P", {asl::Builder{}.start_at("B1").pass("B1").result(1).end(),
                                    asl::Builder{}.start_at("B2").wait_seconds_path("B2", "$.delay").end()})
                    .input_path(nullptr)
                    .next("M")
                    .map("M",
                         asl::MapPolicy{}
                             .items_path("$.items")
                             .item_selector(Json{{"i.$", "$$.Map.Item.Index"}})
                             .max_concurrency_path("$.mc")
                             .tolerated_failure_percentage(10)
                             .label("fanout")
                             .distributed(asl::MapExecutionType::express),
                         asl::Builder{}.start_at("I").task("I", noop).end())
                    .next("W")
                    .wait_until("W", asl::timestamp(std::chrono::system_clock::time_point{} + 86400s))
                    .next("S")
                    .succeed("S")
                    .output_path("$.x")
                    .fail("F", std::nullopt, "only a cause");
  CHECK(b.to_json() == Json::parse(R"({
    "StartAt": "T", "TimeoutSeconds": 3600,
    "States": {
      "T": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:noop",
            "Comment": "train", "TimeoutSeconds": 600, "HeartbeatSeconds": 60,
            "Retry": [{"ErrorEquals": ["Lambda.ServiceException", "States.Timeout"], "IntervalSeconds": 2,
                       "MaxAttempts": 4, "BackoffRate": 1.5, "MaxDelaySeconds": 30, "JitterStrategy": "FULL"},
                      {"ErrorEquals": ["States.ALL"]}],
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "F", "ResultPath": null}],
            "ResultSelector": {"v.$": "$.value"}, "ResultPath": "$.out", "Next": "P"},
      "P": {"Type": "Parallel", "Branches": [
              {"StartAt": "B1", "States": {"B1": {"Type": "Pass", "Result": 1, "End": true}}},
              {"StartAt": "B2", "States": {"B2": {"Type": "Wait", "SecondsPath": "$.delay", "End": true}}}],
            "InputPath": null, "Next": "M"},
      "M": {"Type": "Map", "ItemsPath": "$.items", "ItemSelector": {"i.$": "$$.Map.Item.Index"},
            "MaxConcurrencyPath": "$.mc", "ToleratedFailurePercentage": 10, "Label": "fanout",
            "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
                              "StartAt": "I",
                              "States": {"I": {"Type": "Task",
                                               "Resource": "arn:aws:lambda:us-east-1:123456789012:function:noop",
                                               "End": true}}},
            "Next": "W"},
      "W": {"Type": "Wait", "Timestamp": "1970-01-02T00:00:00Z", "Next": "S"},
      "S": {"Type": "Succeed", "OutputPath": "$.x"},
      "F": {"Type": "Fail", "Cause": "only a cause"}}})"));
  CHECK(asl::validate(b.to_json().dump()).empty());
  CHECK_NOTHROW(b.build());
}

TEST_CASE("builder: Choice rules from typed comparisons", "[builder][choice]") {
  auto rule = [](const asl::ChoiceRule& r) { return r.to_json(); };
  const asl::Var x = asl::var("$.x");
  SECTION("numbers, strings, booleans and timestamps pick the operator family") {
    CHECK(rule(x == 1) == Json{{"Variable", "$.x"}, {"NumericEquals", 1}});
    CHECK(rule(x < 2.5) == Json{{"Variable", "$.x"}, {"NumericLessThan", 2.5}});
    CHECK(rule(x <= 3u) == Json{{"Variable", "$.x"}, {"NumericLessThanEquals", 3}});
    CHECK(rule(x > -1) == Json{{"Variable", "$.x"}, {"NumericGreaterThan", -1}});
    CHECK(rule(x >= 0.9) == Json{{"Variable", "$.x"}, {"NumericGreaterThanEquals", 0.9}});
    CHECK(rule(x == "abc") == Json{{"Variable", "$.x"}, {"StringEquals", "abc"}});
    CHECK(rule(x < std::string("b")) == Json{{"Variable", "$.x"}, {"StringLessThan", "b"}});
    CHECK(rule(x >= std::string_view("c")) == Json{{"Variable", "$.x"}, {"StringGreaterThanEquals", "c"}});
    CHECK(rule(x == true) == Json{{"Variable", "$.x"}, {"BooleanEquals", true}});
    const asl::Timestamp t = asl::timestamp("2024-01-01T00:00:00Z");
    CHECK(rule(x == t) == Json{{"Variable", "$.x"}, {"TimestampEquals", "2024-01-01T00:00:00Z"}});
    CHECK(rule(x > t) == Json{{"Variable", "$.x"}, {"TimestampGreaterThan", "2024-01-01T00:00:00Z"}});
    CHECK(rule(x <= t) == Json{{"Variable", "$.x"}, {"TimestampLessThanEquals", "2024-01-01T00:00:00Z"}});
  }
  SECTION("typed paths give the ...Path operators") {
    CHECK(rule(x > asl::numeric_path("$.y")) == Json{{"Variable", "$.x"}, {"NumericGreaterThanPath", "$.y"}});
    CHECK(rule(x == asl::string_path("$.y")) == Json{{"Variable", "$.x"}, {"StringEqualsPath", "$.y"}});
    CHECK(rule(x < asl::timestamp_path("$$.Execution.StartTime")) ==
          Json{{"Variable", "$.x"}, {"TimestampLessThanPath", "$$.Execution.StartTime"}});
    CHECK(rule(x == asl::boolean_path("$.y")) == Json{{"Variable", "$.x"}, {"BooleanEqualsPath", "$.y"}});
  }
  SECTION("type tests, StringMatches, != as Not, and flattened And/Or") {
    CHECK(rule(asl::is_present("$.x")) == Json{{"Variable", "$.x"}, {"IsPresent", true}});
    CHECK(rule(x.is_null(false)) == Json{{"Variable", "$.x"}, {"IsNull", false}});
    CHECK(rule(asl::is_timestamp("$.x")) == Json{{"Variable", "$.x"}, {"IsTimestamp", true}});
    CHECK(rule(x.matches("log-*.txt")) == Json{{"Variable", "$.x"}, {"StringMatches", "log-*.txt"}});
    CHECK(rule(x != 1) == Json{{"Not", {{"Variable", "$.x"}, {"NumericEquals", 1}}}});
    CHECK(rule(asl::is_numeric("$.a") && x > 1 && x < 9) ==
          Json{{"And", {rule(asl::is_numeric("$.a")), rule(x > 1), rule(x < 9)}}});
    CHECK(rule(x == 1 || (x == 2 && x == 3) || !asl::is_string("$.x")) ==
          Json{{"Or", {rule(x == 1), {{"And", {rule(x == 2), rule(x == 3)}}}, {{"Not", rule(asl::is_string("$.x"))}}}}});
  }
  SECTION("the rules evaluate as ASL says") {
    const asl::StateMachine sm =
        asl::Builder{}
            .start_at("C")
            .choice("C")
            .when(asl::var("$.t") < asl::timestamp("2024-01-01T00:00:00Z") && asl::var("$.flag") == true, "Old")
            .when(asl::var("$.score") >= asl::numeric_path("$.threshold"), "High")
            .when(asl::var("$.name").matches("model-*") || asl::var("$.name") == "baseline", "Named")
            .when(asl::var("$.kind") != "x" && !asl::is_null("$.kind"), "Other")
            .pass("Old").result("old").end()
            .pass("High").result("high").end()
            .pass("Named").result("named").end()
            .pass("Other").result("other").end()
            .build();
    auto out = [&sm](const char* input) { return run(sm, Json::parse(input)); };
    CHECK(out(R"({"t":"2023-12-31T23:59:59Z","flag":true})").output == "old");
    CHECK(out(R"({"t":"2024-06-01T00:00:00Z","flag":true,"score":3,"threshold":2})").output == "high");
    CHECK(out(R"({"t":"x","flag":false,"score":1,"threshold":2,"name":"model-7"})").output == "named");
    CHECK(out(R"({"t":"x","flag":false,"score":1,"threshold":2,"name":"b","kind":5})").output == "other");
    CHECK(out(R"({"t":"x","flag":false,"score":1,"threshold":2,"name":"b","kind":"x"})").error ==
          std::optional<std::string>("States.NoChoiceMatched"));
  }
}

TEST_CASE("builder: bound callables come first, then the user's resolver", "[builder]") {
  const char* const arn = "arn:aws:lambda:us-east-1:123456789012:function:score";
  asl::HandlerRegistry user;
  user.add(arn, [](const Json&) { return Json("user"); });
  user.add_state("Other", [](const Json&) { return Json("user-state"); });
  SECTION("the bound callable wins for its resource; others resolve through the user's resolver") {
    const asl::StateMachine sm = asl::Builder{}
                                     .start_at("A")
                                     .task("A", asl::local(arn, [](const Json&) { return Json("bound"); }))
                                     .result_path("$.a")
                                     .next("Other")
                                     .task("Other", "arn:aws:states:::custom:thing")
                                     .result_path("$.b")
                                     .end()
                                     .build(user);
    CHECK(run(sm, Json::object()).output == Json{{"a", "bound"}, {"b", "user-state"}});
  }
  SECTION("without a resolver every Task must be bound") {
    const asl::Builder b = asl::Builder{}.start_at("A").task("A", arn).end();
    CHECK_THROWS_AS(b.build(), asl::DefinitionError);
    CHECK(run(b.build(user), Json::object()).output == "user");
  }
  SECTION("sub-pipelines bring their callables; one asl::local may serve several states") {
    std::atomic<int> calls{0};  // Parallel branches may run on different workers
    auto count = asl::local(arn, [&calls](int x) {
      ++calls;
      return x + 1;
    });
    const asl::StateMachine sm =
        asl::Builder{}
            .start_at("P")
            .parallel("P", {asl::Builder{}.start_at("X").task("X", count).end(),
                            asl::Builder{}.start_at("Y").task("Y", count).next("Z").task("Z", count).end()})
            .end()
            .build();
    CHECK(run(sm, Json(1)).output == Json::array({2, 3}));
    CHECK(calls == 3);
  }
}

TEST_CASE("builder: definition problems are the loader's DefinitionErrors", "[builder]") {
  const asl::Builder b =
      asl::Builder{}.start_at("A").pass("A").next("Evalute").pass("Evaluate").retry(asl::Retry{"X"}).end();
  auto ids = [](const std::vector<asl::Diagnostic>& ds) {
    std::vector<std::string> out;
    for (const auto& d : ds) out.push_back(d.id + " " + d.pointer);
    return out;
  };
  const std::vector<std::string> expected{"asl.definition.104 /States/A/Next", "asl.definition.109 /States/Evaluate",
                                          "asl.definition.501 /States/Evaluate/Retry"};
  REQUIRE_THROWS_AS(b.build(), asl::DefinitionError);
  try {
    b.build();
  } catch (const asl::DefinitionError& e) {
    CHECK(ids(e.diagnostics()) == expected);
  }
  CHECK(ids(asl::validate(b.to_json().dump())) == expected);  // the same checks as a JSON text
}

TEST_CASE("builder: misuse throws asl::UsageError", "[builder]") {
  const std::string no_state =
      "(): no state to apply it to; add a state first (task, pass, choice, wait, succeed, fail, parallel or map)";
  CHECK_THROWS_WITH(asl::Builder{}.pass("A").end().to_json(),
                    "asl::Builder: no StartAt; call start_at(\"<first state>\") before exporting or building");
  CHECK_THROWS_AS(asl::Builder{}.pass("A").end().build(), asl::UsageError);
  CHECK_THROWS_WITH(asl::Builder{}.start_at("A").end(), "asl::Builder::end" + no_state);
  CHECK_THROWS_WITH(asl::Builder{}.retry(asl::Retry{"X"}), "asl::Builder::retry" + no_state);
  CHECK_THROWS_WITH(asl::Builder{}.result_path(nullptr), "asl::Builder::result_path" + no_state);
  CHECK_THROWS_AS(asl::Builder{}.next("A"), asl::UsageError);
  CHECK_THROWS_WITH(asl::Builder{}.pass("A").pass("A"), "asl::Builder: state \"A\" is already defined");
  CHECK_THROWS_WITH(asl::Builder{}.pass("A").when(asl::is_present("$.x"), "B"),
                    "asl::Builder::when(): state \"A\" is a Pass, not a Choice");
  CHECK_THROWS_WITH(asl::Builder{}.task("A", "arn").otherwise("B"),
                    "asl::Builder::otherwise(): state \"A\" is a Task, not a Choice");
  CHECK_THROWS_WITH(asl::Builder{}.map("M", asl::Builder{}.pass("I").end()),
                    "asl::Builder::map(): a sub-pipeline has no StartAt; call start_at(\"<first state>\") on it");
  CHECK_THROWS_WITH(
      asl::Builder{}
          .task("A", asl::local("arn:x", [](const Json& in) { return in; }))
          .task("B", asl::local("arn:x", [](const Json& in) { return in; })),
      "asl::Builder: resource \"arn:x\" is already bound to another callable; reuse the same asl::local value, "
      "or export the second callable under its own resource");
}

TEST_CASE("builder: the README's builder example is examples/builder_pipeline.cpp verbatim", "[builder][readme]") {
  auto slurp = [](const std::string& path) {
    std::ifstream in(path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  };
  const std::string readme = slurp(std::string(ASL_SOURCE_DIR) + "/README.md");
  const std::string example = slurp(std::string(ASL_SOURCE_DIR) + "/examples/builder_pipeline.cpp");
  REQUIRE_FALSE(example.empty());
  const auto at = readme.find("<!-- builder: examples/builder_pipeline.cpp");
  REQUIRE(at != std::string::npos);
  const auto open = readme.find("```cpp\n", at);
  REQUIRE(open != std::string::npos);
  const auto close = readme.find("```\n", open + 7);
  REQUIRE(close != std::string::npos);
  CHECK(readme.substr(open + 7, close - open - 7) == example);
}

TEST_CASE("builder: JSONata states, Assign and conditions export clean and run", "[builder][jsonata]") {
  auto m = asl::Builder()
               .start_at("Train")
               .machine_query_language(asl::QueryLanguage::jsonata)
               .task("Train", asl::local("train", [](const Json& in) {
                 return Json{{"accuracy", in.at("lr").get<double>() > 0.05 ? 0.95 : 0.5}, {"uri", "s3://m/7"}};
               }))
               .arguments(Json{{"lr", "{% $states.input.lr %}"}})
               .assign(Json{{"model", "{% $states.result.uri %}"}})
               .output(Json{{"accuracy", "{% $states.result.accuracy %}"}})
               .next("Gate")
               .choice("Gate")
               .condition("{% $states.input.accuracy > 0.9 %}", "Deploy")
               .otherwise("Reject")
               .pass("Deploy")
               .output(Json{{"deployed", "{% $model %}"}})
               .end()
               .fail("Reject", "Model.BelowThreshold");
  const Json def = m.to_json();
  CHECK(def.at("QueryLanguage") == "JSONata");
  CHECK(asl::validate(def.dump()).empty());
  auto r = asl::testing::run_machine(def, Json{{"lr", 0.1}}, m.handlers());
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(r.output == Json{{"deployed", "s3://m/7"}});
  CHECK(asl::testing::run_machine(def, Json{{"lr", 0.01}}, m.handlers()).status == asl::Status::failed);
}
