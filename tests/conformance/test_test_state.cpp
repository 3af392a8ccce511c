// Runs the 125 AWS-recorded TestState cases (aws-recorded-extra.jsonl, kind test_state) through asl::testing::test_state and compares the whole response.
// SPDX-License-Identifier: MIT
//
// Compared as AWS returned them: status, error, cause and nextState exactly; output and each
// inspectionData field as JSON values (AWS returns JSON text: the recorder parsed some of it and
// left the rest as text, so text on either side is parsed first), with the same set of fields.
// The recorder redacted generated values (ARNs' partition, region and account, execution names,
// timestamps): a redacted string stands for any string of its shape.
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <asl/testing/test_state.hpp>

#include "conformance/conformance_support.hpp"
#include "support/catch.hpp"

namespace {

using asl::Json;

/// A redacted string of the recording as a pattern: `<partition>`, `<resource:1>`... and the
/// recorder's account 111111111111 stand for any text, "date" for any timestamp.
bool redacted_match(const std::string& expected, const std::string& actual) {
  if (expected == actual) return true;
  if (expected == "date") return true;
  if (expected.find('<') == std::string::npos && expected.find("111111111111") == std::string::npos) return false;
  std::string re;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const char c = expected[i];
    if (c == '<') {
      const auto end = expected.find('>', i);
      if (end != std::string::npos) {
        re += ".*";
        i = end;
        continue;
      }
    }
    if (expected.compare(i, 12, "111111111111") == 0) {
      re += "[0-9]+";
      i += 11;
      continue;
    }
    if (std::string("\\^$.|?*+()[]{}").find(c) != std::string::npos) re += '\\';
    re += c;
  }
  return std::regex_match(actual, std::regex(re));
}

/// AWS's JSON text as a value (the recorder left some of it as text).
Json as_value(const Json& v) {
  if (!v.is_string()) return v;
  try {
    return Json::parse(v.get<std::string>());
  } catch (const std::exception&) {
    return v;
  }
}

bool same(const Json& actual, const Json& expected) {
  if (expected.is_string() && actual.is_string())
    return redacted_match(expected.get<std::string>(), actual.get<std::string>());
  if (actual.is_object() && expected.is_object()) {
    if (actual.size() != expected.size()) return false;
    for (auto it = expected.begin(); it != expected.end(); ++it) {
      auto a = actual.find(it.key());
      if (a == actual.end() || !same(*a, it.value())) return false;
    }
    return true;
  }
  if (actual.is_array() && expected.is_array()) {
    if (actual.size() != expected.size()) return false;
    for (std::size_t i = 0; i < actual.size(); ++i)
      if (!same(actual[i], expected[i])) return false;
    return true;
  }
  return asl::conformance::same_value(actual, expected);
}

/// Why `got` (asl's response as AWS's JSON) differs from `want` (the recording), or "".
std::string compare(const Json& got, const Json& want) {
  for (const char* field : {"status", "error", "cause", "nextState"}) {
    const bool g = got.contains(field), w = want.contains(field);
    if (g != w || (g && got[field] != want[field]))
      return fmt::format("{}: got {} want {}", field, g ? got[field].dump() : "(none)", w ? want[field].dump() : "(none)");
  }
  if (got.contains("output") != want.contains("output"))
    return fmt::format("output: got {} want {}", got.value("output", Json()).dump(), want.value("output", Json()).dump());
  if (want.contains("output") && !same(as_value(got["output"]), as_value(want["output"])))
    return fmt::format("output: got {} want {}", got["output"].dump(), want["output"].dump());
  const Json gi = got.value("inspectionData", Json::object()), wi = want.value("inspectionData", Json::object());
  std::set<std::string> keys;
  for (auto it = gi.begin(); it != gi.end(); ++it) keys.insert(it.key());
  for (auto it = wi.begin(); it != wi.end(); ++it) keys.insert(it.key());
  for (const auto& k : keys) {
    if (!gi.contains(k) || !wi.contains(k))
      return fmt::format("inspectionData.{}: got {} want {}", k, gi.contains(k) ? gi[k].dump() : "(none)",
                         wi.contains(k) ? wi[k].dump() : "(none)");
    if (!same(as_value(gi[k]), as_value(wi[k])))
      return fmt::format("inspectionData.{}: got {} want {}", k, gi[k].dump(), wi[k].dump());
  }
  return "";
}

}  // namespace

TEST_CASE("conformance: AWS-recorded TestState responses", "[conformance][test_state]") {
  std::ifstream in(asl::conformance::corpus_file("aws-recorded-extra.jsonl"));
  if (!in) {
    WARN("aws-recorded-extra.jsonl not found (set ASL_CONFORMANCE_DIR); skipped");
    return;
  }
  const auto known = asl::conformance::load_known_failures("known_test_state_failures.txt");
  std::vector<std::string> unexpected_failures, unexpected_passes;
  std::set<std::string> seen;
  std::map<std::string, int> occurrences;
  int run = 0, pass = 0;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const Json c = Json::parse(line);
    if (c.value("kind", "") != "test_state") continue;
    // Some recordings hold several requests under one test id: the n-th is `<id>#n`.
    const std::string base = c["id"].get<std::string>();
    const std::string id = base + "#" + std::to_string(++occurrences[base]);
    seen.insert(id);
    Json want = c["expected"];
    want.erase("ResponseMetadata");
    std::string why;
    try {
      why = compare(asl::testing::test_state(c["request"]).to_json(), want);
    } catch (const asl::testing::TestStateError& e) {
      why = fmt::format("refused: {}", e.what());
    } catch (const std::exception& e) {
      why = fmt::format("threw: {}", e.what());
    }
    ++run;
    pass += why.empty();
    const bool listed = known.count(id) != 0;
    if (!why.empty() && !listed) unexpected_failures.push_back(id + "\n    " + why);
    if (why.empty() && listed) unexpected_passes.push_back(id);
  }
  for (const auto& [id, reason] : known)
    if (!seen.count(id)) unexpected_passes.push_back(id + " (listed but not in the corpus)");
  fmt::print("TestState: {}/{} AWS-recorded cases pass ({:.1f} %)\n", pass, run, 100.0 * pass / std::max(1, run));
  std::string failures, passes;
  for (const auto& f : unexpected_failures) failures += f + "\n";
  for (const auto& p : unexpected_passes) passes += p + "\n";
  {
    INFO("unexpected failures (fix them or list them in tests/conformance/known_test_state_failures.txt):\n"
         << failures);
    CHECK(unexpected_failures.empty());
  }
  {
    INFO("listed as known failures but passing (remove them from known_test_state_failures.txt):\n" << passes);
    CHECK(unexpected_passes.empty());
  }
  CHECK(run == 125);
  CHECK(pass * 100 >= run * 95);  // issue #21's floor
}
