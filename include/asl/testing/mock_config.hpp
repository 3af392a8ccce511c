// testing::MockConfig and testing::MockResolver: Step Functions Local's mock files (MockConfigFile.json), read as they are, answering Task states per test case.
// SPDX-License-Identifier: MIT
//
// Teams that test Step Functions locally already have these files; asl runs them unchanged. A
// test case names Task states and the mocked response each one gets; the n-th invocation of a
// state in an execution (retries and Map iterations included) gets the response's key n.
// MockResolver binds the mocks at load, in front of the host's own resolver, which still
// serves every state the test case does not mock (Step Functions Local's "hybrid" runs).
// Nothing in the engine knows about mocks: a mocked state is a Task with a handler that answers
// from the file.
#pragma once

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "asl/error.hpp"
#include "asl/json.hpp"
#include "asl/parse_json.hpp"
#include "asl/result.hpp"
#include "asl/task.hpp"
#include "asl/task_resolver.hpp"
#include "asl/detail/testing/invocation_counters.hpp"
#include "asl/detail/testing/mock_file.hpp"
#include "asl/testing/mock_config_error.hpp"

namespace asl::testing {

/// How a run names its test case, as Step Functions Local users do.
struct MockSelection {
  /// `CASE`, or `NAME#CASE` (Step Functions Local's `arn#TestCase`; NAME may be a state machine
  /// ARN, `arn:aws:states:...:stateMachine:NAME`).
  std::string test_case;
  /// NAME, the state machine's entry in the file. Without it (and without `NAME#`): the file's
  /// only state machine, else the definition file's base name (`training.asl.json` -> `training`).
  std::string state_machine;
  /// The definition's path, for the base-name rule.
  std::string definition_file;
};

/// The mocks of one test case of one state machine. Cheap to copy (shares the file).
class MockTestCase {
 public:
  const std::string& state_machine() const noexcept { return state_machine_; }
  const std::string& name() const noexcept { return name_; }
  /// The Task states it mocks, by name.
  std::vector<std::string> mocked_states() const {
    std::vector<std::string> out;
    for (const auto& entry : *case_) out.push_back(entry.first);
    return out;
  }
  /// The mocked response `state` gets, or null when the test case does not mock it.
  const detail::testing::MockedResponse* response(std::string_view state) const {
    const auto it = case_->find(state);
    return it == case_->end() ? nullptr : &file_->responses.at(it->second);
  }

 private:
  friend class MockConfig;
  friend class MockResolver;
  MockTestCase(std::shared_ptr<const detail::testing::MockFile> file, const detail::testing::MockCase* test_case,
               std::string state_machine, std::string name)
      : file_(std::move(file)), case_(test_case), state_machine_(std::move(state_machine)), name_(std::move(name)) {}

  std::shared_ptr<const detail::testing::MockFile> file_;
  const detail::testing::MockCase* case_;  ///< inside *file_
  std::string state_machine_;
  std::string name_;
};

/// A mock file, checked when read (every test case, with the JSON Pointer of the first fault).
/// @code
/// auto mocks = asl::testing::MockConfig::load_file("MockConfigFile.json");
/// asl::testing::MockResolver resolver(mocks.test_case("training", "HappyPath"), &host_tasks);
/// auto sm = asl::StateMachine::load_file("training.asl.json", resolver);
/// @endcode
/// @note Immutable once read: share it between threads freely.
class MockConfig {
 public:
  /// @throws MockConfigError when `text` is not JSON or not the format.
  static MockConfig parse(std::string_view text, const std::string& file = std::string()) {
    Json doc;
    try {
      doc = parse_json(text);
    } catch (const std::exception& e) {
      throw MockConfigError("", fmt::format("not valid JSON: {}", e.what()), file);
    }
    return from_json(doc, file);
  }
  /// `file` only names the source in messages.
  static MockConfig from_json(const Json& document, const std::string& file = std::string()) {
    try {
      return MockConfig(std::make_shared<const detail::testing::MockFile>(detail::testing::read_mock_file(document)),
                        file);
    } catch (const MockConfigError& e) {
      if (file.empty()) throw;
      throw MockConfigError(e.pointer(), e.message(), file);
    }
  }
  /// @throws MockConfigError when the file cannot be read, is not JSON or not the format.
  static MockConfig load_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw MockConfigError("", "cannot read the file", path);
    std::ostringstream ss;
    ss << in.rdbuf();
    return parse(ss.str(), path);
  }

