// JSONata (asl/jsonata.hpp): a hyper-parameter search's trials summarised by one expression,
// compiled once and evaluated against the document in place; a syntax error and a runaway
// expression end as JSONata errors, never a crash or a hang.
#include <asl/jsonata.hpp>
#include <fmt/format.h>

int main() {
  const asl::jsonata::Expression summary = asl::jsonata::compile(R"({
    "best": $sort(trials, function($a, $b) { $a.accuracy < $b.accuracy })[0].name,
    "mean_accuracy": $round($average(trials.accuracy), 3),
    "by_optimizer": trials{optimizer: $count(name)},
    "passed": $join(trials[accuracy >= 0.9].($uppercase(name) & " " & $formatNumber(accuracy, "0.0%")), ", ")
  })");
  const asl::Json run = asl::Json::parse(R"({"trials": [
    {"name": "t1", "optimizer": "adam", "accuracy": 0.91},
    {"name": "t2", "optimizer": "sgd", "accuracy": 0.87},
    {"name": "t3", "optimizer": "adam", "accuracy": 0.94},
    {"name": "t4", "optimizer": "sgd", "accuracy": 0.9}]})");
  const asl::jsonata::Result r = summary.evaluate(run);
  fmt::print("{}\n", r.has_value() ? r.value().dump() : "no value");

  try {
    asl::jsonata::compile("trials[accuracy > ");
  } catch (const asl::jsonata::CompileError& e) {
    fmt::print("syntax error {} at {}: {}\n", e.error().code, e.error().position.value_or(0), e.error().message);
  }
  asl::jsonata::Limits limits;
  limits.max_steps = 1'000'000;  // a budget per evaluation
  const auto forever = asl::jsonata::compile("($f := function($n) { $f($n + 1) }; $f(0))");
  const asl::jsonata::Result stopped = forever.evaluate(run, nullptr, limits);
  fmt::print("runaway recursion: {}\n", stopped.is_error() ? stopped.error().code : "no error?");
}
