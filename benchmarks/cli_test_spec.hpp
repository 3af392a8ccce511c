// `asl test SPEC.json...`: runs pipeline test specs (asl::testing::TestSpec), one line per case, coverage per definition, a summary, JUnit XML for CI.
// SPDX-License-Identifier: MIT
//
// The glue only: the spec format, the runs, the checks and the coverage are
// include/asl/testing/test_spec.hpp's and coverage.hpp's.
#pragma once

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "cli_subcommand.hpp"
#include <asl/testing/test_spec.hpp>

namespace asl_cli {

constexpr const char* test_spec_footer =
    "Each spec names a definition (a file, or the definition object itself), inputs, a mock file's\n"
    "test cases or task commands, and what must hold (status, error, output whole or by JSONPath,\n"
    "states visited in order or as a set, a state's input/output/error/retries); see\n"
    "include/asl/testing/test_spec.hpp. Cases run on virtual time: Waits and retry intervals take\n"
    "no time.\n"
    "Prints `PASS|FAIL <spec> :: <case>` per case (the unmet expectations under a FAIL), the state\n"
    "and transition coverage of each definition (each Choice rule is an edge of its own: Choice#0,\n"
    "Choice#1, ..., Default; Catchers are Catch#0, ...), then `N passed, M failed`.\n"
    "Exit codes: 0 all passed, 1 a case failed or a spec is unusable, 64 a usage error.";

/// `asl test ...` (argv[1] == "test"): the whole subcommand, parse to exit code.
inline int test_spec_main(int argc, char** argv) {
  CLI::App app("run pipeline test specs: one line per case, coverage, a summary", "asl test");
  std::vector<std::string> files;
  std::string junit, coverage_json;
  bool no_coverage = false;
  app.add_option("SPEC", files, "test spec files")->required()->type_name("SPEC.json");
  app.add_option("--junit", junit, "also write the results as JUnit XML")->type_name("FILE");
  app.add_option("--coverage-json", coverage_json, "also write the coverage as JSON (- = stdout)")->type_name("FILE");
  app.add_flag("--no-coverage", no_coverage, "do not print the coverage text");
  app.footer(test_spec_footer);
  if (const auto done = parse_subcommand(app, argc, argv, "asl test")) return *done;
  std::vector<asl::testing::TestSpec> specs;
  try {
    for (const auto& f : files) specs.push_back(asl::testing::TestSpec::load_file(f));
  } catch (const std::exception& e) {
    fmt::print(stderr, "asl test: {}\n", e.what());
    return 1;
  }
  asl::testing::TestRunOptions options;
  options.commands.reap_orphans = true;  // the tool owns its children, as `asl run --task` does
  options.on_case = [](const asl::testing::TestCaseResult& c) {
    fmt::print("{} {} :: {} ({:.3f} s)\n", c.passed ? "PASS" : "FAIL", c.spec_file, c.name, c.seconds);
    for (const auto& why : c.failures) fmt::print("    {}\n", why);
    std::fflush(stdout);
  };
  const asl::testing::TestRunResult r = asl::testing::run_test_specs(specs, options);
  if (!no_coverage)
    for (const auto& c : r.coverage) fmt::print("{}", c.to_text());
  if (!coverage_json.empty()) {
    const std::string text = r.coverage_json().dump();
    if (coverage_json == "-") {
      fmt::print("{}\n", text);
    } else if (std::ofstream out(coverage_json); out) {
      out << text << "\n";
    } else {
      fmt::print(stderr, "asl test: cannot write '{}'\n", coverage_json);
      return 1;
    }
  }
  if (!junit.empty()) {
    std::ofstream out(junit);
    if (!out) {
      fmt::print(stderr, "asl test: cannot write '{}'\n", junit);
      return 1;
    }
    out << r.junit_xml();
  }
  fmt::print("{}\n", r.summary());
  return r.failed() == 0 ? 0 : 1;
}

}  // namespace asl_cli
