// Micro-benchmarks (Catch2 BENCHMARK) of the engine's hot paths: Pass transition, Choice rule, JSONPath, payload template, intrinsics, Map item dispatch, Retry cycle.
// SPDX-License-Identifier: MIT
//
// Run: asl_micro                      (all cases; Catch2 prints mean / low / high / std dev)
//      asl_micro "[pass]"              (one group; tags: pass choice jsonpath template intrinsics map retry)
//      asl_micro --benchmark-samples 50
// Per-unit costs are in the case names ("per 1000 transitions" etc.): divide the mean by that count.
#if __has_include(<catch2/catch_all.hpp>)
// Catch2 v3: benchmarking is always compiled in; main() comes from Catch2::Catch2WithMain.
#include <catch2/catch_all.hpp>
#else
// Catch2 v2 (Debian): the benchmark support and main() have to be enabled in this translation unit.
#define CATCH_CONFIG_MAIN
#define CATCH_CONFIG_ENABLE_BENCHMARKING
#include <catch2/catch.hpp>
#endif

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <asl/asl.hpp>
#include <asl/detail/jsonpath/choice.hpp>
#include <asl/detail/jsonpath/intrinsics.hpp>
#include <asl/detail/jsonpath/path.hpp>
#include <asl/detail/jsonpath/payload_template.hpp>

namespace {

using asl::Json;

/// The small document the Pass-chain workload carries (../shared/bench/workloads/pass_chain_1000).
Json small_document() {
  return Json::parse(R"({"doc":{"id":"doc-42","name":"widget","count":7,"price":19.99,"tags":["a","b","c"],
    "active":true,"owner":{"id":9,"team":"core"},"version":3,"ratio":0.25,"note":"hello"},
    "meta":{"step":-1}})");
}

/// A chain of `n` Pass states S0..S(n-1); `state` is the JSON body of every state but the Next/End.
Json pass_chain(int n, const Json& state) {
  Json states = Json::object();
  for (int i = 0; i < n; ++i) {
    Json s = state;
    s["Type"] = "Pass";
    if (i + 1 < n) s["Next"] = "S" + std::to_string(i + 1);
    else s["End"] = true;
    states["S" + std::to_string(i)] = std::move(s);
  }
  return Json{{"StartAt", "S0"}, {"States", std::move(states)}};
}

asl::EngineOptions inline_options() {
  asl::EngineOptions o;
  o.inline_execution = true;
  o.threads = 1;
  o.payload_limit = 0;
  o.retry_interval_scale = 0;
  o.max_history_events = 0;  // the workloads go past AWS Standard's 25,000 events, as the tool's bench mode allows
  return o;
}

asl::EngineOptions pool_options(unsigned threads) {
  asl::EngineOptions o;
  o.threads = threads;
  o.payload_limit = 0;
  o.retry_interval_scale = 0;
  o.max_history_events = 0;  // the workloads go past AWS Standard's 25,000 events, as the tool's bench mode allows
  return o;
}

