// What the conformance tests share: the AWS-recorded cases' files, running a case as AWS ran it (virtual time, fixed start), comparing JSON as the corpus asks, and the known-failure lists.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <string>

#include <asl/asl.hpp>
#include <asl/detail/base/timestamp.hpp>
#include <asl/testing/manual_clock.hpp>

namespace asl::conformance {

/// A file of ../shared/conformance (ASL_CONFORMANCE_DIR), or ASL_CONFORMANCE_FILE for the
/// execution cases.
inline std::string corpus_file(const char* name) {
  if (std::string(name) == "aws-recorded.jsonl")
    if (const char* env = std::getenv("ASL_CONFORMANCE_FILE")) return env;
  return std::string(ASL_CONFORMANCE_DIR) + "/" + name;
}

/// The recorder redacted States.MathRandom results to this placeholder (tag nondeterministic_fn):
/// any integer stands for it.
constexpr const char* random_placeholder = "RandomNumberGenerated";

/// JSON equality as the conformance README asks: key order and number spelling do not matter.
/// Recurses on depth: the corpus's documents are a few levels deep.
inline bool same_value(const Json& a, const Json& b) {
  if (a.is_number() && b.is_number()) return a.get<double>() == b.get<double>();
  if (b.is_string() && b.get<std::string>() == random_placeholder) return a.is_number_integer();
  if (a.type() != b.type()) return false;
  if (a.is_object()) {
    if (a.size() != b.size()) return false;
    for (auto it = a.begin(); it != a.end(); ++it) {
      auto other = b.find(it.key());
      if (other == b.end() || !same_value(it.value(), *other)) return false;
    }
    return true;
  }
  if (a.is_array()) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
      if (!same_value(a[i], b[i])) return false;
    return true;
  }
  return a == b;
}

/// A case that needs JSONata or Assign.
inline bool uses_jsonata_or_assign(const Json& c) {
  for (const auto& t : c.value("tags", Json::array()))
    if (t == "jsonata" || t == "assign") return true;
  const std::string def = c["definition"].dump();
  return def.find("\"JSONata\"") != std::string::npos || def.find("\"Assign\"") != std::string::npos;
}

/// Runs case `c` as AWS ran it: its type, on virtual time from a fixed instant, AWS's event order.
/// Throws DefinitionError when the definition does not load.
inline ExecutionResult run_case_engine(const Json& c, std::shared_ptr<Observer> observer = nullptr) {
  LoadOptions lo;
  lo.express = c.value("state_machine_type", "STANDARD") == "EXPRESS";
  lo.name = "ConformanceMachine";
  auto sm = StateMachine::from_json(c["definition"], lo);
  EngineOptions eo;
  eo.virtual_time = true;
  eo.inline_execution = true;  // AWS-like event order, so causes quote the same event ids
  // Every case starts at the same instant: the one the corpus's time-relative inputs were
  // generated from (test_timestamp_too_far_in_future_boundary puts its timestamp exactly
  // 24,856 days after it). Runs are then deterministic whatever today's date is.
  eo.clock = std::make_shared<testing::ManualClock>(
      TimePoint(Duration(*detail::timestamp::parse("2026-11-24T23:23:24Z"))));
  eo.jitter_seed = 7;
  Engine engine(eo);
  if (observer) engine.add_observer(std::move(observer));
  return engine.run(sm, c.contains("input") ? c["input"] : Json::object());
}

/// A known-failure list (tests/conformance/<file>): `<case id><TAB><reason>` lines, `#` comments.
inline std::map<std::string, std::string> load_known_failures(const std::string& file) {
  std::map<std::string, std::string> known;
  std::ifstream in(std::string(ASL_SOURCE_DIR) + "/tests/conformance/" + file);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    auto tab = line.find('\t');
    known[line.substr(0, tab)] = tab == std::string::npos ? "" : line.substr(tab + 1);
  }
  return known;
}

}  // namespace asl::conformance
