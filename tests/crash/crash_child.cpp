// The process the crash loop kills: it runs (or resumes) one durable pipeline on a FileJournal
// (a 2,000-item Map, a Retry, a Wait, a Parallel, and a Distributed Map over a CSV in a local bucket)
// and SIGKILLs itself after a given number of journal appends and task calls, so the loop can
// pick the moment of death by a number, with no timing involved.
// Usage: asl_crash_child DIR DIE_AFTER   (DIE_AFTER 0: never). Exit 0 once the execution ended;
// DIR/result.json then holds its output and DIR/iterations.txt how often each Map index succeeded
// in the history this process saw. Every task call is appended to DIR/ledger.txt; a call of an
// attempt whose result the journal held when this process started is a line "VIOLATION ...".
// SPDX-License-Identifier: MIT
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <tuple>

#include <asl/asl.hpp>
#include <asl/file_journal.hpp>
#include <asl/local_directory_store.hpp>

#include "asl/detail/durable/execution_index.hpp"
#include "support/idempotency_key.hpp"

namespace {

std::atomic<long> countdown{0};  // appends + task calls left before the process dies (<= 0: never)

void tick() {
  if (countdown.load() > 0 && countdown.fetch_sub(1) == 1) raise(SIGKILL);
}

/// A FileJournal that counts appends towards the moment of death. A process that dies within a
/// millisecond of its start never sees a group commit: this one waits for the flusher every 16
/// appends, as time passing would, so each life leaves some of its records (and loses the rest).
class DyingJournal final : public asl::Journal {
 public:
  explicit DyingJournal(std::shared_ptr<asl::FileJournal> inner) : inner_(std::move(inner)) {}
  std::uint64_t append(std::string_view p) override {
    tick();
    const std::uint64_t seq = inner_->append(p);
    if (appends_.fetch_add(1) % 16 == 15) inner_->sync();
    return seq;
  }
  std::uint64_t append_durable(std::string_view p) override {
    tick();
    return inner_->append_durable(p);
  }
  void sync() override { inner_->sync(); }
  void replay(const Visitor& v) override { inner_->replay(v); }
  void compact(std::uint64_t k, std::optional<std::string_view> s) override { inner_->compact(k, s); }
  std::uint64_t next_seq() const override { return inner_->next_seq(); }
  const asl::JournalOpenReport& open_report() const noexcept override { return inner_->open_report(); }
  asl::JournalStats stats() const noexcept override { return inner_->stats(); }
  bool failed() const noexcept override { return inner_->failed(); }
  std::string failure() const override { return inner_->failure(); }

 private:
  std::shared_ptr<asl::FileJournal> inner_;
  std::atomic<std::uint64_t> appends_{0};
};

constexpr const char* pipeline = R"J({"StartAt": "Train", "States": {
  "Train": {"Type": "Task", "Resource": "arn:train", "ResultPath": "$.model",
            "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 1, "MaxAttempts": 2}], "Next": "Cool"},
  "Cool": {"Type": "Wait", "Seconds": 2, "Next": "Score"},
  "Score": {"Type": "Map", "ItemsPath": "$.items", "ResultPath": "$.scores", "MaxConcurrency": 16,
            "ItemProcessor": {"StartAt": "One", "States": {"One": {"Type": "Task", "Resource": "arn:score", "End": true}}},
            "Next": "Both"},
  "Both": {"Type": "Parallel", "ResultPath": "$.both", "Branches": [
     {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:a", "End": true}}},
     {"StartAt": "B", "States": {"B": {"Type": "Task", "Resource": "arn:b", "End": true}}}], "Next": "Export"},
  "Export": {"Type": "Map", "ResultPath": "$.export", "MaxConcurrency": 8,
             "ItemReader": {"Resource": "arn:aws:states:::s3:getObject", "Parameters": {"Bucket": "in", "Key": "rows.csv"},
                            "ReaderConfig": {"InputType": "CSV"}},
             "ItemBatcher": {"MaxItemsPerBatch": 10},
             "ItemProcessor": {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                               "StartAt": "S", "States": {"S": {"Type": "Task", "Resource": "arn:batch", "End": true}}},
             "ResultWriter": {"Resource": "arn:aws:states:::s3:putObject", "Parameters": {"Bucket": "out", "Prefix": "scores"}},
             "End": true}}})J";

/// The Export Map Run's rows: written once, by the first life (a later one must find the very
/// same file, or the resumed Map Run refuses it).
void write_rows(const std::string& dir) {
  const std::string file = dir + "/bucket/in/rows.csv";
  if (std::ifstream(file).good()) return;
  std::filesystem::create_directories(dir + "/bucket/in");
  std::filesystem::create_directories(dir + "/bucket/out");
  {
    std::ofstream out(file + ".tmp");
    out << "n\n";
    for (int i = 0; i < 500; ++i) out << i << '\n';
  }
  std::filesystem::rename(file + ".tmp", file);
}

