// Engine tests: durable executions (EngineOptions::journal). A pipeline is "killed" at every
// record boundary of its journal and recovered from that prefix; it must end as the uncrashed
// run did, without calling again a task whose result was recorded. Also: idempotent start by
// name, a callback token across a restart, a stopped journal, EXPRESS left alone, FileJournal,
// a recorded result kept as text and replayed exactly (a corrupt one fails, never crashes).
// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <asl/asl.hpp>
#include <asl/file_journal.hpp>
#include <asl/testing/manual_clock.hpp>
#include <asl/testing/memory_journal.hpp>

#include "asl/detail/durable/execution_index.hpp"
#include "support/idempotency_key.hpp"
#include "support/journal_cut.hpp"
#include "support/json_identical.hpp"

using asl::Json;
using asl::testing::MemoryJournal;

namespace {

constexpr const char* pipeline = R"J({"StartAt": "Prepare", "States": {
  "Prepare": {"Type": "Pass", "Parameters": {"run.$": "States.UUID()", "started.$": "$$.Execution.StartTime",
              "items.$": "$.items"}, "Next": "Train"},
  "Train": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:train", "ResultPath": "$.model",
            "Retry": [{"ErrorEquals": ["Flaky"], "IntervalSeconds": 3, "MaxAttempts": 2, "JitterStrategy": "FULL"}],
            "Next": "Cool"},
  "Cool": {"Type": "Wait", "Seconds": 10, "Next": "Score"},
  "Score": {"Type": "Map", "ItemsPath": "$.items", "ResultPath": "$.scores", "MaxConcurrency": 3,
            "ItemProcessor": {"StartAt": "One", "States": {
              "One": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:score", "End": true}}},
            "Next": "Both"},
  "Both": {"Type": "Parallel", "ResultPath": "$.both", "Branches": [
     {"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:a",
                                       "End": true}}},
     {"StartAt": "B", "States": {"B": {"Type": "Pass", "Parameters": {"at.$": "$$.State.EnteredTime",
                                       "r.$": "States.MathRandom(1, 1000000)"}, "End": true}}}], "Next": "Gate"},
  "Gate": {"Type": "Choice", "Choices": [{"Variable": "$.model.auc", "NumericGreaterThan": 0.5, "Next": "Deploy"}],
           "Default": "Reject"},
  "Deploy": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:deploy",
             "ResultPath": "$.deployed", "End": true},
  "Reject": {"Type": "Fail", "Error": "Rejected"}}})J";

/// The handlers, with a ledger of the calls by idempotency key.
struct Ledger {
  std::mutex mutex;
  std::map<std::string, int> calls;
  void add(const asl::TaskContext& ctx) {
    std::lock_guard<std::mutex> lock(mutex);
    ++calls[ctx.idempotency_key()];
  }
};

asl::HandlerRegistry handlers(Ledger& ledger) {
  asl::HandlerRegistry tasks;
  tasks.add("arn:aws:lambda:us-east-1:123456789012:function:train",
            [&ledger](const Json&, asl::TaskContext& ctx) -> asl::Result<Json> {
              ledger.add(ctx);
              if (ctx.retry_count == 0) return asl::Error("Flaky", "a spot instance went away");
              return Json{{"auc", 0.93}};
            });
  tasks.add("arn:aws:lambda:us-east-1:123456789012:function:score",
            [&ledger](const Json& in, asl::TaskContext& ctx) -> asl::Result<Json> {
              ledger.add(ctx);
              return Json{{"x", in}, {"score", in.get<int>() * 2}};
            });
  tasks.add("arn:aws:lambda:us-east-1:123456789012:function:a",
            [&ledger](const Json&, asl::TaskContext& ctx) -> asl::Result<Json> {
              ledger.add(ctx);
              return Json("a done");
            });
  tasks.add("arn:aws:lambda:us-east-1:123456789012:function:deploy",
            [&ledger](const Json&, asl::TaskContext& ctx) -> asl::Result<Json> {
              ledger.add(ctx);
              return Json{{"endpoint", "prod"}};
            });
  return tasks;
}

