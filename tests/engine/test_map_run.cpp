// Engine tests: Map Runs while they run (issue #20): the item counts through the execution handle
// and the Map Run observer, ABORTED and PENDING records when a run ends early, and a Map Run of
// its own for each visit of a Distributed Map.
// SPDX-License-Identifier: MIT
#include "support/catch.hpp"
#include "support/pending.hpp"
#include "support/run.hpp"
#include "support/temp_bucket_root.hpp"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>
#include <unistd.h>

using asl::Json;
namespace fs = std::filesystem;

namespace {

using asl::testing::hang_guard;

const char* const arn_work = "arn:work";

/// A local bucket root with the results' bucket `out` already there.
struct TempDir : asl::testing::TempBucketRoot {
  TempDir() : TempBucketRoot("maprun") { fs::create_directories(path / "out"); }
};

/// A Distributed Map whose children run the `work` task.
Json dmap(Json extra) {
  Json map = {{"Type", "Map"},
              {"ItemProcessor",
               {{"ProcessorConfig", {{"Mode", "DISTRIBUTED"}, {"ExecutionType", "STANDARD"}}},
                {"StartAt", "W"},
                {"States", {{"W", {{"Type", "Task"}, {"Resource", arn_work}, {"End", true}}}}}}},
              {"End", true}};
  for (auto& [k, v] : extra.items()) map[k] = v;
  return Json{{"StartAt", "M"}, {"States", {{"M", map}}}};
}

Json writer(const std::string& prefix) {
  return Json{{"Resource", "arn:aws:states:::s3:putObject"}, {"Parameters", {{"Bucket", "out"}, {"Prefix", prefix}}}};
}

/// Every start, progress and end a Map Run observer hears, in order.
struct Recorder final : asl::MapRunObserver {
  std::mutex mutex;
  std::vector<asl::MapRunInfo> started, ended;
  std::vector<asl::MapRunItemCounts> progress;
  void on_map_run_started(const asl::MapRunInfo& r) override {
    std::lock_guard<std::mutex> lock(mutex);
    started.push_back(r);
  }
  void on_map_run_progress(const std::string&, const asl::MapRunItemCounts& c) override {
    std::lock_guard<std::mutex> lock(mutex);
    progress.push_back(c);
  }
  void on_map_run_ended(const asl::MapRunInfo& r) override {
    std::lock_guard<std::mutex> lock(mutex);
    ended.push_back(r);
  }
};

asl::EngineOptions pool(unsigned threads, const TempDir* dir = nullptr) {
  asl::EngineOptions o;
  o.threads = threads;
  o.virtual_time = true;
  if (dir) o.object_store = std::make_shared<asl::LocalDirectoryStore>(dir->path);
  return o;
}

}  // namespace

TEST_CASE("map run: the handle's counts while children run, on 1 to 4 workers", "[items][map_run]") {
  const unsigned threads = GENERATE(1u, 2u, 4u);
  // MaxConcurrency 1: child i runs alone, after i children succeeded, so each count is exact.
  std::promise<asl::Execution> started;
  std::shared_future<asl::Execution> handle = started.get_future().share();
  std::mutex mutex;
  std::vector<asl::MapRunInfo> seen;  // as child i saw them
  asl::HandlerRegistry tasks;
  tasks.add(arn_work, [&](const Json& in) -> Json {
    std::vector<asl::MapRunInfo> runs = handle.get().map_runs();
    std::lock_guard<std::mutex> lock(mutex);  // Catch2 asserts on the test's thread only: checked below
    if (runs.size() == 1) seen.push_back(runs[0]);
    return in;
  });
  asl::Engine engine(pool(threads));
  auto e = engine.start(asl::StateMachine::from_json(dmap({{"MaxConcurrency", 1}}), tasks), Json{0, 1, 2, 3, 4, 5});
  started.set_value(e);
  REQUIRE(e.wait_for(hang_guard));
  REQUIRE(e.get().status == asl::Status::succeeded);
  REQUIRE(seen.size() == 6);
  for (std::uint64_t i = 0; i < 6; ++i) {
    const asl::MapRunItemCounts& c = seen[i].item_counts;
    CHECK(seen[i].status == asl::MapRunStatus::running);
    CHECK(c.total == 6);
    CHECK(c.total_known);
    CHECK(c.running == 1);
    CHECK(c.succeeded == i);
    CHECK(c.pending == 5 - i);
    CHECK(c.failed == 0);
  }
  const std::vector<asl::MapRunInfo> runs = e.map_runs();
  REQUIRE(runs.size() == 1);
  CHECK(runs[0].status == asl::MapRunStatus::succeeded);
  CHECK(runs[0].state_name == "M");
  CHECK(runs[0].execution_name == e.name());
  CHECK(runs[0].map_run_arn == seen[0].map_run_arn);
  CHECK(runs[0].item_counts.succeeded == 6);
  CHECK(runs[0].item_counts.running == 0);
  CHECK(runs[0].item_counts.pending == 0);
  CHECK(to_json(runs[0])["itemCounts"] ==
        Json::parse(R"({"pending":0,"running":0,"succeeded":6,"failed":0,"timedOut":0,"aborted":0,"total":6,
                        "resultsWritten":0})"));
}

