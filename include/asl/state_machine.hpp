// StateMachine: a loaded, validated and compiled definition; a cheap, immutable, shareable handle.
// SPDX-License-Identifier: MIT
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "asl/detail/base/config.hpp"
#include "asl/error.hpp"
#include "asl/json.hpp"
#include "asl/load_options.hpp"
#include "asl/task.hpp"

namespace asl {

namespace detail {
struct Program;
}  // namespace detail

/// Checks a definition text and returns every problem found (empty = valid).
/// Task resources are not resolved here.
std::vector<Diagnostic> validate(std::string_view text, const LoadOptions& options = {});

/// A compiled state machine. Copying is cheap (a shared pointer to an immutable program), so a
/// reloaded definition never affects executions still running on the old one.
/// @code
/// asl::HandlerRegistry tasks;
/// auto sm = asl::StateMachine::parse(R"({"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}})", tasks);
/// @endcode
class StateMachine {
 public:
  /// Parse, validate and compile. Throws asl::DefinitionError listing every problem.
  static StateMachine parse(std::string_view text, const TaskResolver& resolver, const LoadOptions& options = {});
  static StateMachine parse(std::string_view text, const LoadOptions& options = {});

  /// Validate and compile an already-parsed definition.
  static StateMachine from_json(Json definition, const TaskResolver& resolver, const LoadOptions& options = {});
  static StateMachine from_json(Json definition, const LoadOptions& options = {});

  /// Read a definition file. Throws asl::Exception when unreadable, DefinitionError when invalid.
  static StateMachine load_file(const std::string& path, const TaskResolver& resolver, LoadOptions options = {});

  /// The definition as loaded.
  const Json& definition() const;
  const std::string& name() const;

  /// Internal: the compiled program.
  const std::shared_ptr<const detail::Program>& program() const noexcept { return program_; }

 private:
  explicit StateMachine(std::shared_ptr<const detail::Program> p) : program_(std::move(p)) {}
  std::shared_ptr<const detail::Program> program_;
};

}  // namespace asl

#if !defined(ASL_SEPARATE_COMPILATION)
#include "asl/impl/state_machine.hpp"
#endif