class TerminalCounter final : public asl::Observer {
 public:
  void on_event(const asl::HistoryEvent& e) override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (e.type == asl::EventType::ExecutionSucceeded || e.type == asl::EventType::ExecutionFailed ||
        e.type == asl::EventType::ExecutionAborted || e.type == asl::EventType::ExecutionTimedOut)
      ++terminal;
    if (e.type == asl::EventType::MapIterationSucceeded) ++iterations[(*e.details)["index"].get<int>()];
  }
  int terminal = 0;
  std::map<int, int> iterations;

 private:
  std::mutex mutex_;
};

asl::EngineOptions options(bool inline_run, const std::shared_ptr<asl::Journal>& journal) {
  asl::EngineOptions o;
  o.inline_execution = inline_run;
  o.threads = 2;
  o.virtual_time = true;
  o.clock = std::make_shared<asl::testing::ManualClock>(asl::TimePoint{std::chrono::seconds(1'750'000'000)});
  o.jitter_seed = 7;
  o.journal = journal;
  return o;
}

const Json input = Json{{"items", {1, 2, 3, 4, 5, 6, 7}}};

asl::RunOptions named(const std::string& name) {
  asl::RunOptions r;
  r.name = name;
  return r;
}

}  // namespace

TEST_CASE("durable: killed after any record, a pipeline resumes and ends as the uncrashed run did", "[durable]") {
  const bool inline_run = GENERATE(true, false);
  INFO((inline_run ? "inline" : "pool of 2"));
  Ledger ledger;
  const auto tasks = handlers(ledger);
  const auto machine = asl::StateMachine::parse(pipeline, tasks);

  auto journal = std::make_shared<MemoryJournal>();
  asl::ExecutionResult reference;
  {
    asl::Engine engine(options(inline_run, journal));
    reference = engine.start(machine, input, named("train-1")).get();
  }
  REQUIRE(reference.status == asl::Status::succeeded);
  CHECK(reference.output["scores"].size() == 7);
  CHECK(reference.output["run"].get<std::string>().size() == 36);
  const std::vector<std::string> records = journal->records();
  // definition, start, 11 task results, 2 timers, the Map's and the Parallel's children (one
  // record each, not one per item), 2 entry times (Prepare and B read $$), the end
  REQUIRE(records.size() == 20);
  const std::size_t reference_calls = ledger.calls.size();
  CHECK(reference_calls == 2 + 7 + 1 + 1);  // train twice, 7 scores, a, deploy

  for (std::size_t k = 0; k <= records.size(); ++k) {
    INFO("journal cut after record " << k << " of " << records.size());
    const asl::testing::JournalCut c = asl::testing::cut_journal(records, k);
    const bool started = c.started, ended = c.ended;
    const std::shared_ptr<const asl::detail::ReplayMemo>& memo = c.memo;

    ledger.calls.clear();
    auto cut = std::make_shared<MemoryJournal>(c.records);
    auto counter = std::make_shared<TerminalCounter>();
    asl::Engine engine(options(inline_run, cut));
    engine.add_observer(counter);
    std::vector<asl::Execution> resumed = engine.recover(tasks);
    if (!started || ended) {
      CHECK(resumed.empty());
      continue;
    }
    REQUIRE(resumed.size() == 1);
    const asl::ExecutionResult r = resumed[0].get();
    REQUIRE(r.status == asl::Status::succeeded);
    CHECK(r.output == reference.output);  // UUID, MathRandom, StartTime, EnteredTime included
    CHECK(counter->terminal == 1);
    CHECK(counter->iterations.size() == 7);
    for (const auto& [i, n] : counter->iterations) CHECK(n == 1);
    // No task whose result was recorded is called again.
    for (const auto& [key, n] : ledger.calls) {
      const asl::detail::RecordedTask* t = memo->find_task(asl::testing::fact_key_of(key));
      CHECK_FALSE((t && t->ended()));
      CHECK(n == 1);
    }
    // And the journal now holds the whole run: a second recovery finds nothing to do.
    asl::detail::durable::ExecutionIndex after;
    const auto all = cut->records();
    for (std::size_t i = 0; i < all.size(); ++i) after.apply(i + 1, all[i]);
    REQUIRE(after.executions().size() == 1);
    CHECK(after.executions().begin()->second.status == asl::Status::succeeded);
  }
}

TEST_CASE("durable: a start by name is idempotent while it runs, refused otherwise (AWS StartExecution)",
          "[durable]") {
  asl::HandlerRegistry tasks;
  std::mutex m;
  std::vector<asl::TaskCompletion> pending;
  tasks.add("arn:wait", [&](const Json&, asl::TaskContext& ctx) -> asl::Result<Json> {
    std::lock_guard<std::mutex> lock(m);
    pending.push_back(ctx.defer());
    return Json();
  });
  const auto machine = asl::StateMachine::parse(
      R"J({"StartAt": "W", "States": {"W": {"Type": "Task", "Resource": "arn:wait", "End": true}}})J", tasks);
  auto journal = std::make_shared<MemoryJournal>();
  asl::EngineOptions o;
  o.threads = 2;
  o.journal = journal;
  asl::Engine engine(o);
  asl::Execution first = engine.start(machine, Json{{"lr", 0.1}}, named("nightly"));
  asl::Execution again = engine.start(machine, Json{{"lr", 0.1}}, named("nightly"));
  CHECK(&first.name() == &again.name());  // the same execution
  try {
    engine.start(machine, Json{{"lr", 0.2}}, named("nightly"));
    FAIL("a different input under a running name must be refused");
  } catch (const asl::ExecutionAlreadyExists& e) {
    CHECK(std::string(e.what()) ==
          "Execution Already Exists: 'arn:aws:states:us-east-1:123456789012:execution:" + machine.name() + ":nightly'");
  }
  for (int i = 0; i < 1000; ++i) {
    std::lock_guard<std::mutex> lock(m);
    if (!pending.empty()) break;
  }
  {
    std::unique_lock<std::mutex> lock(m);
    while (pending.empty()) {
      lock.unlock();
      first.wait_for(std::chrono::milliseconds(1));
      lock.lock();
    }
    REQUIRE(pending.size() == 1);  // the idempotent start ran nothing
    pending[0].succeed(Json{{"ok", true}});
  }
  CHECK(first.get().status == asl::Status::succeeded);
  CHECK_THROWS_AS(engine.start(machine, Json{{"lr", 0.1}}, named("nightly")), asl::ExecutionAlreadyExists);
  // A name made up by the engine is a UUID, never "execution-1" of an earlier process.
  const asl::Execution unnamed = engine.start(machine, Json::object());
  CHECK(unnamed.name().size() == 36);
  CHECK(unnamed.name()[14] == '4');
  engine.shutdown(asl::ShutdownMode::cancel);
}

TEST_CASE("durable: a callback token handed out before a restart completes the recovered execution", "[durable]") {
  std::mutex m;
  std::vector<std::string> tokens;
  asl::HandlerRegistry tasks;
  tasks.add("arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            [&](const Json& in, asl::TaskContext&) -> asl::Result<Json> {
              std::lock_guard<std::mutex> lock(m);
              tokens.push_back(in["token"].get<std::string>());
              return Json();
            });
  const auto machine = asl::StateMachine::parse(R"J({"StartAt": "Ask", "States": {
      "Ask": {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
              "Parameters": {"token.$": "$$.Task.Token"}, "ResultPath": "$.answer", "End": true}}})J", tasks);
  auto journal = std::make_shared<MemoryJournal>();
  asl::EngineOptions o;
  o.threads = 2;
  o.journal = journal;
  {
    asl::Engine engine(o);
    asl::Execution e = engine.start(machine, Json{{"q", "deploy?"}}, named("approval"));
    for (;;) {
      {
        std::lock_guard<std::mutex> lock(m);
        if (!tokens.empty()) break;
      }
      e.wait_for(std::chrono::milliseconds(1));
    }
  }  // the engine goes away with the execution waiting: it stays running in the journal
  REQUIRE(tokens.size() == 1);
  CHECK(journal->durable_count() >= 2);  // the start and the token were synced before the handler ran

  asl::Engine engine(o);
  std::vector<asl::Execution> resumed = engine.recover(tasks);
  REQUIRE(resumed.size() == 1);
  CHECK(resumed[0].name() == "approval");
  CHECK_FALSE(engine.send_task_success(tokens[0], Json("yes")).has_value());
  const asl::ExecutionResult r = resumed[0].get();
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(r.output == Json{{"q", "deploy?"}, {"answer", "yes"}});
  CHECK(tokens.size() == 1);  // the token was not handed out twice
}

