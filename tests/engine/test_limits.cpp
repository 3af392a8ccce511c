// Hard limits against hostile definitions and inputs: each gives a definition error or an ASL
// error value (never a crash, a hang or unbounded memory), and each is configurable.
// SPDX-License-Identifier: MIT
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "support/catch.hpp"
#include "support/run.hpp"

using asl::Json;

namespace {

/// A chain of `n` Pass states S0 -> S1 -> ... (the last one ends).
Json pass_chain(int n) {
  Json states = Json::object();
  for (int i = 0; i < n; ++i) {
    Json s = {{"Type", "Pass"}};
    if (i + 1 < n) s["Next"] = "S" + std::to_string(i + 1);
    else s["End"] = true;
    states["S" + std::to_string(i)] = s;
  }
  return Json{{"StartAt", "S0"}, {"States", states}};
}

std::vector<std::string> ids_of(const asl::DefinitionError& e) {
  std::vector<std::string> ids;
  for (const auto& d : e.diagnostics()) ids.push_back(d.id);
  return ids;
}

}  // namespace

TEST_CASE("limits: definition size (LoadOptions::max_definition_size, AWS's 1 MB by default)", "[limits]") {
  const std::string text = pass_chain(20).dump();
  asl::LoadOptions small;
  small.max_definition_size = 100;
  const auto diags = asl::validate(text, small);
  REQUIRE(diags.size() == 1);
  CHECK(diags[0].id == "asl.definition.006");
  CHECK(diags[0].to_string().find("more than the limit of 100") != std::string::npos);
  CHECK_THROWS_AS(asl::StateMachine::parse(text, small), asl::DefinitionError);
  CHECK(asl::validate(text).empty());  // the default (1 MiB) accepts it

  // 1 MiB + 1 byte of (otherwise valid) text is refused by default, before parsing.
  std::string big = text;
  big.insert(1, std::string(1024 * 1024, ' '));
  const auto big_diags = asl::validate(big);
  REQUIRE(big_diags.size() == 1);
  CHECK(big_diags[0].id == "asl.definition.006");
}

TEST_CASE("limits: number of states, branches and item processors included (LoadOptions::max_states)", "[limits]") {
  asl::LoadOptions opts;
  opts.max_states = 5;
  CHECK(asl::validate(pass_chain(5).dump(), opts).empty());
  auto six = asl::validate(pass_chain(6).dump(), opts);
  REQUIRE(six.size() == 1);
  CHECK(six[0].id == "asl.definition.007");
  CHECK(six[0].pointer == "/States");

  // 2 top-level states + 2 in a Parallel branch + 2 in a Map's processor = 6.
  const Json nested = Json::parse(R"J({"StartAt":"P","States":{
    "P":{"Type":"Parallel","Next":"M","Branches":[{"StartAt":"A","States":{
      "A":{"Type":"Pass","Next":"B"},"B":{"Type":"Pass","End":true}}}]},
    "M":{"Type":"Map","End":true,"ItemProcessor":{"StartAt":"C","States":{
      "C":{"Type":"Pass","Next":"D"},"D":{"Type":"Pass","End":true}}}}}})J");
  try {
    asl::StateMachine::from_json(nested, opts);
    FAIL("a machine of 6 states loaded under a limit of 5");
  } catch (const asl::DefinitionError& e) {
    CHECK(ids_of(e) == std::vector<std::string>{"asl.definition.007"});
    CHECK(std::string(e.what()).find("has 6 states") != std::string::npos);
  }
  opts.max_states = 6;
  CHECK_NOTHROW(asl::StateMachine::from_json(nested, opts));
}

TEST_CASE("limits: Map items (EngineOptions::max_map_items)", "[limits]") {
  const Json def = Json::parse(R"J({"StartAt":"M","States":{"M":{"Type":"Map","End":true,
    "ItemProcessor":{"StartAt":"I","States":{"I":{"Type":"Pass","End":true}}}}}})J");
  asl::EngineOptions o;
  o.max_map_items = 3;
  auto ok = asl::testing::run_machine(def, Json::array({1, 2, 3}), asl::HandlerRegistry{}, o);
  REQUIRE(ok.status == asl::Status::succeeded);
  CHECK(ok.output == Json::array({1, 2, 3}));
  auto r = asl::testing::run_machine(def, Json::array({1, 2, 3, 4}), asl::HandlerRegistry{}, o);
  REQUIRE(r.status == asl::Status::failed);
  CHECK(r.error == std::optional<std::string>("States.Runtime"));
  REQUIRE(r.cause);
  CHECK(r.cause->find("The Map state has 4 items, more than the engine's limit of 3 "
                      "(EngineOptions::max_map_items).") != std::string::npos);
}

