// A local stand-in for SageMaker's createTrainingJob (and its .sync form): trains the examples'
// logistic-regression model from the job's hyper-parameters and answers in SageMaker's shape;
// and createModel.
// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include <asl/json.hpp>

#include "ml_common.hpp"

namespace ml {

inline asl::Json sagemaker_training_job(const asl::Json& job) {
  const asl::Json& hp = job.at("HyperParameters");  // SageMaker passes hyper-parameters as strings
  const Dataset data = make_blobs(400, 5);
  const Model m = train_logistic_regression(data.train, std::stod(hp.at("learning_rate").get<std::string>()),
                                            std::stoi(hp.at("epochs").get<std::string>()));
  const std::string name = job.at("TrainingJobName").get<std::string>();
  return asl::Json{
      {"TrainingJobName", name},
      {"TrainingJobStatus", "Completed"},
      {"ModelArtifacts",
       {{"S3ModelArtifacts", job.at("OutputDataConfig").at("S3OutputPath").get<std::string>() + name + "/model.tar.gz"}}},
      {"FinalMetricDataList",
       {{{"MetricName", "train:loss"}, {"Value", log_loss(m, data.train)}},
        {{"MetricName", "validation:accuracy"}, {"Value", accuracy(m, data.test)}}}}};
}

/// createModel: the model's ARN.
inline asl::Json sagemaker_create_model(const asl::Json& in) {
  return asl::Json{{"ModelArn", "arn:aws:sagemaker:us-east-1:123456789012:model/" + in.at("ModelName").get<std::string>()}};
}

}  // namespace ml
