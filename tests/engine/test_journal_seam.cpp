// Engine tests: the journal seam (run/journal_hook.hpp) hears every fact an execution must not lose
// or repeat, in order, with enough data to rebuild it: transitions with their inputs, task inputs
// and results, timers as absolute deadlines, tokens before they are handed out, Map hand-outs.
// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include <algorithm>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <asl/asl.hpp>
#include <asl/testing/manual_clock.hpp>

#include "asl/detail/run/interpreter.hpp"

using asl::Json;
using asl::detail::JournalFact;
using asl::detail::JournalRecord;

namespace {

/// Keeps a copy of every record, and lets handlers add their own marks to the same log.
class RecordingJournal final : public asl::detail::JournalHook {
 public:
  struct Entry {
    JournalFact fact;
    std::uint64_t frame, parent;
    std::uint32_t state, step, attempt, index;
    asl::EventType event;
    std::uint64_t event_id;
    asl::TimePoint due;
    std::string token;
    Json value;
    bool has_value, has_error;
    std::string mark;  ///< set for a handler's mark instead of a record
  };

  void record(const JournalRecord& r) override {
    std::lock_guard<std::mutex> lock(mutex_);
    entries.push_back(Entry{r.fact, r.frame, r.parent, r.state, r.step, r.attempt, r.index, r.event, r.event_id, r.due,
                            std::string(r.token), r.value ? *r.value : Json(), r.value != nullptr,
                            r.error != nullptr, ""});
  }
  void mark(std::string text) {
    std::lock_guard<std::mutex> lock(mutex_);
    Entry e{};
    e.mark = std::move(text);
    entries.push_back(std::move(e));
  }
  std::vector<const Entry*> of(JournalFact f) const {
    std::vector<const Entry*> out;
    for (const Entry& e : entries)
      if (e.mark.empty() && e.fact == f) out.push_back(&e);
    return out;
  }

  std::vector<Entry> entries;

 private:
  std::mutex mutex_;
};

class CountingObserver final : public asl::Observer {
 public:
  void on_event(const asl::HistoryEvent& e) override { ids.push_back(e.id); }
  std::vector<std::uint64_t> ids;
};

constexpr const char* definition = R"J({"StartAt": "Prepare", "States": {
  "Prepare": {"Type": "Pass", "Parameters": {"items.$": "$.items"}, "Next": "Train"},
  "Train": {"Type": "Task", "Resource": "arn:train", "TimeoutSeconds": 60, "ResultPath": "$.model",
            "Retry": [{"ErrorEquals": ["Train.Flaky"], "IntervalSeconds": 2, "MaxAttempts": 1}], "Next": "Cool"},
  "Cool": {"Type": "Wait", "Seconds": 5, "Next": "Score"},
  "Score": {"Type": "Map", "ItemsPath": "$.items", "ResultPath": "$.scores",
            "ItemProcessor": {"StartAt": "One", "States": {"One": {"Type": "Pass", "End": true}}}, "Next": "Approve"},
  "Approve": {"Type": "Task", "Resource": "arn:approve.waitForTaskToken", "ResultPath": "$.approval", "End": true}}})J";

}  // namespace

