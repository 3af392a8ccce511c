// Example: a training pipeline whose Task states are real shell scripts (asl::CommandResolver).
// The definition (pipelines/training.asl.json) is written for AWS Lambda; each Lambda ARN is bound
// to a script in pipelines/*.sh, which reads the task's input as JSON on stdin and prints its
// result as JSON on stdout. Train fails once with an error object, and its Retry runs it again;
// stderr lines come back prefixed with the state's name.
// SPDX-License-Identifier: MIT
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include <asl/asl.hpp>
#include <asl/command_resolver.hpp>

namespace {

std::string read_text(const std::string& path) {
  std::string text;
  if (std::FILE* f = std::fopen(path.c_str(), "rb")) {
    char buf[4096];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) text.append(buf, n);
    std::fclose(f);
  }
  return text;
}

}  // namespace

int main() {
  const std::string dir = ASL_EXAMPLES_DIR "/pipelines/";
  // train.sh fails its first attempt; it remembers that attempt in this directory.
  char scratch[] = "/tmp/asl-command-tasks-XXXXXX";
  if (mkdtemp(scratch) == nullptr) return 1;
  setenv("COMMAND_TASKS_DIR", scratch, 1);

  asl::CommandOptions options;
  // Default: "[State] line" on this process's stderr. Here on stdout, to show them in order.
  options.stderr_sink = [](std::string_view state, std::string_view line) { fmt::print("  [{}] {}\n", state, line); };
  asl::CommandResolver commands(options);
  commands.add("arn:aws:lambda:*:*:function:validate-dataset", asl::Command::argv({"sh", dir + "validate_dataset.sh"}))
      .add("Train", asl::Command::argv({"sh", dir + "train.sh"}))  // by state name
      .add("arn:aws:lambda:*:*:function:evaluate", "sh '" + dir + "evaluate.sh'")  // through /bin/sh -c
      .add("arn:aws:lambda:*:*:function:*", asl::Command::argv({"sh", dir + "deploy.sh"}));  // deploy, notify

  const asl::StateMachine sm = asl::StateMachine::parse(read_text(dir + "training.asl.json"), commands);
  asl::EngineOptions engine_options;
  // The hour-long Wait and the 30 s retry interval are not waited (commands run in real time).
  engine_options.wait_scale = 0;
  engine_options.retry_interval_scale = 0;
  asl::Engine engine(engine_options);
  const asl::Json input = {{"dataset", {{"uri", "s3://ml-data/churn.csv"}, {"rows", 5000}}},
                           {"hyperparameters", {{"learning_rate", 0.1}}},
                           {"min_accuracy", 0.9}};
  const asl::ExecutionResult r = engine.run(sm, input);

  fmt::print("status {}\n", asl::to_string(r.status));
  if (r.succeeded()) {
    const asl::Json& d = r.output["deployment"]["deployed"];
    fmt::print("deployed {} at accuracy {}\n", d["model"]["model_id"].get<std::string>(),
               d["accuracy"].get<double>());
  } else {
    fmt::print("{}: {}\n", r.error.value_or(""), r.cause.value_or(""));
  }
  unlink((std::string(scratch) + "/train-attempted").c_str());
  rmdir(scratch);
  return r.succeeded() ? 0 : 1;
}
