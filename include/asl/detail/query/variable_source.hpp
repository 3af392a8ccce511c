// VariableSource: what a query reads workflow variables through (a `$name` path in JSONPath, a
// `$name` in JSONata), so the languages need not know how the run layer keeps them.
// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include "asl/json.hpp"

namespace asl::detail {

class VariableSource {
 public:
  /// The variable, or nullptr when no state assigned it.
  virtual const Json* find(const std::string& name) const = 0;

 protected:
  ~VariableSource() = default;
};

}  // namespace asl::detail
