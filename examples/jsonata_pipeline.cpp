// Example: a training pipeline written in JSONata (QueryLanguage "JSONata", Arguments/Output, a
// Choice Condition as the quality gate, Assign carrying the model URI to the deploy step), run
// unchanged from the JSON file with local handlers standing in for SageMaker.
#include <asl/asl.hpp>
#include <fmt/format.h>

#include <string>

#include "ml_common.hpp"

int main() {
  asl::HandlerRegistry tasks;
  tasks.add("arn:aws:states:::sagemaker:createTrainingJob.sync", [](const asl::Json& job) {
    const asl::Json& hp = job.at("HyperParameters");  // SageMaker passes hyper-parameters as strings
    const ml::Dataset data = ml::make_blobs(400, 5);
    const ml::Model m = ml::train_logistic_regression(data.train, std::stod(hp.at("learning_rate").get<std::string>()),
                                                      std::stoi(hp.at("epochs").get<std::string>()));
    const std::string name = job.at("TrainingJobName").get<std::string>();
    return asl::Json{
        {"TrainingJobName", name},
        {"ModelArtifacts",
         {{"S3ModelArtifacts", job["OutputDataConfig"]["S3OutputPath"].get<std::string>() + name + "/model.tar.gz"}}},
        {"FinalMetricDataList",
         {{{"MetricName", "train:loss"}, {"Value", ml::log_loss(m, data.train)}},
          {{"MetricName", "validation:accuracy"}, {"Value", ml::accuracy(m, data.test)}}}}};
  });
  tasks.add("arn:aws:states:::sagemaker:createModel", [](const asl::Json& in) {
    return asl::Json{{"ModelArn", "arn:aws:sagemaker:us-east-1:123456789012:model/" + in.at("ModelName").get<std::string>()}};
  });

  const auto sm = asl::StateMachine::load_file(ASL_EXAMPLES_DIR "/pipelines/training_jsonata.asl.json", tasks);
  asl::EngineOptions options;
  options.inline_execution = true;
  options.virtual_time = true;
  asl::Engine engine(options);

  for (const char* input : {R"({"run":"w49","bucket":"ml-data","learning_rate":0.5,"epochs":200})",
                            R"({"run":"w50","bucket":"ml-data","learning_rate":0.0001,"epochs":1})"}) {
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