TEST_CASE("durable: a journal that stops fails the execution with States.Runtime, never silently", "[durable]") {
  Ledger ledger;
  const auto tasks = handlers(ledger);
  const auto machine = asl::StateMachine::parse(pipeline, tasks);
  auto journal = std::make_shared<MemoryJournal>();
  journal->fail_after(5);
  asl::Engine engine(options(true, journal));
  const asl::ExecutionResult r = engine.start(machine, input, named("doomed")).get();
  CHECK(r.status == asl::Status::failed);
  CHECK(r.error == "States.Runtime");
  CHECK(r.cause.value_or("").find("The journal stopped") == 0);
  CHECK_THROWS_AS(engine.start(machine, input, named("next")), asl::JournalError);
}

TEST_CASE("durable: EXPRESS executions are not journaled, as AWS keeps no state for them", "[durable]") {
  Ledger ledger;
  const auto tasks = handlers(ledger);
  asl::LoadOptions lo;
  lo.express = true;
  const auto machine = asl::StateMachine::parse(pipeline, tasks, lo);
  auto journal = std::make_shared<MemoryJournal>();
  asl::Engine engine(options(true, journal));
  CHECK(engine.start(machine, input, named("same")).get().status == asl::Status::succeeded);
  CHECK(engine.start(machine, input, named("same")).get().status == asl::Status::succeeded);  // starts again
  CHECK(journal->records().empty());
}

