// Engine tests: journal compaction (Engine::compact_journal). The records so far become one
// snapshot that keeps every execution that may run again (running, redrivable) whole and the
// others as a name, status and times; what runs meanwhile appends after it. A new engine on the
// compacted journal resumes, redrives and refuses names exactly as it would have before.
// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <asl/asl.hpp>
#include <asl/file_journal.hpp>
#include <asl/testing/manual_clock.hpp>
#include <asl/testing/memory_journal.hpp>

#include "asl/detail/durable/execution_index.hpp"

using asl::Json;

namespace {

struct Service {
  std::mutex mutex;
  std::vector<asl::TaskCompletion> waiting;
  int calls = 0;
  bool broken = false;
};

asl::HandlerRegistry handlers(Service& s) {
  asl::HandlerRegistry tasks;
  tasks.add("arn:work", [&s](const Json& in) -> asl::Result<Json> {
    std::lock_guard<std::mutex> lock(s.mutex);
    ++s.calls;
    if (s.broken) return asl::Error("Broken", "down");
    return Json{{"done", in}};
  });
  tasks.add("arn:later", [&s](const Json&, asl::TaskContext& ctx) -> asl::Result<Json> {
    std::lock_guard<std::mutex> lock(s.mutex);
    s.waiting.push_back(ctx.defer());
    return Json();
  });
  return tasks;
}

constexpr const char* work = R"J({"StartAt": "W", "States": {
  "W": {"Type": "Task", "Resource": "arn:work", "End": true}}})J";
constexpr const char* later = R"J({"StartAt": "W", "States": {
  "W": {"Type": "Task", "Resource": "arn:work", "ResultPath": "$.w", "Next": "L"},
  "L": {"Type": "Task", "Resource": "arn:later", "End": true}}})J";

asl::RunOptions named(const std::string& name) {
  asl::RunOptions r;
  r.name = name;
  return r;
}

}  // namespace

TEST_CASE("compaction: a compacted journal resumes, redrives and refuses names as before", "[durable][compaction]") {
  const bool file = GENERATE(false, true);
  CAPTURE(file);
  const auto dir = std::filesystem::temp_directory_path() /
                   ("asl-compaction-" + std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  std::shared_ptr<asl::Journal> journal;
  auto open = [&]() -> std::shared_ptr<asl::Journal> {
    if (file) return std::make_shared<asl::FileJournal>(dir.string());
    if (!journal) journal = std::make_shared<asl::testing::MemoryJournal>();
    return journal;
  };
  auto clock = std::make_shared<asl::testing::ManualClock>(asl::TimePoint{std::chrono::seconds(1'750'000'000)});
  auto options = [&] {
    asl::EngineOptions o;
    o.threads = 2;
    o.clock = clock;
    o.journal = open();
    return o;
  };
  Service s;
  const auto tasks = handlers(s);
  const auto work_sm = asl::StateMachine::parse(work, tasks);
  const auto later_sm = asl::StateMachine::parse(later, tasks);
  asl::JournalCompaction first;
  {
    asl::Engine engine(options());
    for (int i = 0; i < 40; ++i) REQUIRE(engine.run(work_sm, Json(i), named("ok-" + std::to_string(i))).status ==
                                         asl::Status::succeeded);
    s.broken = true;
    REQUIRE(engine.run(work_sm, Json("x"), named("failed")).status == asl::Status::failed);
    s.broken = false;
    // Running while the journal is compacted: its records before the point go into the
    // snapshot, the ones it writes afterwards follow it.
    asl::Execution live = engine.start(later_sm, Json::object(), named("live"));
    for (;;) {
      std::lock_guard<std::mutex> lock(s.mutex);
      if (!s.waiting.empty()) break;
    }
    first = engine.compact_journal();
    CHECK(first.executions_kept == 2);     // "failed" (redrivable) and "live"
    CHECK(first.executions_closed == 40);  // succeeded: name, status and times only
    CHECK(first.records_before > first.records_kept);
    CHECK(first.bytes_after < first.bytes_before);
    // A second one finds the snapshot and keeps the same things.
    const asl::JournalCompaction second = engine.compact_journal();
    CHECK(second.executions_kept == 2);
    CHECK(second.executions_closed == 40);
    CHECK(second.records_before == 1);  // the snapshot
  }  // suspended: "live" stays running
  s.waiting.clear();
  {
    asl::Engine engine(options());
    auto resumed = engine.recover(tasks);
    REQUIRE(resumed.size() == 1);
    CHECK(resumed[0].name() == "live");
    for (;;) {
      std::lock_guard<std::mutex> lock(s.mutex);
      if (!s.waiting.empty()) break;
    }
    {
      std::lock_guard<std::mutex> lock(s.mutex);
      s.waiting[0].succeed(Json{{"published", true}});
    }
    const auto r = resumed[0].get();
    REQUIRE(r.status == asl::Status::succeeded);
    CHECK(r.output == Json{{"published", true}});
    // Ended names stay taken; the failed one can be redriven.
    CHECK_THROWS_AS(engine.start(work_sm, Json(3), named("ok-3")), asl::ExecutionAlreadyExists);
    CHECK(engine.redrive("failed", tasks).get().status == asl::Status::succeeded);
  }
  CHECK(s.calls == 40 + 1 + 1 + 1);  // ok-*, failed, live's W (once: recorded), the redrive
  {
    // 14 days later, compaction closes what is no longer redrivable.
    clock->advance(std::chrono::hours(15 * 24));
    asl::Engine engine(options());
    const asl::JournalCompaction c = engine.compact_journal();
    CHECK(c.executions_kept == 0);
    CHECK(c.executions_closed == 42);
    asl::detail::durable::ExecutionIndex index;
    index.read(*engine.options().journal);
    REQUIRE(index.executions().size() == 42);
    for (const auto& [n, x] : index.executions()) CHECK(x.status == asl::Status::succeeded);
    CHECK_THROWS_AS(engine.start(later_sm, Json::object(), named("live")), asl::ExecutionAlreadyExists);
  }
  journal.reset();
  std::filesystem::remove_all(dir);
}

TEST_CASE("compaction: an execution past its redrive period keeps only its name", "[durable][compaction]") {
  auto journal = std::make_shared<asl::testing::MemoryJournal>();
  auto clock = std::make_shared<asl::testing::ManualClock>(asl::TimePoint{std::chrono::seconds(1'750'000'000)});
  asl::EngineOptions o;
  o.inline_execution = true;
  o.clock = clock;
  o.journal = journal;
  Service s;
  s.broken = true;
  const auto tasks = handlers(s);
  asl::Engine engine(o);
  REQUIRE(engine.run(asl::StateMachine::parse(work, tasks), Json(1), named("old")).status == asl::Status::failed);
  clock->advance(std::chrono::hours(14 * 24 + 1));
  const asl::JournalCompaction c = engine.compact_journal();
  CHECK(c.executions_closed == 1);
  REQUIRE(journal->records().empty());
  REQUIRE(journal->snapshot());
  try {
    engine.redrive("old", tasks);
    FAIL("past its redrive period");
  } catch (const asl::ExecutionNotRedrivable& e) {
    CHECK(std::string(e.what()) == "Execution redrivable period exceeded.");
  }
}
