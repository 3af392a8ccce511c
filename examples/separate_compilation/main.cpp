// Separate compilation example: the service's main file runs the pipeline on an engine.
// Built with ASL_SEPARATE_COMPILATION (examples/CMakeLists.txt), like every file of the program.
#include <fmt/format.h>

#include "pipeline.hpp"

int main() {
  asl::Engine engine;
  asl::ExecutionResult r = engine.run(service::training_pipeline(), asl::Json{{"dataset", "churn.csv"}, {"learning_rate", 0.1}});
  fmt::print("{} {}{}\n", asl::to_string(r.status), r.output.dump(),  // SUCCEEDED {"deployed":0.93}
             r.error ? " " + *r.error + ": " + r.cause.value_or("") : "");
  // validate_definition is compiled once too (asl/impl.hpp also defines it).
  fmt::print("{} diagnostics\n", asl::validate_definition(R"({"StartAt":"A","States":{"A":{"Type":"Succeed"}}})").size());
  return r.succeeded() ? 0 : 1;
}
