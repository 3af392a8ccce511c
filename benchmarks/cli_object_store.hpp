// `asl run --bucket-root DIR`: the folder a Distributed Map's ItemReader and ResultWriter use as
// S3 (bucket b, key k is DIR/b/k), given to the engine as an asl::LocalDirectoryStore.
// SPDX-License-Identifier: MIT
#pragma once

#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include <CLI/CLI.hpp>

#include <asl/engine.hpp>
#include <asl/local_directory_store.hpp>

namespace asl_cli {

/// Adds --bucket-root to `cmd`, stored in `dir`.
inline void add_bucket_root_option(CLI::App& cmd, std::string& dir) {
  cmd.add_option("--bucket-root", dir,
                 "folder standing for S3 in ItemReader/ResultWriter: bucket b, key k = DIR/b/k")
      ->type_name("DIR");
}

/// Throws std::invalid_argument (a usage error) when `dir` is given but is not a folder.
inline void check_bucket_root(const std::string& dir) {
  std::error_code ec;
  if (!dir.empty() && !std::filesystem::is_directory(dir, ec))
    throw std::invalid_argument("--bucket-root " + dir + ": not a directory");
}

/// Gives the engine its store (`dir` empty: none, as without the option).
inline void apply_bucket_root(const std::string& dir, asl::EngineOptions& opts) {
  if (!dir.empty()) opts.object_store = std::make_shared<asl::LocalDirectoryStore>(dir);
}

}  // namespace asl_cli
