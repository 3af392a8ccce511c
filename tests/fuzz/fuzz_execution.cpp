// Fuzz target: whole executions. The input bytes drive a generator of well-formed state machines
// over every state type (and a random input document); the machine runs on an inline engine with
// virtual time and a transition cap, and the result must be one terminal status with a
// consistent history. An input that starts with '{' is instead "<definition JSON>\0<input JSON>"
// (so conformance and benchmark definitions can seed the corpus).
// SPDX-License-Identifier: MIT
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <asl/engine.hpp>
#include <asl/state_machine.hpp>

#include "bench_resolver.hpp"
#include "fuzz_common.hpp"

using asl::Json;
using asl_fuzz::ByteReader;

namespace {

// ------------------------------------------------------------------------------------------
// Pools the generator picks from.
// ------------------------------------------------------------------------------------------

const char* const kReferencePaths[] = {"$",        "$.a",      "$.b",        "$.n",       "$.s",
                                       "$.t",      "$.items",  "$.items[0]", "$.nested",  "$.nested.x",
                                       "$.flag",   "$.missing", "$.r",       "$.items[-1]", "$.nested.y"};
const char* const kPaths[] = {"$",           "$.a",         "$.items",        "$.nested",
                              "$.items[*]",  "$.items[*].id", "$..id",        "$.items[0:2]",
                              "$.items[?(@.id > 1)]", "$.missing", "$.nested.y.length()", "$.r"};
const char* const kResultPaths[] = {"$", "$.r", "$.nested.r", "$.items[0]", "$.a.deeper", "$.new.path.here", "$.b"};
const char* const kContextPaths[] = {"$$.Execution.Name", "$$.Execution.Input", "$$.State.Name",
                                     "$$.State.RetryCount", "$$.State.EnteredTime", "$$.StateMachine.Name",
                                     "$$.Map.Item.Value", "$$.Map.Item.Index", "$$.Execution.StartTime",
                                     "$$.Task.Token"};
const char* const kStrings[] = {"",          "a",        "a,b,c",     "hello world", "2024-01-01T00:00:00Z",
                                "{\"k\":1}", "x*y",      "\u00e9\u6f22\U0001F600", "\\", "'",
                                "{}",        "[1,2]",    "SHA-256",   "aGVsbG8=",    "NaN"};
const char* const kTimestamps[] = {"2024-02-29T12:00:00Z", "1970-01-01T00:00:00Z", "2099-12-31T23:59:59.999Z",
                                   "2024-06-01T10:00:00+05:30", "2016-03-14T01:59:00.123456Z"};
const char* const kErrors[] = {"States.TaskFailed", "Flaky.TransientError", "Flaky.BadInput",   "States.Timeout",
                               "States.Runtime",    "Custom.Error",         "States.BranchFailed", "States.IntrinsicFailure",
                               "States.ResultPathMatchFailure", "States.ParameterPathFailure", "States.NoChoiceMatched",
                               "States.DataLimitExceeded", "States.ExceedToleratedFailureThreshold"};
// JSONata fields (issue #19): values that evaluate, come out undefined, fail with a JSONata error,
// read workflow variables (assigned or not) and AWS's own functions.
const char* const kJsonataValues[] = {
    "{% $states.input %}", "{% $states.input.a %}", "{% $states.input.items[0] %}",
    "{% $count($states.input.items) %}", "{% $states.input.n * 2 %}", "{% $states.input.missing %}",
    "{% $states.context.State.Name %}", "{% $string($states.input.nested) %}", "{% $sum($states.input.items.id) %}",
    "{% $uuid() %}", "{% $random() %}", "{% $states.input.s & '!' %}", "{% [1..3] %}", "{% $states.input.n > 3 %}",
    "{% $merge([$states.input, {'k': 1}]) %}", "{% $v0_0 %}", "{% $v1_1 %}", "{% $partition([1, 2, 3], 2) %}",
    "{% $states.input.items[id > 1] %}", "{% $hash('abc', 'SHA-256') %}", "{% 1 / 0 %}", "{% $error('boom') %}",
    "{% $states.input.items.{'id': id} %}", "{% $parse('{\"q\": [1]}') %}", "{% $range(0, 10, 3) %}"};
const char* const kJsonataConditions[] = {"{% $states.input.n > 2 %}", "{% $exists($states.input.a) %}",
                                          "{% $states.input.flag = true %}", "{% $v0_0 = 1 %}",
                                          "{% $states.input.s %}", "{% $count($states.input.items) > 1 %}"};
const char* const kResources[] = {"arn:aws:lambda:us-east-1:123456789012:function:noop",
                                  "arn:aws:lambda:us-east-1:123456789012:function:echo",
                                  "arn:aws:lambda:us-east-1:123456789012:function:flaky"};

struct FnSpec {
  const char* name;
  int min_args;
  int max_args;
};
const FnSpec kFunctions[] = {
    {"States.Format", 1, 4},        {"States.StringToJson", 1, 1}, {"States.JsonToString", 1, 1},
    {"States.Array", 0, 4},         {"States.ArrayPartition", 2, 2}, {"States.ArrayContains", 2, 2},
    {"States.ArrayRange", 3, 3},    {"States.ArrayGetItem", 2, 2}, {"States.ArrayLength", 1, 1},
    {"States.ArrayUnique", 1, 1},   {"States.Base64Encode", 1, 1}, {"States.Base64Decode", 1, 1},
    {"States.Hash", 2, 2},          {"States.JsonMerge", 3, 3},    {"States.MathRandom", 2, 3},
    {"States.MathAdd", 2, 2},       {"States.StringSplit", 2, 2},  {"States.UUID", 0, 0},
};
const char* const kStringLiterals[] = {"'{} and {}'", "'a,b'", "','", "'SHA-256'", "'MD5'", "'x'", "''",
                                       "'\\{\\}'", "'{}'", "'aGVsbG8='", "'[1,2]'", "'SHA-512'"};

// ------------------------------------------------------------------------------------------
// The generator.
// ------------------------------------------------------------------------------------------

class Generator {
 public:
  explicit Generator(ByteReader& r) : r_(r) {}

