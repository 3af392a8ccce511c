// asl's definitions compiled once for the project's own tests, examples and fuzz replays (target asl_compiled_once).
// SPDX-License-Identifier: MIT
//
// Every file that links asl_compiled_once is built with ASL_SEPARATE_COMPILATION, so it sees
// declarations only and this file holds the one copy of the engine. In header-only mode each of
// ~40 test and example files compiled the whole engine again (~75 s each at -O2, more under the
// sanitizers); that repetition was most of CI's wall time.
#include <asl/impl.hpp>
