// Definitions of asl/state_machine.hpp: loading = parse, validate, compile (compiled once with ASL_SEPARATE_COMPILATION).
// SPDX-License-Identifier: MIT
#pragma once

#include <fstream>
#include <sstream>

#include "asl/detail/load/compiler.hpp"
#include "asl/detail/load/definition_limits.hpp"
#include "asl/detail/load/definition_parser.hpp"
#include "asl/detail/load/program.hpp"
#include "asl/detail/load/validator.hpp"
#include "asl/state_machine.hpp"

namespace asl {

namespace detail {
/// A resolver that resolves nothing: machines without Task states need no handlers.
class NoTasks final : public TaskResolver {
 public:
  TaskHandler resolve(const ResolveRequest&) const override { return {}; }
};
}  // namespace detail

ASL_DECL std::vector<Diagnostic> validate(std::string_view text, const LoadOptions& options) {
  std::vector<Diagnostic> diags;
  if (!detail::check_definition_size(text, options.max_definition_size, diags)) return diags;
  auto doc = detail::parse_definition_text(text, diags, detail::ParseLimits{options.max_depth});
  if (!doc) return diags;
  if (!detail::check_state_count(*doc, options.max_states, diags)) return diags;
  detail::ValidateOptions vo;
  vo.express = options.express;
  return detail::validate_definition(*doc, vo);
}

ASL_DECL StateMachine StateMachine::parse(std::string_view text, const TaskResolver& resolver,
                                          const LoadOptions& options) {
  std::vector<Diagnostic> diags;
  if (!detail::check_definition_size(text, options.max_definition_size, diags))
    throw DefinitionError(std::move(diags));
  auto doc = detail::parse_definition_text(text, diags, detail::ParseLimits{options.max_depth});
  if (!doc) throw DefinitionError(std::move(diags));
  return from_json(std::move(*doc), resolver, options);
}

ASL_DECL StateMachine StateMachine::parse(std::string_view text, const LoadOptions& options) {
  return parse(text, detail::NoTasks{}, options);
}

ASL_DECL StateMachine StateMachine::from_json(Json definition, const TaskResolver& resolver,
                                              const LoadOptions& options) {
  std::vector<Diagnostic> diags;
  // A host-built document was not read by the depth-limited parser: measure it before the
  // validator (which recurses on the definition's nesting) sees it.
  if (!detail::check_definition_depth(definition, options.max_depth, diags)) throw DefinitionError(std::move(diags));
  if (!detail::check_state_count(definition, options.max_states, diags)) throw DefinitionError(std::move(diags));
  detail::ValidateOptions vo;
  vo.express = options.express;
  // What validation compiles to check the definition is handed to the compiler, not compiled
  // twice. The keys are node addresses: `definition` is only moved from here on, never copied.
  detail::CompiledParts parts;
  diags = detail::validate_definition(definition, vo, &parts);
  if (!diags.empty()) throw DefinitionError(std::move(diags));
  detail::Compiler compiler(resolver, diags);
  auto program = compiler.compile(std::move(definition), options.name, &parts);
  if (!diags.empty()) throw DefinitionError(std::move(diags));
  program->express = options.express;
  return StateMachine(std::move(program));
}

ASL_DECL StateMachine StateMachine::from_json(Json definition, const LoadOptions& options) {
  return from_json(std::move(definition), detail::NoTasks{}, options);
}

ASL_DECL StateMachine StateMachine::load_file(const std::string& path, const TaskResolver& resolver,
                                              LoadOptions options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Exception("cannot read definition file '" + path + "'");
  std::ostringstream ss;
  ss << in.rdbuf();
  return parse(ss.str(), resolver, options);
}

ASL_DECL const Json& StateMachine::definition() const { return program_->definition; }
ASL_DECL const std::string& StateMachine::name() const { return program_->name; }

}  // namespace asl