TEST_CASE("journal seam: every fact of an execution, in order, with the data to rebuild it", "[journal]") {
  RecordingJournal journal;
  int train_calls = 0;
  asl::HandlerRegistry tasks;
  tasks.add("arn:train", [&](const Json&) -> asl::Result<Json> {
    if (++train_calls == 1) return asl::Error{"Train.Flaky", "first attempt"};
    return Json{{"auc", 0.91}};
  });
  tasks.add("arn:approve.waitForTaskToken", [&](const Json&, asl::TaskContext& ctx) -> asl::Result<Json> {
    journal.mark("handler got " + ctx.task_token);
    ctx.defer().succeed(Json{{"approved", true}});
    return Json::object();
  });
  const auto machine = asl::StateMachine::parse(definition, tasks);
  const auto& program = *machine.program();
  auto index = [&](const char* name) { return program.index_by_name.at(name); };

  const asl::TimePoint t0{std::chrono::seconds(1'700'000'000)};
  auto clock = std::make_shared<asl::testing::ManualClock>(t0);
  asl::detail::InlineHost host(clock, true);
  CountingObserver observer;
  asl::detail::ExecutionConfig cfg;
  cfg.host = &host;
  cfg.execution_name = "journaled";
  cfg.journal = &journal;
  cfg.observers.push_back(&observer);
  auto exec = std::make_shared<asl::detail::Interpreter>(machine.program(), Json{{"items", {1, 2, 3}}}, cfg);
  exec->start();
  REQUIRE(host.run([&] { return exec->done(); }));
  const asl::ExecutionResult result = exec->result();
  REQUIRE(result.status == asl::Status::succeeded);

  SECTION("every history event, numbered as the observers see them") {
    std::vector<std::uint64_t> ids;
    for (const auto* e : journal.of(JournalFact::event)) ids.push_back(e->event_id);
    CHECK(ids == observer.ids);
    CHECK(journal.of(JournalFact::event).front()->event == asl::EventType::ExecutionStarted);
  }

  SECTION("transitions carry each state's raw input") {
    const auto tr = journal.of(JournalFact::transition);
    REQUIRE(tr.size() == 8);  // Prepare, Train, Cool, Score, One x3, Approve
    CHECK(tr[0]->state == index("Prepare"));
    CHECK(tr[0]->value == Json{{"items", {1, 2, 3}}});
    CHECK(tr[1]->state == index("Train"));
    CHECK(tr[2]->state == index("Cool"));
    CHECK(tr[2]->value == Json::parse(R"J({"items": [1, 2, 3], "model": {"auc": 0.91}})J"));
    CHECK(tr[3]->state == index("Score"));
    for (std::size_t i = 4; i < 7; ++i) {
      CHECK(tr[i]->state == index("One"));
      CHECK(tr[i]->frame != 0);
    }
    CHECK(tr[7]->state == index("Approve"));
    CHECK(tr[7]->frame == 0);
  }

  SECTION("task inputs before each call, then the result or the error") {
    const auto in = journal.of(JournalFact::task_input);
    REQUIRE(in.size() == 3);  // Train twice (one retry), Approve once
    CHECK(in[0]->attempt == 0);
    CHECK(in[1]->attempt == 1);
    CHECK(in[0]->value == Json{{"items", {1, 2, 3}}});
    CHECK(in[0]->due == t0 + std::chrono::seconds(60));  // TimeoutSeconds as a deadline
    const auto out = journal.of(JournalFact::task_result);
    REQUIRE(out.size() == 3);
    CHECK(out[0]->has_error);
    CHECK(out[1]->value == Json{{"auc", 0.91}});
    CHECK(out[2]->value == Json{{"approved", true}});
  }

  SECTION("timers as absolute deadlines on the execution's clock") {
    const auto timers = journal.of(JournalFact::timer);
    REQUIRE(timers.size() == 2);
    CHECK(timers[0]->state == index("Train"));
    CHECK(timers[0]->due == t0 + std::chrono::seconds(2));  // the retry interval
    CHECK(timers[1]->state == index("Cool"));
    CHECK(timers[1]->due == t0 + std::chrono::seconds(7));  // the Wait, after the retry
  }

  SECTION("a callback token is recorded before its handler gets it") {
    const auto tokens = journal.of(JournalFact::token);
    REQUIRE(tokens.size() == 1);
    std::size_t token_at = 0, handler_at = 0;
    for (std::size_t i = 0; i < journal.entries.size(); ++i) {
      if (&journal.entries[i] == tokens[0]) token_at = i;
      if (journal.entries[i].mark == "handler got " + tokens[0]->token) handler_at = i;
    }
    CHECK(handler_at > token_at);
  }

  SECTION("each Map item handed out once, with its index, input and frame") {
    const auto handed = journal.of(JournalFact::hand_out);
    REQUIRE(handed.size() == 3);
    std::vector<std::uint64_t> frames;
    for (std::uint32_t i = 0; i < 3; ++i) {
      CHECK(handed[i]->index == i);
      CHECK(handed[i]->value == Json(i + 1));
      CHECK(handed[i]->parent == 0);
      CHECK(handed[i]->state == index("Score"));
      frames.push_back(handed[i]->frame);
    }
    CHECK(frames[0] != frames[1]);
    CHECK(frames[1] != frames[2]);
  }

  SECTION("the end, last, with the output") {
    const auto& last = journal.entries.back();
    CHECK(last.fact == JournalFact::finished);
    CHECK(last.value == result.output);
  }
}

TEST_CASE("journal seam: a Map on a pool hands every item out exactly once", "[journal]") {
  // On a pool, items start in chunks on several workers at once: the hook is called
  // concurrently and must still hear each item once, each on a frame of its own.
  const auto machine = asl::StateMachine::parse(R"J({"StartAt": "Fan", "States": {"Fan": {"Type": "Map",
      "ItemProcessor": {"StartAt": "Twice", "States": {"Twice": {"Type": "Pass", "End": true}}}, "End": true}}})J");
  Json items = Json::array();
  for (int i = 0; i < 500; ++i) items.push_back(i);
  for (unsigned threads : {1u, 2u, 4u}) {
    INFO("threads " << threads);
    RecordingJournal journal;
    asl::detail::PoolScheduler pool(threads, std::make_shared<asl::SystemClock>(), false);
    asl::detail::ExecutionConfig cfg;
    cfg.host = &pool;
    cfg.execution_name = "fan";
    cfg.journal = &journal;
    auto exec = std::make_shared<asl::detail::Interpreter>(machine.program(), items, cfg);
    exec->start();
    exec->wait();
    REQUIRE(exec->result().status == asl::Status::succeeded);
    std::vector<int> seen(500, 0);
    std::vector<std::uint64_t> frames;
    for (const auto* e : journal.of(JournalFact::hand_out)) {
      REQUIRE(e->index < 500);
      ++seen[e->index];
      CHECK(e->value == Json(e->index));
      frames.push_back(e->frame);
    }
    CHECK(std::count(seen.begin(), seen.end(), 1) == 500);
    std::sort(frames.begin(), frames.end());
    CHECK(std::adjacent_find(frames.begin(), frames.end()) == frames.end());
    CHECK(journal.of(JournalFact::transition).size() == 501);
    CHECK(journal.entries.back().fact == JournalFact::finished);
  }
}
