// Library version: the single source of truth, read by CMakeLists.txt.
// SPDX-License-Identifier: MIT
#pragma once

#define ASL_VERSION_MAJOR 0
#define ASL_VERSION_MINOR 1
#define ASL_VERSION_PATCH 0

namespace asl {
inline constexpr const char* version_string = "0.1.0";
}  // namespace asl
