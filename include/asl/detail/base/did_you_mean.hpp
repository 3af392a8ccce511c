// "Did you mean ...?" suggestions for misspelt state names, field names and enum values in diagnostics.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace asl::detail {

namespace did_you_mean_impl {

/// Decodes UTF-8 into code points so that distances count characters, not bytes: state names
/// are arbitrary Unicode (spec §2.1) and a one-letter slip in "Évaluer" must cost 1, not 2.
/// Malformed bytes are taken one by one as their own "characters"; exactness is not needed here.
inline std::u32string decode(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b = static_cast<unsigned char>(s[i]);
    std::size_t len = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + len > s.size()) {
      out.push_back(b);
      ++i;
      continue;
    }
    char32_t cp = len == 1 ? b : len == 2 ? (b & 0x1Fu) : len == 3 ? (b & 0x0Fu) : (b & 0x07u);
    for (std::size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3Fu);
    out.push_back(cp);
    i += len;
  }
  return out;
}

/// ASCII case folding only: "next" vs "Next" should count as a slip, not as a different word.
inline char32_t fold(char32_t c) {
  return c >= U'A' && c <= U'Z' ? c + (U'a' - U'A') : c;
}

/// Optimal-string-alignment distance (Damerau-Levenshtein restricted to adjacent transpositions
/// that are not edited again): insertions, deletions, substitutions and swaps each cost 1, which
/// is how people mistype ("Nxet" -> "Next" is one swap).
/// Stops early (returns limit + 1) once every cell of a row exceeds `limit`.
inline std::size_t distance(const std::u32string& a, const std::u32string& b, std::size_t limit) {
  const std::size_t n = a.size(), m = b.size();
  if ((n > m ? n - m : m - n) > limit) return limit + 1;
  std::vector<std::size_t> prev2(m + 1), prev(m + 1), cur(m + 1);
  for (std::size_t j = 0; j <= m; ++j) prev[j] = j;
  for (std::size_t i = 1; i <= n; ++i) {
    cur[0] = i;
    std::size_t row_min = cur[0];
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      std::size_t v = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) v = std::min(v, prev2[j - 2] + 1);
      cur[j] = v;
      row_min = std::min(row_min, v);
    }
    if (row_min > limit) return limit + 1;
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return prev[m];
}

}  // namespace did_you_mean_impl

/// The candidate closest to `word`, when it is close enough to be a plausible typo:
/// at most 2 edits and fewer edits than half of `word`'s length (so "ab" never suggests "xy").
/// Distances ignore ASCII case, except that a candidate differing only in case counts as one
/// edit, so "full" suggests "FULL" and "pass" suggests "Pass". An exact match is not a
/// suggestion (nullopt). Ties go to the earliest candidate, so results are deterministic.
inline std::optional<std::string> did_you_mean(std::string_view word, const std::vector<std::string_view>& candidates) {
  namespace impl = did_you_mean_impl;
  auto folded = [](std::string_view s) {
    std::u32string out = impl::decode(s);
    for (auto& c : out) c = impl::fold(c);
    return out;
  };
  const std::u32string w = folded(word);
  constexpr std::size_t max_edits = 2;
  std::optional<std::string> best;
  std::size_t best_distance = max_edits + 1;
  for (const auto candidate : candidates) {
    if (candidate == word) return std::nullopt;
    std::size_t d = impl::distance(w, folded(candidate), max_edits);
    if (d == 0) d = 1;  // differs only in case
    if (d > max_edits || 2 * d >= w.size() || d >= best_distance) continue;
    best = std::string(candidate);
    best_distance = d;
  }
  return best;
}

}  // namespace asl::detail
