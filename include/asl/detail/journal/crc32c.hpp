// CRC32C (Castagnoli) in portable C++: the checksum of every journal record and file header.
// SPDX-License-Identifier: MIT
//
// Castagnoli rather than the zlib polynomial because it detects more error patterns in short
// records and because storage formats that may one day read ours (LevelDB, RocksDB, iSCSI, ext4
// metadata) use it. Slicing-by-8 tables, built at compile time: about 1 byte per cycle with no
// CPU-specific code, so the header stays portable; a hardware (SSE4.2 / ARMv8) path can be added
// behind the same two functions without changing the format.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace asl::detail {

/// The reflected form of the Castagnoli polynomial 0x1EDC6F41.
inline constexpr std::uint32_t crc32c_polynomial = 0x82F63B78u;

using Crc32cTables = std::array<std::array<std::uint32_t, 256>, 8>;

/// Table 0 is the classic byte-at-a-time table; table k advances a byte that is followed by k
/// zero bytes, which lets the loop below fold eight input bytes per step.
constexpr Crc32cTables make_crc32c_tables() {
  Crc32cTables t{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int bit = 0; bit < 8; ++bit) c = (c & 1u) != 0 ? (c >> 1) ^ crc32c_polynomial : c >> 1;
    t[0][i] = c;
  }
  for (std::size_t k = 1; k < 8; ++k) {
    for (std::size_t i = 0; i < 256; ++i) {
      const std::uint32_t prev = t[k - 1][i];
      t[k][i] = (prev >> 8) ^ t[0][prev & 0xFFu];
    }
  }
  return t;
}

inline constexpr Crc32cTables crc32c_tables = make_crc32c_tables();

/// Continues a CRC32C over more bytes: crc32c_extend(crc32c(a), b) == crc32c(a + b).
/// `crc` is a finished checksum (pre- and post-inverted), so callers never see the raw register.
inline std::uint32_t crc32c_extend(std::uint32_t crc, const void* data, std::size_t n) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
  const auto& t = crc32c_tables;
  std::uint32_t c = ~crc;
  // Byte-wise until the rest is a multiple of 8 (alignment does not matter: bytes are assembled
  // explicitly, little-endian, so the result is the same on every platform).
  while (n % 8 != 0) {
    c = (c >> 8) ^ t[0][(c ^ *p++) & 0xFFu];
    --n;
  }
  for (; n >= 8; n -= 8, p += 8) {
    const std::uint32_t lo = c ^ (static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
                                  static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24);
    c = t[7][lo & 0xFFu] ^ t[6][(lo >> 8) & 0xFFu] ^ t[5][(lo >> 16) & 0xFFu] ^ t[4][lo >> 24] ^
        t[3][p[4]] ^ t[2][p[5]] ^ t[1][p[6]] ^ t[0][p[7]];
  }
  return ~c;
}

inline std::uint32_t crc32c_extend(std::uint32_t crc, std::string_view bytes) noexcept {
  return crc32c_extend(crc, bytes.data(), bytes.size());
}

/// CRC32C of a byte string: crc32c("123456789") == 0xE3069283.
inline std::uint32_t crc32c(std::string_view bytes) noexcept { return crc32c_extend(0, bytes); }

}  // namespace asl::detail