  Json value(int depth) {
    switch (r_.range(0, depth > 0 ? 8 : 5)) {
      case 0: return nullptr;
      case 1: return r_.flag();
      case 2: return r_.range(-3, 12);
      case 3: return static_cast<double>(r_.range(-2000, 2000)) / 8.0;
      case 4: return r_.pick(kStrings);
      case 5: return r_.range(-9223372036854775807LL, 9223372036854775807LL);
      case 6:
      case 7: {
        Json a = Json::array();
        for (auto n = r_.range(0, 4); n > 0; --n) a.push_back(value(depth - 1));
        return a;
      }
      default: {
        Json o = Json::object();
        const char* const keys[] = {"id", "a", "b", "x", "v", "m"};
        for (auto n = r_.range(0, 3); n > 0; --n) o[r_.pick(keys)] = value(depth - 1);
        return o;
      }
    }
  }

  /// The execution input: usually an object with the fields the pools read, sometimes anything.
  Json input() {
    if (r_.chance(1, 16)) return value(2);
    Json in = Json::object();
    auto maybe = [&](const char* key, Json v) {
      if (!r_.chance(1, 8)) in[key] = r_.chance(1, 8) ? value(1) : std::move(v);
    };
    maybe("a", r_.range(-5, 20));
    maybe("b", r_.pick(kStrings));
    maybe("n", r_.range(0, 6));  // SecondsPath and the task timer paths read it (value(1): up to 2^63-1)
    maybe("s", r_.pick(kStrings));
    maybe("t", r_.pick(kTimestamps));
    maybe("flag", r_.flag());
    maybe("id", r_.range(0, 3));
    maybe("failures", r_.range(0, 3));
    Json items = Json::array();
    for (auto n = r_.range(0, 6); n > 0; --n)
      items.push_back(r_.chance(3, 4) ? Json{{"id", r_.range(0, 4)}, {"v", value(1)}} : value(2));
    maybe("items", std::move(items));
    maybe("nested", Json{{"x", value(2)}, {"y", Json::array({1, 2, 3})}});
    return in;
  }

  /// A whole state machine.
  Json machine() {
    Json m = scope(0);
    if (r_.chance(1, 8)) m["TimeoutSeconds"] = r_.range(1, 100);
    if (r_.chance(1, 8)) m["Comment"] = "generated";
    if (r_.chance(1, 8)) m["Version"] = "1.0";
    return m;
  }

