// Declaring a pipeline in C++ (the README's builder example): typed tasks, Retry, Choice, export.
#include <asl/asl.hpp>
#include <fmt/format.h>

#include <chrono>
#include <string>

using namespace std::chrono_literals;

struct TrainJob {
  std::string dataset;
  double learning_rate = 0.1;
};
struct Metrics {
  double accuracy = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(TrainJob, dataset, learning_rate)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Metrics, accuracy)

int main() {
  // A typed handler, bound to the resource the exported JSON names.
  auto train = asl::local("arn:aws:lambda:us-east-1:123456789012:function:train",
                          [](const TrainJob& job) {
                            return Metrics{job.learning_rate < 0.2 ? 0.93 : 0.71};
                          });
  asl::Builder pipeline;
  pipeline.start_at("Train")
      .task("Train", train)
          .retry(asl::Retry{"States.TaskFailed"}.interval(1s).max_attempts(3).backoff(2.0))
          .result_path("$.metrics")
          .next("Gate")
      .choice("Gate")
          .when(asl::var("$.metrics.accuracy") > 0.9, "Deploy")
          .otherwise("Reject")
      .pass("Deploy").parameters({{"deployed.$", "$.metrics.accuracy"}}).end()
      .fail("Reject", "Model.BelowThreshold");

  asl::Engine engine;
  const asl::Json job{{"dataset", "churn.csv"}, {"learning_rate", 0.1}};
  asl::ExecutionResult r = engine.run(pipeline.build(), job);
  fmt::print("{} {}\n", asl::to_string(r.status), r.output.dump());  // SUCCEEDED {"deployed":0.93}

  // The same pipeline as ASL JSON: what AWS Step Functions (or StateMachine::parse) loads.
  const asl::Json definition = pipeline.to_json();
  fmt::print("exported {} states, {} diagnostics\n", definition["States"].size(),
             asl::validate(definition.dump()).size());  // exported 4 states, 0 diagnostics
}
