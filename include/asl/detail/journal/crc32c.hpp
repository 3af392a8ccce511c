// CRC32C (Castagnoli): the checksum of every journal record and file header; SSE4.2 when the CPU has it.
// SPDX-License-Identifier: MIT
//
// Castagnoli rather than the zlib polynomial because it detects more error patterns in short
// records and because storage formats that may one day read ours (LevelDB, RocksDB, iSCSI, ext4
// metadata) use it. Two implementations of one function:
// - portable: slicing-by-8 tables built at compile time, about 1 byte per cycle;
// - x86-64 with SSE4.2 (every x86-64 CPU since 2008-2011): the crc32 instruction, 8 bytes per
//   instruction, chosen at run time. The journal's flusher thread checksums every byte it writes
//   (about 1.2 MB per execution of a 10,000-item Map), and in software that competed with the
//   executions for the cores.
// The hardware function carries __attribute__((target("sse4.2"))), so the header compiles
// without -msse4.2 and the binary still runs on a CPU without it. ARMv8's crc32c instructions
// could be added the same way; until then ARM takes the portable path.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <nmmintrin.h>
/// Defined when crc32c_extend_hardware() exists (it is used only if the CPU has SSE4.2).
#define ASL_CRC32C_SSE42 1
#endif

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

/// crc32c_extend() in portable C++ (slicing-by-8).
inline std::uint32_t crc32c_extend_portable(std::uint32_t crc, const void* data, std::size_t n) noexcept {
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

#if defined(ASL_CRC32C_SSE42)
/// crc32c_extend() with SSE4.2's crc32 instruction, which computes exactly CRC32C (same
/// polynomial, reflected, on the raw register): 8 bytes per instruction on one dependency chain
/// (3 cycles latency), about 2.5 bytes per cycle. Call only if crc32c_hardware_available().
__attribute__((target("sse4.2"))) inline std::uint32_t crc32c_extend_hardware(std::uint32_t crc, const void* data,
                                                                            std::size_t n) noexcept {
  const auto* p = static_cast<const unsigned char*>(data);
  std::uint64_t c = ~crc;
  for (; n >= 8; n -= 8, p += 8) {
    std::uint64_t v;
    std::memcpy(&v, p, 8);  // x86 loads little-endian, as the format wants; memcpy: any alignment
    c = _mm_crc32_u64(c, v);
  }
  auto c32 = static_cast<std::uint32_t>(c);
  if (n >= 4) {
    std::uint32_t v;
    std::memcpy(&v, p, 4);
    c32 = _mm_crc32_u32(c32, v);
    p += 4;
    n -= 4;
  }
  for (; n > 0; --n) c32 = _mm_crc32_u8(c32, *p++);
  return ~c32;
}

/// Whether this CPU has SSE4.2; asked once.
inline bool crc32c_hardware_available() noexcept {
  static const bool available = [] {
    __builtin_cpu_init();  // needed if this first runs before the library's own initialization
    return __builtin_cpu_supports("sse4.2") != 0;
  }();
  return available;
}
#endif

/// Continues a CRC32C over more bytes: crc32c_extend(crc32c(a), b) == crc32c(a + b).
/// `crc` is a finished checksum (pre- and post-inverted), so callers never see the raw register.
inline std::uint32_t crc32c_extend(std::uint32_t crc, const void* data, std::size_t n) noexcept {
#if defined(ASL_CRC32C_SSE42)
  if (crc32c_hardware_available()) return crc32c_extend_hardware(crc, data, n);
#endif
  return crc32c_extend_portable(crc, data, n);
}

inline std::uint32_t crc32c_extend(std::uint32_t crc, std::string_view bytes) noexcept {
  return crc32c_extend(crc, bytes.data(), bytes.size());
}

/// CRC32C of a byte string: crc32c("123456789") == 0xE3069283.
inline std::uint32_t crc32c(std::string_view bytes) noexcept { return crc32c_extend(0, bytes); }

}  // namespace asl::detail
