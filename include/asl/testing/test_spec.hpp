// testing::TestSpec: pipeline tests as data (a definition, inputs, mocks or task commands, and what must hold), run on virtual time with coverage and JUnit XML.
// SPDX-License-Identifier: MIT
//
// A spec file (`asl test SPEC.json`), paths relative to the spec file:
//   {"definition": "training.asl.json",           the machine's file, or the definition itself
//                                                 ({"StartAt": ..., "States": ...}); a case may
//                                                 name its own
//    "mockConfig": "training.mock.json",          a Step Functions Local mock file (optional)
//    "stateMachine": "training",                  its entry (default: as MockSelection says)
//    "tasks": {"PATTERN": "COMMAND" | [argv]},    Tasks bound to commands (optional)
//    "input": {...} | "inputFile": "in.json",     the default input
//    "cases": [{"name": "happy path", "testCase": "HappyPath", "input": ..., "tasks": ...,
//               "expect": {"status": "SUCCEEDED", "error": "...", "cause": "...",
//                          "output": {...}, "outputPaths": {"$.deployment.path": "/m.json"},
//                          "statesVisited": [...],        in this order, exactly
//                          "statesVisitedSet": [...],     exactly these, in any order
//                          "statesVisitedInclude": [...], at least these
//                          "statesNotVisited": [...],
//                          "states": {"Train": {"input": ..., "output": ..., "outputPaths": {...},
//                                               "error": "...", "retries": 2, "visits": 1}}}}]}
// Every case runs on virtual time (Waits and retry intervals take no time), inline, so runs
// are deterministic; mocks answer first, then task commands.
#pragma once

#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "asl/command_resolver.hpp"
#include "asl/detail/jsonpath/path.hpp"
#include "asl/engine.hpp"
#include "asl/error.hpp"
#include "asl/json.hpp"
#include "asl/parse_json.hpp"
#include "asl/state_machine.hpp"
#include "asl/testing/coverage.hpp"
#include "asl/testing/execution_recorder.hpp"
#include "asl/testing/mock_config.hpp"

namespace asl::testing {

/// A spec file that cannot be used: unreadable, not JSON, or not the format. what() names the
/// file and the JSON Pointer of the fault.
class TestSpecError : public Exception {
 public:
  using Exception::Exception;
};

/// One case of a spec, as written.
struct TestSpecCase {
  std::string name;
  /// The definition's resolved path; for an inline definition, where the spec holds it
  /// (`SPEC#/definition`, `SPEC#/cases/2/definition`): the name its coverage is reported under.
  std::string definition;
  std::optional<Json> definition_json;  ///< an inline definition (the spec's object itself)
  std::optional<std::string> mock_config, state_machine, test_case;
  Json tasks = Json::object();  ///< pattern -> command (text or argv array)
  Json input = Json::object();
  Json expect = Json::object();
};

/// A spec file, read and checked.
struct TestSpec {
  std::string file;
  std::vector<TestSpecCase> cases;

  static TestSpec load_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw TestSpecError("cannot read test spec '" + path + "'");
    std::ostringstream ss;
    ss << in.rdbuf();
    Json doc;
    try {
      doc = parse_json(ss.str());
    } catch (const std::exception& e) {
      throw TestSpecError("test spec '" + path + "': not JSON: " + e.what());
    }
    const auto slash = path.rfind('/');
    return from_json(doc, slash == std::string::npos ? std::string() : path.substr(0, slash + 1), path);
  }

