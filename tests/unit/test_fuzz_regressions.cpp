// Regression tests for bugs found by the fuzz targets in tests/fuzz (each input also stays in tests/fuzz/corpus).
// SPDX-License-Identifier: MIT
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <asl/asl.hpp>
#include <asl/testing/manual_clock.hpp>

#include "asl/detail/load/definition_parser.hpp"
#include "asl/detail/jsonpath/intrinsics.hpp"
#include "asl/detail/jsonpath/path.hpp"
#include "asl/detail/run/time_math.hpp"

#include "support/catch.hpp"
#include "support/pending.hpp"
#include "support/run.hpp"

namespace in = asl::detail::intrinsics;
namespace jp = asl::detail::jsonpath;
using asl::Json;
using namespace std::chrono_literals;

namespace {

/// The SyntaxError message for `path` ("" when it parses).
std::string syntax_error(const std::string& path) {
  try {
    (void)jp::Path::parse(path);
  } catch (const jp::SyntaxError& e) {
    return e.what();
  }
  return "";
}

/// True when `s` is well-formed UTF-8 (nlohmann's dump() throws otherwise).
bool valid_utf8(const std::string& s) {
  try {
    (void)Json(s).dump();
    return true;
  } catch (const Json::type_error&) {
    return false;
  }
}

}  // namespace

// fuzz_jsonpath: libstdc++'s std::regex reads `\<digits>` and `{<digits>}` into a long without an
// overflow check (UBSan: signed integer overflow in regex_compiler.tcc). Refused at parse now.
TEST_CASE("fuzz: regex back-reference or repetition count with a long digit run", "[fuzz][jsonpath]") {
  const std::string want = "number too large in /regex/";
  CHECK(syntax_error("$.items[?(@ =~ /a\\7777777777777777777777/)]").find(want) != std::string::npos);
  CHECK(syntax_error("$.items[?(@ =~ /a{7777777777777777777}/)]").find(want) != std::string::npos);
  CHECK(syntax_error("$.items[?(@ =~ /a{1,99999999999999999999}/)]").find(want) != std::string::npos);
  // Ordinary digits and counts still work.
  Json out;
  REQUIRE(jp::Path::parse("$[?(@ =~ /1234567890,12345678{1,3}a/)]").select(Json::array({"1234567890,123456788a", "x"}), out));
  CHECK(out == Json::array({"1234567890,123456788a"}));
}

// fuzz_jsonpath (timeout): std::regex's default backtracking matcher is exponential on nested
// quantifiers and recursed once per subject character (stack overflow on long strings). With
// libstdc++ filters now run on its polynomial matcher; back-references are refused instead.
TEST_CASE("fuzz: hostile regexes in filters end quickly", "[fuzz][jsonpath]") {
  Json out;
  const Json doc = Json::array({std::string(30, 'a'), std::string(200000, 'a') + "b", "two"});
  REQUIRE(jp::Path::parse("$[?(@ =~ /(a*)*c/)]").select(doc, out));
  CHECK(out == Json::array());
  REQUIRE(jp::Path::parse("$[?(@ =~ /(a|b)*/)]").select(doc, out));
  CHECK(out.size() == 2);
  REQUIRE(jp::Path::parse("$[?(@ =~ /.?????????????????????????????????????+e/i)]").select(doc, out));
  CHECK(out == Json::array());
#if defined(__GLIBCXX__)
  CHECK(syntax_error("$[?(@ =~ /(a)\\1/)]").find("back-references are not supported") != std::string::npos);
#endif
}

// fuzz_intrinsics: "unexpected character" quoted only the first byte of a multi-byte character,
// so the SyntaxError (and the definition diagnostic built from it) was not valid UTF-8.
TEST_CASE("fuzz: intrinsic syntax errors quote whole UTF-8 characters", "[fuzz][intrinsics]") {
  std::string message;
  try {
    (void)in::Expression::parse("States.StringToJson(\u0642\"text\")");
  } catch (const in::SyntaxError& e) {
    message = e.what();
  }
  CHECK(message.find("unexpected character '\u0642'") != std::string::npos);
  CHECK(valid_utf8(message));
}