  /// The entries of StateMachines, sorted.
  std::vector<std::string> state_machines() const {
    std::vector<std::string> out;
    for (const auto& entry : file_->state_machines) out.push_back(entry.first);
    return out;
  }
  /// The test cases of `state_machine`, sorted. @throws MockConfigError for an unknown name.
  std::vector<std::string> test_cases(std::string_view state_machine) const {
    std::vector<std::string> out;
    for (const auto& entry : machine(state_machine).test_cases) out.push_back(entry.first);
    return out;
  }

  /// Test case `test_case` of state machine `state_machine`.
  /// @throws MockConfigError naming the names the file has when either is unknown.
  MockTestCase test_case(std::string_view state_machine, std::string_view test_case) const {
    const detail::testing::MockMachine& m = machine(state_machine);
    const auto it = m.test_cases.find(test_case);
    if (it == m.test_cases.end())
      throw MockConfigError(
          detail::testing::child_pointer(detail::testing::child_pointer("/StateMachines", state_machine), "TestCases"),
          fmt::format("no test case '{}' for state machine '{}'{} (it has: {})", test_case, state_machine,
                      detail::testing::mock_suggestion(test_case, m.test_cases), names_of(m.test_cases)),
          file_name_);
    return MockTestCase(file_, &it->second, std::string(state_machine), it->first);
  }

  /// The test case a run names (see MockSelection for the rules).
  /// @throws UsageError when no test case is given or two names of the state machine disagree;
  /// MockConfigError when the file does not hold what is named.
  MockTestCase select(const MockSelection& s) const {
    std::string machine_name = s.state_machine;
    std::string case_name = s.test_case;
    if (const std::size_t hash = case_name.find('#'); hash != std::string::npos) {
      std::string named = state_machine_of(case_name.substr(0, hash));
      case_name.erase(0, hash + 1);
      if (!machine_name.empty() && !named.empty() && named != machine_name)
        throw UsageError(fmt::format("the test case names state machine '{}' ('{}#{}') and the state machine "
                                     "given is '{}': give one",
                                     named, named, case_name, machine_name));
      if (machine_name.empty()) machine_name = std::move(named);
    }
    if (case_name.empty()) throw UsageError("no test case named: give CASE or NAME#CASE");
    if (machine_name.empty()) machine_name = default_machine(s.definition_file);
    return test_case(machine_name, case_name);
  }

  /// `training.asl.json` -> `training`: the definition file's name without its directory and
  /// its `.asl.json` (or `.json`) extension.
  static std::string base_name(std::string_view path) {
    const std::size_t slash = path.find_last_of("/\\");
    std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
    for (const std::string_view ext : {std::string_view(".asl.json"), std::string_view(".json")}) {
      if (name.size() > ext.size() && name.substr(name.size() - ext.size()) == ext) {
        name.remove_suffix(ext.size());
        break;
      }
    }
    return std::string(name);
  }

 private:
  MockConfig(std::shared_ptr<const detail::testing::MockFile> file, std::string file_name)
      : file_(std::move(file)), file_name_(std::move(file_name)) {}

  template <class Map>
  static std::string names_of(const Map& m) {
    std::string out;
    for (const auto& entry : m) out += (out.empty() ? "'" : ", '") + entry.first + "'";
    return out.empty() ? std::string("none") : out;
  }

  /// NAME, or the NAME in `arn:aws:states:REGION:ACCOUNT:stateMachine:NAME[:QUALIFIER]`.
  static std::string state_machine_of(const std::string& s) {
    constexpr std::string_view marker = ":stateMachine:";
    const std::size_t at = s.find(marker);
    if (s.rfind("arn:", 0) != 0 || at == std::string::npos) return s;
    const std::string rest = s.substr(at + marker.size());
    return rest.substr(0, rest.find(':'));
  }

