#!/usr/bin/env bash
# Builds and runs the consumer projects: add_subdirectory, and find_package after an install
# (header-only and with ASL_SEPARATE_COMPILATION).
set -euo pipefail
src="$1"; work="$2"
rm -rf "$work"; mkdir -p "$work"
cmake -S "$src/tests/consumers/add_subdirectory" -B "$work/sub" -DASL_ROOT="$src" -Werror=dev >/dev/null
cmake --build "$work/sub" >/dev/null
"$work/sub/consumer"
cmake -S "$src" -B "$work/asl" -DASL_BUILD_TESTS=OFF -DASL_BUILD_EXAMPLES=OFF -DASL_BUILD_TOOLS=OFF \
  -DCMAKE_INSTALL_PREFIX="$work/prefix" >/dev/null
cmake --install "$work/asl" >/dev/null
cmake -S "$src/tests/consumers/find_package" -B "$work/pkg" -DCMAKE_PREFIX_PATH="$work/prefix" -Werror=dev >/dev/null
cmake --build "$work/pkg" >/dev/null
"$work/pkg/consumer"
"$work/pkg/consumer_separate"