  /// `base` prefixes the relative paths the spec names ("" = as they are).
  static TestSpec from_json(const Json& doc, const std::string& base = std::string(),
                            const std::string& file = std::string("(spec)")) {
    auto fail = [&](const std::string& pointer, const std::string& what) -> TestSpecError {
      return TestSpecError(fmt::format("test spec '{}': {}: {}", file, pointer.empty() ? "/" : pointer, what));
    };
    auto path_of = [&](const std::string& p) { return !p.empty() && p[0] == '/' ? p : base + p; };
    auto read_json_file = [&](const std::string& p, const std::string& pointer) {
      std::ifstream in(path_of(p), std::ios::binary);
      if (!in) throw fail(pointer, "cannot read '" + path_of(p) + "'");
      std::ostringstream ss;
      ss << in.rdbuf();
      try {
        return parse_json(ss.str());
      } catch (const std::exception& e) {
        throw fail(pointer, "'" + path_of(p) + "' is not JSON: " + e.what());
      }
    };
    auto text = [&](const Json& o, const char* key, const std::string& at) -> std::optional<std::string> {
      auto it = o.find(key);
      if (it == o.end()) return std::nullopt;
      if (!it->is_string()) throw fail(at + "/" + key, "must be a string");
      return it->get<std::string>();
    };
    if (!doc.is_object()) throw fail("", "must be a JSON object");
    static const std::set<std::string> top_fields{"definition", "mockConfig", "stateMachine", "tasks",
                                                  "input",      "inputFile",  "cases",        "Comment"};
    static const std::set<std::string> case_fields{"name",  "definition", "mockConfig", "stateMachine", "testCase",
                                                   "tasks", "input",      "inputFile",  "expect",       "Comment"};
    for (auto it = doc.begin(); it != doc.end(); ++it)
      if (!top_fields.count(it.key())) throw fail("/" + it.key(), "unknown field");
    // A definition is a file's path or the definition itself, inline.
    auto definition_of = [&](const Json& o, const std::string& at) -> std::optional<Json> {
      auto it = o.find("definition");
      if (it == o.end()) return std::nullopt;
      if (!it->is_string() && !it->is_object())
        throw fail(at + "/definition", "must be a file path or a definition object");
      if (it->is_object() && !it->contains("States"))
        throw fail(at + "/definition", "an inline definition needs StartAt and States");
      return *it;
    };
    TestSpec spec;
    spec.file = file;
    const auto definition = definition_of(doc, "");
    const auto mock = text(doc, "mockConfig", "");
    const auto machine = text(doc, "stateMachine", "");
    Json input = Json::object();
    if (doc.contains("input")) input = doc["input"];
    if (auto f = text(doc, "inputFile", "")) input = read_json_file(*f, "/inputFile");
    Json tasks = doc.value("tasks", Json::object());
    if (!tasks.is_object()) throw fail("/tasks", "must be an object of PATTERN: COMMAND");
    auto cases = doc.find("cases");
    if (cases == doc.end() || !cases->is_array() || cases->empty()) throw fail("/cases", "must be a non-empty array");
    for (std::size_t i = 0; i < cases->size(); ++i) {
      const Json& c = (*cases)[i];
      const std::string at = fmt::format("/cases/{}", i);
      if (!c.is_object()) throw fail(at, "must be an object");
      for (auto it = c.begin(); it != c.end(); ++it)
        if (!case_fields.count(it.key())) throw fail(at + "/" + it.key(), "unknown field");
      TestSpecCase tc;
      tc.name = text(c, "name", at).value_or(fmt::format("case {}", i + 1));
      const auto def = definition_of(c, at);
      if (!def && !definition) throw fail(at, "no definition (give one here or at the top)");
      const Json& d = def ? *def : *definition;
      if (d.is_string()) {
        tc.definition = path_of(d.get<std::string>());
      } else {
        tc.definition = file + "#" + (def ? at : std::string()) + "/definition";
        tc.definition_json = d;
      }
      if (auto m = text(c, "mockConfig", at)) tc.mock_config = path_of(*m);
      else if (mock) tc.mock_config = path_of(*mock);
      tc.state_machine = text(c, "stateMachine", at);
      if (!tc.state_machine) tc.state_machine = machine;
      tc.test_case = text(c, "testCase", at);
      if (tc.test_case && !tc.mock_config) throw fail(at + "/testCase", "needs a mockConfig");
      tc.tasks = tasks;
      if (auto t = c.find("tasks"); t != c.end()) {
        if (!t->is_object()) throw fail(at + "/tasks", "must be an object of PATTERN: COMMAND");
        for (auto it = t->begin(); it != t->end(); ++it) tc.tasks[it.key()] = it.value();
      }
      tc.input = input;
      if (c.contains("input")) tc.input = c["input"];
      if (auto f = text(c, "inputFile", at)) tc.input = read_json_file(*f, at + "/inputFile");
      tc.expect = c.value("expect", Json::object());
      if (!tc.expect.is_object()) throw fail(at + "/expect", "must be an object");
      check_expect(tc.expect, at + "/expect", fail);
      spec.cases.push_back(std::move(tc));
    }
    return spec;
  }