// fuzz_definition: nlohmann's parse error quotes the bytes it last read ("last read: '\xDE'"),
// which can stop inside a multi-byte character; the asl.definition.001 message was then not
// valid UTF-8 (dumping it as JSON threw). The partial character is now written as <0xNN>.
TEST_CASE("fuzz: malformed-JSON diagnostics stay valid UTF-8", "[fuzz][definition]") {
  std::vector<asl::Diagnostic> diags;
  const std::string text = "{\"States\":{\"StartState\":{\"Type\":\xDE\xB4" "ass\",\"End\":true}}}";
  CHECK_FALSE(asl::detail::parse_definition_text(text, diags).has_value());
  REQUIRE(diags.size() == 1);
  CHECK(diags[0].id == "asl.definition.001");
  CHECK(valid_utf8(diags[0].message));
  CHECK(diags[0].message.find("<0xDE>") != std::string::npos);
}

// ------------------------------------------------------------------------------------------
// fuzz_execution: seconds converted to nanoseconds without a range check (UBSan
// float-cast-overflow / signed overflow; in practice the timer wrapped into the past and fired at
// once). Timers now saturate at TimePoint::max(), which never fires (asl/detail/run/time_math.hpp).
// ------------------------------------------------------------------------------------------

namespace {

using asl::testing::hang_guard;
const char* const arn_work = "arn:aws:lambda:us-east-1:123456789012:function:work";

/// A Task on `work` whose TimeoutSecondsPath or HeartbeatSecondsPath reads `$.s`.
Json task_reading_seconds(const char* field) {
  return Json{{"StartAt", "T"},
              {"States", {{"T", {{"Type", "Task"}, {"Resource", arn_work}, {field, "$.s"}, {"End", true}}}}}};
}

/// Starts the task on a pool with a manual clock, moves the clock by an hour and checks the
/// attempt is still running (before the fix its timer had already fired), then completes it.
void check_huge_task_timer(const char* field) {
  auto clock = std::make_shared<asl::testing::ManualClock>();
  asl::EngineOptions o;
  o.threads = 1;
  o.clock = clock;
  asl::Engine engine(o);
  asl::testing::PendingTasks deferred;
  const auto tasks = asl::testing::deferring(deferred, arn_work);
  const Json input{{"s", std::numeric_limits<std::int64_t>::max()}};
  auto exec = engine.start(asl::StateMachine::from_json(task_reading_seconds(field), tasks), input);
  REQUIRE(deferred.wait_count(1));
  clock->advance(1h);
  CHECK_FALSE(exec.wait_for(200ms));
  CHECK_FALSE(deferred.items[0].stop_requested());
  CHECK(deferred.items[0].succeed(Json{{"done", true}}));
  REQUIRE(exec.wait_for(hang_guard));
  const auto r = exec.get();
  CHECK(r.status == asl::Status::succeeded);
  CHECK(r.output == Json{{"done", true}});
}

}  // namespace

TEST_CASE("fuzz: add_seconds saturates at the end of the nanosecond clock", "[fuzz][time]") {
  using asl::TimePoint;
  using asl::detail::add_seconds;
  const TimePoint t0{};
  const TimePoint now(std::chrono::seconds(1700000000));
  const TimePoint max = TimePoint::max();
  CHECK(add_seconds(now, std::uint64_t{5}) == now + 5s);
  CHECK(add_seconds(now, 2.5) == now + 2500ms);
  CHECK(add_seconds(now, std::uint64_t{0}) == now);
  CHECK(add_seconds(now, -3.0) == now);
  CHECK(add_seconds(now, std::numeric_limits<double>::quiet_NaN()) == now);
  CHECK(add_seconds(now, std::numeric_limits<double>::infinity()) == max);
  CHECK(add_seconds(now, 1e10) == max);
  CHECK(add_seconds(now, 1e300) == max);
  CHECK(add_seconds(now, std::uint64_t{9223372036854775807}) == max);
  CHECK(add_seconds(now, std::numeric_limits<std::uint64_t>::max()) == max);
  // The last representable instant is reached exactly, one nanosecond more saturates.
  const TimePoint near_end = max - 1s;
  CHECK(add_seconds(near_end, std::uint64_t{1}) == max);
  CHECK(add_seconds(max - 2s, std::uint64_t{1}) == max - 1s);
  CHECK(add_seconds(max, 1e-9) == max);
  CHECK(add_seconds(max, std::uint64_t{1}) == max);
  // Before the epoch the headroom is more than int64 nanoseconds: still no overflow.
  const TimePoint past = TimePoint::min() + 1s;
  CHECK(add_seconds(past, 9.2e9) == past + std::chrono::seconds(9200000000LL));
  CHECK(add_seconds(t0, std::uint64_t{9223372036}) == t0 + std::chrono::seconds(9223372036LL));
  CHECK(add_seconds(t0, std::uint64_t{9223372037}) == max);
}

