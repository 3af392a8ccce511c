// How a JSON Pointer is shown in a printed diagnostic: long pointers are shortened in the middle.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace asl::detail {

/// Pointers up to this many bytes are printed as they are. A fault 500 levels down a nested
/// Result has a 1,000-character pointer of "/0" segments: printed whole, it buries the message
/// that follows it and wraps over a dozen terminal lines.
inline constexpr std::size_t pointer_display_limit = 120;

namespace pointer_display_impl {

inline constexpr std::string_view ellipsis = "\xE2\x80\xA6";  // U+2026, one character on screen
/// The head says where in the machine the fault is (/States/Name/Field/...), the tail what it
/// is on; the levels between are what repeats.
inline constexpr std::size_t head_segments = 5;
inline constexpr std::size_t tail_segments = 2;
/// One segment (a state name, a key) longer than this is itself shortened in its middle.
inline constexpr std::size_t segment_limit = 40;

inline bool continuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

/// `s` shortened to about `segment_limit` bytes, cut at UTF-8 character boundaries (a message
/// must stay valid UTF-8) and not inside a `~0` / `~1` escape.
inline std::string shorten_segment(std::string_view s) {
  if (s.size() <= segment_limit) return std::string(s);
  std::size_t head = segment_limit / 2;
  while (head > 0 && continuation(s[head])) --head;
  if (head > 0 && s[head - 1] == '~') --head;
  std::size_t tail = s.size() - (segment_limit - segment_limit / 2);
  while (tail < s.size() && continuation(s[tail])) ++tail;
  if (tail < s.size() && s[tail - 1] == '~') ++tail;
  std::string out(s.substr(0, head));
  out += ellipsis;
  out += s.substr(tail);
  return out;
}

}  // namespace pointer_display_impl

/// `pointer` as printed in a diagnostic: unchanged up to `limit` bytes; longer, its first few and
/// last few segments joined by "…" (`/States/A/Result/0/0/…/0/0`), and any very long segment
/// shortened in its middle. Display only: asl::Diagnostic keeps the full pointer.
inline std::string display_pointer(std::string_view pointer, std::size_t limit = pointer_display_limit) {
  namespace impl = pointer_display_impl;
  if (pointer.size() <= limit || pointer.empty() || pointer.front() != '/') return std::string(pointer);
  std::vector<std::string> segments;
  for (std::size_t at = 1;;) {
    const std::size_t slash = pointer.find('/', at);
    segments.push_back(impl::shorten_segment(pointer.substr(at, slash == std::string_view::npos ? slash : slash - at)));
    if (slash == std::string_view::npos) break;
    at = slash + 1;
  }
  auto join = [&](std::size_t from, std::size_t to, std::string& out) {
    for (std::size_t i = from; i < to; ++i) out += "/" + segments[i];
  };
  std::string whole;
  join(0, segments.size(), whole);
  if (whole.size() <= limit || segments.size() < 3) return whole;

  // One head and one tail segment always, at least one left out; more of each while the
  // result stays within `limit`.
  const std::size_t n = segments.size();
  std::size_t head = 1, tail = 1;
  auto length = [&](std::size_t h, std::size_t t) {
    std::size_t len = 1 + impl::ellipsis.size();  // "/…"
    for (std::size_t i = 0; i < h; ++i) len += 1 + segments[i].size();
    for (std::size_t i = n - t; i < n; ++i) len += 1 + segments[i].size();
    return len;
  };
  for (bool grew = true; grew;) {
    grew = false;
    if (head < impl::head_segments && head + tail + 1 < n && length(head + 1, tail) <= limit) ++head, grew = true;
    if (tail < impl::tail_segments && head + tail + 1 < n && length(head, tail + 1) <= limit) ++tail, grew = true;
  }
  std::string out;
  join(0, head, out);
  out += "/";
  out += impl::ellipsis;
  join(n - tail, n, out);
  return out;
}

}  // namespace asl::detail
