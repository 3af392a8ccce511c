// Example: a training pipeline written in JSONata (QueryLanguage "JSONata", Arguments/Output, a
// Choice Condition as the quality gate, Assign carrying the model URI to the deploy step), run
// unchanged from the JSON file with local handlers standing in for SageMaker.
#include <asl/asl.hpp>
#include <fmt/format.h>

#include <string>

#include "sagemaker_local.hpp"

int main() {
  asl::HandlerRegistry tasks;
  tasks.add("arn:aws:states:::sagemaker:createTrainingJob.sync", &ml::sagemaker_training_job);
  tasks.add("arn:aws:states:::sagemaker:createModel", &ml::sagemaker_create_model);

  const auto sm = asl::StateMachine::load_file(ASL_EXAMPLES_DIR "/pipelines/training_jsonata.asl.json", tasks);
  asl::EngineOptions options;
  options.inline_execution = true;
  options.virtual_time = true;
  asl::Engine engine(options);

  for (const char* input : {R"({"run":"w49","bucket":"ml-data","learning_rate":0.5,"epochs":200})",
                            R"({"run":"w50","bucket":"ml-data","learning_rate":0,"epochs":0})"}) {
    const asl::ExecutionResult r = engine.run(sm, asl::parse_json(input));
    if (r.succeeded()) {
      fmt::print("SUCCEEDED model {} from {} ({})\n", r.output.at("model").get<std::string>(),
                 r.output.at("from").get<std::string>(), r.output.at("verdict").get<std::string>());
    } else {
      fmt::print("{} {}: {}\n", asl::to_string(r.status), r.error.value_or(""), r.cause.value_or(""));
    }
  }
  return 0;
}
