// Separate compilation example: one file that declares a pipeline with the builder and typed
// handlers. With ASL_SEPARATE_COMPILATION it pays only for asl's declarations, not its engine.
#include "pipeline.hpp"

#include <chrono>
#include <string>

using namespace std::chrono_literals;

namespace service {

// In a named namespace: the macros' unused halves (to_json of TrainJob, from_json of Metrics)
// would be unused static functions in an anonymous one (clang -Wunused-function).
struct TrainJob {
  std::string dataset;
  double learning_rate = 0.1;
};
struct Metrics {
  double accuracy = 0;
};
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(TrainJob, dataset, learning_rate)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Metrics, accuracy)

asl::StateMachine training_pipeline() {
  auto train = asl::local("arn:aws:lambda:us-east-1:123456789012:function:train", [](const TrainJob& job) {
    return Metrics{job.learning_rate < 0.2 ? 0.93 : 0.71};
  });
  asl::Builder b;
  b.start_at("Train")
      .task("Train", train)
      .retry(asl::Retry{"States.TaskFailed"}.interval(1s).max_attempts(3))
      .result_path("$.metrics")
      .next("Gate")
      .choice("Gate")
      .when(asl::var("$.metrics.accuracy") > 0.9, "Deploy")
      .otherwise("Reject")
      .pass("Deploy")
      .parameters({{"deployed.$", "$.metrics.accuracy"}})
      .end()
      .fail("Reject", "Model.BelowThreshold");
  return b.build();
}

}  // namespace service
