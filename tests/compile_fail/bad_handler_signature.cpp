// Compile-fail case: a handler taking its input by non-const reference must stop the build with asl's static_assert.
// SPDX-License-Identifier: MIT
//
// Built only by the "compile_fail: bad handler signature" test (tests/CMakeLists.txt), which passes
// when the compiler rejects this file AND prints the message listing the accepted signatures.
#include <asl/asl.hpp>

int main() {
  asl::HandlerRegistry tasks;
  // Non-const T& is not an accepted In: the engine owns the input, a handler only reads it.
  tasks.add("arn:aws:lambda:us-east-1:123456789012:function:train", [](asl::Json& job) { return job; });
}
