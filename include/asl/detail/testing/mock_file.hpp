// The MockConfigFile.json format (Step Functions Local) read into plain data, every fault reported with its JSON Pointer.
// SPDX-License-Identifier: MIT
//
// The format (shared/reference/durability-dmap-testing.md §D1):
//   {"StateMachines": {NAME: {"TestCases": {CASE: {STATE: RESPONSE}}}},
//    "MockedResponses": {RESPONSE: {"0": {"Return": ANY}, "1-2": {"Throw": {"Error": S, "Cause": S}}}}}
// Keys of a response are 0-based invocation numbers of the state within one execution, single
// ("0") or inclusive ranges ("1-2"), consecutive from 0. The rules are LocalStack's (the
// maintained reader of the format): exactly one of Return/Throw, both Error and Cause, no gap.
// The whole file is checked when read, every test case, so a fault in a case not run today
// still shows now rather than in the CI run that selects it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "asl/detail/base/did_you_mean.hpp"
#include "asl/error.hpp"
#include "asl/json.hpp"
#include "asl/testing/mock_config_error.hpp"

namespace asl::detail::testing {

/// What one invocation of a mocked state does: return `value`, or fail with `error`.
struct MockOutcome {
  std::optional<Json> value;  ///< `Return`
  Error error;                ///< `Throw` (when there is no value)
};

/// One key of a mocked response: invocations first..last (inclusive) do `outcome`.
struct MockSpan {
  std::uint64_t first = 0;
  std::uint64_t last = 0;
  MockOutcome outcome;
};

/// A mocked response: its spans sorted and consecutive from 0. Ranges are not expanded, so a
/// key "0-1000000" costs one span.
struct MockedResponse {
  std::vector<MockSpan> spans;

