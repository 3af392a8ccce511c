// StateMachine: a loaded, validated and compiled definition; a cheap, immutable, shareable handle.
// SPDX-License-Identifier: MIT
#pragma once

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "asl/detail/compiler.hpp"
#include "asl/detail/definition_limits.hpp"
#include "asl/detail/definition_parser.hpp"
#include "asl/detail/program.hpp"
#include "asl/detail/validator.hpp"
#include "asl/error.hpp"
#include "asl/json.hpp"
#include "asl/load_options.hpp"
#include "asl/task.hpp"

namespace asl {

namespace detail {
/// A resolver that resolves nothing: machines without Task states need no handlers.
class NoTasks final : public TaskResolver {
 public:
  TaskHandler resolve(const ResolveRequest&) const override { return {}; }
};
}  // namespace detail

/// Checks a definition text and returns every problem found (empty = valid).
/// Task resources are not resolved here.
inline std::vector<Diagnostic> validate(std::string_view text, const LoadOptions& options = {}) {
  std::vector<Diagnostic> diags;
  if (!detail::check_definition_size(text, options.max_definition_size, diags)) return diags;
  auto doc = detail::parse_definition_text(text, diags, detail::ParseLimits{options.max_depth});
  if (!doc) return diags;
  if (!detail::check_state_count(*doc, options.max_states, diags)) return diags;
  detail::ValidateOptions vo;
  vo.express = options.express;
  return detail::validate_definition(*doc, vo);
}

/// A compiled state machine. Copying is cheap (a shared pointer to an immutable program), so a
/// reloaded definition never affects executions still running on the old one.
/// @code
/// asl::HandlerRegistry tasks;
/// auto sm = asl::StateMachine::parse(R"({"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}})", tasks);
/// @endcode
class StateMachine {
 public:
  /// Parse, validate and compile. Throws asl::DefinitionError listing every problem.
  static StateMachine parse(std::string_view text, const TaskResolver& resolver, const LoadOptions& options = {}) {
    std::vector<Diagnostic> diags;
    if (!detail::check_definition_size(text, options.max_definition_size, diags))
      throw DefinitionError(std::move(diags));
    auto doc = detail::parse_definition_text(text, diags, detail::ParseLimits{options.max_depth});
    if (!doc) throw DefinitionError(std::move(diags));
    return from_json(std::move(*doc), resolver, options);
  }
  static StateMachine parse(std::string_view text, const LoadOptions& options = {}) {
    return parse(text, detail::NoTasks{}, options);
  }

  /// Validate and compile an already-parsed definition.
  static StateMachine from_json(Json definition, const TaskResolver& resolver, const LoadOptions& options = {}) {
    std::vector<Diagnostic> diags;
    if (!detail::check_state_count(definition, options.max_states, diags)) throw DefinitionError(std::move(diags));
    detail::ValidateOptions vo;
    vo.express = options.express;
    diags = detail::validate_definition(definition, vo);
    if (!diags.empty()) throw DefinitionError(std::move(diags));
    detail::Compiler compiler(resolver, diags);
    auto program = compiler.compile(std::move(definition), options.name);
    if (!diags.empty()) throw DefinitionError(std::move(diags));
    return StateMachine(std::move(program));
  }
  static StateMachine from_json(Json definition, const LoadOptions& options = {}) {
    return from_json(std::move(definition), detail::NoTasks{}, options);
  }

  /// Read a definition file. Throws asl::Exception when unreadable, DefinitionError when invalid.
  static StateMachine load_file(const std::string& path, const TaskResolver& resolver, LoadOptions options = {}) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Exception("cannot read definition file '" + path + "'");
    std::ostringstream ss;
    ss << in.rdbuf();
    return parse(ss.str(), resolver, options);
  }

  /// The definition as loaded.
  const Json& definition() const { return program_->definition; }
  const std::string& name() const { return program_->name; }

  /// Internal: the compiled program.
  const std::shared_ptr<const detail::Program>& program() const noexcept { return program_; }

 private:
  explicit StateMachine(std::shared_ptr<const detail::Program> p) : program_(std::move(p)) {}
  std::shared_ptr<const detail::Program> program_;
};

}  // namespace asl
