// Engine tests: a Distributed Map's Map Run in a durable execution (issue #20 with #22): killed
// after any journal record, it resumes without calling again a child whose result was recorded
// and writes the same result files; a source that changed meanwhile is refused; a redrive runs
// only the failed and never-started children again and logs MapRunRedriven.
// SPDX-License-Identifier: MIT
#include "support/catch.hpp"
#include "support/idempotency_key.hpp"
#include "support/journal_cut.hpp"
#include "support/temp_bucket_root.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include <asl/asl.hpp>
#include <asl/local_directory_store.hpp>
#include <asl/testing/manual_clock.hpp>
#include <asl/testing/memory_journal.hpp>


using asl::Json;
using asl::testing::MemoryJournal;
namespace fs = std::filesystem;

namespace {

const char* const arn_score = "arn:score";

struct TempDir : asl::testing::TempBucketRoot {
  TempDir() : TempBucketRoot("dmap-durable") { fs::create_directories(path / "out"); }
};

/// `rows` CSV rows `n,key`: n = 1..rows, key = a, b, c, ...
std::string csv(int rows) {
  std::string text = "n,key\n";
  for (int i = 1; i <= rows; ++i) text += std::to_string(i) + "," + std::string(1, static_cast<char>('a' + i - 1)) + "\n";
  return text;
}

/// A Map Run over in/rows.csv (batched when `batch` > 0), its results written to out/scores/,
/// then an inline Map whose children take journal ids after the Map Run's block.
Json definition(int batch, int concurrency, bool writer = true) {
  Json map = {{"Type", "Map"},
              {"ItemReader",
               {{"Resource", "arn:aws:states:::s3:getObject"},
                {"Parameters", {{"Bucket", "in"}, {"Key", "rows.csv"}}},
                {"ReaderConfig", {{"InputType", "CSV"}}}}},
              {"MaxConcurrency", concurrency},
              {"ItemProcessor",
               {{"ProcessorConfig", {{"Mode", "DISTRIBUTED"}, {"ExecutionType", "STANDARD"}}},
                {"StartAt", "Score"},
                {"States", {{"Score", {{"Type", "Task"}, {"Resource", arn_score}, {"End", true}}}}}}},
              {"ResultPath", "$.run"},
              {"Next", "After"}};
  if (batch > 0) map["ItemBatcher"] = {{"MaxItemsPerBatch", batch}};
  if (writer)
    map["ResultWriter"] = {{"Resource", "arn:aws:states:::s3:putObject"},
                           {"Parameters", {{"Bucket", "out"}, {"Prefix", "scores"}}}};
  Json after = {{"Type", "Map"},
                {"ItemsPath", "$.tail"},
                {"ItemProcessor",
                 {{"StartAt", "T"}, {"States", {{"T", {{"Type", "Task"}, {"Resource", arn_score}, {"End", true}}}}}}},
                {"ResultPath", "$.tail"},
                {"End", true}};
  return Json{{"StartAt", "Run"}, {"States", {{"Run", map}, {"After", after}}}};
}

/// The score handler, with a ledger of calls by key (a row's key, a batch's first key, or a
/// tail item) and by idempotency key; `broken` keys fail with "Broken".
struct Scorer {
  std::mutex mutex;
  std::map<std::string, int> calls;
  std::vector<std::string> idempotency_keys;
  std::set<std::string> broken;