/// The records the Export Map Run's manifest lists, and the rows in them.
asl::Json exported(const std::string& dir, const asl::Json& export_output) {
  auto read = [&](const std::string& key) { return asl::Json::parse(std::ifstream(dir + "/bucket/out/" + key)); };
  const asl::Json manifest = read(export_output["ResultWriterDetails"]["Key"]);
  std::size_t records = 0, rows = 0;
  for (const asl::Json& f : manifest["ResultFiles"]["SUCCEEDED"])
    for (const asl::Json& r : read(f["Key"])) {
      ++records;
      rows += asl::Json::parse(r["Output"].get<std::string>())["rows"].get<std::size_t>();
    }
  return asl::Json{{"records", records}, {"rows", rows}, {"failed", manifest["ResultFiles"]["FAILED"].size()}};
}

using Key = std::tuple<std::uint64_t, std::uint32_t, std::uint32_t>;

Key key_of(const std::string& key) {
  const asl::detail::FactKey k = asl::testing::fact_key_of(key);
  return Key{k.frame, k.step, k.attempt};
}

class Iterations final : public asl::Observer {
 public:
  void on_event(const asl::HistoryEvent& e) override {
    if (e.type != asl::EventType::MapIterationSucceeded) return;
    std::lock_guard<std::mutex> lock(mutex);
    ++count[(*e.details)["index"].get<int>()];
  }
  std::mutex mutex;
  std::map<int, int> count;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: asl_crash_child DIR DIE_AFTER\n");
    return 64;
  }
  const std::string dir = argv[1];
  countdown = std::atol(argv[2]);
  asl::FileJournalOptions jo;
  jo.fsync = asl::FsyncPolicy::none;  // a killed process, not a lost machine: the page cache survives
  auto file = std::make_shared<asl::FileJournal>(dir + "/journal", jo);

  // What the journal holds as finished now: none of these attempts may be called by this process.
  std::set<Key> finished;
  {
    asl::detail::durable::ExecutionIndex index;
    index.read(*file);
    for (auto& [n, x] : index.executions())
      if (x.memo)
        x.memo->each_task([&](const asl::detail::FactKey& k, const asl::detail::RecordedTask& t) {
          if (t.ended()) finished.insert(Key{k.frame, k.step, k.attempt});
        });
  }
  const int ledger = ::open((dir + "/ledger.txt").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  auto note = [&](const asl::TaskContext& ctx) {
    tick();
    std::string line = ctx.idempotency_key();
    if (finished.count(key_of(ctx.idempotency_key()))) line = "VIOLATION " + line;
    line += '\n';
    if (::write(ledger, line.data(), line.size()) < 0) std::abort();
  };
  asl::HandlerRegistry tasks;
  tasks.add("arn:train", [&](const asl::Json&, asl::TaskContext& ctx) -> asl::Result<asl::Json> {
    note(ctx);
    if (ctx.retry_count == 0) return asl::Error("Flaky", "preempted");
    return asl::Json{{"auc", 0.9}};
  });
  tasks.add("arn:score", [&](const asl::Json& in, asl::TaskContext& ctx) -> asl::Result<asl::Json> {
    note(ctx);
    return asl::Json{{"i", in}, {"s", in.get<int>() % 97}};
  });
  tasks.add("arn:a", [&](const asl::Json&, asl::TaskContext& ctx) -> asl::Result<asl::Json> {
    note(ctx);
    return asl::Json("a");
  });
  tasks.add("arn:b", [&](const asl::Json&, asl::TaskContext& ctx) -> asl::Result<asl::Json> {
    note(ctx);
    return asl::Json("b");
  });
  tasks.add("arn:batch", [&](const asl::Json& in, asl::TaskContext& ctx) -> asl::Result<asl::Json> {
    note(ctx);
    return asl::Json{{"first", in["Items"][0]["n"]}, {"rows", in["Items"].size()}};
  });
  write_rows(dir);

  asl::EngineOptions o;
  o.threads = 2;
  o.wait_scale = 0.001;
  o.retry_interval_scale = 0.001;
  o.journal = std::make_shared<DyingJournal>(file);
  o.object_store = std::make_shared<asl::LocalDirectoryStore>(dir + "/bucket");
  auto iterations = std::make_shared<Iterations>();
  asl::ExecutionResult result;
  {
    asl::Engine engine(o);
    engine.add_observer(iterations);
    std::vector<asl::Execution> resumed = engine.recover(tasks);
    if (!resumed.empty()) {
      result = resumed[0].get();
    } else {
      asl::Json items = asl::Json::array();
      for (int i = 0; i < 2000; ++i) items.push_back(i);
      asl::RunOptions run;
      run.name = "crash";
      try {
        result = engine.run(asl::StateMachine::parse(pipeline, tasks), asl::Json{{"items", items}}, run);
      } catch (const asl::ExecutionAlreadyExists&) {
        return 3;  // it ended in an earlier process, which then died before writing its result
      }
    }
  }
  file->close();
  if (result.status != asl::Status::succeeded) {
    std::fprintf(stderr, "execution ended %s: %s\n", std::string(asl::to_string(result.status)).c_str(),
                 result.cause.value_or("").c_str());
    return 2;
  }
  result.output["exported"] = exported(dir, result.output["export"]);
  std::ofstream(dir + "/result.json") << result.output.dump();
  std::ofstream out(dir + "/iterations.txt");
  for (const auto& [i, n] : iterations->count) out << i << ' ' << n << '\n';
  return 0;
}
