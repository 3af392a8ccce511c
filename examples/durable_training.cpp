// Durable executions: a training pipeline whose process stops while it evaluates, resumed by the
// next process from its journal, without training again; then one that fails because a service
// is down, redriven from where it failed once the service is back.
#include <asl/asl.hpp>
#include <asl/file_journal.hpp>
#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>

namespace {

constexpr const char* definition = R"({
  "StartAt": "Train",
  "States": {
    "Train": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:train",
              "ResultPath": "$.model", "Next": "Cool"},
    "Cool": {"Type": "Wait", "Seconds": 1, "Next": "Evaluate"},
    "Evaluate": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:evaluate",
                 "ResultPath": "$.metrics", "Next": "Gate"},
    "Gate": {"Type": "Choice", "Default": "Reject",
             "Choices": [{"Variable": "$.metrics.accuracy", "NumericGreaterThan": 0.9, "Next": "Deploy"}]},
    "Deploy": {"Type": "Pass", "Parameters": {"deployed.$": "$.model.name"}, "End": true},
    "Reject": {"Type": "Fail", "Error": "Model.BelowThreshold"}}})";

struct Calls {
  std::mutex mutex;
  int train = 0;
  std::string evaluate_key;
  bool evaluating = false;
  bool down = false;  ///< the evaluation service answers with an error
};

/// `stops` = the first process: its evaluation never answers, as if the process died meanwhile.
asl::HandlerRegistry handlers(Calls& calls, bool stops) {
  asl::HandlerRegistry tasks;
  tasks.add("arn:aws:lambda:us-east-1:123456789012:function:train", [&calls](const asl::Json& job) {
    std::lock_guard<std::mutex> lock(calls.mutex);
    ++calls.train;
    return asl::Json{{"name", "churn-" + job.at("run").get<std::string>()}};
  });
  tasks.add("arn:aws:lambda:us-east-1:123456789012:function:evaluate",
            [&calls, stops](const asl::Json&, asl::TaskContext& ctx) -> asl::Result<asl::Json> {
              std::lock_guard<std::mutex> lock(calls.mutex);
              calls.evaluate_key = ctx.idempotency_key();  // the same in both processes
              calls.evaluating = true;
              if (calls.down) return asl::Error("Evaluation.Unavailable", "the evaluation service is down");
              if (stops) {
                ctx.defer();  // never completed here
                return asl::Json();
              }
              return asl::Json{{"accuracy", 0.94}};
            });
  return tasks;
}

}  // namespace

int main() {
  const auto dir = std::filesystem::temp_directory_path() /
                   fmt::format("asl-durable-example-{}", std::chrono::steady_clock::now().time_since_epoch().count());
  Calls calls;
  asl::EngineOptions options;
  options.wait_scale = 0.01;  // the 1 s Wait takes 10 ms
  {
    // Process 1: starts the pipeline, which trains, waits, and is evaluating when the process stops.
    const auto tasks = handlers(calls, true);
    options.journal = std::make_shared<asl::FileJournal>(dir.string());
    asl::Engine engine(options);
    asl::RunOptions run;
    run.name = "nightly";
    asl::Execution e = engine.start(asl::StateMachine::parse(definition, tasks), asl::Json{{"run", "2026-12-05"}}, run);
    for (;;) {
      {
        std::lock_guard<std::mutex> lock(calls.mutex);
        if (calls.evaluating) break;
      }
      e.wait_for(std::chrono::milliseconds(1));
    }
    fmt::print("process 1 stopped while evaluating (train called {} time)\n", calls.train);
  }  // the engine goes away: the execution stays running in the journal
  options.journal.reset();
  {
    // Process 2: the same journal directory, handlers bound again.
    const auto tasks = handlers(calls, false);
    const std::string first_key = calls.evaluate_key;
    options.journal = std::make_shared<asl::FileJournal>(dir.string());
    asl::Engine engine(options);
    for (asl::Execution& e : engine.recover(tasks)) {
      fmt::print("process 2 resumed '{}'\n", e.name());
      const asl::ExecutionResult r = e.get();
      fmt::print("{} {}\n", asl::to_string(r.status), r.output.dump());
    }
    fmt::print("train called {} time in all; evaluate ran again with the same key: {}\n", calls.train,
               calls.evaluate_key == first_key);
  }
  options.journal.reset();
  {
    // Process 3: a run fails while the evaluation service is down; redriven once it is back, it
    // goes on from the failed state (AWS RedriveExecution): the model is not trained again.
    const auto tasks = handlers(calls, false);
    options.journal = std::make_shared<asl::FileJournal>(dir.string());
    asl::Engine engine(options);
    asl::RunOptions run;
    run.name = "weekly";
    calls.train = 0;
    calls.down = true;
    const asl::ExecutionResult failed =
        engine.run(asl::StateMachine::parse(definition, tasks), asl::Json{{"run", "2026-w49"}}, run);
    fmt::print("weekly {} {}\n", asl::to_string(failed.status), failed.error.value_or(""));
    calls.down = false;
    const asl::ExecutionResult r = engine.redrive("weekly", tasks).get();
    fmt::print("redriven: {} {}; train called {} time\n", asl::to_string(r.status), r.output.dump(), calls.train);
  }
  options.journal.reset();
  std::filesystem::remove_all(dir);
}
