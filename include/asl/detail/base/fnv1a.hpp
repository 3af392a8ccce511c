// Fnv1a64: 64-bit FNV-1a, fed in pieces: the fingerprints a journal records (a definition's text,
// a Map Run's listing), which tell a changed input apart. Not a security measure.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string_view>

namespace asl::detail {

/// FNV-1a with 64 bits (offset basis 0xcbf29ce484222325, prime 0x100000001b3). Its values are on
/// disk, in journals written before: how a byte is mixed must never change.
class Fnv1a64 {
 public:
  constexpr void mix_byte(unsigned char b) noexcept {
    h_ ^= static_cast<std::uint64_t>(b);
    h_ *= 0x100000001b3ULL;
  }
  constexpr void mix(std::string_view s) noexcept {
    for (const char c : s) mix_byte(static_cast<unsigned char>(c));
  }
  constexpr std::uint64_t value() const noexcept { return h_; }

 private:
  std::uint64_t h_ = 0xcbf29ce484222325ULL;
};

}  // namespace asl::detail