TEST_CASE("durable: on a FileJournal, an execution suspended by one engine is resumed by the next", "[durable]") {
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("asl-durable-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  std::mutex m;
  int first_calls = 0;
  asl::TaskCompletion held;
  bool holding = false;
  asl::HandlerRegistry tasks;
  tasks.add("arn:first", [&](const Json& in, asl::TaskContext&) -> asl::Result<Json> {
    std::lock_guard<std::mutex> lock(m);
    ++first_calls;
    return Json{{"seen", in}};
  });
  tasks.add("arn:slow", [&](const Json&, asl::TaskContext& ctx) -> asl::Result<Json> {
    std::lock_guard<std::mutex> lock(m);
    if (!holding) {
      held = ctx.defer();  // never completed: the process "stops" with it in flight
      holding = true;
      return Json();
    }
    return Json("second time");
  });
  const std::string def = R"J({"StartAt": "First", "States": {
      "First": {"Type": "Task", "Resource": "arn:first", "Next": "Slow"},
      "Slow": {"Type": "Task", "Resource": "arn:slow", "ResultPath": "$.slow", "End": true}}})J";
  const auto machine = asl::StateMachine::parse(def, tasks);
  asl::EngineOptions o;
  o.threads = 2;
  {
    o.journal = std::make_shared<asl::FileJournal>(dir.string());
    asl::Engine engine(o);
    asl::Execution e = engine.start(machine, Json{{"v", 1}}, named("file-backed"));
    for (;;) {
      {
        std::lock_guard<std::mutex> lock(m);
        if (holding) break;
      }
      e.wait_for(std::chrono::milliseconds(1));
    }
  }
  o.journal.reset();  // closes the files
  o.journal = std::make_shared<asl::FileJournal>(dir.string());
  {
    asl::Engine engine(o);
    std::vector<asl::Execution> resumed = engine.recover(tasks);
    REQUIRE(resumed.size() == 1);
    const asl::ExecutionResult r = resumed[0].get();
    REQUIRE(r.status == asl::Status::succeeded);
    CHECK(r.output == Json{{"seen", {{"v", 1}}}, {"slow", "second time"}});
    CHECK(first_calls == 1);  // its result was in the journal
  }
  o.journal.reset();
  std::filesystem::remove_all(dir);
}