 private:
  template <class Fail>
  static void check_expect(const Json& e, const std::string& at, Fail& fail) {
    static const std::set<std::string> fields{"status",           "error",         "cause",
                                              "output",           "outputPaths",   "statesVisited",
                                              "statesVisitedSet", "statesVisitedInclude", "statesNotVisited",
                                              "states"};
    static const std::set<std::string> state_fields{"input", "output", "outputPaths", "error", "retries", "visits"};
    for (auto it = e.begin(); it != e.end(); ++it)
      if (!fields.count(it.key())) throw fail(at + "/" + it.key(), "unknown expectation");
    for (const char* list : {"statesVisited", "statesVisitedSet", "statesVisitedInclude", "statesNotVisited"})
      if (auto it = e.find(list); it != e.end()) {
        bool ok = it->is_array();
        if (ok)
          for (const auto& s : *it) ok = ok && s.is_string();
        if (!ok) throw fail(at + "/" + list, "must be an array of state names");
      }
    for (const char* paths : {"outputPaths"})
      if (auto it = e.find(paths); it != e.end()) check_paths(*it, at + "/" + paths, fail);
    if (auto s = e.find("states"); s != e.end()) {
      if (!s->is_object()) throw fail(at + "/states", "must be an object of state name: expectations");
      for (auto it = s->begin(); it != s->end(); ++it) {
        if (!it->is_object()) throw fail(at + "/states/" + it.key(), "must be an object");
        for (auto f = it->begin(); f != it->end(); ++f)
          if (!state_fields.count(f.key())) throw fail(at + "/states/" + it.key() + "/" + f.key(), "unknown expectation");
        if (auto p = it->find("outputPaths"); p != it->end()) check_paths(*p, at + "/states/" + it.key() + "/outputPaths", fail);
      }
    }
  }
  template <class Fail>
  static void check_paths(const Json& paths, const std::string& at, Fail& fail) {
    if (!paths.is_object()) throw fail(at, "must be an object of JSONPath: value");
    for (auto it = paths.begin(); it != paths.end(); ++it) {
      try {
        (void)detail::jsonpath::Path::parse(it.key());
      } catch (const std::exception& ex) {
        throw fail(at + "/" + it.key(), std::string("not a JSONPath: ") + ex.what());
      }
    }
  }
};

/// How one case went.
struct TestCaseResult {
  std::string spec_file, name, definition;
  bool passed = false;
  std::vector<std::string> failures;  ///< one line per expectation that does not hold
  double seconds = 0;
  ExecutionResult result;
};

/// How a run of spec files went, with coverage per definition.
struct TestRunResult {
  std::vector<TestCaseResult> cases;
  std::vector<Coverage> coverage;

  std::size_t passed() const {
    std::size_t n = 0;
    for (const auto& c : cases) n += c.passed;
    return n;
  }
  std::size_t failed() const { return cases.size() - passed(); }
  /// `N passed, M failed`.
  std::string summary() const { return fmt::format("{} passed, {} failed", passed(), failed()); }
  Json coverage_json() const {
    Json out = Json::array();
    for (const auto& c : coverage) out.push_back(c.to_json());
    return out;
  }
  /// JUnit XML, one testsuite per spec file, for CI systems.
  std::string junit_xml() const {
    std::map<std::string, std::vector<const TestCaseResult*>> by_file;
    std::vector<std::string> order;
    for (const auto& c : cases) {
      if (!by_file.count(c.spec_file)) order.push_back(c.spec_file);
      by_file[c.spec_file].push_back(&c);
    }
    double total = 0;
    for (const auto& c : cases) total += c.seconds;
    std::string x = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    x += fmt::format("<testsuites name=\"asl test\" tests=\"{}\" failures=\"{}\" time=\"{:.3f}\">\n", cases.size(),
                     failed(), total);
    for (const auto& file : order) {
      const auto& list = by_file[file];
      std::size_t f = 0;
      double t = 0;
      for (const auto* c : list) {
        f += !c->passed;
        t += c->seconds;
      }
      x += fmt::format("  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" time=\"{:.3f}\">\n", xml(file),
                       list.size(), f, t);
      for (const auto* c : list) {
        x += fmt::format("    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3f}\"", xml(file), xml(c->name),
                         c->seconds);
        if (c->passed) {
          x += "/>\n";
          continue;
        }
        std::string body;
        for (const auto& why : c->failures) body += why + "\n";
        x += fmt::format(">\n      <failure message=\"{}\">{}</failure>\n    </testcase>\n",
                         xml(c->failures.empty() ? std::string("failed") : c->failures.front()), xml(body));
      }
      x += "  </testsuite>\n";
    }
    x += "</testsuites>\n";
    return x;
  }

