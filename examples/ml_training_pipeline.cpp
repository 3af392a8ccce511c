// Example 1: an ML training pipeline that really trains. Validate a generated dataset, train a
// logistic regression by gradient descent (one simulated transient failure, retried), evaluate it
// on the held-out split, gate on accuracy and write the model file, printing each state.
#include <asl/asl.hpp>
#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "ml_common.hpp"

namespace {

/// Prints each state as it is entered and left, and each failed task attempt.
class PrintStates final : public asl::Observer {
 public:
  void on_event(const asl::HistoryEvent& e) override {
    const std::string_view type = asl::to_string(e.type);
    const auto ends_with = [&](std::string_view s) {
      return type.size() > s.size() && type.substr(type.size() - s.size()) == s;
    };
    if (ends_with("StateEntered")) fmt::print("-> {}\n", e.details->value("name", ""));
    else if (ends_with("StateExited")) fmt::print("<- {}\n", e.details->value("name", ""));
    else if (ends_with("Failed") && e.details->contains("error"))
      fmt::print("   ! {}: {}\n", e.details->value("error", ""), e.details->value("cause", ""));
  }
};

ml::Dataset load(const asl::Json& dataset) {
  return ml::make_blobs(dataset.at("rows").get<std::size_t>(), dataset.at("seed").get<std::uint32_t>());
}

asl::Json to_json(const ml::Model& m) { return {{"w1", m.w1}, {"w2", m.w2}, {"b", m.b}}; }
ml::Model from_json(const asl::Json& j) {
  return ml::Model{j.at("w1").get<double>(), j.at("w2").get<double>(), j.at("b").get<double>()};
}

asl::HandlerRegistry handlers(const std::filesystem::path& deploy_dir) {
  asl::HandlerRegistry tasks;
  tasks.add_pattern("*:function:validate-dataset", [](const asl::Json& in) {
    const ml::Dataset d = load(in.at("dataset"));
    asl::Json problems = asl::Json::array();
    std::size_t positives = 0, incomplete = 0;
    for (const auto* part : {&d.train, &d.test})
      for (const ml::Sample& s : *part) {
        positives += s.label == 1;
        incomplete += !std::isfinite(s.x1) || !std::isfinite(s.x2);
        if (s.label != 0 && s.label != 1) problems.push_back("label outside {0,1}");
      }
    const std::size_t rows = d.train.size() + d.test.size();
    const double positive_share = static_cast<double>(positives) / static_cast<double>(rows);
    if (incomplete) problems.push_back(fmt::format("{} incomplete rows", incomplete));
    if (positive_share < 0.3 || positive_share > 0.7) problems.push_back("labels are unbalanced");
    return asl::Json{{"ok", problems.empty()}, {"rows", rows}, {"positive_share", positive_share},
                     {"problems", problems}};
  });
  tasks.add_pattern("*:function:train-logistic-regression", [](const asl::Json& in, asl::TaskContext& ctx) {
    // Deterministic stand-in for a preempted GPU node: the first attempt fails, the retry succeeds.
    if (ctx.retry_count == 0) throw asl::TaskError("Training.TransientError", "training node preempted");
    const ml::Dataset d = load(in.at("dataset"));
    const asl::Json& hp = in.at("hyperparameters");
    const ml::Model m = ml::train_logistic_regression(
        d.train, hp.at("learning_rate").get<double>(), hp.at("epochs").get<int>(),
        [&] { return !ctx.stop_requested(); });  // TimeoutSeconds stops the loop
    return asl::Json{{"weights", to_json(m)}, {"train_loss", ml::log_loss(m, d.train)}};
  });
  tasks.add_pattern("*:function:evaluate", [](const asl::Json& in) {
    const ml::Dataset d = load(in.at("dataset"));
    const ml::Model m = from_json(in.at("model").at("weights"));
    return asl::Json{{"accuracy", ml::accuracy(m, d.test)}, {"test_rows", d.test.size()}};
  });
  tasks.add_pattern("*:function:deploy-model", [deploy_dir](const asl::Json& in) {
    std::filesystem::create_directories(deploy_dir);
    const std::filesystem::path file = deploy_dir / "model.json";
    std::ofstream(file) << in.dump(2) << '\n';
    return asl::Json{{"path", file.string()}};
  });
  tasks.add_pattern("*:function:notify", [](const asl::Json& in) {
    fmt::print("   notify: {}\n", in.at("message").get<std::string>());
    return asl::Json{{"sent", true}};
  });
  return tasks;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string definition = argc > 1 ? argv[1] : ASL_EXAMPLES_DIR "/pipelines/training.asl.json";
  const std::filesystem::path deploy_dir = std::filesystem::temp_directory_path() / "asl-ml-training";
  const asl::HandlerRegistry tasks = handlers(deploy_dir);
  const asl::StateMachine pipeline = asl::StateMachine::load_file(definition, tasks);

  asl::EngineOptions options;
  options.inline_execution = true;  // one execution: run it on this thread
  options.virtual_time = true;      // the 1-hour Wait and the 30 s retry interval take no real time
  asl::Engine engine(options);
  engine.add_observer(std::make_shared<PrintStates>());

  const asl::Json input = {{"dataset", {{"rows", 400}, {"seed", 7}}},
                           {"hyperparameters", {{"learning_rate", 0.5}, {"epochs", 200}}},
                           {"min_accuracy", 0.9}};
  const asl::ExecutionResult r = engine.run(pipeline, input);
  fmt::print("status {}\n", asl::to_string(r.status));
  if (!r.succeeded()) {
    fmt::print("error {} cause {}\n", r.error.value_or(""), r.cause.value_or(""));
    return 1;
  }
  fmt::print("train loss {:.4f}, final accuracy {:.4f} on {} held-out rows\n",
             r.output["model"]["train_loss"].get<double>(), r.output["metrics"]["accuracy"].get<double>(),
             r.output["metrics"]["test_rows"].get<int>());
  if (r.output.contains("deployment"))
    fmt::print("deployed model to {}\n", r.output["deployment"]["path"].get<std::string>());
}
