// testing::MockConfigError: what a malformed mock file (Step Functions Local's MockConfigFile.json) throws.
// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <utility>

#include "asl/detail/base/pointer_display.hpp"
#include "asl/error.hpp"

namespace asl::testing {

/// A mock file that cannot be used: not JSON, not the format, or a name it does not hold. The
/// pointer says where the fault is, so a person finds it in a long file without counting braces.
/// what() is `/MockedResponses/TrainFails/1-0: ...` (the pointer "" of the whole document prints
/// as `/`), prefixed with the file's path when the file was loaded from one.
class MockConfigError : public Exception {
 public:
  MockConfigError(std::string pointer, std::string message, const std::string& file = std::string())
      : Exception(render(pointer, message, file)), pointer_(std::move(pointer)), message_(std::move(message)) {}

  /// JSON Pointer of the fault in the mock file ("" = the whole document).
  const std::string& pointer() const noexcept { return pointer_; }
  /// The rule broken, without the pointer.
  const std::string& message() const noexcept { return message_; }

 private:
  static std::string render(const std::string& pointer, const std::string& message, const std::string& file) {
    std::string out = file.empty() ? std::string() : "mock config '" + file + "': ";
    out += pointer.empty() ? std::string("/") : detail::display_pointer(pointer);
    out += ": ";
    out += message;
    return out;
  }
  std::string pointer_;
  std::string message_;
};

}  // namespace asl::testing