TEST_CASE("limits: the Map window keeps the result and event order of an unbounded Map", "[limits]") {
  const Json def = Json::parse(R"J({"StartAt":"M","States":{"M":{"Type":"Map","End":true,
    "ItemProcessor":{"StartAt":"W","States":{
      "W":{"Type":"Wait","SecondsPath":"$.s","Next":"I"},
      "I":{"Type":"Pass","Parameters":{"v.$":"$.v"},"End":true}}}}}})J");
  Json items = Json::array();
  for (int i = 0; i < 40; ++i) items.push_back(Json{{"v", i}, {"s", (i * 7) % 5}});
  auto run_with = [&](std::size_t window) {
    asl::EngineOptions o;
    o.max_map_concurrency = window;
    return asl::testing::run_machine(def, items, asl::HandlerRegistry{}, o);
  };
  const auto unbounded = run_with(0), windowed = run_with(3);
  REQUIRE(unbounded.status == asl::Status::succeeded);
  REQUIRE(windowed.status == asl::Status::succeeded);
  CHECK(windowed.output == unbounded.output);
  CHECK(windowed.output.size() == 40);
  CHECK(windowed.output[39] == Json{{"v", 39}});
  CHECK(windowed.stats.events == unbounded.stats.events);
}

TEST_CASE("limits: history events (EngineOptions::max_history_events; AWS Standard stops at 25,000)", "[limits]") {
  asl::EngineOptions o;
  o.max_history_events = 10;
  auto observer = std::make_shared<asl::testing::RecordingObserver>();
  auto r = asl::testing::run_machine(pass_chain(20), Json::object(), asl::HandlerRegistry{}, o, observer);
  REQUIRE(r.status == asl::Status::failed);
  CHECK(r.error == std::optional<std::string>("States.Runtime"));
  CHECK(r.cause == std::optional<std::string>("The execution reached the maximum number of history events (10)."));
  REQUIRE(observer->events.size() == 10);  // as on AWS: the 10th event is the terminal one
  CHECK(observer->events.back().type == asl::EventType::ExecutionFailed);
  CHECK(observer->events.back().id == 10);
  // A history that ends exactly at the cap with success succeeds: 20 Pass states write
  // 1 + 2 * 20 + 1 = 42 events.
  o.max_history_events = 42;
  CHECK(asl::testing::run_machine(pass_chain(20), Json::object(), asl::HandlerRegistry{}, o).status ==
        asl::Status::succeeded);
  o.max_history_events = 41;
  CHECK(asl::testing::run_machine(pass_chain(20), Json::object(), asl::HandlerRegistry{}, o).status ==
        asl::Status::failed);

  o.max_history_events = 0;
  CHECK(asl::testing::run_machine(pass_chain(20), Json::object(), asl::HandlerRegistry{}, o).status ==
        asl::Status::succeeded);
}

TEST_CASE("limits: outstanding task tokens (EngineOptions::max_task_tokens)", "[limits]") {
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<std::string> tokens;
  bool refused = false;
  asl::HandlerRegistry tasks;
  tasks.add("arn:aws:states:::sqs:sendMessage.waitForTaskToken", [&](const Json&, asl::TaskContext& ctx) {
    std::lock_guard<std::mutex> lock(mutex);
    tokens.push_back(ctx.task_token);
    cv.notify_all();
    return Json::object();
  });
  tasks.add("arn:aws:lambda:us-east-1:123456789012:function:refused", [&](const Json& in) {
    std::lock_guard<std::mutex> lock(mutex);
    refused = true;
    cv.notify_all();
    return in;
  });
  // One worker runs branch A (its token is registered, the task waits), then branch B, whose
  // callback task finds the registry full: that attempt fails with States.TaskFailed, which
  // Retry/Catch handle like any task failure.
  const Json def = Json::parse(R"J({"StartAt":"Both","States":{"Both":{"Type":"Parallel","End":true,
    "Branches":[
      {"StartAt":"A","States":{"A":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "End":true}}},
      {"StartAt":"B","States":{"B":{"Type":"Task","Resource":"arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Catch":[{"ErrorEquals":["States.TaskFailed"],"ResultPath":"$.error","Next":"Refused"}],"End":true},
        "Refused":{"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:refused",
          "End":true}}}]}}})J");
  asl::EngineOptions o;
  o.threads = 1;
  o.max_task_tokens = 1;
  asl::Engine engine(o);
  auto exec = engine.start(asl::StateMachine::from_json(def, tasks), Json::object());
  std::string token;
  {
    std::unique_lock<std::mutex> lock(mutex);
    // Complete A only after B was refused: a completed A frees its token, and B would then
    // register and wait for a callback this test never sends.
    REQUIRE(cv.wait_for(lock, std::chrono::seconds(60), [&] { return !tokens.empty() && refused; }));
    token = tokens[0];
  }
  CHECK_FALSE(engine.send_task_success(token, Json("done")).has_value());
  REQUIRE(exec.wait_for(std::chrono::seconds(60)));
  auto r = exec.get();
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(tokens.size() == 1);  // B's handler never ran
  CHECK(r.output[0] == Json("done"));
  CHECK(r.output[1]["error"]["Error"] == Json("States.TaskFailed"));
  CHECK(r.output[1]["error"]["Cause"].get<std::string>().find("EngineOptions::max_task_tokens") !=
        std::string::npos);
}
