// Example: batch inference with a Distributed Map over a CSV in a local bucket. The rows are
// read as the Map goes (never the whole file), scored 1,000 at a time by the logistic-regression
// model of the training example, and the results written by ResultWriter in AWS's layout. A Map
// Run observer follows the run's counts (a progress line when stderr is a terminal).
// Usage: example_distributed_batch_inference [rows] [--timing]   (rows: 20000 by default)
#include <asl/asl.hpp>
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <mutex>
#include <random>
#include <string>
#include <sys/resource.h>
#include <unistd.h>

#include "ml_common.hpp"

namespace fs = std::filesystem;

namespace {

/// Writes `rows` labelled points (the training example's two blobs) as CSV, row by row.
void write_rows(const fs::path& file, std::size_t rows) {
  std::ofstream out(file, std::ios::binary);
  out << "id,x1,x2,label\n";
  std::mt19937 rng(7);
  auto uniform = [&] { return (static_cast<double>(rng()) + 0.5) / 4294967296.0; };
  auto gauss = [&] { return std::sqrt(-2.0 * std::log(uniform())) * std::cos(6.283185307179586 * uniform()); };
  std::string line;
  for (std::size_t i = 0; i < rows; ++i) {
    const int label = static_cast<int>(i % 2);
    const double centre = label ? 1.0 : -1.0;
    line = fmt::format("{},{:.4f},{:.4f},{}\n", i, centre + 0.9 * gauss(), centre + 0.9 * gauss(), label);
    out << line;
  }
}

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

const char* definition = R"({
  "Comment": "Score every row of s3://features/rows.csv, 1,000 rows per child execution",
  "StartAt": "ScoreAll",
  "States": {
    "ScoreAll": {
      "Type": "Map",
      "ItemReader": {
        "Resource": "arn:aws:states:::s3:getObject",
        "Parameters": {"Bucket": "features", "Key.$": "$.key"},
        "ReaderConfig": {"InputType": "CSV", "CSVHeaderLocation": "FIRST_ROW"}
      },
      "ItemBatcher": {"MaxItemsPerBatch": 1000, "BatchInput": {"model.$": "$.model"}},
      "ItemProcessor": {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "EXPRESS"},
        "StartAt": "ScoreBatch",
        "States": {
          "ScoreBatch": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:score-batch",
                         "End": true}
        }
      },
      "ResultWriter": {
        "Resource": "arn:aws:states:::s3:putObject",
        "Parameters": {"Bucket": "scores", "Prefix": "nightly"},
        "WriterConfig": {"Transformation": "COMPACT", "OutputType": "JSONL"}
      },
      "End": true
    }
  }
})";

/// Follows the Map Run: a progress line on a terminal (at most 4 redraws a second, from
/// whichever worker ends a batch), and the run as it ended.
class Progress final : public asl::MapRunObserver {
 public:
  void on_map_run_progress(const std::string&, const asl::MapRunItemCounts& c) override {
    if (!terminal_) return;
    const auto now = std::chrono::steady_clock::now();
    std::unique_lock<std::mutex> lock(mutex_, std::try_to_lock);
    if (!lock.owns_lock() || now - last_ < std::chrono::milliseconds(250)) return;
    last_ = now;
    std::fprintf(stderr, "\r%llu batches scored, %llu running", static_cast<unsigned long long>(c.succeeded),
                 static_cast<unsigned long long>(c.running));
  }
  void on_map_run_ended(const asl::MapRunInfo& run) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (terminal_) std::fputc('\n', stderr);
    ended_ = run;
  }
  asl::MapRunInfo ended() {
    std::lock_guard<std::mutex> lock(mutex_);
    return ended_;
  }

 private:
  const bool terminal_ = ::isatty(STDERR_FILENO) == 1;
  std::mutex mutex_;
  std::chrono::steady_clock::time_point last_{};
  asl::MapRunInfo ended_;
};

}  // namespace