TEST_CASE("map run: unbounded children on a pool: the counts add up at every step", "[items][map_run]") {
  const unsigned threads = GENERATE(1u, 2u, 4u);
  std::promise<asl::Execution> started;
  std::shared_future<asl::Execution> handle = started.get_future().share();
  std::atomic<bool> ok{true};
  asl::HandlerRegistry tasks;
  tasks.add(arn_work, [&](const Json& in) -> Json {
    const asl::MapRunItemCounts c = handle.get().map_runs().at(0).item_counts;
    // This child runs: at least one running, none counted twice (each counter exact, the sum
    // checked loosely as the others move meanwhile).
    if (c.running < 1 || c.succeeded + c.failed > 200 || c.total != 200 || c.pending > 199) ok = false;
    if (in.get<int>() % 10 == 3) throw asl::TaskError("Odd", "tolerated");
    return in;
  });
  auto recorder = std::make_shared<Recorder>();
  asl::Engine engine(pool(threads));
  engine.add_map_run_observer(recorder);
  Json items = Json::array();
  for (int i = 0; i < 200; ++i) items.push_back(i);
  auto e = engine.start(asl::StateMachine::from_json(dmap({{"ToleratedFailureCount", 20}}), tasks), items);
  started.set_value(e);
  REQUIRE(e.wait_for(hang_guard));
  REQUIRE(e.get().status == asl::Status::succeeded);
  CHECK(ok);
  const asl::MapRunItemCounts c = e.map_runs().at(0).item_counts;
  CHECK(c.succeeded == 180);
  CHECK(c.failed == 20);
  CHECK(c.running == 0);
  CHECK(c.pending == 0);
  REQUIRE(recorder->ended.size() == 1);
  CHECK(recorder->ended[0].item_counts.succeeded == 180);
  CHECK(recorder->ended[0].status == asl::MapRunStatus::succeeded);
  // At least one progress call per chunk of children, never more than one per child.
  CHECK(!recorder->progress.empty());
  CHECK(recorder->progress.size() <= 200);
}

TEST_CASE("map run: the observer hears each child of a reader-fed run, the total known at its end",
          "[items][map_run]") {
  TempDir dir;
  dir.write("in", "f.csv", "n\n1\n2\n3\n4\n5\n");
  asl::HandlerRegistry tasks;
  tasks.add(arn_work, [](const Json& in) -> Json { return in; });
  auto recorder = std::make_shared<Recorder>();
  asl::EngineOptions o = pool(1, &dir);
  o.inline_execution = true;
  asl::Engine engine(o);
  engine.add_map_run_observer(recorder);
  const Json def = dmap({{"ItemReader",
                          {{"Resource", "arn:aws:states:::s3:getObject"},
                           {"Parameters", {{"Bucket", "in"}, {"Key", "f.csv"}}},
                           {"ReaderConfig", {{"InputType", "CSV"}}}}},
                         {"MaxConcurrency", 1},
                         {"ResultWriter", writer("r")}});
  auto r = engine.run(asl::StateMachine::from_json(def, tasks), Json::object());
  REQUIRE(r.status == asl::Status::succeeded);
  REQUIRE(recorder->started.size() == 1);
  CHECK(recorder->started[0].map_run_arn == r.output["MapRunArn"]);
  CHECK(!recorder->started[0].item_counts.total_known);
  REQUIRE(recorder->progress.size() == 5);
  for (std::uint64_t i = 0; i < 4; ++i) {
    const asl::MapRunItemCounts& c = recorder->progress[i];
    CHECK(!c.total_known);  // the next row is read when a child's room frees up
    CHECK(c.total == i + 2);
    CHECK(c.succeeded == i + 1);
    CHECK(c.running == 1);
    CHECK(c.results_written == i + 1);
  }
  CHECK(recorder->progress[4].total_known);
  CHECK(recorder->progress[4].total == 5);
  REQUIRE(recorder->ended.size() == 1);
  CHECK(recorder->ended[0].status == asl::MapRunStatus::succeeded);
  CHECK(recorder->ended[0].item_counts.results_written == 5);
}

