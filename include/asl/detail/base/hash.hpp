// Message digests (MD5, SHA-1, SHA-2) and Base64 for States.Hash / States.Base64* (spec §6.3).
// SPDX-License-Identifier: MIT
#pragma once

// Written from RFC 1321 (MD5), FIPS 180-4 (SHA-1, SHA-256, SHA-384, SHA-512) and RFC 4648
// (Base64) so that asl takes no crypto dependency. Inputs are at most 10,000 characters (the
// intrinsics' limit), so clarity wins over speed: one block at a time, no SIMD.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace asl::detail::hash {

namespace impl {

inline std::uint32_t rotl32(std::uint32_t x, int n) { return (x << n) | (x >> (32 - n)); }

/// The Merkle–Damgård padding shared by all five digests: 0x80, zeros, then the message length
/// in bits as a `LenBytes`-byte integer (little-endian for MD5, big-endian for SHA).
template <std::size_t Block, std::size_t LenBytes, bool BigEndian>
inline std::string pad(std::string_view data) {
  std::string m(data);
  const std::uint64_t bits = static_cast<std::uint64_t>(data.size()) * 8;
  m.push_back(static_cast<char>(0x80));
  while (m.size() % Block != Block - LenBytes) m.push_back('\0');
  for (std::size_t i = 0; i < LenBytes; ++i) {
    // Lengths above 2^64 bits cannot occur; the high bytes of a 128-bit length are zero.
    const std::size_t shift = BigEndian ? (LenBytes - 1 - i) * 8 : i * 8;
    m.push_back(shift < 64 ? static_cast<char>((bits >> shift) & 0xFF) : '\0');
  }
  return m;
}

inline std::uint32_t load_be32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}
inline std::uint32_t load_le32(const unsigned char* p) {
  return std::uint32_t{p[0]} | (std::uint32_t{p[1]} << 8) | (std::uint32_t{p[2]} << 16) |
         (std::uint32_t{p[3]} << 24);
}
inline std::uint64_t load_be64(const unsigned char* p) {
  return (std::uint64_t{load_be32(p)} << 32) | load_be32(p + 4);
}

inline void hex_byte(std::string& out, unsigned v) {
  static constexpr char digits[] = "0123456789abcdef";
  out.push_back(digits[(v >> 4) & 0xF]);
  out.push_back(digits[v & 0xF]);
}

}  // namespace impl

