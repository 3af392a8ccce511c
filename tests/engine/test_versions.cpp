// Engine tests: StateMachineRegistry (versions and weighted aliases, AWS's model) and version
// pinning: an execution keeps the definition it started with across updates, restarts and redrives.
// SPDX-License-Identifier: MIT
#include "support/catch.hpp"

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include <asl/asl.hpp>
#include <asl/state_machine_registry.hpp>
#include <asl/testing/manual_clock.hpp>
#include <asl/testing/memory_journal.hpp>

using asl::Json;

namespace {

/// A one-state machine whose output names its revision.
asl::StateMachine revision(const std::string& tag, const asl::TaskResolver& tasks = asl::HandlerRegistry{}) {
  return asl::StateMachine::parse(R"J({"StartAt": "Work", "States": {"Work": {"Type": "Task", "Resource": "arn:work",
      "Parameters": {"revision": ")J" + tag + R"J("}, "End": true}}})J",
                                  tasks);
}

asl::HandlerRegistry echo() {
  asl::HandlerRegistry tasks;
  tasks.add("arn:work", [](const Json& in) -> asl::Result<Json> { return in; });
  return tasks;
}

}  // namespace

TEST_CASE("versions: numbers only go up, publishing the same revision is idempotent", "[versions]") {
  asl::StateMachineRegistry registry(1);
  CHECK_THROWS_AS(registry.resolve("train"), asl::ResourceNotFound);
  registry.add("train", revision("a", echo()));
  CHECK(registry.versions("train").empty());
  CHECK(registry.publish("train") == 1u);
  CHECK(registry.publish("train") == 1u);  // the same revision
  CHECK(registry.add("train", revision("b", echo())).publish("train") == 2u);
  CHECK(registry.add("train", revision("c", echo())).publish("train") == 3u);
  registry.delete_version("train", 3);
  CHECK(registry.versions("train") == std::vector<std::uint32_t>{1, 2});
  // Never reused: the next one is 4, even though 3 is gone (AWS).
  CHECK(registry.publish("train") == 4u);
  CHECK(registry.resolve("train:2").machine.definition()["States"]["Work"]["Parameters"]["revision"] == "b");
  CHECK(registry.resolve("train").machine.definition()["States"]["Work"]["Parameters"]["revision"] == "c");
  const auto v1 = registry.resolve("train:1");
  CHECK(v1.version == 1u);
  CHECK(v1.arn == "arn:aws:states:us-east-1:123456789012:stateMachine:train:1");
  // By ARN, as a nested startExecution names it (any region and account).
  CHECK(registry.find("arn:aws:states:eu-west-1:999999999999:stateMachine:train:2")->definition() ==
        registry.resolve("train:2").machine.definition());
  CHECK_FALSE(registry.find("train:9"));
  try {
    registry.resolve("train:3");
    FAIL("a deleted version must not resolve");
  } catch (const asl::ResourceNotFound& e) {
    CHECK(std::string(e.what()) == "Version does not exist: 'arn:aws:states:us-east-1:123456789012:stateMachine:train:3'");
  }
}

TEST_CASE("versions: an alias routes starts by weight and protects its versions", "[versions]") {
  asl::StateMachineRegistry registry(42);
  registry.add("serve", revision("old", echo())).publish("serve");
  registry.add("serve", revision("new", echo())).publish("serve");
  registry.set_alias("serve", "prod", {{1, 90}, {2, 10}});
  std::map<std::string, int> seen;
  for (int i = 0; i < 2000; ++i) {
    const auto r = registry.resolve("serve:prod");
    CHECK(r.alias == std::optional<std::string>("prod"));
    ++seen[r.machine.definition()["States"]["Work"]["Parameters"]["revision"].get<std::string>()];
  }
  // 10 % of 2,000 is 200; a fair draw lands within ±80 of it (over 6 standard deviations).
  CHECK(seen["new"] > 120);
  CHECK(seen["new"] < 280);
  CHECK(seen["old"] + seen["new"] == 2000);
  try {
    registry.delete_version("serve", 2);
    FAIL("a routed version must not be deleted");
  } catch (const asl::Conflict& e) {
    CHECK(std::string(e.what()) ==
          "Version to be deleted must not be referenced by an alias. Current list of aliases referencing this "
          "version: [arn:aws:states:us-east-1:123456789012:stateMachine:serve:prod]");
  }
  CHECK_THROWS_AS(registry.set_alias("serve", "prod", {{1, 50}, {2, 40}}), asl::UsageError);  // not 100
  CHECK_THROWS_AS(registry.set_alias("serve", "prod", {{7, 100}}), asl::ResourceNotFound);
  CHECK_THROWS_AS(registry.set_alias("serve", "3", {{1, 100}}), asl::UsageError);  // a number is a version
  registry.set_alias("serve", "prod", {{2, 100}});
  CHECK(registry.resolve("serve:prod").version == 2u);
  registry.delete_version("serve", 1);
  registry.delete_alias("serve", "prod");
  CHECK_THROWS_AS(registry.resolve("serve:prod"), asl::ResourceNotFound);
}

TEST_CASE("versions: an execution keeps its definition across updates, restarts and redrives", "[versions]") {
  auto journal = std::make_shared<asl::testing::MemoryJournal>();
  auto clock = std::make_shared<asl::testing::ManualClock>(asl::TimePoint{std::chrono::seconds(1'750'000'000)});
  bool broken = true;
  asl::HandlerRegistry tasks;
  tasks.add("arn:work", [&broken](const Json& in) -> asl::Result<Json> {
    if (broken) return asl::Error("Broken", "not yet");
    return in;
  });
  asl::EngineOptions o;
  o.inline_execution = true;
  o.virtual_time = true;
  o.clock = clock;
  o.journal = journal;
  asl::StateMachineRegistry registry(7);
  registry.add("train", revision("v1", tasks)).publish("train");
  {
    asl::Engine engine(o);
    const auto r = engine.run(registry.resolve("train:1").machine, Json::object(), [] {
      asl::RunOptions run;
      run.name = "nightly";
      return run;
    }());
    REQUIRE(r.status == asl::Status::failed);
  }
  // The machine moves on to a new version; the failed execution is redriven by a new process.
  registry.add("train", revision("v2", tasks)).publish("train");
  broken = false;
  asl::Engine engine(o);
  const auto r = engine.redrive("nightly", tasks).get();
  REQUIRE(r.status == asl::Status::succeeded);
  CHECK(r.output["revision"] == "v1");  // the definition it started with
  CHECK(engine.run(registry.resolve("train").machine).output["revision"] == "v2");
}