TEST_CASE("durable: a journal cut at every byte offset of its segment recovers to a consistent prefix",
          "[durable]") {
  // FileJournal cuts a torn or corrupt tail on open; whatever prefix survives, the execution
  // resumes from it and ends as the uncrashed run did, calling no task whose result survived.
  namespace fs = std::filesystem;
  Ledger ledger;
  const auto tasks = handlers(ledger);
  const auto machine = asl::StateMachine::parse(R"J({"StartAt": "Train", "States": {
      "Train": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:train",
                "ResultPath": "$.model", "Retry": [{"ErrorEquals": ["Flaky"], "MaxAttempts": 2}], "Next": "Score"},
      "Score": {"Type": "Map", "ItemsPath": "$.items", "ResultPath": "$.scores", "ItemProcessor": {"StartAt": "One",
        "States": {"One": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:score",
                           "End": true}}}, "End": true}}})J",
                                                tasks);
  const Json small{{"items", {1, 2, 3}}};
  const fs::path base = fs::temp_directory_path() /
                        ("asl-durable-cut-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  asl::EngineOptions o = options(true, nullptr);
  o.retry_interval_scale = 0;
  asl::ExecutionResult reference;
  {
    asl::FileJournalOptions jo;
    jo.fsync = asl::FsyncPolicy::none;
    o.journal = std::make_shared<asl::FileJournal>((base / "whole").string(), jo);
    asl::Engine engine(o);
    reference = engine.start(machine, small, named("cut")).get();
    o.journal.reset();
  }
  REQUIRE(reference.status == asl::Status::succeeded);
  const fs::path segment = base / "whole" / "00000000000000000001.log";
  const auto size = static_cast<std::size_t>(fs::file_size(segment));
  std::string bytes(size, '\0');
  {
    std::FILE* in = std::fopen(segment.c_str(), "rb");
    REQUIRE(in != nullptr);
    REQUIRE(std::fread(bytes.data(), 1, size, in) == size);
    std::fclose(in);
  }
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  const std::size_t stride = 13;  // sanitizers make each recovery ~20x slower: a sample of the offsets
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
  const std::size_t stride = 13;
#else
  const std::size_t stride = 1;
#endif
#else
  const std::size_t stride = 1;
#endif
  int resumed_count = 0;
  for (std::size_t cut = 0; cut <= size; cut += stride) {
    INFO("segment cut at byte " << cut << " of " << size);
    const fs::path dir = base / "cut";
    fs::remove_all(dir);
    fs::create_directories(dir);
    {
      std::FILE* out = std::fopen((dir / "00000000000000000001.log").c_str(), "wb");
      REQUIRE(out != nullptr);
      REQUIRE(std::fwrite(bytes.data(), 1, cut, out) == cut);
      std::fclose(out);
    }
    ledger.calls.clear();
    std::shared_ptr<asl::FileJournal> journal;
    try {
      journal = std::make_shared<asl::FileJournal>(dir.string());
    } catch (const asl::JournalError&) {
      CHECK(cut < 20);  // only a file too short for its own header is refused outright
      continue;
    }
    o.journal = journal;
    asl::Engine engine(o);
    std::vector<asl::Execution> resumed = engine.recover(tasks);
    if (resumed.empty()) continue;  // the start did not survive, or the end did
    ++resumed_count;
    const asl::ExecutionResult r = resumed[0].get();
    REQUIRE(r.status == asl::Status::succeeded);
    CHECK(r.output == reference.output);
    for (const auto& [key, n] : ledger.calls) CHECK(n == 1);
    o.journal.reset();
  }
  CHECK(resumed_count > 0);
  fs::remove_all(base);
}