TEST_CASE("map run: a run that fails early writes ABORTED and PENDING records; its counts say so",
          "[items][map_run]") {
  const unsigned threads = GENERATE(1u, 2u, 4u);
  TempDir dir;
  asl::testing::PendingTasks pending;
  std::mutex mutex;
  std::vector<int> inputs;  // of the deferred tasks, in the order they were handed out
  asl::HandlerRegistry tasks;
  tasks.add(arn_work, [&](const Json& in, asl::TaskContext& ctx) -> asl::Result<Json> {
    {
      std::lock_guard<std::mutex> lock(mutex);
      inputs.push_back(in.get<int>());
    }
    pending.add(ctx.defer());
    return in;
  });
  asl::EngineOptions o = pool(threads, &dir);
  o.virtual_time = false;  // deferred tasks hold virtual time still anyway; nothing here waits
  asl::Engine engine(o);
  const Json def = dmap({{"MaxConcurrency", 3}, {"ResultWriter", writer("early")}});
  auto e = engine.start(asl::StateMachine::from_json(def, tasks), Json{0, 1, 2, 3, 4, 5});
  REQUIRE(pending.wait_count(3));
  asl::MapRunItemCounts c = e.map_runs().at(0).item_counts;
  CHECK(c.running == 3);
  CHECK(c.pending == 3);
  CHECK(c.total == 6);
  std::size_t first = 0;
  {
    std::lock_guard<std::mutex> lock(mutex);
    REQUIRE(inputs.size() == 3);
    while (inputs[first] != 0) ++first;
  }
  CHECK(pending.at(first).fail(asl::Error("Bad", "item 0")));
  REQUIRE(e.wait_for(hang_guard));
  const asl::ExecutionResult r = e.get();
  REQUIRE(r.status == asl::Status::failed);
  CHECK(r.error == std::string("Bad"));
  const std::vector<asl::MapRunInfo> runs = e.map_runs();
  REQUIRE(runs.size() == 1);
  CHECK(runs[0].status == asl::MapRunStatus::failed);
  c = runs[0].item_counts;
  CHECK(c.failed == 1);
  CHECK(c.aborted == 2);
  CHECK(c.running == 0);
  CHECK(c.pending == 3);
  CHECK(c.results_written == 3);  // the FAILED record and the two ABORTED ones

  // The manifest lists both files: FAILED_0 (the failure, then the aborted children in item
  // order) and PENDING_0 (the items never started, as their children's input).
  const std::string id = runs[0].map_run_arn.substr(runs[0].map_run_arn.rfind(':') + 1);
  const Json manifest = dir.read_json("out", "early/" + id + "/manifest.json");
  REQUIRE(manifest["ResultFiles"]["FAILED"].size() == 1);
  REQUIRE(manifest["ResultFiles"]["PENDING"].size() == 1);
  CHECK(manifest["ResultFiles"]["SUCCEEDED"].empty());
  CHECK(manifest["ResultFiles"]["PENDING"][0]["Key"] == "early/" + id + "/PENDING_0.json");
  const Json failed = dir.read_json("out", manifest["ResultFiles"]["FAILED"][0]["Key"].get<std::string>());
  REQUIRE(failed.size() == 3);
  CHECK(failed[0]["Status"] == "FAILED");
  CHECK(failed[0]["Input"] == "0");
  CHECK(failed[0]["Error"] == "Bad");
  CHECK(failed[1]["Status"] == "ABORTED");
  CHECK(failed[1]["Input"] == "1");
  CHECK(failed[2]["Status"] == "ABORTED");
  CHECK(failed[2]["Input"] == "2");
  CHECK(!failed[1].contains("Error"));
  const Json pend = dir.read_json("out", manifest["ResultFiles"]["PENDING"][0]["Key"].get<std::string>());
  CHECK(pend == Json::parse(R"([{"Input":"3","InputDetails":{"Included":true},"Status":"PENDING"},
                                {"Input":"4","InputDetails":{"Included":true},"Status":"PENDING"},
                                {"Input":"5","InputDetails":{"Included":true},"Status":"PENDING"}])"));
}

