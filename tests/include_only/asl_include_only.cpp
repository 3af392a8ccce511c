// A file that only includes <asl/asl.hpp> (header-only mode): it must define no asl symbol at all.
// tests/CMakeLists.txt checks its object file with nm. If the engine shows up here, some
// declaration made a function a key function or otherwise forced an inline definition out, and
// every host file that includes asl.hpp pays for compiling the whole interpreter.
#include <asl/asl.hpp>

int asl_include_only_anchor() { return 0; }
