// Example 4: unit-testing a pipeline. The training pipeline of example 1 runs with fake tasks, on
// virtual time (its 1-hour Wait and its retry back-off take no real time), and a recording
// observer lets the test assert on the path taken and on each state's input and output.
#include <asl/asl.hpp>
#include <fmt/format.h>

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

/// Records the states entered, in order, with each state's input and output.
class Recorder final : public asl::Observer {
 public:
  struct Visit {
    std::string state;
    asl::Json input, output;
  };
  void on_event(const asl::HistoryEvent& e) override {
    const std::string_view type = asl::to_string(e.type);
    if (type.find("StateEntered") != std::string_view::npos)
      visits.push_back({e.details->value("name", ""), e.details->value("input", asl::Json()), asl::Json()});
    else if (type.find("StateExited") != std::string_view::npos && !visits.empty())
      visits.back().output = e.details->value("output", asl::Json());
  }
  std::vector<std::string> path() const {
    std::vector<std::string> out;
    for (const Visit& v : visits) out.push_back(v.state);
    return out;
  }
  const Visit& visit(const std::string& state) const {
    for (const Visit& v : visits)
      if (v.state == state) return v;
    throw std::runtime_error("state not visited: " + state);
  }
  std::vector<Visit> visits;
};

int failures = 0;
void expect(bool ok, const std::string& what) {
  fmt::print("[{}] {}\n", ok ? "pass" : "FAIL", what);
  failures += !ok;
}

/// Fakes for every Task of the pipeline: `accuracy` decides the gate, `transient_failures`
/// makes Train fail that many times before it succeeds.
asl::HandlerRegistry fakes(double accuracy, int transient_failures, std::vector<std::string>& notified) {
  asl::HandlerRegistry tasks;
  tasks.add_pattern("*:function:validate-dataset",
                    [](const asl::Json&) { return asl::Json{{"ok", true}, {"rows", 400}}; });
  tasks.add_pattern("*:function:train-logistic-regression",
                    [transient_failures](const asl::Json&, asl::TaskContext& ctx) -> asl::Result<asl::Json> {
                      if (static_cast<int>(ctx.retry_count) < transient_failures)
                        return asl::Error("Training.TransientError", "fake preemption");
                      return asl::Json{{"weights", {{"w1", 1.0}, {"w2", 1.0}, {"b", 0.0}}}, {"train_loss", 0.2}};
                    });
  tasks.add_pattern("*:function:evaluate",
                    [accuracy](const asl::Json&) { return asl::Json{{"accuracy", accuracy}, {"test_rows", 100}}; });
  tasks.add_pattern("*:function:deploy-model",
                    [](const asl::Json&) { return asl::Json{{"path", "/fake/model.json"}}; });
  tasks.add_pattern("*:function:notify", [&notified](const asl::Json& in) {
    notified.push_back(in.at("message").get<std::string>());
    return asl::Json{{"sent", true}};
  });
  return tasks;
}

asl::ExecutionResult run(const asl::TaskResolver& tasks, const std::shared_ptr<Recorder>& recorder) {
  asl::EngineOptions options;
  options.inline_execution = true;  // deterministic event order
  options.virtual_time = true;      // Wait 3600 and retry intervals finish at once
  asl::Engine engine(options);
  engine.add_observer(recorder);
  const auto sm = asl::StateMachine::load_file(ASL_EXAMPLES_DIR "/pipelines/training.asl.json", tasks);
  return engine.run(sm, asl::Json{{"dataset", {{"rows", 400}, {"seed", 7}}},
                                  {"hyperparameters", {{"learning_rate", 0.5}, {"epochs", 200}}},
                                  {"min_accuracy", 0.9}});
}

}  // namespace

int main() {
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::string> notified;
  {
    fmt::print("scenario: good model, two transient training failures\n");
    auto recorder = std::make_shared<Recorder>();
    const auto r = run(fakes(0.95, 2, notified), recorder);
    expect(r.succeeded(), "the execution succeeds");
    expect(r.stats.retries == 2, "Train was retried twice");
    expect(recorder->path() == std::vector<std::string>{"ValidateData", "CheckData", "WaitForTrainingSlot", "Train",
                                                        "Evaluate", "QualityGate", "Deploy"},
           "path: validate, wait, train, evaluate, gate, deploy");
    expect(recorder->visit("Evaluate").input["model"]["train_loss"] == 0.2, "Evaluate received the trained model");
    expect(recorder->visit("QualityGate").output["metrics"]["accuracy"] == 0.95, "the gate saw accuracy 0.95");
    expect(r.output["deployment"]["path"] == "/fake/model.json", "the output names the deployed file");
  }
  {
    fmt::print("scenario: model below the threshold\n");
    auto recorder = std::make_shared<Recorder>();
    const auto r = run(fakes(0.6, 0, notified), recorder);
    expect(r.succeeded(), "the execution succeeds");
    expect(recorder->path().back() == "NotifyBelowThreshold", "it ends by notifying, not deploying");
    expect(notified == std::vector<std::string>{"accuracy 0.6 is below 0.9"}, "the notification text");
  }
  {
    fmt::print("scenario: training keeps failing\n");
    auto recorder = std::make_shared<Recorder>();
    const auto r = run(fakes(0.95, 10, notified), recorder);
    expect(r.status == asl::Status::failed && r.error == std::optional<std::string>("Training.TransientError"),
           "after 3 retries the execution fails with the task's error");
    expect(r.stats.retries == 3, "MaxAttempts 3 retries");
  }
  const auto wall = std::chrono::steady_clock::now() - started;
  expect(wall < std::chrono::seconds(5), "hours of virtual waiting took no real time");
  fmt::print("{} checks failed\n", failures);
  return failures == 0 ? 0 : 1;
}
