// Build mode: header-only (the default) or separate compilation (ASL_SEPARATE_COMPILATION).
// SPDX-License-Identifier: MIT
//
// Header-only: every public header brings its own definitions, as `inline` functions, and a host
// just includes <asl/asl.hpp>. The price is the include cost: each translation unit parses the
// parser, validator, compiler and interpreter (benchmarks/README.md, "Include cost").
//
// Separate compilation (Boost.Asio's model): define ASL_SEPARATE_COMPILATION for the whole
// program (every translation unit, e.g. `target_compile_definitions(app PRIVATE
// ASL_SEPARATE_COMPILATION)`), and include <asl/impl.hpp> in exactly one .cpp file. The public
// headers then declare the API only, and the definitions are compiled once. The two modes must
// not be mixed in one program: an entry point would be inline in some files and not in others.
// Class layouts are the same in both modes (no member depends on the macro).
#pragma once

#if defined(ASL_SEPARATE_COMPILATION)
/// Marks an out-of-line definition of the public API: external in separate compilation.
#define ASL_DECL
#else
#define ASL_DECL inline
#endif

#if defined(__GNUC__) || defined(__clang__)
/// Keeps a rarely taken path out of its callers, so that they stay small enough to inline (the
/// journal's record builders, taken only when an execution has a journal). Use on functions
/// defined in their class: GCC refuses it on a later `inline` definition.
#define ASL_NOINLINE __attribute__((noinline))
#else
#define ASL_NOINLINE
#endif