int main(int argc, char** argv) {
  std::size_t rows = 20000;
  bool timing = false;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--timing") == 0)
      timing = true;
    else
      rows = std::strtoull(argv[i], nullptr, 10);
  }
  // A local "S3": bucket b, key k is the file <root>/b/k.
  const fs::path root = fs::temp_directory_path() / fmt::format("asl-batch-inference-{}", ::getpid());
  fs::create_directories(root / "features");
  fs::create_directories(root / "scores");
  write_rows(root / "features" / "rows.csv", rows);

  const ml::Dataset training = ml::make_blobs(400, 3);
  const ml::Model model = ml::train_logistic_regression(training.train, 0.5, 200);

  asl::HandlerRegistry tasks;
  tasks.add("arn:aws:lambda:us-east-1:123456789012:function:score-batch", [&model](const asl::Json& batch) {
    std::size_t positives = 0, correct = 0;
    const asl::Json& items = batch.at("Items");
    for (const asl::Json& row : items) {
      // Every CSV value arrives as a string, as on AWS.
      const ml::Sample s{std::stod(row["x1"].get_ref<const std::string&>()),
                         std::stod(row["x2"].get_ref<const std::string&>()), 0};
      const bool positive = model.predict(s) >= 0.5;
      positives += positive;
      correct += positive == (row["label"].get_ref<const std::string&>() == "1");
    }
    return asl::Json{{"model", batch["BatchInput"]["model"]},
                     {"first", items.front()["id"]},
                     {"rows", items.size()},
                     {"positives", positives},
                     {"correct", correct}};
  });

  asl::EngineOptions options;
  options.object_store = std::make_shared<asl::LocalDirectoryStore>(root);
  asl::Engine engine(options);
  auto progress = std::make_shared<Progress>();
  engine.add_map_run_observer(progress);
  const auto started = std::chrono::steady_clock::now();
  const asl::ExecutionResult r = engine.run(asl::StateMachine::from_json(asl::Json::parse(definition), tasks),
                                            asl::Json{{"key", "rows.csv"}, {"model", "churn-v1"}});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  fmt::print("status {}\n", asl::to_string(r.status));
  if (!r.succeeded()) {
    fmt::print("{}: {}\n", r.error.value_or(""), r.cause.value_or(""));
    fs::remove_all(root);
    return 1;
  }

  // The Map's output names the manifest; the manifest names the result files.
  const std::string manifest_key = r.output["ResultWriterDetails"]["Key"];
  const asl::Json manifest = asl::Json::parse(read_file(root / "scores" / manifest_key));
  std::size_t batches = 0, scored = 0, positives = 0, correct = 0;
  for (const asl::Json& file : manifest["ResultFiles"]["SUCCEEDED"]) {
    std::ifstream in(root / "scores" / file["Key"].get<std::string>());
    for (std::string line; std::getline(in, line);) {
      const asl::Json b = asl::Json::parse(line);
      ++batches;
      scored += b["rows"].get<std::size_t>();
      positives += b["positives"].get<std::size_t>();
      correct += b["correct"].get<std::size_t>();
    }
  }
  fmt::print("scored {} of {} rows in {} batches, {} positive\n", scored, rows, batches, positives);
  fmt::print("accuracy {:.3f}\n", static_cast<double>(correct) / static_cast<double>(scored));
  fmt::print("results: s3://scores/{} ({} SUCCEEDED, {} FAILED files)\n", manifest_key,
             manifest["ResultFiles"]["SUCCEEDED"].size(), manifest["ResultFiles"]["FAILED"].size());
  // What DescribeMapRun's itemCounts would say (a batch is one child execution).
  const asl::MapRunInfo run = progress->ended();
  fmt::print("map run {}: {} of {} batches succeeded, {} failed, {} results written\n", asl::to_string(run.status),
             run.item_counts.succeeded, run.item_counts.total, run.item_counts.failed,
             run.item_counts.results_written);
  if (timing) {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    fmt::print("wall {:.2f} s, {:.0f} rows/s, peak RSS {} MB\n", seconds, static_cast<double>(rows) / seconds,
               ru.ru_maxrss / 1024);
  }
  fs::remove_all(root);
  return 0;
}
