// The command-line parse of a subcommand that main() hands its own arguments (asl test, asl test-state).
// SPDX-License-Identifier: MIT
#pragma once

#include <optional>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

namespace asl_cli {

/// Parses argv[2..] into `app` (argv[1] is the subcommand's name). Returns the exit code when
/// parsing ends the run: 0 after printing the help, 64 (the tool's usage error) after printing
/// `name: why` on stderr; nullopt when the subcommand goes on.
inline std::optional<int> parse_subcommand(CLI::App& app, int argc, char** argv, const char* name) {
  try {
    app.parse(argc - 1, argv + 1);
  } catch (const CLI::CallForHelp&) {
    fmt::print("{}", app.help());
    return 0;
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "{}: {}\n", name, e.what());
    return 64;
  }
  return std::nullopt;
}

}  // namespace asl_cli