 private:
  static std::string xml(const std::string& s) {
    std::string out;
    for (char c : s) {
      switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&apos;"; break;
        default:
          // XML 1.0 admits no control characters but tab, newline and carriage return.
          if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') out += ' ';
          else out += c;
      }
    }
    return out;
  }
};

/// How specs run.
struct TestRunOptions {
  CommandOptions commands;  ///< for the specs' task commands
  /// Called after each case (e.g. to print its line as it finishes).
  std::function<void(const TestCaseResult&)> on_case;
};

}  // namespace asl::testing

namespace asl::detail::spec {

/// The value at `path` in `doc`, or nothing when the path selects nothing.
inline std::optional<Json> select(const Json& doc, const std::string& path) {
  const auto p = jsonpath::Path::parse(path);
  Json out;
  if (!p.select(doc, out)) return std::nullopt;
  return out;
}

inline std::string show(const std::vector<std::string>& v) { return Json(v).dump(); }

inline void check_paths(const Json& doc, const Json& paths, const std::string& what, std::vector<std::string>& fails) {
  for (auto it = paths.begin(); it != paths.end(); ++it) {
    const auto got = select(doc, it.key());
    if (!got)
      fails.push_back(fmt::format("{} {}: selects nothing, want {}", what, it.key(), it.value().dump()));
    else if (*got != it.value())
      fails.push_back(fmt::format("{} {}: got {}, want {}", what, it.key(), got->dump(), it.value().dump()));
  }
}

/// Every expectation of `e` that the run does not meet, one line each.
inline std::vector<std::string> check(const Json& e, const ExecutionResult& r, const asl::testing::ExecutionRecorder& rec) {
  std::vector<std::string> fails;
  const std::string status(to_string(r.status));
  if (auto it = e.find("status"); it != e.end() && *it != status)
    fails.push_back(fmt::format("status: got {}, want {}{}", status, it->dump(),
                                r.error ? fmt::format(" (error {}: {})", *r.error, r.cause.value_or("")) : ""));
  for (const char* f : {"error", "cause"})
    if (auto it = e.find(f); it != e.end()) {
      const auto& got = std::string(f) == "error" ? r.error : r.cause;
      if (!got || *it != *got)
        fails.push_back(fmt::format("{}: got {}, want {}", f, got ? Json(*got).dump() : "none", it->dump()));
    }
  if (auto it = e.find("output"); it != e.end() && *it != r.output)
    fails.push_back(fmt::format("output: got {}, want {}", r.output.dump(), it->dump()));
  if (auto it = e.find("outputPaths"); it != e.end()) check_paths(r.output, *it, "output", fails);
  const auto path = rec.path();
  if (auto it = e.find("statesVisited"); it != e.end() && it->get<std::vector<std::string>>() != path)
    fails.push_back(fmt::format("states visited: got {}, want {}", show(path), it->dump()));
  const std::set<std::string> seen(path.begin(), path.end());
  if (auto it = e.find("statesVisitedSet"); it != e.end()) {
    const auto want = it->get<std::vector<std::string>>();
    if (std::set<std::string>(want.begin(), want.end()) != seen)
      fails.push_back(fmt::format("states visited (as a set): got {}, want {}",
                                  show(std::vector<std::string>(seen.begin(), seen.end())), it->dump()));
  }
  if (auto it = e.find("statesVisitedInclude"); it != e.end())
    for (const auto& s : *it)
      if (!seen.count(s.get<std::string>()))
        fails.push_back(fmt::format("state {} was not visited (visited: {})", s.dump(), show(path)));
  if (auto it = e.find("statesNotVisited"); it != e.end())
    for (const auto& s : *it)
      if (seen.count(s.get<std::string>())) fails.push_back(fmt::format("state {} was visited", s.dump()));
  if (auto it = e.find("states"); it != e.end())
    for (auto s = it->begin(); s != it->end(); ++s) {
      const auto visits = rec.visits_of(s.key());
      const Json& want = s.value();
      if (auto v = want.find("visits"); v != want.end() && *v != visits.size())
        fails.push_back(fmt::format("state {}: visited {} times, want {}", s.key(), visits.size(), v->dump()));
      if (visits.empty()) {
        if (want.size() != 1 || !want.contains("visits") || want["visits"] != 0)
          fails.push_back(fmt::format("state {}: not visited", s.key()));
        continue;
      }
      const asl::testing::StateVisit& last = visits.back();
      if (auto v = want.find("input"); v != want.end() && *v != last.input)
        fails.push_back(fmt::format("state {} input: got {}, want {}", s.key(), last.input.dump(), v->dump()));
      if (auto v = want.find("output"); v != want.end() && (!last.output || *v != *last.output))
        fails.push_back(fmt::format("state {} output: got {}, want {}", s.key(),
                                    last.output ? last.output->dump() : "none (it did not exit)", v->dump()));
      if (auto v = want.find("outputPaths"); v != want.end()) {
        if (!last.output) fails.push_back(fmt::format("state {}: did not exit, no output", s.key()));
        else check_paths(*last.output, *v, "state " + s.key() + " output", fails);
      }
      if (auto v = want.find("error"); v != want.end() && (!last.error || *v != *last.error))
        fails.push_back(fmt::format("state {} error: got {}, want {}", s.key(),
                                    last.error ? Json(*last.error).dump() : "none", v->dump()));
      if (auto v = want.find("retries"); v != want.end()) {
        std::uint32_t retries = 0;
        for (const auto& x : visits) retries += x.retries();
        if (*v != retries) fails.push_back(fmt::format("state {}: {} retries, want {}", s.key(), retries, v->dump()));
      }
    }
  return fails;
}

}  // namespace asl::detail::spec