 private:
  /// One States container with its StartAt: a chain S_i -> S_i+1, extra edges anywhere in the
  /// scope (so every state stays reachable), and Succeed/Fail sinks when something targets them.
  Json scope(int depth) {
    const int n = static_cast<int>(r_.range(1, depth == 0 ? 6 : 3));
    Scope sc;
    for (int i = 0; i < n; ++i) sc.chain.push_back("S" + std::to_string(next_id_++));
    sc.done = "Done" + std::to_string(next_id_);
    sc.fail = "Fail" + std::to_string(next_id_++);
    Json states = Json::object();
    for (int i = 0; i < n; ++i) {
      const std::string next = i + 1 < n ? sc.chain[static_cast<std::size_t>(i + 1)] : std::string();
      states[sc.chain[static_cast<std::size_t>(i)]] = state(sc, next, depth);
    }
    // A sink exists only when a transition of this scope leads to it (a rule may have been
    // re-targeted after target() picked a sink, so look at what was written).
    sc.done_used = sc.fail_used = false;
    for (const auto& [name, st] : states.items()) {
      auto mark = [&](const Json& t) {
        if (t == sc.done) sc.done_used = true;
        if (t == sc.fail) sc.fail_used = true;
      };
      if (st.contains("Next")) mark(st["Next"]);
      if (st.contains("Default")) mark(st["Default"]);
      for (const char* list : {"Choices", "Catch"})
        if (st.contains(list))
          for (const auto& e : st[list]) mark(e["Next"]);
    }
    if (sc.done_used) {
      Json s{{"Type", "Succeed"}};
      io_paths(s);
      states[sc.done] = std::move(s);
    }
    if (sc.fail_used) {
      Json s{{"Type", "Fail"}, {"Error", r_.chance(1, 2) ? "Custom.Error" : r_.pick(kErrors)}};
      if (r_.chance(1, 2)) s["Cause"] = r_.pick(kStrings);
      else if (r_.chance(1, 3)) s["CausePath"] = r_.chance(1, 2) ? "$.b" : "States.Format('cause {}', $.a)";
      states[sc.fail] = std::move(s);
    }
    return Json{{"StartAt", sc.chain.front()}, {"States", std::move(states)}};
  }

  struct Scope {
    std::vector<std::string> chain;
    std::string done, fail;
    bool done_used = false, fail_used = false;
  };

  /// Any state of the scope (loops included), or one of its sinks.
  std::string target(Scope& sc) {
    const auto k = r_.range(0, static_cast<std::int64_t>(sc.chain.size()) + 3);
    if (k < static_cast<std::int64_t>(sc.chain.size()) && r_.chance(1, 3))
      return sc.chain[static_cast<std::size_t>(k)];
    if (k % 2 == 0) {
      sc.fail_used = true;
      return sc.fail;
    }
    sc.done_used = true;
    return sc.done;
  }

  /// A Succeed or Fail sink of the scope.
  std::string sink(Scope& sc) {
    if (r_.flag()) {
      sc.fail_used = true;
      return sc.fail;
    }
    sc.done_used = true;
    return sc.done;
  }

  /// Next or End for a state that continues to `next` ("" = the last of the chain, which must
  /// end the scope: every States object needs a terminal state).
  void transition(Json& s, Scope& sc, const std::string& next) {
    if (!next.empty()) {
      s["Next"] = next;
    } else if (r_.chance(3, 4)) {
      s["End"] = true;
    } else {
      s["Next"] = sink(sc);
    }
  }

  void io_paths(Json& s) {
    if (r_.chance(1, 6)) s["InputPath"] = r_.chance(1, 6) ? Json(nullptr) : Json(r_.pick(kPaths));
    if (r_.chance(1, 6)) s["OutputPath"] = r_.chance(1, 6) ? Json(nullptr) : Json(r_.pick(kPaths));
  }

  void result_path(Json& s) {
    if (r_.chance(1, 3)) s["ResultPath"] = r_.chance(1, 6) ? Json(nullptr) : Json(r_.pick(kResultPaths));
  }

