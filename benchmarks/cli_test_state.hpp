// `asl test-state`: AWS's TestState API on the command line: one state of a definition file run in isolation, its response printed as one JSON line.
// SPDX-License-Identifier: MIT
//
// The glue only: the request and the run are asl::testing::test_state's
// (include/asl/testing/test_state.hpp). The options are TestState's request fields: files for
// the definition and the input, JSON text for mock, variables, context and stateConfiguration.
#pragma once

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <asl/json.hpp>
#include <asl/parse_json.hpp>
#include "cli_subcommand.hpp"
#include <asl/testing/test_state.hpp>

namespace asl_cli {

constexpr const char* test_state_footer =
    "Prints AWS's TestState response as one JSON line: status (SUCCEEDED, FAILED, RETRIABLE,\n"
    "CAUGHT_ERROR), output / error / cause, nextState and, at DEBUG or TRACE, inspectionData with\n"
    "the data after each stage (input, afterInputPath, afterParameters or afterArguments, result,\n"
    "afterResultSelector, afterResultPath, variables, errorDetails; a Map's afterItemsPointer,\n"
    "afterItemsPath, afterItemSelector, afterItemBatcher, maxConcurrency, ...). TRACE adds, for an\n"
    "HTTP Task, the request its arguments describe and the response its result holds.\n"
    "--mock is TestState's mock object, e.g. '{\"result\":\"{\\\"ok\\\":true}\"}' or\n"
    "'{\"errorOutput\":{\"error\":\"E\",\"cause\":\"C\"}}'; its fieldValidationMode STRICT (default)\n"
    "or PRESENT checks a service's mocked response where asl knows its shape, NONE checks nothing.\n"
    "--state-configuration: retrierRetryCount, errorCausedByState, mapIterationFailureCount,\n"
    "mapItemReaderData. Nothing waits, nothing is called.\n"
    "Exit codes: 0 a response (whatever its status), 1 a request AWS refuses (one JSON line\n"
    "{\"__type\": \"ValidationException\" | \"InvalidDefinition\", \"message\": ...}) or an unreadable file,\n"
    "64 a usage error.";

/// Reads `path` ("-" = stdin); throws std::runtime_error worded for the tool.
inline std::string test_state_read_file(const std::string& path) {
  std::ostringstream ss;
  if (path == "-") {
    ss << std::cin.rdbuf();
    return ss.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read '" + path + "'");
  ss << in.rdbuf();
  return ss.str();
}

/// `asl test-state ...` (argv[1] == "test-state"): the whole subcommand, parse to exit code.
inline int test_state_main(int argc, char** argv) {
  CLI::App app("run one state in isolation, as AWS's TestState API, and print its response as one JSON line",
               "asl test-state");
  std::string definition, input, state, mock, level = "INFO", variables, context, configuration, role;
  bool reveal = false;
  app.add_option("--definition", definition, "the definition: one state, or a machine with --state")
      ->type_name("FILE")
      ->required();
  app.add_option("--input", input, "the state's input (default {}; - reads stdin)")->type_name("FILE");
  app.add_option("--state", state, "with a whole machine: the state to test (default StartAt)")->type_name("NAME");
  app.add_option("--mock", mock, "TestState's mock object: result or errorOutput, fieldValidationMode")
      ->type_name("JSON");
  app.add_option("--inspection-level", level, "INFO, DEBUG or TRACE (default INFO)")->type_name("LEVEL");
  app.add_option("--variables", variables, "the workflow variables the state sees (a JSON object)")
      ->type_name("JSON");
  app.add_option("--context", context, "the context object ($$, $states.context)")->type_name("JSON");
  app.add_option("--state-configuration", configuration, "TestState's stateConfiguration object")
      ->type_name("JSON");
  app.add_option("--role-arn", role, "TestState's roleArn (shown in the context object)")->type_name("ARN");
  app.add_flag("--reveal-secrets", reveal, "TestState's revealSecrets (refused with a mock, as AWS does)");
  app.footer(test_state_footer);
  if (const auto done = parse_subcommand(app, argc, argv, "asl test-state")) return *done;
  auto json_option = [](const std::string& name, const std::string& text) {
    try {
      return asl::parse_json(text);
    } catch (const std::exception& e) {
      throw CLI::ValidationError(name, "not JSON: " + std::string(e.what()));
    }
  };
  asl::Json request = asl::Json::object();
  try {
    request["definition"] = test_state_read_file(definition);
    request["input"] = input.empty() ? std::string("{}") : test_state_read_file(input);
    request["inspectionLevel"] = level;
    if (!state.empty()) request["stateName"] = state;
    if (!mock.empty()) request["mock"] = json_option("--mock", mock);
    if (!variables.empty()) request["variables"] = variables;
    if (!context.empty()) request["context"] = context;
    if (!configuration.empty()) request["stateConfiguration"] = json_option("--state-configuration", configuration);
    if (!role.empty()) request["roleArn"] = role;
    if (reveal) request["revealSecrets"] = true;
  } catch (const CLI::ValidationError& e) {
    fmt::print(stderr, "asl test-state: {}\n", e.what());
    return 64;
  } catch (const std::exception& e) {
    fmt::print(stderr, "asl test-state: {}\n", e.what());
    return 1;
  }
  try {
    fmt::print("{}\n", asl::testing::test_state(request).to_json().dump());
    return 0;
  } catch (const asl::testing::TestStateError& e) {
    fmt::print("{}\n", e.to_json().dump());
    return 1;
  } catch (const std::exception& e) {
    fmt::print(stderr, "asl test-state: {}\n", e.what());
    return 1;
  }
}

}  // namespace asl_cli
