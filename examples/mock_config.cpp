// Example: testing the training pipeline with a Step Functions Local mock file. The test cases of
// pipelines/training.mock.json (MockConfigFile.json's format, read as it is) answer every Task
// state of pipelines/training.asl.json; each case runs on virtual time (the 1-hour Wait and the
// retry back-off take no real time) and the path it took is checked. No task handler is written.
#include <asl/asl.hpp>
#include <asl/testing/mock_config.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace {

/// The states entered, in order.
class Path final : public asl::Observer {
 public:
  void on_event(const asl::HistoryEvent& e) override {
    if (asl::to_string(e.type).find("StateEntered") != std::string_view::npos)
      states.push_back(e.details->value("name", ""));
  }
  std::vector<std::string> states;
};

int failures = 0;
void expect(bool ok, const std::string& what) {
  fmt::print("  [{}] {}\n", ok ? "pass" : "FAIL", what);
  failures += !ok;
}

}  // namespace

int main() {
  const auto mocks = asl::testing::MockConfig::load_file(ASL_EXAMPLES_DIR "/pipelines/training.mock.json");
  const std::string definition = ASL_EXAMPLES_DIR "/pipelines/training.asl.json";
  const asl::Json input{{"dataset", {{"rows", 400}, {"seed", 7}}},
                        {"hyperparameters", {{"learning_rate", 0.5}, {"epochs", 200}}},
                        {"min_accuracy", 0.9}};

  // One run per test case. The file has one state machine, so the case's name is enough (with
  // several, the definition's base name, `training`, would pick the entry).
  auto run = [&](const std::string& test_case, asl::ExecutionResult& result) {
    asl::testing::MockResolver resolver(mocks.select({test_case, "", definition}));
    const auto sm = asl::StateMachine::load_file(definition, resolver);
    asl::EngineOptions options;
    options.inline_execution = true;
    options.virtual_time = true;
    asl::Engine engine(options);
    auto path = std::make_shared<Path>();
    engine.add_observer(path);
    result = engine.run(sm, input);
    fmt::print("{}: {} via {}\n", test_case, asl::to_string(result.status), fmt::join(path->states, " > "));
    return path->states;
  };

  asl::ExecutionResult r;
  auto path = run("HappyPath", r);
  expect(r.succeeded() && r.output["deployment"]["path"] == "/models/churn.json", "deploys the mocked model");

  path = run("TransientFailures", r);
  expect(r.succeeded() && r.stats.retries == 2, "two mocked preemptions are retried (keys 0-1), key 2 trains");

  path = run("BelowThreshold", r);
  expect(path.back() == "NotifyBelowThreshold", "accuracy 0.6 notifies instead of deploying");

  path = run("DataRejected", r);
  expect(r.error == std::optional<std::string>("Data.ValidationFailed"), "an invalid dataset stops at the Choice");

  path = run("TrainingKeepsFailing", r);
  expect(r.error == std::optional<std::string>("Training.TransientError") && r.stats.retries == 3,
         "after MaxAttempts 3 the mocked error fails the execution");

  fmt::print("{} checks failed\n", failures);
  return failures == 0 ? 0 : 1;
}