/// Runs `machine` once per benchmark run; each run gets its own copy of `input`, made before the
/// clock starts (as the benchmark contract does). The result is destroyed inside the timed region.
void measure_runs(Catch::Benchmark::Chronometer& meter, asl::Engine& engine, const asl::StateMachine& machine,
                  const Json& input) {
  std::vector<Json> inputs(static_cast<std::size_t>(meter.runs()), input);
  meter.measure([&](int i) { return engine.run(machine, std::move(inputs[static_cast<std::size_t>(i)])).status; });
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Pass transitions: a 1000-state chain on the calling thread (no pool).
// ---------------------------------------------------------------------------------------------
TEST_CASE("Pass transition", "[pass]") {
  asl::Engine engine(inline_options());
  const Json doc = small_document();
  const auto plain = asl::StateMachine::from_json(pass_chain(1000, Json::object()));
  const auto shaped = asl::StateMachine::from_json(pass_chain(
      1000, Json::parse(R"({"Parameters":{"prev.$":"$.meta.step","owner.$":"$.doc.owner",
                            "flags":{"active.$":"$.doc.active","k":1}},"ResultPath":"$.scratch"})")));
  const auto single = asl::StateMachine::from_json(pass_chain(1, Json::object()));
  const auto check = engine.run(shaped, doc);
  REQUIRE(check.succeeded());
  REQUIRE(check.stats.transitions() == 1000);
  REQUIRE(check.output["scratch"]["owner"]["team"] == "core");

  BENCHMARK_ADVANCED("one plain Pass (fixed cost of an execution)")(Catch::Benchmark::Chronometer meter) {
    measure_runs(meter, engine, single, doc);
  };
  BENCHMARK_ADVANCED("plain Pass chain, per 1000 transitions")(Catch::Benchmark::Chronometer meter) {
    measure_runs(meter, engine, plain, doc);
  };
  BENCHMARK_ADVANCED("Pass with Parameters + ResultPath (pass_chain_1000 shape), per 1000 transitions")(
      Catch::Benchmark::Chronometer meter) {
    measure_runs(meter, engine, shaped, doc);
  };
}

// ---------------------------------------------------------------------------------------------
// Choice rules: compiled once, evaluated against the effective input.
// ---------------------------------------------------------------------------------------------
TEST_CASE("Choice rule", "[choice]") {
  namespace choice = asl::detail::choice;
  const auto simple = choice::Rule::compile(Json::parse(R"({"Variable":"$.v","NumericGreaterThan":50,"Next":"High"})"));
  const auto with_path = choice::Rule::compile(
      Json::parse(R"({"Variable":"$.counter.i","NumericLessThanPath":"$.counter.limit","Next":"Loop"})"));
  const auto conj = choice::Rule::compile(Json::parse(R"({"And":[
      {"Variable":"$.validation.rows","NumericGreaterThanEquals":10000},
      {"Variable":"$.validation.null_fraction","NumericLessThanEquals":0.01},
      {"Variable":"$.validation.schema_ok","BooleanEquals":true}],"Next":"Search"})"));
  REQUIRE(simple.valid());
  REQUIRE(with_path.valid());
  REQUIRE(conj.valid());
  const Json item{{"id", 7}, {"v", 74}, {"g", "g7"}, {"ok", true}};
  const Json counter{{"counter", {{"i", 4711}, {"limit", 10000}}}};
  const Json validation{{"validation", {{"rows", 120000}, {"null_fraction", 0.002}, {"schema_ok", true}}}};
  REQUIRE(*simple.evaluate(item, nullptr));
  REQUIRE(*with_path.evaluate(counter, nullptr));
  REQUIRE(*conj.evaluate(validation, nullptr));

  BENCHMARK("NumericGreaterThan literal") { return simple.evaluate(item, nullptr).ok(); };
  BENCHMARK("NumericLessThanPath") { return with_path.evaluate(counter, nullptr).ok(); };
  BENCHMARK("And of 3 comparisons") { return conj.evaluate(validation, nullptr).ok(); };
}

// ---------------------------------------------------------------------------------------------
// JSONPath: compiled once; find() locates a node without copying.
// ---------------------------------------------------------------------------------------------
TEST_CASE("JSONPath find", "[jsonpath]") {
  namespace jsonpath = asl::detail::jsonpath;
  const Json doc = small_document();
  Json big{{"items", Json::array()}};
  for (int i = 0; i < 10000; ++i) big["items"].push_back(Json{{"id", i}, {"value", (i * 37) % 101}});
  const auto two = jsonpath::Path::parse("$.doc.id");
  const auto three = jsonpath::Path::parse("$.doc.owner.team");
  const auto indexed = jsonpath::Path::parse("$.items[5000].value");
  const auto missing = jsonpath::Path::parse("$.doc.nothing.here");
  REQUIRE(two.find(doc) != nullptr);
  REQUIRE(three.find(doc) != nullptr);
  REQUIRE(indexed.find(big) != nullptr);
  REQUIRE(missing.find(doc) == nullptr);

  BENCHMARK("$.doc.id (2 members)") { return two.find(doc); };
  BENCHMARK("$.doc.owner.team (3 members)") { return three.find(doc); };
  BENCHMARK("$.items[5000].value (member, index, member)") { return indexed.find(big); };
  BENCHMARK("missing member, no message") { return missing.find(doc); };
  BENCHMARK("missing member, with Jayway message") {
    std::string miss;
    return missing.find(doc, &miss) == nullptr && !miss.empty();
  };
  BENCHMARK("parse $.doc.owner.team (load time, not per transition)") {
    return jsonpath::Path::parse("$.doc.owner.team").definite();
  };
}