/// MD5 (RFC 1321) as 32 lower-case hex digits.
inline std::string md5_hex(std::string_view data) {
  static constexpr std::uint32_t k[64] = {
      0xd76aa478, 0xe8c7b756, 0x242070db, 0xc1bdceee, 0xf57c0faf, 0x4787c62a, 0xa8304613,
      0xfd469501, 0x698098d8, 0x8b44f7af, 0xffff5bb1, 0x895cd7be, 0x6b901122, 0xfd987193,
      0xa679438e, 0x49b40821, 0xf61e2562, 0xc040b340, 0x265e5a51, 0xe9b6c7aa, 0xd62f105d,
      0x02441453, 0xd8a1e681, 0xe7d3fbc8, 0x21e1cde6, 0xc33707d6, 0xf4d50d87, 0x455a14ed,
      0xa9e3e905, 0xfcefa3f8, 0x676f02d9, 0x8d2a4c8a, 0xfffa3942, 0x8771f681, 0x6d9d6122,
      0xfde5380c, 0xa4beea44, 0x4bdecfa9, 0xf6bb4b60, 0xbebfbc70, 0x289b7ec6, 0xeaa127fa,
      0xd4ef3085, 0x04881d05, 0xd9d4d039, 0xe6db99e5, 0x1fa27cf8, 0xc4ac5665, 0xf4292244,
      0x432aff97, 0xab9423a7, 0xfc93a039, 0x655b59c3, 0x8f0ccc92, 0xffeff47d, 0x85845dd1,
      0x6fa87e4f, 0xfe2ce6e0, 0xa3014314, 0x4e0811a1, 0xf7537e82, 0xbd3af235, 0x2ad7d2bb,
      0xeb86d391};
  static constexpr int r[64] = {7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22,
                                5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20, 5, 9,  14, 20,
                                4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23,
                                6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21};
  std::uint32_t h[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
  const std::string m = impl::pad<64, 8, false>(data);
  for (std::size_t off = 0; off < m.size(); off += 64) {
    const auto* p = reinterpret_cast<const unsigned char*>(m.data() + off);
    std::uint32_t w[16];
    for (int i = 0; i < 16; ++i) w[i] = impl::load_le32(p + 4 * i);
    std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
    for (int i = 0; i < 64; ++i) {
      std::uint32_t f;
      int g;
      if (i < 16) {
        f = (b & c) | (~b & d);
        g = i;
      } else if (i < 32) {
        f = (d & b) | (~d & c);
        g = (5 * i + 1) % 16;
      } else if (i < 48) {
        f = b ^ c ^ d;
        g = (3 * i + 5) % 16;
      } else {
        f = c ^ (b | ~d);
        g = (7 * i) % 16;
      }
      const std::uint32_t tmp = d;
      d = c;
      c = b;
      b = b + impl::rotl32(a + f + k[i] + w[g], r[i]);
      a = tmp;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
  }
  std::string out;
  out.reserve(32);
  for (std::uint32_t v : h)
    for (int i = 0; i < 4; ++i) impl::hex_byte(out, (v >> (8 * i)) & 0xFF);
  return out;
}

/// SHA-1 (FIPS 180-4 §6.1) as 40 lower-case hex digits.
inline std::string sha1_hex(std::string_view data) {
  std::uint32_t h[5] = {0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0};
  const std::string m = impl::pad<64, 8, true>(data);
  for (std::size_t off = 0; off < m.size(); off += 64) {
    const auto* p = reinterpret_cast<const unsigned char*>(m.data() + off);
    std::uint32_t w[80];
    for (int t = 0; t < 16; ++t) w[t] = impl::load_be32(p + 4 * t);
    for (int t = 16; t < 80; ++t)
      w[t] = impl::rotl32(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
    std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int t = 0; t < 80; ++t) {
      std::uint32_t f, k;
      if (t < 20) {
        f = (b & c) | (~b & d);
        k = 0x5A827999;
      } else if (t < 40) {
        f = b ^ c ^ d;
        k = 0x6ED9EBA1;
      } else if (t < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8F1BBCDC;
      } else {
        f = b ^ c ^ d;
        k = 0xCA62C1D6;
      }
      const std::uint32_t tmp = impl::rotl32(a, 5) + f + e + k + w[t];
      e = d;
      d = c;
      c = impl::rotl32(b, 30);
      b = a;
      a = tmp;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
  }
  std::string out;
  out.reserve(40);
  for (std::uint32_t v : h)
    for (int i = 3; i >= 0; --i) impl::hex_byte(out, (v >> (8 * i)) & 0xFF);
  return out;
}

namespace impl {

/// The two SHA-2 word sizes (FIPS 180-4 §4.1.2, §4.1.3, §4.2.2, §4.2.3): rounds, round constants
/// and the rotate/shift amounts of Σ0, Σ1, σ0, σ1. One compression function serves both.
template <class Word>
struct Sha2;
template <>
struct Sha2<std::uint32_t> {
  static constexpr int rounds = 64;
  static constexpr int big0[3] = {2, 13, 22}, big1[3] = {6, 11, 25}, small0[3] = {7, 18, 3},
                       small1[3] = {17, 19, 10};
  static constexpr std::uint32_t k[64] = {
      0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
      0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
      0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
      0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
      0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
      0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
      0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
      0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
      0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
      0xc67178f2};
  static std::uint32_t load(const unsigned char* p) { return load_be32(p); }
};
template <>
struct Sha2<std::uint64_t> {
  static constexpr int rounds = 80;
  static constexpr int big0[3] = {28, 34, 39}, big1[3] = {14, 18, 41}, small0[3] = {1, 8, 7},
                       small1[3] = {19, 61, 6};
  static constexpr std::uint64_t k[80] = {
      0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc,
      0x3956c25bf348b538, 0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118,
      0xd807aa98a3030242, 0x12835b0145706fbe, 0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2,
      0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235, 0xc19bf174cf692694,
      0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65,
      0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5,
      0x983e5152ee66dfab, 0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4,
      0xc6e00bf33da88fc2, 0xd5a79147930aa725, 0x06ca6351e003826f, 0x142929670a0e6e70,
      0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed, 0x53380d139d95b3df,
      0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b,
      0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30,
      0xd192e819d6ef5218, 0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8,
      0x19a4c116b8d2d0c8, 0x1e376c085141ab53, 0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8,
      0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373, 0x682e6ff3d6b2b8a3,
      0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
      0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b,
      0xca273eceea26619c, 0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178,
      0x06f067aa72176fba, 0x0a637dc5a2c898a6, 0x113f9804bef90dae, 0x1b710b35131c471b,
      0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc, 0x431d67c49c100d4c,
      0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817};
  static std::uint64_t load(const unsigned char* p) { return load_be64(p); }
};

template <class Word>
Word rotr(Word x, int n) {
  return static_cast<Word>((x >> n) | (x << (8 * static_cast<int>(sizeof(Word)) - n)));
}

/// SHA-2 (FIPS 180-4 §6.2, §6.4): compresses `data` from `h` and prints the first `out_words`
/// words as lower-case hex (SHA-384 is SHA-512 with other initial values, truncated, §6.5).
template <class Word>
std::string sha2_hex(std::string_view data, std::array<Word, 8> h, std::size_t out_words) {
  using T = Sha2<Word>;
  constexpr std::size_t word = sizeof(Word), block = 16 * word;
  const std::string m = pad<block, 2 * word, true>(data);
  for (std::size_t off = 0; off < m.size(); off += block) {
    const auto* p = reinterpret_cast<const unsigned char*>(m.data() + off);
    Word w[T::rounds];
    for (std::size_t t = 0; t < 16; ++t) w[t] = T::load(p + word * t);
    for (int t = 16; t < T::rounds; ++t) {
      const Word s0 = rotr(w[t - 15], T::small0[0]) ^ rotr(w[t - 15], T::small0[1]) ^ (w[t - 15] >> T::small0[2]);
      const Word s1 = rotr(w[t - 2], T::small1[0]) ^ rotr(w[t - 2], T::small1[1]) ^ (w[t - 2] >> T::small1[2]);
      w[t] = static_cast<Word>(w[t - 16] + s0 + w[t - 7] + s1);
    }
    Word a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int t = 0; t < T::rounds; ++t) {
      const Word s1 = rotr(e, T::big1[0]) ^ rotr(e, T::big1[1]) ^ rotr(e, T::big1[2]);
      const Word ch = (e & f) ^ (~e & g);
      const Word t1 = static_cast<Word>(hh + s1 + ch + T::k[t] + w[t]);
      const Word s0 = rotr(a, T::big0[0]) ^ rotr(a, T::big0[1]) ^ rotr(a, T::big0[2]);
      const Word maj = (a & b) ^ (a & c) ^ (b & c);
      const Word t2 = static_cast<Word>(s0 + maj);
      hh = g;
      g = f;
      f = e;
      e = static_cast<Word>(d + t1);
      d = c;
      c = b;
      b = a;
      a = static_cast<Word>(t1 + t2);
    }
    const Word v[8] = {a, b, c, d, e, f, g, hh};
    for (std::size_t i = 0; i < 8; ++i) h[i] = static_cast<Word>(h[i] + v[i]);
  }
  std::string out;
  out.reserve(out_words * word * 2);
  for (std::size_t j = 0; j < out_words; ++j)
    for (int i = static_cast<int>(word) - 1; i >= 0; --i)
      hex_byte(out, static_cast<unsigned>((h[j] >> (8 * i)) & 0xFF));
  return out;
}

}  // namespace impl

/// SHA-256 (FIPS 180-4 §6.2) as 64 lower-case hex digits.
inline std::string sha256_hex(std::string_view data) {
  return impl::sha2_hex<std::uint32_t>(
      data, {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19}, 8);
}

/// SHA-384 (FIPS 180-4 §6.5) as 96 lower-case hex digits.
inline std::string sha384_hex(std::string_view data) {
  return impl::sha2_hex<std::uint64_t>(
      data,
      {0xcbbb9d5dc1059ed8, 0x629a292a367cd507, 0x9159015a3070dd17, 0x152fecd8f70e5939,
       0x67332667ffc00b31, 0x8eb44a8768581511, 0xdb0c2e0d64f98fa7, 0x47b5481dbefa4fa4},
      6);
}

/// SHA-512 (FIPS 180-4 §6.4) as 128 lower-case hex digits.
inline std::string sha512_hex(std::string_view data) {
  return impl::sha2_hex<std::uint64_t>(
      data,
      {0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
       0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179},
      8);
}

/// Base64 (RFC 4648 §4, standard alphabet, '=' padding, no line breaks): what Java's
/// `Base64.getEncoder()` writes.
inline std::string base64_encode(std::string_view data) {
  static constexpr char alphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const std::uint32_t v = (std::uint32_t{static_cast<unsigned char>(data[i])} << 16) |
                            (std::uint32_t{static_cast<unsigned char>(data[i + 1])} << 8) |
                            std::uint32_t{static_cast<unsigned char>(data[i + 2])};
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(alphabet[(v >> 6) & 63]);
    out.push_back(alphabet[v & 63]);
  }
  const std::size_t rest = data.size() - i;
  if (rest > 0) {
    std::uint32_t v = std::uint32_t{static_cast<unsigned char>(data[i])} << 16;
    if (rest == 2) v |= std::uint32_t{static_cast<unsigned char>(data[i + 1])} << 8;
    out.push_back(alphabet[(v >> 18) & 63]);
    out.push_back(alphabet[(v >> 12) & 63]);
    out.push_back(rest == 2 ? alphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

/// Decodes Base64 with the rules of Java's basic `Base64.getDecoder()` (AWS runs Java): the
/// standard alphabet only, no whitespace or line breaks, '=' padding optional but, when present,
/// it must complete the final 4-character unit and nothing may follow it. Returns nullopt for
/// input Java would reject.
inline std::optional<std::string> base64_decode(std::string_view text) {
  auto value_of = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  out.reserve(text.size() / 4 * 3 + 2);
  std::uint32_t bits = 0;
  int count = 0;  // characters in the current 4-character unit
  std::size_t i = 0;
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '=') {
      // "x=" and a lone "=" are malformed; "xx=" must be followed by a second '='.
      if (count < 2) return std::nullopt;
      if (count == 2) {
        if (i + 1 >= text.size() || text[i + 1] != '=') return std::nullopt;
        ++i;
      }
      ++i;
      break;
    }
    const int v = value_of(c);
    if (v < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<std::uint32_t>(v);
    if (++count == 4) {
      out.push_back(static_cast<char>((bits >> 16) & 0xFF));
      out.push_back(static_cast<char>((bits >> 8) & 0xFF));
      out.push_back(static_cast<char>(bits & 0xFF));
      bits = 0;
      count = 0;
    }
  }
  if (i < text.size()) return std::nullopt;  // data after the padding
  if (count == 1) return std::nullopt;       // 6 bits cannot make a byte
  if (count == 2) out.push_back(static_cast<char>((bits >> 4) & 0xFF));
  if (count == 3) {
    out.push_back(static_cast<char>((bits >> 10) & 0xFF));
    out.push_back(static_cast<char>((bits >> 2) & 0xFF));
  }
  return out;
}

}  // namespace asl::detail::hash
