// History conformance: every AWS-recorded execution history (../shared/conformance/aws-recorded-histories.jsonl) compared field by field with the one asl::HistoryRecorder writes for the same case.
// SPDX-License-Identifier: MIT
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include <asl/asl.hpp>
#include <asl/detail/json/release.hpp>
#include <asl/history_json.hpp>

#include "conformance/conformance_support.hpp"
#include "support/catch.hpp"

namespace {

using asl::Json;

/// A string the recorder redacted, in part or whole: "timestamp", "snf_role_arn", or text with
/// placeholders (`<json-input:1>`, `<ArnPart_0idx>`, `<partition>`) that stand for anything.
bool redacted_match(const std::string& ours, const std::string& expected, bool& redacted) {
  redacted = true;
  if (expected == "timestamp" || expected == "snf_role_arn") return true;
  static const std::regex placeholder("<[A-Za-z][A-Za-z0-9_:.-]*>");
  if (!std::regex_search(expected, placeholder)) {
    redacted = false;
    return false;
  }
  static const std::regex special(R"([.^$|()\[\]{}*+?\\])");
  std::string pattern;
  std::sregex_iterator it(expected.begin(), expected.end(), placeholder), end;
  std::size_t at = 0;
  for (; it != end; ++it) {
    pattern += std::regex_replace(expected.substr(at, static_cast<std::size_t>(it->position()) - at), special,
                                  R"(\$&)");
    pattern += "[\\s\\S]*";
    at = static_cast<std::size_t>(it->position() + it->length());
  }
  pattern += std::regex_replace(expected.substr(at), special, R"(\$&)");
  return std::regex_match(ours, std::regex(pattern));
}

/// same_value (key order and number spelling do not matter), with redacted placeholders.
bool same(const Json& ours, const Json& expected) {
  if (expected.is_string() && ours.is_string()) {
    bool redacted = false;
    if (redacted_match(ours.get_ref<const std::string&>(), expected.get_ref<const std::string&>(), redacted))
      return true;
    if (redacted) return false;
  }
  if (ours.is_structured() && ours.type() == expected.type()) {
    if (ours.size() != expected.size()) return false;
    if (ours.is_object()) {
      for (auto it = expected.begin(); it != expected.end(); ++it) {
        auto o = ours.find(it.key());
        if (o == ours.end() || !same(*o, it.value())) return false;
      }
      return true;
    }
    for (std::size_t i = 0; i < ours.size(); ++i)
      if (!same(ours[i], expected[i])) return false;
    return true;
  }
  return asl::conformance::same_value(ours, expected);
}

/// AWS returns `input`/`output` as JSON text; the recorder parsed most of it (objects, some
/// arrays and numbers) and left the rest as the text. Ours is always text: parse it and compare
/// values.
bool same_payload(const Json& ours, const Json& expected, std::string& why) {
  if (!ours.is_string()) {
    why = "payload is not JSON text: " + ours.dump();
    return false;
  }
  Json value = Json::parse(ours.get<std::string>(), nullptr, false);
  if (value.is_discarded()) {
    why = "payload is not valid JSON text: " + ours.get<std::string>();
    return false;
  }
  Json want = expected;
  if (expected.is_string()) {
    Json parsed = Json::parse(expected.get<std::string>(), nullptr, false);
    if (!parsed.is_discarded()) want = std::move(parsed);
  }
  if (same(value, want)) return true;
  why = fmt::format("{} vs AWS {}", value.dump(), want.dump());
  return false;
}

/// One event's fields; `with_ids`: compare id/previousEventId too (false for the events whose ids
/// the recorder redacted, the interleaved Parallel branches).
bool same_event(const Json& ours, const Json& aws, bool with_ids, std::string& why) {
  if (ours.value("type", "") != aws.value("type", "")) {
    why = fmt::format("type {} (AWS {})", ours.value("type", ""), aws.value("type", ""));
    return false;
  }
  for (auto it = aws.begin(); it != aws.end(); ++it) {
    const std::string& key = it.key();
    if (key == "type") continue;
    if ((key == "id" || key == "previousEventId") && !with_ids) continue;
    auto o = ours.find(key);
    if (o == ours.end()) {
      why = "no " + key;
      return false;
    }
    if (key == "timestamp") continue;  // redacted: present is all that is compared
    if (!it.value().is_object()) {
      if (!same(*o, it.value())) {
        why = fmt::format("{} {} (AWS {})", key, o->dump(), it.value().dump());
        return false;
      }
      continue;
    }
    for (auto f = it.value().begin(); f != it.value().end(); ++f) {
      auto of = o->find(f.key());
      if (of == o->end()) {
        why = fmt::format("{}.{} missing", key, f.key());
        return false;
      }
      std::string detail;
      Json want = f.value();
      // The recorder put its own account id into the Map Run's ARN.
      if (f.key() == "mapRunArn" && want.is_string())
        want = std::regex_replace(want.get<std::string>(), std::regex(":111111111111:"), ":<account>:");
      if ((f.key() == "input" || f.key() == "output") ? !same_payload(*of, want, detail) : !same(*of, want)) {
        if (detail.empty()) detail = fmt::format("{} (AWS {})", of->dump(), f.value().dump());
        why = fmt::format("{}.{}: {}", key, f.key(), detail);
        return false;
      }
    }
    for (auto of = o->begin(); of != o->end(); ++of)
      if (!it.value().contains(of.key())) {
        why = fmt::format("{}.{} not in AWS's", key, of.key());
        return false;
      }
  }
  for (auto o = ours.begin(); o != ours.end(); ++o)
    if (!aws.contains(o.key())) {
      why = o.key() + " not in AWS's";
      return false;
    }
  return true;
}

/// The whole history. Events with numeric ids are matched by id. The recorder redacted the ids of
/// interleaved Parallel branch events (`"id": [0]`) and dropped some events around them: those
/// are matched, without ids, against our events in the same gap of ids, and ours left over in
/// such a gap are allowed.
std::string compare(const Json& ours, const Json& aws) {
  std::map<std::uint64_t, const Json*> by_id;
  for (const Json& e : ours) by_id[e["id"].get<std::uint64_t>()] = &e;
  std::set<std::uint64_t> used;
  struct Gap {
    std::uint64_t after = 0, before = 0;
    std::vector<const Json*> events;
  };
  std::vector<Gap> gaps;
  std::uint64_t last = 0;
  for (const Json& e : aws) {
    if (!e["id"].is_number()) {
      if (gaps.empty() || gaps.back().after != last || gaps.back().before != 0) gaps.push_back(Gap{last, 0, {}});
      gaps.back().events.push_back(&e);
      continue;
    }
    const std::uint64_t id = e["id"].get<std::uint64_t>();
    if (!gaps.empty() && gaps.back().before == 0 && gaps.back().after == last) gaps.back().before = id;
    last = id;
    auto o = by_id.find(id);
    if (o == by_id.end()) return fmt::format("event {} ({}) missing", id, e.value("type", ""));
    std::string why;
    if (!same_event(*o->second, e, true, why)) return fmt::format("event {}: {}", id, why);
    used.insert(id);
  }
  for (Gap& g : gaps) {
    if (g.before == 0) g.before = UINT64_MAX;
    for (const Json* e : g.events) {
      bool found = false;
      std::string why;
      for (auto it = by_id.upper_bound(g.after); it != by_id.end() && it->first < g.before; ++it)
        if (!used.count(it->first) && same_event(*it->second, *e, false, why)) {
          used.insert(it->first);
          found = true;
          break;
        }
      if (!found) return fmt::format("no event between {} and {} like AWS's {}", g.after, g.before, e->dump());
    }
  }
  for (const auto& [id, e] : by_id) {
    if (used.count(id)) continue;
    bool in_gap = false;
    for (const Gap& g : gaps) in_gap |= id > g.after && id < g.before;
    if (!in_gap) return fmt::format("event {} ({}) not in AWS's history", id, e->value("type", ""));
  }
  return {};
}

}  // namespace

