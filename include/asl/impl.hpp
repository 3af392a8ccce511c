// The compiled-once definitions of the public API for ASL_SEPARATE_COMPILATION: include in exactly one .cpp file.
// SPDX-License-Identifier: MIT
//
// With ASL_SEPARATE_COMPILATION defined for the whole program (asl/detail/base/config.hpp), the public
// headers only declare loading, building and running; this header defines them, together with
// asl::validate_definition (asl/validate.hpp), so the parser, validator, compiler and interpreter
// are compiled once instead of in every file that includes <asl/asl.hpp>:
// @code
// // asl_impl.cpp, the one file of the program that compiles asl
// #include <asl/impl.hpp>
// @endcode
// A second file including it breaks the link with duplicate symbols; no file including it gives
// undefined references to asl::StateMachine::parse, asl::Engine::Engine and so on. In header-only
// mode (the default) the public headers already include everything, and so does this header.
#pragma once

#include "asl/asl.hpp"
#include "asl/impl/builder.hpp"
#include "asl/impl/engine.hpp"
#include "asl/impl/nested.hpp"
#include "asl/impl/state_machine.hpp"
#include "asl/impl/state_machine_registry.hpp"
#include "asl/validate_impl.hpp"
