// Catch2 include shim: Debian ships Catch2 v2 (<catch2/catch.hpp>); v3 splits its headers.
// SPDX-License-Identifier: MIT
#pragma once

#if __has_include(<catch2/catch_all.hpp>)
#include <catch2/catch_all.hpp>
#else
#include <catch2/catch.hpp>
#endif