  /// The outcome of invocation `n`; null past the last key.
  const MockOutcome* at(std::uint64_t n) const {
    auto it = std::lower_bound(spans.begin(), spans.end(), n,
                               [](const MockSpan& s, std::uint64_t v) { return s.last < v; });
    return it != spans.end() && it->first <= n ? &it->outcome : nullptr;
  }
};

/// A test case: Task state name -> mocked response name.
using MockCase = std::map<std::string, std::string, std::less<>>;

/// One entry of StateMachines: its test cases by name.
struct MockMachine {
  std::map<std::string, MockCase, std::less<>> test_cases;
};

/// The whole file, checked.
struct MockFile {
  std::map<std::string, MockMachine, std::less<>> state_machines;
  std::map<std::string, MockedResponse, std::less<>> responses;
};

/// `token` as one JSON Pointer segment (RFC 6901: "~" -> "~0", "/" -> "~1").
inline std::string pointer_segment(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (const char c : token) {
    if (c == '~') out += "~0";
    else if (c == '/') out += "~1";
    else out += c;
  }
  return out;
}

inline std::string child_pointer(const std::string& parent, std::string_view token) {
  return parent + "/" + pointer_segment(token);
}

/// The JSON type's name as a person says it ("a number", "an array"), for "expected X, got Y".
inline std::string json_kind(const Json& j) {
  switch (j.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::boolean: return "a boolean";
    case Json::value_t::string: return "a string";
    case Json::value_t::array: return "an array";
    case Json::value_t::object: return "an object";
    case Json::value_t::discarded: return "nothing";
    default: return "a number";
  }
}

/// " (did you mean 'X'?)" when `word` is a plausible slip of one of `names`.
template <class Map>
std::string mock_suggestion(std::string_view word, const Map& names) {
  std::vector<std::string_view> candidates;
  candidates.reserve(names.size());
  for (const auto& entry : names) candidates.emplace_back(entry.first);
  auto s = did_you_mean(word, candidates);
  return s ? fmt::format(" (did you mean '{}'?)", *s) : std::string();
}

/// Digits only, at most 18 of them (any invocation number a test reaches, and no overflow).
inline std::optional<std::uint64_t> invocation_number(std::string_view s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  std::uint64_t v = 0;
  for (const char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  return v;
}

/// Reads MockConfigFile.json documents; throws asl::testing::MockConfigError at the first fault.
class MockFileReader {
 public:
  MockFile read(const Json& doc) {
    if (!doc.is_object())
      fail("", fmt::format("a mock config is a JSON object with \"StateMachines\" and \"MockedResponses\", "
                           "got {}",
                           json_kind(doc)));
    // Responses first: the test cases refer to them by name.
    if (const auto it = doc.find("MockedResponses"); it != doc.end()) read_responses(*it);
    const auto machines = doc.find("StateMachines");
    if (machines == doc.end())
      fail("", "a mock config needs \"StateMachines\": {NAME: {\"TestCases\": {CASE: {STATE: RESPONSE}}}}");
    read_machines(*machines);
    return std::move(file_);
  }

 private:
  [[noreturn]] static void fail(const std::string& pointer, std::string message) {
    throw asl::testing::MockConfigError(pointer, std::move(message));
  }

  void read_machines(const Json& machines) {
    const std::string at = "/StateMachines";
    if (!machines.is_object())
      fail(at, fmt::format("\"StateMachines\" maps state machine names to their test cases: an object, got {}",
                           json_kind(machines)));
    for (const auto& [name, machine] : machines.items()) {
      const std::string m_at = child_pointer(at, name);
      if (!machine.is_object())
        fail(m_at, fmt::format("a state machine's entry is {{\"TestCases\": {{...}}}}, got {}", json_kind(machine)));
      const auto cases = machine.find("TestCases");
      if (cases == machine.end()) fail(m_at, "a state machine's entry needs \"TestCases\": {CASE: {STATE: RESPONSE}}");
      const std::string c_at = child_pointer(m_at, "TestCases");
      if (!cases->is_object())
        fail(c_at, fmt::format("\"TestCases\" maps test case names to their mocked states: an object, got {}",
                               json_kind(*cases)));
      MockMachine& out = file_.state_machines[name];
      for (const auto& [case_name, states] : cases->items()) {
        const std::string t_at = child_pointer(c_at, case_name);
        if (!states.is_object())
          fail(t_at, fmt::format("a test case maps Task state names to mocked response names: an object, got {}",
                                 json_kind(states)));
        MockCase& mocked = out.test_cases[case_name];
        for (const auto& [state, response] : states.items()) {
          const std::string s_at = child_pointer(t_at, state);
          if (!response.is_string())
            fail(s_at, fmt::format("a mocked state names a response of \"MockedResponses\": a string, got {}",
                                   json_kind(response)));
          const std::string& ref = response.get_ref<const std::string&>();
          if (file_.responses.find(ref) == file_.responses.end())
            fail(s_at, fmt::format("mocked response '{}' is not defined in \"MockedResponses\"{}", ref,
                                   mock_suggestion(ref, file_.responses)));
          mocked.emplace(state, ref);
        }
      }
    }
  }

  void read_responses(const Json& responses) {
    const std::string at = "/MockedResponses";
    if (!responses.is_object())
      fail(at, fmt::format("\"MockedResponses\" maps response names to invocation keys: an object, got {}",
                           json_kind(responses)));
    for (const auto& [name, keys] : responses.items()) {
      const std::string r_at = child_pointer(at, name);
      if (!keys.is_object())
        fail(r_at, fmt::format("a mocked response maps invocation keys (\"0\", \"1-2\") to {{\"Return\": ...}} or "
                               "{{\"Throw\": ...}}: an object, got {}",
                               json_kind(keys)));
      if (keys.empty()) fail(r_at, "a mocked response needs at least one invocation key (\"0\", \"1-2\", ...)");
      file_.responses.emplace(name, read_response(r_at, keys));
    }
  }

  static MockedResponse read_response(const std::string& at, const Json& keys) {
    struct Keyed {
      MockSpan span;
      std::string key;
    };
    std::vector<Keyed> spans;
    for (const auto& [key, entry] : keys.items()) {
      const std::string k_at = child_pointer(at, key);
      Keyed k{MockSpan{}, key};
      const std::size_t dash = key.find('-');
      const auto first = invocation_number(std::string_view(key).substr(0, dash));
      const auto last = dash == std::string::npos ? first : invocation_number(std::string_view(key).substr(dash + 1));
      if (!first || !last)
        fail(k_at, fmt::format("invocation key '{}' is neither a number (\"0\") nor an inclusive range (\"1-2\")", key));
      if (*last < *first) fail(k_at, fmt::format("range '{}' ends before it starts", key));
      k.span.first = *first;
      k.span.last = *last;
      k.span.outcome = read_outcome(k_at, entry);
      spans.push_back(std::move(k));
    }
    std::sort(spans.begin(), spans.end(), [](const Keyed& a, const Keyed& b) { return a.span.first < b.span.first; });
    // Consecutive from 0, as LocalStack requires: a gap would be an invocation with no answer
    // hidden in the middle of the file, an overlap two answers for one invocation.
    std::uint64_t expected = 0;
    const std::string* previous = nullptr;
    MockedResponse out;
    for (Keyed& k : spans) {
      if (k.span.first != expected) {
        const std::string where = child_pointer(at, k.key);
        if (previous == nullptr)
          fail(where, fmt::format("invocation keys are numbered from 0: the first key is '{}'", k.key));
        if (k.span.first < expected) fail(where, fmt::format("key '{}' overlaps key '{}'", k.key, *previous));
        fail(where, fmt::format("invocation keys must be consecutive: '{}' follows '{}', so invocation {} has no "
                                "response",
                                k.key, *previous, expected));
      }
      expected = k.span.last + 1;
      previous = &k.key;
      out.spans.push_back(std::move(k.span));
    }
    return out;
  }

  static MockOutcome read_outcome(const std::string& at, const Json& entry) {
    constexpr const char* shape = "{\"Return\": VALUE} or {\"Throw\": {\"Error\": \"...\", \"Cause\": \"...\"}}";
    if (!entry.is_object()) fail(at, fmt::format("an invocation's response is {}, got {}", shape, json_kind(entry)));
    for (const auto& [member, value] : entry.items()) {
      (void)value;
      if (member != "Return" && member != "Throw") {
        const std::map<std::string, int, std::less<>> known{{"Return", 0}, {"Throw", 0}};
        fail(child_pointer(at, member), fmt::format("unknown member '{}': an invocation's response is {}{}", member,
                                                    shape, mock_suggestion(member, known)));
      }
    }
    const auto ret = entry.find("Return");
    const auto thr = entry.find("Throw");
    if (ret != entry.end() && thr != entry.end())
      fail(at, "an invocation's response has one of \"Return\" and \"Throw\", not both");
    if (ret == entry.end() && thr == entry.end()) fail(at, fmt::format("an invocation's response is {}", shape));
    MockOutcome out;
    if (ret != entry.end()) {
      out.value = *ret;
      return out;
    }
    const std::string t_at = child_pointer(at, "Throw");
    if (!thr->is_object())
      fail(t_at, fmt::format("\"Throw\" is {{\"Error\": \"...\", \"Cause\": \"...\"}}, got {}", json_kind(*thr)));
    std::string parts[2];
    const char* names[2] = {"Error", "Cause"};
    for (std::size_t i = 0; i < 2; ++i) {
      const auto it = thr->find(names[i]);
      if (it == thr->end())
        fail(t_at, fmt::format("\"Throw\" needs \"Error\" and \"Cause\" (strings); \"{}\" is missing", names[i]));
      if (!it->is_string())
        fail(child_pointer(t_at, names[i]), fmt::format("\"{}\" is a string, got {}", names[i], json_kind(*it)));
      parts[i] = it->get<std::string>();
    }
    out.error = Error(std::move(parts[0]), std::move(parts[1]));
    return out;
  }

  MockFile file_;
};

/// The checked contents of a MockConfigFile.json document.
inline MockFile read_mock_file(const Json& doc) { return MockFileReader().read(doc); }

}  // namespace asl::detail::testing