TEST_CASE("durable: an at-most-once task is synced before its call and never called twice", "[durable]") {
  auto journal = std::make_shared<MemoryJournal>();
  std::mutex m;
  int charges = 0;
  bool synced_before_call = false;
  bool hold = true;
  asl::TaskCompletion held;
  asl::HandlerRegistry tasks;
  tasks.add(
      "arn:charge",
      [&](const Json&, asl::TaskContext& ctx) -> asl::Result<Json> {
        std::lock_guard<std::mutex> lock(m);
        ++charges;
        synced_before_call = journal->durable_count() == journal->records().size();
        if (hold) {
          held = ctx.defer();  // the process "stops" during the call
          return Json();
        }
        return Json("charged");
      },
      asl::TaskDelivery::at_most_once);
  const auto machine = asl::StateMachine::parse(R"J({"StartAt": "Charge", "States": {
      "Charge": {"Type": "Task", "Resource": "arn:charge", "ResultPath": "$.charge",
                 "Catch": [{"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.error", "Next": "Review"}],
                 "End": true},
      "Review": {"Type": "Pass", "Result": "needs a human", "ResultPath": "$.review", "End": true}}})J", tasks);
  asl::EngineOptions o;
  o.threads = 2;
  o.journal = journal;
  {
    asl::Engine engine(o);
    asl::Execution e = engine.start(machine, Json{{"amount", 42}}, named("invoice-7"));
    for (;;) {
      {
        std::lock_guard<std::mutex> lock(m);
        if (charges == 1) break;
      }
      e.wait_for(std::chrono::milliseconds(1));
    }
  }
  CHECK(synced_before_call);
  {
    std::lock_guard<std::mutex> lock(m);
    hold = false;
  }
  asl::Engine engine(o);
  std::vector<asl::Execution> resumed = engine.recover(tasks);
  REQUIRE(resumed.size() == 1);
  const asl::ExecutionResult r = resumed[0].get();
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(charges == 1);  // not called again: the interrupted attempt failed, and Catch took it
  CHECK(r.output["error"]["Error"] == "States.TaskFailed");
  CHECK(r.output["review"] == "needs a human");
}

namespace {

constexpr const char* one_task = R"J({"StartAt": "Make", "States": {
  "Make": {"Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:make", "End": true}}})J";

/// A journal of `machine` run to its end, as its records.
std::vector<std::string> one_run(const asl::StateMachine& machine) {
  auto journal = std::make_shared<MemoryJournal>();
  asl::Engine engine(options(true, journal));
  REQUIRE(engine.start(machine, Json::object(), named("make-1")).get().status == asl::Status::succeeded);
  return journal->records();
}

/// The position of the (only) task_result record.
std::size_t task_result_record(const std::vector<std::string>& records) {
  for (std::size_t i = 0; i < records.size(); ++i)
    if (!records[i].empty() &&
        static_cast<asl::detail::durable::RecordKind>(records[i][0]) == asl::detail::durable::RecordKind::task_result)
      return i;
  return records.size();
}

}  // namespace

