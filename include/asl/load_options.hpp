// How a definition is loaded: its name, EXPRESS rules and the load-time limits.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <string>

namespace asl {

/// How a definition is loaded.
struct LoadOptions {
  std::string name = "StateMachine";  ///< the state machine's name ($$.StateMachine.Name)
  bool express = false;               ///< apply EXPRESS rules (no .sync / .waitForTaskToken)
  std::size_t max_depth = 512;        ///< JSON nesting limit of the definition text
  std::size_t max_definition_size = 1024 * 1024;  ///< bytes of definition text (AWS: 1 MB; 0 = none)
  std::size_t max_states = 10'000;  ///< states in all, branches and item processors included (0 = none)
};

}  // namespace asl
