// Quick start (the README's code): load an ASL definition, bind its Task to C++ and run it.
#include <asl/asl.hpp>
#include <fmt/format.h>

int main() {
  asl::HandlerRegistry tasks;  // Resource ARN -> C++ handler, resolved once at load
  tasks.add("arn:aws:lambda:us-east-1:123456789012:function:train", [](const asl::Json& job) {
    const double lr = job.at("learning_rate").get<double>();
    return asl::Json{{"accuracy", lr < 0.2 ? 0.93 : 0.71}};
  });
  auto sm = asl::StateMachine::parse(R"({
    "StartAt": "Train",
    "States": {
      "Train": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:train",
                "ResultPath": "$.metrics", "Retry": [{"ErrorEquals": ["States.ALL"]}], "Next": "Gate"},
      "Gate": {"Type": "Choice", "Default": "Reject",
               "Choices": [{"Variable": "$.metrics.accuracy", "NumericGreaterThan": 0.9, "Next": "Deploy"}]},
      "Deploy": {"Type": "Pass", "Parameters": {"deployed.$": "$.metrics.accuracy"}, "End": true},
      "Reject": {"Type": "Fail", "Error": "Model.BelowThreshold"}}})", tasks);
  asl::Engine engine;
  asl::ExecutionResult r = engine.run(sm, asl::Json{{"learning_rate", 0.1}});
  fmt::print("{} {}\n", asl::to_string(r.status), r.output.dump());  // SUCCEEDED {"deployed":0.93}
}
