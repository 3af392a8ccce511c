// Example 2: batch inference. A Map scores data partitions in parallel (MaxConcurrency), tolerates
// a bad partition (ToleratedFailurePercentage), and an aggregation task checks that the record
// counts it reports match the input.
#include <asl/asl.hpp>
#include <fmt/format.h>

#include "ml_common.hpp"

int main() {
  const ml::Dataset training = ml::make_blobs(400, 3);
  const ml::Model model = ml::train_logistic_regression(training.train, 0.5, 200);

  asl::HandlerRegistry tasks;
  tasks.add("arn:aws:lambda:us-east-1:123456789012:function:score-partition", [&model](const asl::Json& part) {
    if (part.value("corrupt", false)) throw asl::TaskError("Data.CorruptPartition", part["uri"].get<std::string>());
    // Each partition's rows are generated from its seed here; a real job would read part["uri"].
    const ml::Dataset rows = ml::make_blobs(part.at("records").get<std::size_t>() * 4 / 3 + 1, part.at("seed").get<std::uint32_t>());
    std::size_t positives = 0;
    for (const ml::Sample& s : rows.train) positives += model.predict(s) >= 0.5;
    return asl::Json{{"uri", part["uri"]}, {"scored", rows.train.size()}, {"positives", positives}};
  });
  tasks.add("arn:aws:lambda:us-east-1:123456789012:function:aggregate", [](const asl::Json& in) {
    const asl::Json& parts = in.at("partitions");
    const asl::Json& results = in.at("results");
    std::size_t expected = 0, scored = 0, positives = 0, failed = 0;
    bool counts_match = true;
    for (std::size_t i = 0; i < parts.size(); ++i) {
      if (results[i].is_null()) {  // a tolerated failure leaves null in its slot
        ++failed;
        continue;
      }
      expected += parts[i]["records"].get<std::size_t>();
      scored += results[i]["scored"].get<std::size_t>();
      positives += results[i]["positives"].get<std::size_t>();
      counts_match = counts_match && results[i]["scored"] == parts[i]["records"];
    }
    return asl::Json{{"partitions", parts.size()}, {"failed_partitions", failed}, {"expected_records", expected},
                     {"scored_records", scored}, {"positives", positives}, {"counts_match", counts_match}};
  });

  const auto job = asl::StateMachine::parse(R"({
    "StartAt": "ScorePartitions",
    "States": {
      "ScorePartitions": {"Type": "Map", "ItemsPath": "$.partitions", "MaxConcurrency": 3,
        "ToleratedFailurePercentage": 25,
        "ItemProcessor": {"StartAt": "Score", "States": {
          "Score": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:score-partition",
                    "Retry": [{"ErrorEquals": ["Data.CorruptPartition"], "MaxAttempts": 0}], "End": true}}},
        "ResultPath": "$.results", "Next": "Aggregate"},
      "Aggregate": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:aggregate",
                    "End": true}}})",
                                            tasks);

  asl::Json partitions = asl::Json::array();
  for (int i = 0; i < 8; ++i)
    partitions.push_back({{"uri", fmt::format("s3://batch/part-{:05}.parquet", i)}, {"records", 300 + 100 * i},
                          {"seed", 100 + i}, {"corrupt", i == 5}});

  asl::EngineOptions options;
  options.threads = 4;
  asl::Engine engine(options);
  const asl::ExecutionResult r = engine.run(job, asl::Json{{"partitions", partitions}});
  fmt::print("status {}\n", asl::to_string(r.status));
  if (!r.succeeded()) return 1;
  const asl::Json& s = r.output;
  fmt::print("scored {} of {} records in {} of {} partitions ({} failed, tolerated); {} positive\n",
             s["scored_records"].get<std::size_t>(), s["expected_records"].get<std::size_t>(),
             s["partitions"].get<std::size_t>() - s["failed_partitions"].get<std::size_t>(),
             s["partitions"].get<std::size_t>(), s["failed_partitions"].get<std::size_t>(),
             s["positives"].get<std::size_t>());
  fmt::print("record counts match: {}\n", s["counts_match"].get<bool>());
  return s["counts_match"].get<bool>() ? 0 : 1;
}
