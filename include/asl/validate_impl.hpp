// The one definition of asl::validate_definition (validate.hpp): include it in exactly one .cpp file.
// SPDX-License-Identifier: MIT
#pragma once

#include "asl/state_machine.hpp"
#include "asl/validate.hpp"

namespace asl {

// Deliberately not inline: this is the out-of-line copy the light header declares. A second
// translation unit including this header breaks the link with a duplicate-symbol error.
std::vector<Diagnostic> validate_definition(std::string_view text, const LoadOptions& options) {
  return validate(text, options);
}

}  // namespace asl