TEST_CASE("fuzz: a Wait SecondsPath past the clock's end is refused, not saturated", "[fuzz][wait]") {
  // 1e10 s (~317 years) once saturated at the clock's end (2262) and waited forever. AWS refuses
  // a delay beyond a Java int of seconds, as it does for a Timestamp that far ahead.
  const Json input{{"n", 10000000000LL}};
  const Json def = Json::parse(R"({"TimeoutSeconds": 60, "StartAt": "W",
    "States": {"W": {"Type": "Wait", "SecondsPath": "$.n", "End": true}}})");
  const auto r = asl::testing::run_machine(def, input);
  CHECK(r.status == asl::Status::failed);
  CHECK(r.error == std::optional<std::string>("States.Runtime"));
  CHECK(r.cause.value_or("").find("Wait state delay is too long.") != std::string::npos);
  asl::EngineOptions o;
  o.threads = 1;
  o.virtual_time = true;
  asl::Engine engine(o);
  auto exec = engine.start(asl::StateMachine::from_json(def, asl::HandlerRegistry{}), input);
  REQUIRE(exec.wait_for(hang_guard));
  CHECK(exec.get().status == asl::Status::failed);
}

TEST_CASE("fuzz: a forever-timer does not end virtual time for the pool's other executions", "[fuzz][wait]") {
  asl::EngineOptions o;
  o.threads = 1;
  o.virtual_time = true;
  o.clock = std::make_shared<asl::testing::ManualClock>();  // virtual time starts at the epoch
  o.max_duration_seconds = 0;  // no year-long cap: the retry's timer stays past the clock's end
  asl::Engine engine(o);
  asl::HandlerRegistry failing;
  failing.add(arn_work, [](const Json&) -> asl::Result<Json> { return asl::Error("Custom.Error", "always"); });
  // 1 s, then 1e10 s: the second retry's timer is past 2262 and never fires.
  const auto forever = asl::StateMachine::from_json(Json::parse(R"({"StartAt": "T", "States": {"T": {
      "Type": "Task", "Resource": "arn:aws:lambda:us-east-1:123456789012:function:work", "End": true,
      "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "BackoffRate": 1e10, "MaxAttempts": 3}]}}})"),
                                                    failing);
  const auto ten = asl::StateMachine::from_json(Json::parse(R"({"StartAt": "W", "States": {
      "W": {"Type": "Wait", "Seconds": 10, "Next": "P"},
      "P": {"Type": "Pass", "Parameters": {"t.$": "$$.State.EnteredTime"}, "End": true}}})"), asl::HandlerRegistry{});
  // b first: a's first retry moves virtual time by a second, which must not delay b's start.
  auto b = engine.start(ten);
  auto a = engine.start(forever, Json::object());
  REQUIRE(b.wait_for(hang_guard));
  CHECK(b.get().output == Json{{"t", "1970-01-01T00:00:10Z"}});
  CHECK_FALSE(a.wait_for(100ms));  // before the fix, its timer had fired at once
  a.cancel();
  REQUIRE(a.wait_for(hang_guard));
  CHECK(a.get().status == asl::Status::aborted);
}

TEST_CASE("fuzz: a Wait Timestamp before the clock's start continues at once", "[fuzz][wait]") {
  // Year 1 is -6.2e10 s: seconds -> nanoseconds overflowed (UBSan) before the past check.
  const Json def = Json::parse(R"({"StartAt": "W", "States": {
      "W": {"Type": "Wait", "TimestampPath": "$.t", "Next": "V"},
      "V": {"Type": "Wait", "Timestamp": "0001-01-01T00:00:00Z", "End": true}}})");
  const auto r = asl::testing::run_machine(def, Json{{"t", "1600-02-29T12:00:00Z"}});
  CHECK(r.status == asl::Status::succeeded);
  CHECK(r.output == Json{{"t", "1600-02-29T12:00:00Z"}});
}