TEST_CASE("conformance: AWS-recorded histories, field by field", "[conformance]") {
  std::ifstream cases_in(asl::conformance::corpus_file("aws-recorded.jsonl"));
  std::ifstream in(asl::conformance::corpus_file("aws-recorded-histories.jsonl"));
  if (!in || !cases_in) {
    WARN("AWS-recorded histories not found under " << ASL_CONFORMANCE_DIR << "; skipped");
    return;
  }
  std::map<std::string, Json> cases;
  std::string line;
  while (std::getline(cases_in, line))
    if (!line.empty()) {
      Json c = Json::parse(line);
      std::string id = c["id"].get<std::string>();
      cases.emplace(std::move(id), std::move(c));
    }
  const auto known = asl::conformance::load_known_failures("known_history_failures.txt");
  int total = 0, matched = 0, jsonpath = 0, jsonpath_matched = 0;
  std::vector<std::string> unexpected_failures, unexpected_passes;
  std::set<std::string> seen;
  // Every mismatch, one `<id><TAB><why>` line, in the working directory (next to
  // conformance-report.md): what known_history_failures.txt is made from.
  std::ofstream mismatches("history-mismatches.txt");
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const Json h = Json::parse(line);
    const std::string id = h["id"].get<std::string>();
    seen.insert(id);
    std::string why;
    bool unsupported = false;
    auto c = cases.find(id);
    if (c == cases.end()) {
      why = "no execution case with this id in aws-recorded.jsonl";
    } else {
      unsupported = asl::conformance::uses_jsonata_or_assign(c->second);
      auto recorder = std::make_shared<asl::HistoryRecorder>();
      try {
        asl::conformance::run_case_engine(c->second, recorder);
        why = compare(recorder->history()["events"], h["history"]);
      } catch (const asl::DefinitionError& e) {
        why = std::string("definition rejected: ") + e.what();
      }
    }
    const bool pass = why.empty();
    ++total;
    matched += pass;
    jsonpath += !unsupported;
    jsonpath_matched += pass && !unsupported;
    if (!pass) {
      std::string flat = why;
      std::replace(flat.begin(), flat.end(), '\n', ' ');
      mismatches << id << '\t' << flat << '\n';
    }
    const bool listed = known.count(id) != 0;
    if (!pass && !listed) unexpected_failures.push_back(id + "\n    " + why);
    if (pass && listed) unexpected_passes.push_back(id);
  }
  fmt::print("AWS-recorded histories matching field by field: {}/{} ({:.1f} %); JSONPath cases (no JSONata/Assign): "
             "{}/{}\n",
             matched, total, 100.0 * matched / (total ? total : 1), jsonpath_matched, jsonpath);
  for (const auto& [id, why] : known)
    if (!seen.count(id)) unexpected_passes.push_back(id + " (listed but not in the corpus)");
  std::string failures, passes;
  for (const auto& f : unexpected_failures) failures += f + "\n";
  for (const auto& p : unexpected_passes) passes += p + "\n";
  {
    INFO("unexpected history mismatches (fix them or list them in tests/conformance/known_history_failures.txt):\n"
         << failures);
    CHECK(unexpected_failures.empty());
  }
  {
    INFO("listed in known_history_failures.txt but matching (remove them):\n" << passes);
    CHECK(unexpected_passes.empty());
  }
}