  static std::string key_of(const Json& in) {
    if (in.is_object() && in.contains("Items")) return in["Items"][0]["key"].get<std::string>();
    if (in.is_object() && in.contains("key")) return in["key"].get<std::string>();
    return "tail" + in.dump();
  }
  asl::HandlerRegistry handlers() {
    asl::HandlerRegistry tasks;
    tasks.add(arn_score, [this](const Json& in, asl::TaskContext& ctx) -> asl::Result<Json> {
      const std::string key = key_of(in);
      std::lock_guard<std::mutex> lock(mutex);
      ++calls[key];
      idempotency_keys.push_back(ctx.idempotency_key());
      if (broken.count(key)) return asl::Error("Broken", key + " is broken");
      return Json{{"scored", key}};
    });
    return tasks;
  }
  int of(const std::string& key) {
    std::lock_guard<std::mutex> lock(mutex);
    return calls[key];
  }
};

asl::EngineOptions options(bool inline_run, const TempDir& dir, std::shared_ptr<asl::Journal> journal) {
  asl::EngineOptions o;
  o.inline_execution = inline_run;
  o.threads = 2;
  o.virtual_time = true;
  o.clock = std::make_shared<asl::testing::ManualClock>(asl::TimePoint{std::chrono::seconds(1'750'000'000)});
  o.object_store = std::make_shared<asl::LocalDirectoryStore>(dir.path);
  o.journal = std::move(journal);
  return o;
}

asl::RunOptions named(const std::string& name) {
  asl::RunOptions r;
  r.name = name;
  return r;
}

const Json input = Json{{"tail", {1, 2}}};

/// Every record of every result file the run's manifest lists (SUCCEEDED, FAILED, PENDING),
/// by status and input, as a set: on a pool the files list children in the order they ended.
std::multiset<std::string> written_records(const TempDir& dir, const Json& map_output) {
  std::multiset<std::string> out;
  const Json manifest = dir.read_json("out", map_output["ResultWriterDetails"]["Key"].get<std::string>());
  for (const char* kind : {"SUCCEEDED", "FAILED", "PENDING"})
    for (const Json& f : manifest["ResultFiles"][kind]) {
      Json records = dir.read_json("out", f["Key"].get<std::string>());
      for (Json& r : records) {
        r.erase("StartDate");  // times are the clock's; a resume may read it later
        r.erase("StopDate");
        out.insert(r.dump());
      }
    }
  return out;
}

}  // namespace

TEST_CASE("map run durable: killed after any record, a Map Run resumes without redoing finished children",
          "[items][map_run][durable]") {
  const bool inline_run = GENERATE(true, false);
  const int batch = GENERATE(0, 2);
  CAPTURE(inline_run, batch);
  TempDir dir;
  dir.write("in", "rows.csv", csv(6));
  Scorer scorer;
  const auto machine = asl::StateMachine::from_json(definition(batch, 2), scorer.handlers());

  auto journal = std::make_shared<MemoryJournal>();
  asl::ExecutionResult reference;
  {
    asl::Engine engine(options(inline_run, dir, journal));
    reference = engine.start(machine, input, named("score-1")).get();
  }
  REQUIRE(reference.status == asl::Status::succeeded);
  CHECK(reference.output["tail"].size() == 2);
  const auto reference_files = written_records(dir, reference.output["run"]);
  CHECK(reference_files.size() == (batch ? 3u : 6u));
  const std::vector<std::string> records = journal->records();
  // definition, start, the Map Run's children and source, one result per child, the tail
  // Map's children and two results, the end
  REQUIRE(records.size() == 2 + 2 + (batch ? 3u : 6u) + 1 + 2 + 1);

  for (std::size_t k = 0; k <= records.size(); ++k) {
    INFO("journal cut after record " << k << " of " << records.size());
    const asl::testing::JournalCut cut = asl::testing::cut_journal(records, k);
    if (!cut.started || cut.ended) continue;
    fs::remove_all(dir.path / "out" / "scores");  // what the killed run wrote is written again

    {
      std::lock_guard<std::mutex> lock(scorer.mutex);
      scorer.calls.clear();
      scorer.idempotency_keys.clear();
    }
    asl::Engine engine(options(inline_run, dir, std::make_shared<MemoryJournal>(cut.records)));
    std::vector<asl::Execution> resumed = engine.recover(scorer.handlers());
    REQUIRE(resumed.size() == 1);
    const asl::ExecutionResult r = resumed[0].get();
    REQUIRE(r.status == asl::Status::succeeded);
    CHECK(r.output == reference.output);  // the Map Run's ARN and result key included
    CHECK(written_records(dir, r.output["run"]) == reference_files);
    // No child whose result was recorded is called again, and none twice.
    for (const std::string& key : scorer.idempotency_keys) {
      const asl::detail::RecordedTask* t = cut.memo->find_task(asl::testing::fact_key_of(key));
      CHECK_FALSE((t && t->ended()));
    }
    for (const auto& [key, n] : scorer.calls) CHECK(n == 1);
  }
}

TEST_CASE("map run durable: a resume refuses an item file that changed since the Map Run began",
          "[items][map_run][durable]") {
  TempDir dir;
  dir.write("in", "rows.csv", csv(4));
  Scorer scorer;
  const auto machine = asl::StateMachine::from_json(definition(0, 1, false), scorer.handlers());
  auto journal = std::make_shared<MemoryJournal>();
  {
    asl::Engine engine(options(true, dir, journal));
    REQUIRE(engine.start(machine, input, named("n")).get().status == asl::Status::succeeded);
  }
  // Killed after the first child's result: definition, start, children, source, one result.
  const std::vector<std::string> all = journal->records();
  std::vector<std::string> prefix(all.begin(), all.begin() + 5);
  scorer.calls.clear();

  SECTION("the same file: the run goes on") {
    asl::Engine engine(options(true, dir, std::make_shared<MemoryJournal>(prefix)));
    auto resumed = engine.recover(scorer.handlers());
    REQUIRE(resumed.size() == 1);
    CHECK(resumed[0].get().status == asl::Status::succeeded);
    CHECK(scorer.of("a") == 0);  // recorded
    CHECK(scorer.of("b") == 1);
  }
  SECTION("a file with other rows: States.ItemReaderFailed, nothing called") {
    dir.write("in", "rows.csv", csv(5));
    asl::Engine engine(options(true, dir, std::make_shared<MemoryJournal>(prefix)));
    auto resumed = engine.recover(scorer.handlers());
    REQUIRE(resumed.size() == 1);
    const asl::ExecutionResult r = resumed[0].get();
    REQUIRE(r.status == asl::Status::failed);
    CHECK(r.error == std::optional<std::string>("States.ItemReaderFailed"));
    REQUIRE(r.cause);
    CHECK(r.cause->find("source changed since this Map Run began") != std::string::npos);
    CHECK(r.cause->find("\"Key\":\"rows.csv\"") != std::string::npos);
    CHECK(scorer.calls.empty());
  }
}

TEST_CASE("map run durable: a listing that changed is refused too", "[items][map_run][durable]") {
  TempDir dir;
  dir.write("in", "p/1.txt", "one");
  dir.write("in", "p/2.txt", "two");
  Scorer scorer;
  Json def = definition(0, 1, false);
  def["States"]["Run"]["ItemReader"] = {{"Resource", "arn:aws:states:::s3:listObjectsV2"},
                                        {"Parameters", {{"Bucket", "in"}, {"Prefix", "p/"}}}};
  def["States"]["Run"]["ItemSelector"] = {{"key.$", "$$.Map.Item.Value.Key"}};
  const auto machine = asl::StateMachine::from_json(def, scorer.handlers());
  auto journal = std::make_shared<MemoryJournal>();
  {
    asl::Engine engine(options(true, dir, journal));
    REQUIRE(engine.start(machine, input, named("l")).get().status == asl::Status::succeeded);
  }
  const std::vector<std::string> all = journal->records();
  std::vector<std::string> prefix(all.begin(), all.begin() + 5);
  dir.write("in", "p/3.txt", "three");
  asl::Engine engine(options(true, dir, std::make_shared<MemoryJournal>(prefix)));
  auto resumed = engine.recover(scorer.handlers());
  REQUIRE(resumed.size() == 1);
  const asl::ExecutionResult r = resumed[0].get();
  CHECK(r.error == std::optional<std::string>("States.ItemReaderFailed"));
  REQUIRE(r.cause);
  CHECK(r.cause->find("\"Objects\":2") != std::string::npos);
  CHECK(r.cause->find("\"Objects\":3") != std::string::npos);
}

TEST_CASE("map run durable: a redrive runs the failed and never-started children only, and logs MapRunRedriven",
          "[items][map_run][durable][redrive]") {
  const bool inline_run = GENERATE(true, false);
  CAPTURE(inline_run);
  TempDir dir;
  dir.write("in", "rows.csv", csv(6));
  Scorer scorer;
  scorer.broken.insert("c");
  Json def = definition(0, 1);
  def["States"]["Run"]["ToleratedFailureCount"] = 0;
  const auto machine = asl::StateMachine::from_json(def, scorer.handlers());
  auto journal = std::make_shared<MemoryJournal>();
  {
    asl::Engine engine(options(inline_run, dir, journal));
    const auto r = engine.start(machine, input, named("batch")).get();
    REQUIRE(r.status == asl::Status::failed);
    CHECK(r.error == std::optional<std::string>("States.ExceedToleratedFailureThreshold"));
  }
  CHECK(scorer.of("c") == 1);
  CHECK(scorer.of("d") == 0);  // MaxConcurrency 1: never started, PENDING
  scorer.broken.clear();

  std::mutex m;
  std::vector<std::string> events;
  Json redriven_details;
  struct Recorder final : asl::Observer {
    std::mutex* m;
    std::vector<std::string>* events;
    Json* redriven;
    void on_event(const asl::HistoryEvent& e) override {
      std::lock_guard<std::mutex> lock(*m);
      events->emplace_back(asl::to_string(e.type));
      if (e.type == asl::EventType::MapRunRedriven) *redriven = *e.details;
    }
  };
  auto recorder = std::make_shared<Recorder>();
  recorder->m = &m;
  recorder->events = &events;
  recorder->redriven = &redriven_details;
  asl::Engine engine(options(inline_run, dir, journal));
  engine.add_observer(recorder);
  asl::Execution e = engine.redrive("batch", scorer.handlers());
  const asl::ExecutionResult r = e.get();
  REQUIRE(r.status == asl::Status::succeeded);
  for (const char* k : {"a", "b"}) CHECK(scorer.of(k) == 1);  // succeeded before: not called again
  CHECK(scorer.of("c") == 2);
  for (const char* k : {"d", "e", "f"}) CHECK(scorer.of(k) == 1);
  // The redriven run's files hold all six children, succeeded.
  const auto files = written_records(dir, r.output["run"]);
  CHECK(files.size() == 6);
  for (const std::string& rec : files) CHECK(Json::parse(rec)["Status"] == "SUCCEEDED");
  // ExecutionRedriven, then MapRunRedriven for the same Map Run, once.
  std::lock_guard<std::mutex> lock(m);
  std::vector<std::string> tail;
  for (const std::string& t : events)
    if (t == "ExecutionRedriven" || t == "MapRunRedriven") tail.push_back(t);
  CHECK(tail == std::vector<std::string>{"ExecutionRedriven", "MapRunRedriven"});
  CHECK(redriven_details["redriveCount"] == 1);
  CHECK(redriven_details["mapRunArn"] == r.output["run"]["MapRunArn"]);
  const auto runs = e.map_runs();
  REQUIRE(runs.size() == 1);
  CHECK(runs[0].redrive_count == 1);
  CHECK(runs[0].item_counts.succeeded == 6);
  CHECK(to_json(runs[0])["redriveCount"] == 1);
}

TEST_CASE("map run durable: a history rebuilt from the journal writes no result file", "[items][map_run][durable]") {
  TempDir dir;
  dir.write("in", "rows.csv", csv(4));
  Scorer scorer;
  auto journal = std::make_shared<MemoryJournal>();
  asl::Engine engine(options(true, dir, journal));
  const auto r = engine.start(asl::StateMachine::from_json(definition(2, 1), scorer.handlers()), input, named("h")).get();
  REQUIRE(r.status == asl::Status::succeeded);
  fs::remove_all(dir.path / "out" / "scores");
  const Json history = engine.history("h");
  std::vector<std::string> types;
  for (const Json& e : history["events"]) types.push_back(e["type"].get<std::string>());
  CHECK(std::count(types.begin(), types.end(), "MapRunStarted") == 1);
  CHECK(std::count(types.begin(), types.end(), "MapRunSucceeded") == 1);
  CHECK(types.back() == "ExecutionSucceeded");
  CHECK_FALSE(fs::exists(dir.path / "out" / "scores"));
  CHECK(scorer.of("a") == 1);  // the run's call; the history called nothing
}