TEST_CASE("fuzz: a Retry interval that grows past the clock's end waits forever", "[fuzz][retry]") {
  std::atomic<int> calls{0};
  asl::HandlerRegistry tasks;
  tasks.add(arn_work, [&calls](const Json&) -> asl::Result<Json> {
    ++calls;
    return asl::Error("Custom.Error", "always");
  });
  // TimeoutSeconds 3600 unless `forever`: then only the stuck-run check ends an inline run.
  auto machine = [](const char* retrier, bool forever = false) {
    return Json::parse(std::string(forever ? "{" : R"({"TimeoutSeconds": 3600, )") +
                       R"("StartAt": "T", "States": {"T": {"Type": "Task",
      "Resource": "arn:aws:lambda:us-east-1:123456789012:function:work", "Retry": [)" +
                       retrier + "], \"End\": true}}}");
  };
  asl::EngineOptions o;
  o.jitter_seed = 42;
  SECTION("IntervalSeconds x BackoffRate^k beyond 2262") {
    // 1 s, then 1e10 s: the second retry never comes, the execution times out.
    const auto r = asl::testing::run_machine(
        machine(R"({"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "BackoffRate": 1e10, "MaxAttempts": 3})"),
        Json::object(), tasks, o);
    CHECK(r.status == asl::Status::timed_out);
    CHECK(calls == 2);
  }
  SECTION("the fuzz input: IntervalSeconds 99999999, BackoffRate 100, no TimeoutSeconds") {
    // 99999999 s is past a Standard execution's year: AWS times it out then.
    const char* retrier = R"({"ErrorEquals": ["States.ALL"], "IntervalSeconds": 99999999, "BackoffRate": 100,
                              "MaxAttempts": 3})";
    const auto r = asl::testing::run_machine(machine(retrier, true), Json::object(), tasks, o);
    CHECK(r.status == asl::Status::timed_out);
    CHECK(calls == 1);
    // With no maximum duration, virtual time moves three years, then 1e10 s: nothing can ever
    // run again, and the inline run says so.
    o.max_duration_seconds = 0;
    const auto stuck = asl::testing::run_machine(machine(retrier, true), Json::object(), tasks, o);
    CHECK(stuck.status == asl::Status::failed);
    CHECK(stuck.error == std::optional<std::string>("States.Runtime"));
    CHECK(stuck.cause.value_or("").find("cannot make progress") != std::string::npos);
    CHECK(calls == 3);
  }
  SECTION("an infinite interval with FULL jitter") {
    // 10 s, then 10 x 1e308 = inf: the jitter draw used to be over [0, inf].
    const auto r = asl::testing::run_machine(
        machine(R"({"ErrorEquals": ["States.ALL"], "IntervalSeconds": 10, "BackoffRate": 1e308, "MaxAttempts": 3,
                    "JitterStrategy": "FULL"})"),
        Json::object(), tasks, o);
    CHECK(r.status == asl::Status::timed_out);
    CHECK(calls == 2);
  }
  SECTION("retry_interval_scale 0 still retries an infinite interval at once") {
    o.retry_interval_scale = 0;
    const auto r = asl::testing::run_machine(
        machine(R"({"ErrorEquals": ["States.ALL"], "IntervalSeconds": 10, "BackoffRate": 1e308, "MaxAttempts": 3})"),
        Json::object(), tasks, o);
    CHECK(r.status == asl::Status::failed);
    CHECK(r.error == std::optional<std::string>("Custom.Error"));
    CHECK(calls == 4);
  }
}

TEST_CASE("fuzz: a huge TimeoutSecondsPath does not time the task out at once", "[fuzz][timeout]") {
  check_huge_task_timer("TimeoutSecondsPath");
}

TEST_CASE("fuzz: a huge HeartbeatSecondsPath does not expire the heartbeat at once", "[fuzz][timeout]") {
  check_huge_task_timer("HeartbeatSecondsPath");
}

TEST_CASE("fuzz: huge task timer paths on a task that returns at once", "[fuzz][timeout]") {
  // The fuzz inputs: the handler answers before any timer matters; only the arithmetic was UB.
  asl::HandlerRegistry tasks;
  tasks.add(arn_work, [](const Json& in) { return in; });
  const Json input{{"s", std::numeric_limits<std::int64_t>::max()}};
  for (const char* field : {"TimeoutSecondsPath", "HeartbeatSecondsPath"}) {
    const auto r = asl::testing::run_machine(task_reading_seconds(field), input, tasks);
    CHECK(r.status == asl::Status::succeeded);
    CHECK(r.output == input);
  }
}