// ---------------------------------------------------------------------------------------------
// Payload templates (Parameters / ResultSelector / ItemSelector).
// ---------------------------------------------------------------------------------------------
TEST_CASE("Payload template", "[template]") {
  using asl::detail::PayloadTemplate;
  const Json doc = small_document();
  const auto pass_params = PayloadTemplate::compile(Json::parse(
      R"({"prev.$":"$.meta.step","owner.$":"$.doc.owner","flags":{"active.$":"$.doc.active","k":1}})"));
  const Json item{{"id", 7}, {"value", 74}, {"group", "g7"}, {"task", {{"ok", true}}}};
  const auto shape = PayloadTemplate::compile(
      Json::parse(R"({"id.$":"$.id","v.$":"$.value","g.$":"$.group","ok.$":"$.task.ok"})"));
  const auto with_intrinsic = PayloadTemplate::compile(
      Json::parse(R"j({"uri.$":"States.Format('s3://models/churn/trial-{}/model.tar.gz', $.id)","v.$":"$.value"})j"));
  REQUIRE(pass_params.evaluate(doc, nullptr).ok());
  REQUIRE(shape.evaluate(item, nullptr).ok());
  REQUIRE(with_intrinsic.evaluate(item, nullptr).ok());

  BENCHMARK("pass_chain Parameters (3 paths, nested object, literal)") { return pass_params.evaluate(doc, nullptr); };
  BENCHMARK("map_fanout Shape (4 paths)") { return shape.evaluate(item, nullptr); };
  BENCHMARK("States.Format + 1 path") { return with_intrinsic.evaluate(item, nullptr); };
}

// ---------------------------------------------------------------------------------------------
// Intrinsic functions (the ones the workloads use).
// ---------------------------------------------------------------------------------------------
TEST_CASE("Intrinsics", "[intrinsics]") {
  namespace intrinsics = asl::detail::intrinsics;
  const Json input{{"counter", {{"i", 4711}}},
                   {"id", 38},
                   {"trials", {0.81, 0.77, 0.9111, 0.65, 0.88, 0.79, 0.84, 0.9, 0.71, 0.69}}};
  const intrinsics::Env env{input, nullptr};
  const auto add = intrinsics::Expression::parse("States.MathAdd($.counter.i, 1)");
  const auto format = intrinsics::Expression::parse("States.Format('s3://models/churn/trial-{}/model.tar.gz', $.id)");
  const auto get_item = intrinsics::Expression::parse("States.ArrayGetItem($.trials, 2)");
  const auto length = intrinsics::Expression::parse("States.ArrayLength($.trials)");
  const auto nested = intrinsics::Expression::parse("States.ArrayGetItem($.trials, States.MathAdd(States.ArrayLength($.trials), -1))");
  REQUIRE(*add.evaluate(env) == 4712);
  REQUIRE(*format.evaluate(env) == "s3://models/churn/trial-38/model.tar.gz");
  REQUIRE(*get_item.evaluate(env) == 0.9111);
  REQUIRE(*length.evaluate(env) == 10);
  REQUIRE(*nested.evaluate(env) == 0.69);

  BENCHMARK("States.MathAdd($.counter.i, 1)") { return add.evaluate(env); };
  BENCHMARK("States.Format('...{}...', $.id)") { return format.evaluate(env); };
  BENCHMARK("States.ArrayGetItem($.trials, 2)") { return get_item.evaluate(env); };
  BENCHMARK("States.ArrayLength($.trials)") { return length.evaluate(env); };
  BENCHMARK("nested: ArrayGetItem(a, MathAdd(ArrayLength(a), -1))") { return nested.evaluate(env); };
}

// ---------------------------------------------------------------------------------------------
// Map item dispatch: 10,000 trivial items (one Pass each), inline and on a 2-thread pool.
// ---------------------------------------------------------------------------------------------
TEST_CASE("Map item dispatch", "[map]") {
  const auto map_of = [](int max_concurrency) {
    return asl::StateMachine::from_json(Json{
        {"StartAt", "Fan"},
        {"States",
         {{"Fan",
           {{"Type", "Map"},
            {"ItemsPath", "$.items"},
            {"MaxConcurrency", max_concurrency},
            {"ItemProcessor",
             {{"ProcessorConfig", {{"Mode", "INLINE"}}},
              {"StartAt", "Item"},
              {"States", {{"Item", {{"Type", "Pass"}, {"End", true}}}}}}},
            {"End", true}}}}}});
  };
  const auto unbounded = map_of(0);
  const auto mc8 = map_of(8);
  Json input{{"items", Json::array()}};
  for (int i = 0; i < 10000; ++i) input["items"].push_back(i);

  asl::Engine inline_engine(inline_options());
  asl::Engine pool_engine(pool_options(2));
  for (asl::Engine* e : {&inline_engine, &pool_engine}) {
    const auto r = e->run(unbounded, input);
    REQUIRE(r.succeeded());
    REQUIRE(r.output.size() == 10000);
    REQUIRE(r.output[9999] == 9999);
    REQUIRE(r.stats.transitions() == 1 + 10000);  // the Map state + one Pass per item
  }

  BENCHMARK_ADVANCED("inline, MaxConcurrency 0, per 10000 items")(Catch::Benchmark::Chronometer meter) {
    measure_runs(meter, inline_engine, unbounded, input);
  };
  BENCHMARK_ADVANCED("inline, MaxConcurrency 8, per 10000 items")(Catch::Benchmark::Chronometer meter) {
    measure_runs(meter, inline_engine, mc8, input);
  };
  BENCHMARK_ADVANCED("2-thread pool, MaxConcurrency 0, per 10000 items")(Catch::Benchmark::Chronometer meter) {
    measure_runs(meter, pool_engine, unbounded, input);
  };
  BENCHMARK_ADVANCED("2-thread pool, MaxConcurrency 8, per 10000 items")(Catch::Benchmark::Chronometer meter) {
    measure_runs(meter, pool_engine, mc8, input);
  };
}