TEST_CASE("map run: rows a failed reader-fed run never read are PENDING records too", "[items][map_run]") {
  TempDir dir;
  dir.write("in", "f.csv", "n\n1\n2\nbad\n4\n5\n");
  asl::HandlerRegistry tasks;
  tasks.add(arn_work, [](const Json& in) -> Json {
    if (in["n"] == "bad") throw asl::TaskError("Bad", "row");
    return in;
  });
  const Json def = dmap({{"ItemReader",
                          {{"Resource", "arn:aws:states:::s3:getObject"},
                           {"Parameters", {{"Bucket", "in"}, {"Key", "f.csv"}}},
                           {"ReaderConfig", {{"InputType", "CSV"}}}}},
                         {"MaxConcurrency", 1},
                         {"ToleratedFailureCount", 0},
                         {"ResultWriter", writer("p")}});
  asl::EngineOptions o = pool(1, &dir);
  o.inline_execution = true;
  asl::Engine engine(o);
  auto e = engine.start(asl::StateMachine::from_json(def, tasks), Json::object());
  const asl::ExecutionResult r = e.get();
  REQUIRE(r.status == asl::Status::failed);
  CHECK(r.error == std::string("States.ExceedToleratedFailureThreshold"));
  const asl::MapRunInfo run = e.map_runs().at(0);
  CHECK(run.item_counts.succeeded == 2);
  CHECK(run.item_counts.failed == 1);
  CHECK(run.item_counts.pending == 2);
  CHECK(run.item_counts.total == 5);
  CHECK(run.item_counts.total_known);
  const std::string id = run.map_run_arn.substr(run.map_run_arn.rfind(':') + 1);
  const Json manifest = dir.read_json("out", "p/" + id + "/manifest.json");
  REQUIRE(manifest["ResultFiles"]["PENDING"].size() == 1);
  const Json pend = dir.read_json("out", manifest["ResultFiles"]["PENDING"][0]["Key"].get<std::string>());
  REQUIRE(pend.size() == 2);
  CHECK(pend[0]["Input"] == R"({"n":"4"})");
  CHECK(pend[1]["Input"] == R"({"n":"5"})");
}

TEST_CASE("map run: each visit of a Map (a loop, a retry) is a Map Run of its own, replayed alike",
          "[items][map_run]") {
  TempDir dir;
  std::atomic<int> calls{0};
  asl::HandlerRegistry tasks;
  tasks.add(arn_work, [&](const Json& in) -> Json {
    if (calls++ == 0) throw asl::TaskError("Flaky", "first call");  // the first visit fails, once
    return in;
  });
  Json def = dmap({{"ItemsPath", "$.items"},
                   {"ResultWriter", writer("loop")},
                   {"ResultPath", "$.out"},
                   {"Retry", Json::parse(R"([{"ErrorEquals":["States.ALL"],"MaxAttempts":1,"IntervalSeconds":1}])")}});
  def["States"]["M"].erase("End");
  def["States"]["M"]["Next"] = "Inc";
  def["States"]["Inc"] =
      Json::parse(R"J({"Type":"Pass","Parameters":{"items.$":"$.items","n.$":"States.MathAdd($.n, 1)"},"Next":"C"})J");
  def["States"]["C"] =
      Json::parse(R"({"Type":"Choice","Choices":[{"Variable":"$.n","NumericLessThan":2,"Next":"M"}],"Default":"D"})");
  def["States"]["D"] = Json::parse(R"({"Type":"Succeed"})");
  const auto sm = asl::StateMachine::from_json(def, tasks);
  auto arns_of = [&]() {
    asl::Engine engine(pool(2, &dir));
    asl::RunOptions ro;
    ro.name = "looped";
    auto e = engine.start(sm, Json{{"items", {1, 2}}, {"n", 0}}, ro);
    REQUIRE(e.get().status == asl::Status::succeeded);
    std::vector<std::string> arns;
    for (const asl::MapRunInfo& r : e.map_runs()) arns.push_back(r.map_run_arn);
    const std::vector<asl::MapRunInfo> runs = e.map_runs();
    REQUIRE(runs.size() == 3);  // the failed first visit, its retry, the second visit
    CHECK(runs[0].status == asl::MapRunStatus::failed);
    CHECK(runs[1].status == asl::MapRunStatus::succeeded);
    CHECK(runs[2].status == asl::MapRunStatus::succeeded);
    return arns;
  };
  const std::vector<std::string> arns = arns_of();
  CHECK(std::set<std::string>(arns.begin(), arns.end()).size() == 3);
  std::size_t manifests = 0;
  for (const auto& entry : fs::recursive_directory_iterator(dir.path / "out" / "loop"))
    manifests += entry.path().filename() == "manifest.json";
  CHECK(manifests == 3);
  // The same execution again (same name, same path): the same Map Run ids, in the same order.
  calls = 0;
  CHECK(arns_of() == arns);
}

TEST_CASE("map run: no Map Runs without a Distributed Map", "[items][map_run]") {
  asl::HandlerRegistry tasks;
  tasks.add(arn_work, [](const Json& in) -> Json { return in; });
  Json def = dmap(Json::object());
  def["States"]["M"]["ItemProcessor"]["ProcessorConfig"]["Mode"] = "INLINE";
  def["States"]["M"]["ItemProcessor"]["ProcessorConfig"].erase("ExecutionType");
  auto recorder = std::make_shared<Recorder>();
  asl::Engine engine(pool(2));
  engine.add_map_run_observer(recorder);
  auto e = engine.start(asl::StateMachine::from_json(def, tasks), Json{1, 2, 3});
  REQUIRE(e.get().status == asl::Status::succeeded);
  CHECK(e.map_runs().empty());
  CHECK(recorder->started.empty());
  CHECK(recorder->progress.empty());
}