TEST_CASE("durable: a recorded task result is kept as its text and replays exactly as returned", "[durable]") {
  // Unicode (an escaped NUL, a surrogate pair), 64-bit integers at both ends, a number past them
  // (a double), doubles that must keep their bits and their type (1.0, -0.0), empty containers.
  const Json value = Json::parse(R"J({"text": "caf\u00e9 \ud83d\ude00 \u65e5\u672c \u0000 \"q\" \\ \/ \t",
      "raw": "žluťoučký kůň 🐎", "max": 18446744073709551615, "min": -9223372036854775808,
      "past": 123456789012345678901234567890, "tenth": 0.1, "third": 0.3333333333333333, "one": 1.0,
      "neg0": -0.0, "tiny": 5e-324, "nested": [[{"a": []}], {}, null, true, false]})J");
  int calls = 0;
  asl::HandlerRegistry tasks;
  tasks.add("arn:aws:lambda:us-east-1:123456789012:function:make",
            [&](const Json&, asl::TaskContext&) -> asl::Result<Json> {
              ++calls;
              return value;
            });
  const auto machine = asl::StateMachine::parse(one_task, tasks);
  const std::vector<std::string> records = one_run(machine);
  REQUIRE(calls == 1);
  const std::size_t k = task_result_record(records);
  REQUIRE(k < records.size());

  // Killed right after the result was recorded: the memo holds it as text, not parsed.
  const asl::testing::JournalCut c = asl::testing::cut_journal(records, k + 1);
  REQUIRE(c.started);
  REQUIRE_FALSE(c.ended);
  int recorded = 0;
  c.memo->each_task([&](const asl::detail::FactKey&, const asl::detail::RecordedTask& t) {
    ++recorded;
    CHECK(t.ended());
    REQUIRE(t.output);
    CHECK_FALSE(t.error);
    CHECK(Json::parse(*t.output) == value);
    const asl::Result<Json> r = t.result();
    REQUIRE(r);
    CHECK(asl::testing::identical(*r, value));
  });
  CHECK(recorded == 1);

  auto cut = std::make_shared<MemoryJournal>(c.records);
  asl::Engine engine(options(true, cut));
  std::vector<asl::Execution> resumed = engine.recover(tasks);
  REQUIRE(resumed.size() == 1);
  const asl::ExecutionResult r = resumed[0].get();
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(asl::testing::identical(r.output, value));
  CHECK(calls == 1);  // replayed, not called again
}

TEST_CASE("durable: a recorded task result that is not JSON fails the resumed execution, never crashes",
          "[durable]") {
  int calls = 0;
  asl::HandlerRegistry tasks;
  tasks.add("arn:aws:lambda:us-east-1:123456789012:function:make",
            [&](const Json&, asl::TaskContext&) -> asl::Result<Json> {
              ++calls;
              return Json{{"ok", true}};
            });
  const auto machine = asl::StateMachine::parse(one_task, tasks);
  std::vector<std::string> records = one_run(machine);
  const std::size_t k = task_result_record(records);
  REQUIRE(k < records.size());
  records.resize(k + 1);

  // The same record with its result text cut short (as another format could have written it:
  // the record passed its checksum).
  namespace d = asl::detail::durable;
  d::RecordReader in(records[k]);
  in.u8();
  const std::uint64_t number = in.varint(), frame = in.varint();
  const std::uint32_t step = in.u32(), attempt = in.u32(), state = in.u32();
  const std::uint8_t flags = in.u8();
  const std::string_view text = in.text();
  REQUIRE(in.ok());
  REQUIRE(in.at_end());
  REQUIRE((flags & d::result_ok) != 0);
  REQUIRE(text == R"({"ok":true})");
  std::string corrupt;
  d::RecordWriter w(corrupt);
  w.kind(d::RecordKind::task_result);
  w.varint(number);
  w.varint(frame);
  w.varint(step);
  w.varint(attempt);
  w.varint(state);
  w.u8(flags);
  w.text(R"({"ok":tru)");
  records[k] = corrupt;

  // Recovery reads it (the text is not parsed there) ...
  const asl::testing::JournalCut c = asl::testing::cut_journal(records, records.size());
  REQUIRE(c.started);
  REQUIRE_FALSE(c.ended);
  // ... and the attempt's replay fails the execution with a clear States.Runtime, uncaught.
  auto cut = std::make_shared<MemoryJournal>(records);
  asl::Engine engine(options(true, cut));
  std::vector<asl::Execution> resumed = engine.recover(tasks);
  REQUIRE(resumed.size() == 1);
  const asl::ExecutionResult r = resumed[0].get();
  CHECK(r.status == asl::Status::failed);
  CHECK(r.error == "States.Runtime");
  CHECK(r.cause.value_or("").find("is not JSON: the journal is corrupt") != std::string::npos);
  CHECK(calls == 1);  // never called again in its place
}
