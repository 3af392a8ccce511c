// The light header for code that only checks definitions: a declaration, no JSON library, parser or engine.
// SPDX-License-Identifier: MIT
#pragma once

#include <string_view>
#include <vector>

#include "asl/error.hpp"
#include "asl/load_options.hpp"

namespace asl {

/// asl::validate (state_machine.hpp) compiled once instead of in every translation unit:
/// every problem of a definition text, empty when it is valid. Exactly one .cpp file of the
/// program includes <asl/validate_impl.hpp>, which defines this function; every other file pays
/// only for this header, a small fraction of <nlohmann/json.hpp> (benchmarks/README.md, "Include
/// cost"). A linker error naming asl::validate_definition means no file includes the _impl header.
/// @code
/// // linter.cpp                              // asl_impl.cpp (one per program)
/// #include <asl/validate.hpp>                #include <asl/validate_impl.hpp>
/// auto problems = asl::validate_definition(text);
/// @endcode
std::vector<Diagnostic> validate_definition(std::string_view text, const LoadOptions& options = {});

}  // namespace asl
