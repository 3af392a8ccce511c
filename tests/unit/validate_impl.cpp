// The program's one definition of asl::validate_definition (see <asl/validate.hpp>).
// SPDX-License-Identifier: MIT
#include <asl/validate_impl.hpp>