  std::string intrinsic(int depth) {
    const FnSpec& fn = r_.pick(kFunctions);
    const auto max = fn.max_args > 3 ? 3 : fn.max_args;
    const auto args = r_.range(fn.min_args, max);
    std::string out = std::string(fn.name) + "(";
    for (std::int64_t i = 0; i < args; ++i) {
      if (i) out += ", ";
      switch (r_.range(0, depth < 2 ? 6 : 5)) {
        case 0: out += std::to_string(r_.range(-3, 12)); break;
        case 1: out += r_.pick(kStringLiterals); break;
        case 2:
        case 3: out += r_.pick(kReferencePaths); break;
        case 4: out += r_.chance(1, 3) ? r_.pick(kContextPaths) : r_.pick(kPaths); break;
        case 5: out += r_.pick({"true", "false", "null", "1.5", "-0.5", "1e3"}); break;
        default: out += intrinsic(depth + 1); break;
      }
    }
    return out + ")";
  }

  Json payload_template(int depth, bool in_map) {
    Json t = Json::object();
    const char* const keys[] = {"p", "q", "id", "value", "items", "x"};
    for (auto n = r_.range(1, 4); n > 0; --n) {
      const std::string key = r_.pick(keys);
      switch (r_.range(0, depth < 2 ? 6 : 4)) {
        case 0: t[key] = value(1); break;
        case 1: t[key + ".$"] = r_.pick(kReferencePaths); break;
        case 2: t[key + ".$"] = in_map && r_.chance(1, 2) ? r_.pick({"$$.Map.Item.Value", "$$.Map.Item.Index"})
                                                          : r_.pick(kContextPaths);
          break;
        case 3: t[key + ".$"] = intrinsic(0); break;
        case 4: t[key + ".$"] = r_.pick(kPaths); break;
        case 5: t[key] = payload_template(depth + 1, in_map); break;
        default: t[key] = Json::array({payload_template(depth + 1, in_map), value(0)}); break;
      }
    }
    // Two keys equal after removing ".$" are a definition error: keep the last one only.
    Json clean = Json::object();
    for (auto& [k, v] : t.items()) {
      const std::string base = k.size() > 2 && k.compare(k.size() - 2, 2, ".$") == 0 ? k.substr(0, k.size() - 2) : k;
      clean.erase(base);
      clean.erase(base + ".$");
      clean[k] = v;
    }
    return clean;
  }

  Json error_equals(bool last) {
    if (last && r_.chance(1, 3)) return Json::array({"States.ALL"});
    Json e = Json::array();
    for (auto n = r_.range(1, 3); n > 0; --n) e.push_back(r_.pick(kErrors));
    return e;
  }

  void retry_catch(Json& s, Scope& sc) {
    if (r_.chance(1, 2)) {
      Json retry = Json::array();
      const auto n = r_.range(1, 2);
      for (std::int64_t i = 0; i < n; ++i) {
        Json rt{{"ErrorEquals", error_equals(i + 1 == n)}};
        // The largest IntervalSeconds and a huge BackoffRate take the interval past the clock's end.
        if (r_.flag()) {
          const auto interval = r_.range(1, 6);
          rt["IntervalSeconds"] = interval == 6 ? 99999999 : interval;
        }
        if (r_.flag()) rt["MaxAttempts"] = r_.range(0, 4);
        if (r_.flag()) {
          const auto rate = r_.range(0, 9);
          rt["BackoffRate"] = rate == 9 ? 1e10 : 1.0 + static_cast<double>(rate) / 4.0;
        }
        if (r_.chance(1, 4)) rt["MaxDelaySeconds"] = r_.range(1, 10);
        if (r_.chance(1, 4)) rt["JitterStrategy"] = r_.flag() ? "FULL" : "NONE";
        retry.push_back(std::move(rt));
      }
      s["Retry"] = std::move(retry);
    }
    if (r_.chance(1, 2)) {
      Json catches = Json::array();
      const auto n = r_.range(1, 2);
      for (std::int64_t i = 0; i < n; ++i) {
        Json c{{"ErrorEquals", error_equals(i + 1 == n)}, {"Next", target(sc)}};
        result_path(c);
        catches.push_back(std::move(c));
      }
      s["Catch"] = std::move(catches);
    }
  }