  std::string default_machine(const std::string& definition_file) const {
    if (file_->state_machines.size() == 1) return file_->state_machines.begin()->first;
    const std::string base = definition_file.empty() ? std::string() : base_name(definition_file);
    if (!base.empty() && file_->state_machines.count(base) != 0) return base;
    std::string why = definition_file.empty()
                          ? std::string("no state machine is named")
                          : fmt::format("none is named '{}' after the definition file", base);
    throw MockConfigError("/StateMachines",
                          fmt::format("{} state machines ({}) and {}: name one (NAME#CASE, or --state-machine NAME)",
                                      file_->state_machines.size(), names_of(file_->state_machines), why),
                          file_name_);
  }

  const detail::testing::MockMachine& machine(std::string_view name) const {
    const auto it = file_->state_machines.find(name);
    if (it == file_->state_machines.end())
      throw MockConfigError("/StateMachines",
                            fmt::format("no state machine '{}'{} (it has: {})", name,
                                        detail::testing::mock_suggestion(name, file_->state_machines),
                                        names_of(file_->state_machines)),
                            file_name_);
    return it->second;
  }

  std::shared_ptr<const detail::testing::MockFile> file_;
  std::string file_name_;
};

/// Resolves the Task states a test case mocks to handlers that answer from the mock file, and
/// every other Task state through `fallback`. A mocked state's n-th invocation within an
/// execution (each retry attempt and each Map iteration takes the next number) returns the
/// key's `Return` value as the task's result or fails with its `Throw` Error and Cause, which
/// Retry and Catch see as the task's error. A mock replaces the integration: a mocked
/// `.waitForTaskToken` state completes with the value without waiting for a callback, a mocked
/// `.sync` or `states:startExecution` state starts nothing. An invocation past the last key,
/// and a state with neither a mock nor a handler from `fallback`, fail the execution with
/// `States.Runtime` and Step Functions Local's message
/// `No Local mocked response definition for state '<state>' and invocation number '<n>'`;
/// a definition with unmocked states then still loads, as on Step Functions Local, and fails
/// only if a run reaches one.
/// @note The handlers count invocations per execution, under a lock: any number of executions
/// may use them at once, on any threads. `fallback` is only used while a definition loads.
class MockResolver final : public TaskResolver {
 public:
  explicit MockResolver(MockTestCase test_case, const TaskResolver* fallback = nullptr)
      : test_case_(std::move(test_case)),
        fallback_(fallback),
        counters_(std::make_shared<detail::testing::InvocationCounters>()) {}

  TaskHandler resolve(const ResolveRequest& request) const override {
    std::string state(request.state_name);
    if (const detail::testing::MockedResponse* response = test_case_.response(state)) {
      constexpr std::string_view callback_suffix = ".waitForTaskToken";
      const bool callback = request.resource.size() >= callback_suffix.size() &&
                            request.resource.substr(request.resource.size() - callback_suffix.size()) == callback_suffix;
      // The handler keeps the file alive: the machine may outlive this resolver and the config.
      return [file = test_case_.file_, response, counters = counters_, state = std::move(state), callback](
                 const Json&, TaskContext& ctx) -> Result<Json> {
        const std::uint64_t n = counters->next(ctx, state);
        const detail::testing::MockOutcome* outcome = response->at(n);
        if (outcome == nullptr) return no_response(state, n);
        if (!outcome->value) return outcome->error;
        // Settled before it returns: the engine finds the callback already answered and waits
        // for no token (Step Functions Local completes a mocked callback task itself).
        if (callback) ctx.defer().succeed(*outcome->value);
        return *outcome->value;
      };
    }
    if (fallback_ != nullptr)
      if (TaskHandler handler = fallback_->resolve(request)) return handler;
    return [counters = counters_, state = std::move(state)](const Json&, TaskContext& ctx) -> Result<Json> {
      return no_response(state, counters->next(ctx, state));
    };
  }

  TaskDelivery delivery(const ResolveRequest& request) const override {
    if (test_case_.response(request.state_name) != nullptr || fallback_ == nullptr)
      return TaskDelivery::at_least_once;
    return fallback_->delivery(request);
  }

  const MockTestCase& test_case() const noexcept { return test_case_; }

 private:
  static Error no_response(const std::string& state, std::uint64_t n) {
    return Error(std::string(errors::runtime),
                 fmt::format("No Local mocked response definition for state '{}' and invocation number '{}'", state, n));
  }

  MockTestCase test_case_;
  const TaskResolver* fallback_;
  std::shared_ptr<detail::testing::InvocationCounters> counters_;
};

}  // namespace asl::testing
