// Example 6: run an ASL file written for AWS (SageMaker, Lambda and SNS integrations, real-looking
// ARNs) unchanged, with local C++ handlers bound by resource pattern.
#include <asl/asl.hpp>
#include <fmt/format.h>

#include <string>

#include "sagemaker_local.hpp"

int main() {
  asl::HandlerRegistry tasks;
  // Any Lambda function named prepare-*, in any region or account.
  tasks.add_pattern("arn:aws:lambda:*:*:function:prepare-*", [](const asl::Json& in) {
    const std::string bucket = in.at("bucket").get<std::string>();
    return asl::Json{{"train_uri", "s3://" + bucket + "/train/"}, {"rows", in.at("rows")}};
  });
  // The SageMaker training job (and its .sync variant): train locally, answer in SageMaker's shape.
  tasks.add_pattern("arn:aws:states:::sagemaker:createTrainingJob*", &ml::sagemaker_training_job);
  tasks.add_pattern("arn:aws:states:::sagemaker:createModel", &ml::sagemaker_create_model);
  tasks.add_pattern("arn:aws:states:::sns:*", [](const asl::Json& in) {
    fmt::print("sns {}: {}\n", in.at("TopicArn").get<std::string>(), in.at("Message").get<std::string>());
    return asl::Json{{"MessageId", "local-1"}};
  });

  const auto sm = asl::StateMachine::load_file(ASL_EXAMPLES_DIR "/pipelines/aws_sagemaker_style.asl.json", tasks);
  asl::EngineOptions options;
  options.inline_execution = true;
  options.virtual_time = true;
  asl::Engine engine(options);
  asl::RunOptions run;
  run.name = "nightly";
  // The input as JSON text, the way StartExecution takes it.
  const asl::ExecutionResult r = engine.run(sm, asl::parse_json(R"({"bucket": "ml-data"})"), run);
  fmt::print("status {}\n", asl::to_string(r.status));
  fmt::print("model {}\n", r.output["model"]["ModelArn"].get<std::string>());
  return r.succeeded() ? 0 : 1;
}