// ---------------------------------------------------------------------------------------------
// Retry cycle: a Task that fails on its first attempt, is retried at once (retry_interval_scale =
// 0, no sleep) and succeeds. The same machines with a Task that succeeds at once are the baseline:
// (retry - baseline) is the cost of one failure + Retry match + re-attempt. The single-Task
// machines also show the fixed cost of one execution; the Map of 1000 amortises it.
// ---------------------------------------------------------------------------------------------
TEST_CASE("Retry cycle", "[retry]") {
  asl::HandlerRegistry tasks;
  // Stateless: fails when $$.State.RetryCount is 0, so every call sequence gives one retry per item.
  tasks.add("arn:aws:lambda:us-east-1:123456789012:function:fail_once",
            [](const Json& in, asl::TaskContext& ctx) -> asl::Result<Json> {
              if (ctx.retry_count == 0) return asl::Error("Bench.TransientError", "first attempt fails");
              return in;
            });
  tasks.add("arn:aws:lambda:us-east-1:123456789012:function:ok",
            [](const Json& in, asl::TaskContext&) -> asl::Result<Json> { return in; });
  const std::string retry = R"("Retry":[{"ErrorEquals":["Bench.TransientError"],"IntervalSeconds":1,
                                        "MaxAttempts":3,"BackoffRate":2}])";
  const auto task = [&](const std::string& fn) {
    return R"({"Type":"Task","Resource":"arn:aws:lambda:us-east-1:123456789012:function:)" + fn + R"(",)" + retry +
           R"(,"End":true})";
  };
  const auto single = [&](const std::string& fn) {
    return asl::StateMachine::parse(R"({"StartAt":"Call","States":{"Call":)" + task(fn) + "}}", tasks);
  };
  const auto mapped = [&](const std::string& fn) {
    return asl::StateMachine::parse(R"({"StartAt":"Jobs","States":{"Jobs":{"Type":"Map","ItemsPath":"$.jobs",
        "ItemProcessor":{"ProcessorConfig":{"Mode":"INLINE"},"StartAt":"Call","States":{"Call":)" +
                                        task(fn) + R"(}},"End":true}}})",
                                    tasks);
  };
  const auto single_ok = single("ok");
  const auto single_retry = single("fail_once");
  const auto map_ok = mapped("ok");
  const auto map_retry = mapped("fail_once");
  const Json one{{"id", 7}};
  Json jobs{{"jobs", Json::array()}};
  for (int i = 0; i < 1000; ++i) jobs["jobs"].push_back(Json{{"id", i}});

  asl::Engine engine(inline_options());
  REQUIRE(engine.run(single_ok, one).stats.retries == 0);
  const auto r1 = engine.run(single_retry, one);
  REQUIRE(r1.succeeded());
  REQUIRE(r1.stats.retries == 1);
  const auto r2 = engine.run(map_retry, jobs);
  REQUIRE(r2.succeeded());
  REQUIRE(r2.stats.retries == 1000);
  REQUIRE(r2.output == jobs["jobs"]);

  BENCHMARK_ADVANCED("1 Task, succeeds at once (per execution)")(Catch::Benchmark::Chronometer meter) {
    measure_runs(meter, engine, single_ok, one);
  };
  BENCHMARK_ADVANCED("1 Task, fails, Retry matches, succeeds (per execution)")(Catch::Benchmark::Chronometer meter) {
    measure_runs(meter, engine, single_retry, one);
  };
  BENCHMARK_ADVANCED("Map of 1000 Tasks, succeed at once, per 1000 items")(Catch::Benchmark::Chronometer meter) {
    measure_runs(meter, engine, map_ok, jobs);
  };
  BENCHMARK_ADVANCED("Map of 1000 Tasks, each fails once + 1 retry, per 1000 items")(
      Catch::Benchmark::Chronometer meter) {
    measure_runs(meter, engine, map_retry, jobs);
  };
}