TEST_CASE("history: a service integration's Task events and payload truncation in AWS's shape", "[conformance]") {
  const Json details{{"resource", "arn:aws:states:eu-west-1::lambda:invoke.waitForTaskToken"},
                     {"parameters", Json{{"FunctionName", "f"}}},
                     {"timeoutInSeconds", 30}};
  asl::HistoryEvent e{asl::EventType::TaskScheduled, 5, 4, asl::TimePoint(std::chrono::milliseconds(1500)), "x",
                      &details};
  const Json j = asl::history_event_json(e);
  CHECK(j["timestamp"].get<double>() == 1.5);
  CHECK(j["taskScheduledEventDetails"] == Json{{"resourceType", "lambda"},
                                               {"resource", "invoke.waitForTaskToken"},
                                               {"region", "eu-west-1"},
                                               {"parameters", "{\"FunctionName\":\"f\"}"},
                                               {"timeoutInSeconds", 30}});
  const Json output{{"resource", "arn:aws:states:::dynamodb:putItem"}, {"output", std::string(300 * 1024, 'a')}};
  e = asl::HistoryEvent{asl::EventType::TaskSucceeded, 6, 5, {}, "x", &output};
  const Json s = asl::history_event_json(e)["taskSucceededEventDetails"];
  CHECK(s["resourceType"] == "dynamodb");
  CHECK(s["resource"] == "putItem");
  CHECK(s["output"].get<std::string>().size() == 256 * 1024);  // cut at AWS's payload quota
  CHECK(s["outputDetails"]["truncated"] == true);
  CHECK(!s.contains("region"));
  // Deep user data is written without recursion.
  Json deep = Json::array();
  Json* innermost = &deep;
  for (int i = 0; i < 100000; ++i) {
    innermost->push_back(Json::array());
    innermost = &innermost->back();
  }
  std::string text;
  asl::detail::history::append_json(text, deep);
  CHECK(text.size() == 2 * 100001);
  asl::detail::release(deep);
}