namespace asl::testing {

/// Runs every case of `specs`, in order.
inline TestRunResult run_test_specs(const std::vector<TestSpec>& specs, const TestRunOptions& options = {}) {
  TestRunResult out;
  std::map<std::string, std::size_t> coverage_of;  // definition path -> index in out.coverage
  std::map<std::string, MockConfig> mock_files;
  for (const auto& spec : specs)
    for (const auto& tc : spec.cases) {
      TestCaseResult cr;
      cr.spec_file = spec.file;
      cr.name = tc.name;
      cr.definition = tc.definition;
      const auto started = std::chrono::steady_clock::now();
      try {
        CommandResolver commands(options.commands);
        for (auto it = tc.tasks.begin(); it != tc.tasks.end(); ++it) {
          if (it->is_string()) commands.add(it.key(), Command::shell(it->get<std::string>()));
          else if (it->is_array()) commands.add(it.key(), Command::argv(it->get<std::vector<std::string>>()));
          else throw TestSpecError("task '" + it.key() + "': a command is a string or an argv array");
        }
        std::optional<MockResolver> mocks;
        if (tc.mock_config) {
          auto f = mock_files.find(*tc.mock_config);
          if (f == mock_files.end()) f = mock_files.emplace(*tc.mock_config, MockConfig::load_file(*tc.mock_config)).first;
          if (tc.test_case) {
            MockSelection sel;
            sel.test_case = *tc.test_case;
            sel.state_machine = tc.state_machine.value_or("");
            if (!tc.definition_json) sel.definition_file = tc.definition;  // inline: no base name to go by
            mocks.emplace(f->second.select(sel), &commands);
          }
        }
        const TaskResolver& resolver = mocks ? static_cast<const TaskResolver&>(*mocks) : commands;
        LoadOptions lo;
        lo.name = tc.definition_json ? tc.state_machine.value_or("inline") : MockConfig::base_name(tc.definition);
        const StateMachine sm = tc.definition_json ? StateMachine::from_json(*tc.definition_json, resolver, lo)
                                                   : StateMachine::load_file(tc.definition, resolver, lo);
        EngineOptions eo;
        eo.virtual_time = true;      // Waits and retry intervals take no time
        eo.inline_execution = true;  // a deterministic order of events
        Engine engine(eo);
        auto rec = std::make_shared<ExecutionRecorder>();
        engine.add_observer(rec);
        cr.result = engine.run(sm, tc.input);
        cr.failures = detail::spec::check(tc.expect, cr.result, *rec);
        auto cov = coverage_of.find(tc.definition);
        if (cov == coverage_of.end()) {
          out.coverage.emplace_back(sm, tc.definition);
          cov = coverage_of.emplace(tc.definition, out.coverage.size() - 1).first;
        }
        out.coverage[cov->second].add(*rec);
      } catch (const std::exception& e) {
        cr.failures.push_back(std::string("error: ") + e.what());
      }
      cr.passed = cr.failures.empty();
      cr.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      if (options.on_case) options.on_case(cr);
      out.cases.push_back(std::move(cr));
    }
  return out;
}

}  // namespace asl::testing
