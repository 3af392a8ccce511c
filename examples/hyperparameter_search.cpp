// Example 3: hyper-parameter search. A Map fans a grid of (learning rate, epochs) out over the
// worker pool; each point trains the real logistic regression; a task picks the best trial.
#include <asl/asl.hpp>
#include <fmt/format.h>

#include "ml_common.hpp"

int main() {
  const ml::Dataset data = ml::make_blobs(400, 11);  // shared, read-only by every trial

  asl::HandlerRegistry tasks;
  tasks.add("arn:aws:lambda:us-east-1:123456789012:function:train-trial", [&data](const asl::Json& p) {
    const double lr = p.at("learning_rate").get<double>();
    const int epochs = p.at("epochs").get<int>();
    const ml::Model m = ml::train_logistic_regression(data.train, lr, epochs);
    return asl::Json{{"learning_rate", lr}, {"epochs", epochs},
                     {"train_loss", ml::log_loss(m, data.train)}, {"accuracy", ml::accuracy(m, data.test)}};
  });
  tasks.add("arn:aws:lambda:us-east-1:123456789012:function:pick-best", [](const asl::Json& trials) {
    // Highest accuracy; ties go to the lower training loss, so the choice is deterministic.
    const asl::Json* best = &trials.at(0);
    for (const asl::Json& t : trials) {
      const double a = t["accuracy"].get<double>(), b = (*best)["accuracy"].get<double>();
      if (a > b || (a == b && t["train_loss"].get<double>() < (*best)["train_loss"].get<double>())) best = &t;
    }
    return *best;
  });

  const auto search = asl::StateMachine::parse(R"({
    "StartAt": "Trials",
    "States": {
      "Trials": {"Type": "Map", "MaxConcurrency": 4,
        "ItemsPath": "$.grid",
        "ItemProcessor": {"StartAt": "Train", "States": {
          "Train": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:train-trial",
                    "End": true}}},
        "Next": "PickBest"},
      "PickBest": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:pick-best",
                   "End": true}}})",
                                               tasks);

  asl::Json grid = asl::Json::array();
  for (double lr : {0.01, 0.1, 0.5, 2.0})
    for (int epochs : {10, 50, 200}) grid.push_back({{"learning_rate", lr}, {"epochs", epochs}});

  asl::EngineOptions options;
  options.threads = 4;  // the trials train in parallel
  asl::Engine engine(options);
  const asl::ExecutionResult r = engine.run(search, asl::Json{{"grid", grid}});
  if (!r.succeeded()) {
    fmt::print("{} {}\n", asl::to_string(r.status), r.cause.value_or(""));
    return 1;
  }
  fmt::print("{} trials on {} threads\n", grid.size(), engine.threads());
  fmt::print("best: learning_rate {} epochs {} accuracy {:.4f} train_loss {:.4f}\n",
             r.output["learning_rate"].get<double>(), r.output["epochs"].get<int>(),
             r.output["accuracy"].get<double>(), r.output["train_loss"].get<double>());
}
