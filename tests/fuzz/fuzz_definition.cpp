// Fuzz target: the definition loader and validator (asl::validate, asl::StateMachine::parse) on
// arbitrary text. Definition errors are expected; crashes, hangs and other exceptions are not.
// SPDX-License-Identifier: MIT
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <asl/state_machine.hpp>

#include "bench_resolver.hpp"
#include "fuzz_common.hpp"

namespace {

bool only_resolution_problems(const std::vector<asl::Diagnostic>& diags) {
  for (const auto& d : diags)
    if (d.id != "asl.definition.601") return false;
  return !diags.empty();
}

void check_diagnostics(const std::vector<asl::Diagnostic>& diags) {
  for (const auto& d : diags) {
    ASL_FUZZ_CHECK(d.id.rfind("asl.definition.", 0) == 0, d.to_string());
    ASL_FUZZ_CHECK(!d.message.empty(), d.to_string());
    ASL_FUZZ_CHECK(d.pointer.empty() || d.pointer[0] == '/', d.to_string());
    (void)asl::Json(d.to_string()).dump();  // the message is valid UTF-8 (dump throws otherwise)
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text = asl_fuzz::as_text(data, size);
  asl::LoadOptions options;
  options.express = size % 2 == 1;  // both rule sets, decided by the input itself

  const std::vector<asl::Diagnostic> diags = asl::validate(text, options);
  check_diagnostics(diags);

  static const asl_bench::BenchResolver resolver;
  try {
    const asl::StateMachine sm = asl::StateMachine::parse(text, resolver, options);
    ASL_FUZZ_CHECK(diags.empty(), "parse accepted what validate refused: " + diags.front().to_string());
    (void)sm.definition().dump();
    ASL_FUZZ_CHECK(sm.program() != nullptr, "no program");
  } catch (const asl::DefinitionError& e) {
    check_diagnostics(e.diagnostics());
    ASL_FUZZ_CHECK(!e.diagnostics().empty(), "DefinitionError without diagnostics");
    // validate() checks everything but Task resolution; parse() must agree with it.
    if (diags.empty())
      ASL_FUZZ_CHECK(only_resolution_problems(e.diagnostics()),
                     "validate accepted what parse refused: " + std::string(e.what()));
  }

  return 0;
}
