// Durable batch inference: a Distributed Map scoring a CSV in batches, in a journaled execution.
// The first process stops with 8 of 20 batches scored; the next one resumes the Map Run from the
// journal and scores only the other 12. Then a run fails on one batch while a feature service is
// down; redriven once it is back, it scores that batch and the ones never started, nothing else.
#include <asl/asl.hpp>
#include <asl/file_journal.hpp>
#include <fmt/format.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <unistd.h>

#include "ml_common.hpp"

namespace fs = std::filesystem;

namespace {

constexpr const char* definition = R"({
  "StartAt": "ScoreAll",
  "States": {
    "ScoreAll": {
      "Type": "Map",
      "ItemReader": {"Resource": "arn:aws:states:::s3:getObject",
                     "Parameters": {"Bucket": "features", "Key": "rows.csv"},
                     "ReaderConfig": {"InputType": "CSV"}},
      "ItemBatcher": {"MaxItemsPerBatch": 500},
      "MaxConcurrency": 4,
      "ItemProcessor": {
        "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
        "StartAt": "ScoreBatch",
        "States": {"ScoreBatch": {"Type": "Task", "End": true,
                                  "Resource": "arn:aws:lambda:us-east-1:123456789012:function:score-batch"}}},
      "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject",
                       "Parameters": {"Bucket": "scores", "Prefix": "runs"}},
      "End": true
    }
  }
})";

/// What the score handler did, across the three "processes".
struct Scoring {
  std::mutex mutex;
  std::condition_variable cv;
  std::set<std::string> scored;  ///< first row id of each batch scored, this process
  int held = 0;                  ///< batches whose call never answers (the process is stopping)
  std::size_t stop_after = 0;    ///< > 0: batches from this one on are held
  std::string down_batch;        ///< this batch fails: the feature service is down
};

asl::HandlerRegistry handlers(Scoring& s, const ml::Model& model) {
  asl::HandlerRegistry tasks;
  tasks.add("arn:aws:lambda:us-east-1:123456789012:function:score-batch",
            [&s, &model](const asl::Json& batch, asl::TaskContext& ctx) -> asl::Result<asl::Json> {
              const asl::Json& items = batch.at("Items");
              const std::string first = items.front()["id"];
              std::lock_guard<std::mutex> lock(s.mutex);
              if (s.stop_after && std::stoul(first) / 500 >= s.stop_after) {
                ++s.held;
                s.cv.notify_all();
                ctx.defer();  // never answered: the process stops meanwhile
                return asl::Json();
              }
              if (first == s.down_batch) return asl::Error("FeatureStore.Unavailable", "the feature store is down");
              std::size_t positives = 0;
              for (const asl::Json& row : items)
                positives += model.predict(ml::Sample{std::stod(row["x1"].get<std::string>()),
                                                      std::stod(row["x2"].get<std::string>()), 0}) >= 0.5;
              s.scored.insert(first);
              return asl::Json{{"first", first}, {"rows", items.size()}, {"positives", positives}};
            });
  return tasks;
}

/// Rows scored in the SUCCEEDED files the run's manifest lists.
std::size_t rows_in_results(const fs::path& root, const asl::Json& output) {
  auto read = [&](const std::string& key) {
    std::ifstream in(root / "scores" / key);
    return asl::Json::parse(in);
  };
  std::size_t rows = 0;
  const asl::Json manifest = read(output["ResultWriterDetails"]["Key"]);
  for (const asl::Json& f : manifest["ResultFiles"]["SUCCEEDED"])
    for (const asl::Json& record : read(f["Key"]))
      rows += asl::Json::parse(record["Output"].get<std::string>())["rows"].get<std::size_t>();
  return rows;
}

}  // namespace

int main() {
  const fs::path root = fs::temp_directory_path() / fmt::format("asl-durable-batch-{}", ::getpid());
  fs::create_directories(root / "features");
  fs::create_directories(root / "scores");
  {
    std::ofstream out(root / "features" / "rows.csv");
    out << "id,x1,x2\n";
    std::mt19937 rng(11);
    std::normal_distribution<double> g(0.0, 1.2);
    for (int i = 0; i < 10000; ++i) out << fmt::format("{},{:.4f},{:.4f}\n", i, g(rng), g(rng));
  }
  const ml::Model model = ml::train_logistic_regression(ml::make_blobs(400, 3).train, 0.5, 200);
  const fs::path journal_dir = root / "journal";
  asl::EngineOptions options;
  options.object_store = std::make_shared<asl::LocalDirectoryStore>(root);
  Scoring s;
  asl::RunOptions nightly;
  nightly.name = "nightly-scores";
  {
    // Process 1: batches 0-7 are scored, then the process stops with 4 batches in flight.
    s.stop_after = 8;
    options.journal = std::make_shared<asl::FileJournal>(journal_dir.string());
    asl::Engine engine(options);
    const auto tasks = handlers(s, model);
    engine.start(asl::StateMachine::parse(definition, tasks), asl::Json::object(), nightly);
    std::unique_lock<std::mutex> lock(s.mutex);
    s.cv.wait(lock, [&] { return s.held == 4; });
    fmt::print("process 1 stopped: {} of 20 batches scored, {} in flight\n", s.scored.size(), s.held);
  }
  {
    // Process 2: the same journal. The Map Run reads the file again; the 8 batches whose results
    // the journal holds are not scored again.
    std::lock_guard<std::mutex> lock(s.mutex);
    s.stop_after = 0;
    s.scored.clear();
  }
  options.journal.reset();  // process 1's journal is closed (and flushed) before the next one opens it
  options.journal = std::make_shared<asl::FileJournal>(journal_dir.string());
  {
    asl::Engine engine(options);
    for (asl::Execution& e : engine.recover(handlers(s, model))) {
      const asl::ExecutionResult r = e.get();
      fmt::print("process 2 resumed '{}': {}, scored {} batches; {} rows in the result files\n", e.name(),
                 asl::to_string(r.status), s.scored.size(), rows_in_results(root, r.output));
    }
  }
  {
    // A second run fails on batch 6 (rows 3000-3499) while the feature store is down (run inline
    // here, so that it fails with the same batches done every time) ...
    asl::EngineOptions inline_options = options;
    inline_options.inline_execution = true;
    asl::Engine engine(inline_options);
    const auto tasks = handlers(s, model);
    s.scored.clear();
    s.down_batch = "3000";
    asl::RunOptions weekly;
    weekly.name = "weekly-scores";
    const asl::ExecutionResult failed =
        engine.run(asl::StateMachine::parse(definition, tasks), asl::Json::object(), weekly);
    fmt::print("weekly {} {} after {} batches\n", asl::to_string(failed.status), failed.error.value_or(""),
               s.scored.size());
    // ... and is redriven once it is back: the failed batch and those never started run, no other.
    const std::size_t before = s.scored.size();
    s.down_batch.clear();
    s.scored.clear();
    asl::Execution e = engine.redrive("weekly-scores", tasks);
    const asl::ExecutionResult r = e.get();
    fmt::print("redriven: {}, scored {} more batches (of {} not done); map run redriven {} time; {} rows in the "
               "result files\n",
               asl::to_string(r.status), s.scored.size(), 20 - before, e.map_runs().at(0).redrive_count,
               rows_in_results(root, r.output));
  }
  options.journal.reset();
  fs::remove_all(root);
}
