// `asl run --mock-config FILE --test-case CASE [--state-machine NAME]`: a Step Functions Local mock file answers the run's Task states.
// SPDX-License-Identifier: MIT
//
// The glue only: the file, its checks and the selection rules are asl::testing::MockConfig's
// (include/asl/testing/mock_config.hpp). The test case's mocks go in front of the tool's own
// resolver, which still serves the states the case does not mock.
#pragma once

#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <asl/error.hpp>
#include <asl/task_resolver.hpp>
#include <asl/testing/mock_config.hpp>

namespace asl_cli {

constexpr const char* mock_config_footer =
    "--mock-config FILE --test-case CASE answers Task states from a Step Functions Local mock file\n"
    "(MockConfigFile.json, read as it is). --state-machine NAME picks the file's entry; without it\n"
    "the file's only state machine, else the one named after the definition file\n"
    "(training.asl.json -> training). --test-case NAME#CASE (or ARN#CASE) names both. States the\n"
    "case does not mock use --resolver; a state with neither fails the run with States.Runtime.\n"
    "A malformed mock file or an unknown name: one line on stderr with the JSON Pointer, exit 1.";

/// run's three mock options: declared on the command, checked after parsing, bound at load.
/// One instance per process (mock_config_options()).
class MockConfigOptions {
 public:
  void declare(CLI::App& run) {
    run.add_option("--mock-config", file_, "answer Task states from a Step Functions Local mock file")
        ->type_name("FILE");
    run.add_option("--test-case", test_case_, "the mock file's test case (or NAME#CASE)")->type_name("CASE");
    run.add_option("--state-machine", state_machine_, "the mock file's state machine (see below)")
        ->type_name("NAME");
    // Before the exit codes, which end the footer.
    std::string footer = run.get_footer();
    const std::size_t exits = footer.rfind("Exit codes:");
    footer.insert(exits == std::string::npos ? footer.size() : exits, std::string(mock_config_footer) + "\n");
    run.footer(footer);
    run_ = &run;
  }

  /// After parsing: what is wrong with the combination, worded for "asl run: ...".
  std::optional<std::string> check() const {
    const bool file = given("--mock-config"), test_case = given("--test-case"), machine = given("--state-machine");
    if (file && file_.empty()) return std::string("--mock-config needs a file");
    if (!file && (test_case || machine))
      return fmt::format("{} needs --mock-config FILE", test_case ? "--test-case" : "--state-machine");
    if (file && test_case_.empty())
      return std::string("--mock-config needs --test-case CASE (or NAME#CASE): the test case to run");
    const std::size_t hash = test_case_.find('#');
    if (file && hash != std::string::npos && hash + 1 == test_case_.size())
      return "--test-case '" + test_case_ + "' names no test case after '#'";
    if (file && hash != std::string::npos && machine) {
      std::string named = test_case_.substr(0, hash);
      const std::size_t marker = named.find(":stateMachine:");
      if (named.rfind("arn:", 0) == 0 && marker != std::string::npos) {
        named.erase(0, marker + 14);
        named = named.substr(0, named.find(':'));
      }
      if (named != state_machine_)
        return fmt::format("--test-case '{}' and --state-machine '{}' name two state machines: give one",
                           test_case_, state_machine_);
    }
    return std::nullopt;
  }

  /// The resolver to load `definition_file` with: `fallback` alone without --mock-config, else
  /// the test case's mocks in front of it. Null (after one line on stderr) when the mock file
  /// cannot be read or does not hold the test case.
  const asl::TaskResolver* bind(const asl::TaskResolver& fallback, const std::string& definition_file) {
    if (file_.empty()) return &fallback;
    try {
      const auto config = asl::testing::MockConfig::load_file(file_);
      resolver_ = std::make_unique<asl::testing::MockResolver>(
          config.select(asl::testing::MockSelection{test_case_, state_machine_, definition_file}), &fallback);
      return resolver_.get();
    } catch (const asl::Exception& e) {  // MockConfigError (what() names the file), UsageError
      fmt::print(stderr, "asl: {}\n", e.what());
      return nullptr;
    }
  }

 private:
  bool given(const char* option) const { return run_ != nullptr && run_->get_option(option)->count() > 0; }

  std::string file_, test_case_, state_machine_;
  const CLI::App* run_ = nullptr;
  std::unique_ptr<asl::testing::MockResolver> resolver_;
};

inline MockConfigOptions& mock_config_options() {
  static MockConfigOptions options;
  return options;
}

}  // namespace asl_cli