  Json choice_rule(int depth, bool top) {
    Json rule = Json::object();
    const auto kind = r_.range(0, depth < 2 ? 9 : 6);
    if (kind >= 8) {
      const char* op = r_.flag() ? "And" : "Or";
      Json subs = Json::array();
      for (auto n = r_.range(1, 3); n > 0; --n) subs.push_back(choice_rule(depth + 1, false));
      rule[op] = std::move(subs);
    } else if (kind == 7) {
      rule["Not"] = choice_rule(depth + 1, false);
    } else {
      rule["Variable"] = r_.chance(1, 8) ? r_.pick(kContextPaths) : r_.pick(kReferencePaths);
      switch (kind) {
        case 0: {
          const char* ops[] = {"StringEquals", "StringLessThan", "StringGreaterThan", "StringLessThanEquals",
                               "StringGreaterThanEquals"};
          rule[r_.pick(ops)] = r_.pick(kStrings);
          break;
        }
        case 1: {
          const char* ops[] = {"NumericEquals", "NumericLessThan", "NumericGreaterThan", "NumericLessThanEquals",
                               "NumericGreaterThanEquals"};
          rule[r_.pick(ops)] = r_.flag() ? Json(r_.range(-3, 10)) : Json(static_cast<double>(r_.range(-20, 20)) / 3.0);
          break;
        }
        case 2: rule["BooleanEquals"] = r_.flag(); break;
        case 3: {
          const char* ops[] = {"TimestampEquals", "TimestampLessThan", "TimestampGreaterThan",
                               "TimestampLessThanEquals", "TimestampGreaterThanEquals"};
          rule[r_.pick(ops)] = r_.pick(kTimestamps);
          break;
        }
        case 4: {
          const char* ops[] = {"IsPresent", "IsNull", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp"};
          rule[r_.pick(ops)] = r_.flag();
          break;
        }
        case 5: {
          const char* ops[] = {"StringEqualsPath", "NumericEqualsPath", "NumericLessThanPath", "BooleanEqualsPath",
                               "TimestampLessThanPath", "StringGreaterThanEqualsPath", "NumericGreaterThanPath"};
          rule[r_.pick(ops)] = r_.pick(kReferencePaths);
          break;
        }
        default: {
          const char* patterns[] = {"*", "a*", "*,*", "x\\*y", "*\\\\*", "he*o w*", "", "*\u00e9*"};
          rule["StringMatches"] = r_.pick(patterns);
          break;
        }
      }
    }
    (void)top;
    return rule;
  }

  /// Workflow variables: a name per nesting depth, so an inner scope never assigns a name an
  /// outer one owns (a definition error, 309), and reads may find a name unassigned.
  std::string variable(int depth) { return "v" + std::to_string(depth) + "_" + std::to_string(r_.range(0, 2)); }

  Json jsonata_assign(int depth) {
    Json a = Json::object();
    for (auto n = r_.range(1, 2); n > 0; --n) a[variable(depth)] = r_.chance(1, 4) ? value(1) : Json(r_.pick(kJsonataValues));
    return a;
  }

  /// A state in JSONata (per-state QueryLanguage in a JSONPath machine): Arguments, Output,
  /// Assign, Condition, Seconds as `{% %}` expressions; no JSONPath field (the validator refuses
  /// them there).
  Json jsonata_state(Scope& sc, const std::string& next, int depth) {
    Json s{{"QueryLanguage", "JSONata"}};
    switch (r_.range(0, 3)) {
      case 0: {
        s["Type"] = "Pass";
        if (r_.chance(1, 2)) s["Output"] = r_.chance(1, 3) ? Json{{"o", r_.pick(kJsonataValues)}} : Json(r_.pick(kJsonataValues));
        if (r_.chance(1, 2)) s["Assign"] = jsonata_assign(depth);
        transition(s, sc, next);
        break;
      }
      case 1: {
        s["Type"] = "Task";
        s["Resource"] = r_.pick(kResources);
        if (r_.chance(1, 2)) s["Arguments"] = r_.chance(1, 2) ? Json{{"x", r_.pick(kJsonataValues)}} : Json(r_.pick(kJsonataValues));
        if (r_.chance(1, 2))
          s["Output"] = r_.pick({"{% $states.result %}", "{% $merge([$states.input, {'r': $states.result}]) %}",
                                 "{% $states.result.missing %}"});
        if (r_.chance(1, 3)) s["Assign"] = jsonata_assign(depth);
        retry_catch(s, sc);
        if (s.contains("Catch"))
          for (Json& c : s["Catch"]) {
            c.erase("ResultPath");  // JSONPath only
            if (r_.flag()) c["Output"] = r_.flag() ? "{% $states.errorOutput %}" : "{% $states.errorOutput.Cause %}";
            if (r_.chance(1, 3)) c["Assign"] = Json{{variable(depth), "{% $states.errorOutput.Error %}"}};
          }
        transition(s, sc, next);
        break;
      }
      case 2: {
        s["Type"] = "Choice";
        Json choices = Json::array();
        for (auto n = r_.range(1, 2); n > 0; --n) {
          Json rule{{"Condition", r_.pick(kJsonataConditions)},
                    {"Next", next.empty() || r_.chance(1, 3) ? target(sc) : next}};
          if (r_.chance(1, 4)) rule["Assign"] = jsonata_assign(depth);
          choices.push_back(std::move(rule));
        }
        s["Choices"] = std::move(choices);
        if (r_.chance(1, 4)) s["Assign"] = jsonata_assign(depth);
        s["Default"] = next.empty() ? sink(sc) : next;  // the chain goes on
        break;
      }
      default: {
        s["Type"] = "Wait";
        s["Seconds"] = r_.pick({"{% $states.input.n %}", "{% 3 %}", "{% $count($states.input.items) %}",
                                "{% $states.input.s %}"});
        if (r_.chance(1, 3)) s["Assign"] = jsonata_assign(depth);
        transition(s, sc, next);
        break;
      }
    }
    return s;
  }

  Json state(Scope& sc, const std::string& next, int depth) {
    if (r_.chance(1, 6)) return jsonata_state(sc, next, depth);
    const auto kind = r_.range(0, depth < 2 ? 7 : 4);
    Json s = Json::object();
    switch (kind) {
      case 0:
      case 5: {  // Pass
        s["Type"] = "Pass";
        io_paths(s);
        if (r_.chance(1, 3)) s["Parameters"] = payload_template(0, false);
        else if (r_.chance(1, 3)) s["Result"] = value(2);
        result_path(s);
        if (r_.chance(1, 5))  // JSONPath Assign: a payload template over the state's result
          s["Assign"] = r_.flag() ? Json{{variable(depth) + ".$", r_.pick(kReferencePaths)}} : Json{{variable(depth), value(1)}};
        transition(s, sc, next);
        break;
      }
      case 1: {  // Task
        s["Type"] = "Task";
        s["Resource"] = r_.pick(kResources);
        io_paths(s);
        if (r_.chance(1, 3)) s["Parameters"] = payload_template(0, false);
        if (r_.chance(1, 4)) s["ResultSelector"] = payload_template(0, false);
        result_path(s);
        if (r_.chance(1, 4)) {
          const auto timeout = r_.range(2, 60);
          s["TimeoutSeconds"] = timeout;
          if (r_.flag()) s["HeartbeatSeconds"] = r_.range(1, timeout - 1);
          if (r_.chance(1, 3)) {  // or read one from the input
            const std::string field =
                s.contains("HeartbeatSeconds") && r_.flag() ? "HeartbeatSeconds" : "TimeoutSeconds";
            s.erase(field);
            s[field + "Path"] = "$.n";
          }
        }
        retry_catch(s, sc);
        transition(s, sc, next);
        break;
      }
      case 2: {  // Choice
        s["Type"] = "Choice";
        io_paths(s);
        Json choices = Json::array();
        for (auto n = r_.range(1, 3); n > 0; --n) {
          Json rule = choice_rule(0, true);
          rule["Next"] = next.empty() || r_.chance(1, 3) ? target(sc) : next;
          choices.push_back(std::move(rule));
        }
        s["Choices"] = std::move(choices);
        // The chain must go on: the default (or, without one, the first rule) leads to `next`.
        if (!next.empty() && r_.chance(3, 4)) s["Default"] = next;
        else if (!next.empty()) s["Choices"][0]["Next"] = next;
        else if (r_.chance(3, 4)) s["Default"] = sink(sc);
        else s["Choices"][0]["Next"] = sink(sc);
        break;
      }
      case 3: {  // Wait
        s["Type"] = "Wait";
        io_paths(s);
        switch (r_.range(0, 3)) {
          case 0: s["Seconds"] = r_.range(0, 100000); break;
          case 1: s["Timestamp"] = r_.pick(kTimestamps); break;
          case 2: s["SecondsPath"] = "$.n"; break;
          default: s["TimestampPath"] = r_.chance(3, 4) ? "$.t" : r_.pick(kReferencePaths); break;
        }
        transition(s, sc, next);
        break;
      }
      case 4: {  // Succeed or Fail in the middle of the chain would cut it: use a Pass to a sink
        s["Type"] = "Pass";
        if (r_.chance(1, 2)) s["Result"] = value(1);
        if (next.empty()) s["Next"] = sink(sc);
        else s["Next"] = r_.chance(1, 4) ? target(sc) : next;
        if (!next.empty() && s["Next"] != next) {
          // keep `next` reachable: turn this state into a Choice that can go both ways
          s = Json{{"Type", "Choice"},
                   {"Choices", Json::array({Json{{"Variable", r_.pick(kReferencePaths)}, {"IsPresent", r_.flag()},
                                                 {"Next", s["Next"]}}})},
                   {"Default", next}};
        }
        break;
      }
      case 6: {  // Map
        s["Type"] = "Map";
        io_paths(s);
        if (r_.chance(3, 4)) s["ItemsPath"] = r_.chance(3, 4) ? "$.items" : r_.pick(kReferencePaths);
        if (r_.chance(1, 2)) s[r_.chance(3, 4) ? "ItemSelector" : "Parameters"] = payload_template(0, true);
        if (r_.chance(1, 2)) s["MaxConcurrency"] = r_.range(0, 3);
        if (r_.chance(1, 6)) s["ToleratedFailurePercentage"] = r_.range(0, 100);
        if (r_.chance(1, 6)) s["ToleratedFailureCount"] = r_.range(0, 3);
        Json proc = scope(depth + 1);
        if (r_.chance(3, 4)) {
          proc["ProcessorConfig"] = Json{{"Mode", "INLINE"}};
          s["ItemProcessor"] = std::move(proc);
        } else {
          s["Iterator"] = std::move(proc);
        }
        if (r_.chance(1, 4)) s["ResultSelector"] = payload_template(0, false);
        result_path(s);
        retry_catch(s, sc);
        transition(s, sc, next);
        break;
      }
      default: {  // Parallel
        s["Type"] = "Parallel";
        io_paths(s);
        Json branches = Json::array();
        for (auto n = r_.range(1, 3); n > 0; --n) branches.push_back(scope(depth + 1));
        s["Branches"] = std::move(branches);
        if (r_.chance(1, 4)) s["Parameters"] = payload_template(0, false);
        if (r_.chance(1, 4)) s["ResultSelector"] = payload_template(0, false);
        result_path(s);
        retry_catch(s, sc);
        transition(s, sc, next);
        break;
      }
    }
    return s;
  }

  ByteReader& r_;
  int next_id_ = 0;
};

// ------------------------------------------------------------------------------------------
// Running and checking.
// ------------------------------------------------------------------------------------------

/// Checks the history as it is emitted: ids increase, ExecutionStarted first, one terminal
/// event last, and every event's details serialize.
class HistoryChecker final : public asl::Observer {
 public:
  void on_event(const asl::HistoryEvent& e) override {
    ASL_FUZZ_CHECK(!terminal_seen_, std::string(asl::to_string(e.type)) + " after the terminal event");
    if (count_ == 0) ASL_FUZZ_CHECK(e.type == asl::EventType::ExecutionStarted, std::string(asl::to_string(e.type)));
    ASL_FUZZ_CHECK(e.id > last_id_, std::to_string(e.id) + " after " + std::to_string(last_id_));
    ASL_FUZZ_CHECK(e.details != nullptr, std::string(asl::to_string(e.type)));
    if (count_ < 256 || is_terminal(e.type)) (void)e.details->dump();  // throws on invalid UTF-8
    last_id_ = e.id;
    ++count_;
    last_ = e.type;
    terminal_seen_ = is_terminal(e.type);
  }
  static bool is_terminal(asl::EventType t) {
    return t == asl::EventType::ExecutionSucceeded || t == asl::EventType::ExecutionFailed ||
           t == asl::EventType::ExecutionTimedOut || t == asl::EventType::ExecutionAborted;
  }
  std::uint64_t count_ = 0;
  std::uint64_t last_id_ = 0;
  asl::EventType last_ = asl::EventType::ExecutionStarted;
  bool terminal_seen_ = false;
};

void run_and_check(const asl::StateMachine& sm, Json input, bool generated) {
  asl::EngineOptions options;
  options.inline_execution = true;
  options.virtual_time = true;
  options.max_transitions = 10000;
  // A loop that nests the document into itself (`"ResultPath": "$.items[0]"` on a Pass, or a
  // ResultSelector `{"q.$": "$"}`) grows it by a few bytes per turn and copies all of it (several
  // times, with an observer) every turn: quadratic, and minutes under ASan at the default 256 KB
  // limit. 8 KB keeps such inputs to about a second and still reaches States.DataLimitExceeded.
  options.payload_limit = 8 * 1024;
  options.jitter_seed = 42;
  asl::Engine engine(options);
  auto history = std::make_shared<HistoryChecker>();
  engine.add_observer(history);
  if (std::getenv("ASL_FUZZ_VERBOSE") != nullptr) std::fprintf(stderr, "input: %s\n", input.dump().c_str());
  const asl::ExecutionResult r = engine.run(sm, std::move(input));
  const std::string shown = std::string(asl::to_string(r.status)) + " " + r.error.value_or("<no error>") + ": " +
                            r.cause.value_or("<no cause>");

  ASL_FUZZ_CHECK(r.status == asl::Status::succeeded || r.status == asl::Status::failed ||
                     r.status == asl::Status::timed_out,
                 shown);
  ASL_FUZZ_CHECK(history->terminal_seen_, shown);
  switch (r.status) {
    case asl::Status::succeeded:
      ASL_FUZZ_CHECK(history->last_ == asl::EventType::ExecutionSucceeded, shown);
      ASL_FUZZ_CHECK(!r.error && !r.cause, shown);
      break;
    case asl::Status::failed:
      ASL_FUZZ_CHECK(history->last_ == asl::EventType::ExecutionFailed, shown);
      ASL_FUZZ_CHECK(r.output.is_null(), shown);
      // Generated Fail states always name their error, so every failure has a name.
      if (generated) ASL_FUZZ_CHECK(r.error.has_value() && !r.error->empty(), shown);
      break;
    default:
      ASL_FUZZ_CHECK(history->last_ == asl::EventType::ExecutionTimedOut, shown);
      break;
  }
  const std::string result_text = r.to_json().dump();  // output, error and cause serialize (valid UTF-8)
  if (std::getenv("ASL_FUZZ_VERBOSE") != nullptr)
    std::fprintf(stderr, "%s\n%s\n", sm.definition().dump().c_str(), result_text.c_str());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const asl_bench::BenchResolver resolver;  // fresh `flaky` counters for every input
  if (size > 0 && data[0] == '{') {
    // Raw mode: "<definition>\0<input>". Definition errors are fine here.
    const std::string_view all = asl_fuzz::as_text(data, size);
    const auto zero = all.find('\0');
    const std::string_view def = all.substr(0, zero);
    const auto input = zero == std::string_view::npos ? std::nullopt : asl_fuzz::parse_json(all.substr(zero + 1));
    auto definition = asl_fuzz::parse_json(def, 512);
    if (!definition) return 0;
    std::optional<asl::StateMachine> sm;
    try {
      sm = asl::StateMachine::from_json(std::move(*definition), resolver);
    } catch (const asl::DefinitionError&) {
      return 0;
    }
    run_and_check(*sm, input ? *input : Json::object(), false);
    return 0;
  }

  ByteReader reader(data, size);
  Generator gen(reader);
  Json definition = gen.machine();
  Json input = gen.input();
  std::optional<asl::StateMachine> sm;
  try {
    sm = asl::StateMachine::from_json(definition, resolver);
  } catch (const asl::DefinitionError& e) {
    // The generator only writes valid machines: a refusal is a generator or validator bug.
    asl_fuzz::invariant_failed("generated definition refused", std::string(e.what()) + "\n" + definition.dump());
  }
  run_and_check(*sm, std::move(input), true);
  return 0;
}
