// RFC 3339 timestamps (spec §2.3): parsing for Choice Timestamp* operators and Wait, formatting for the context object.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace asl::detail::timestamp {

/// An instant as seconds since the Unix epoch (UTC) plus nanoseconds in [0, 1e9).
/// Used instead of a single int64 of nanoseconds where the full year range 0000..9999 of an
/// RFC 3339 string must be representable (int64 nanoseconds only span 1677..2262).
struct Instant {
  std::int64_t seconds = 0;
  std::int32_t nanos = 0;

  friend bool operator==(const Instant& a, const Instant& b) {
    return a.seconds == b.seconds && a.nanos == b.nanos;
  }
  friend bool operator!=(const Instant& a, const Instant& b) { return !(a == b); }
  friend bool operator<(const Instant& a, const Instant& b) {
    return a.seconds != b.seconds ? a.seconds < b.seconds : a.nanos < b.nanos;
  }
  friend bool operator>(const Instant& a, const Instant& b) { return b < a; }
  friend bool operator<=(const Instant& a, const Instant& b) { return !(b < a); }
  friend bool operator>=(const Instant& a, const Instant& b) { return !(a < b); }
};

namespace impl {

/// Days since 1970-01-01 of a proleptic Gregorian date (the usual era-based civil-calendar
/// arithmetic: a 400-year era has exactly 146097 days, so no loops and no tables are needed).
inline std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);              // [0, 399]
  const unsigned mp = m > 2 ? m - 3 : m + 9;                           // March-based month
  const unsigned doy = (153 * mp + 2) / 5 + d - 1;                     // [0, 365]
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;          // [0, 146096]
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

/// Inverse of days_from_civil.
inline void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
}

inline bool is_leap(std::int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

inline unsigned days_in_month(std::int64_t y, unsigned m) {
  static constexpr unsigned days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/// Reads exactly `n` ASCII digits at `pos`; false when any is missing or not a digit.
inline bool digits(std::string_view s, std::size_t pos, std::size_t n, unsigned& out) {
  if (pos + n > s.size()) return false;
  unsigned v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  out = v;
  return true;
}

inline char* put2(char* p, unsigned v) {
  p[0] = static_cast<char>('0' + v / 10);
  p[1] = static_cast<char>('0' + v % 10);
  return p + 2;
}

}  // namespace impl

/// Parses the RFC 3339 profile the ASL spec requires (§2.3):
/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)`.
/// - uppercase `T` and `Z` only (the spec demands uppercase; a space or `t` separator is rejected);
/// - seconds are required (RFC 3339), `60` is rejected (Java's strict ISO parser does the same);
/// - any number of fractional digits, at least one after the dot; digits past nanoseconds are
///   truncated (AWS accepts `.00Z` and `.000000Z`, §8);
/// - the date must exist (Feb 29 only in leap years), hour 00-23, minute/second 00-59;
/// - the offset is at most ±18:00, the range of Java's ZoneOffset that AWS parses with.
/// A missing zone (`2024-01-01T00:00:00`) is invalid, as AWS's Wait state reports (§8).
inline std::optional<Instant> parse_instant(std::string_view s) {
  using impl::digits;
  unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!digits(s, 0, 4, year) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, month) ||
      s[7] != '-' || !digits(s, 8, 2, day) || s[10] != 'T' || !digits(s, 11, 2, hour) ||
      s[13] != ':' || !digits(s, 14, 2, minute) || s[16] != ':' || !digits(s, 17, 2, second)) {
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > impl::days_in_month(year, month) || hour > 23 ||
      minute > 59 || second > 59) {
    return std::nullopt;
  }
  std::size_t pos = 19;
  std::int32_t nanos = 0;
  if (s[pos] == '.') {
    ++pos;
    const std::size_t start = pos;
    std::int32_t scale = 100000000;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      nanos += (s[pos] - '0') * scale;
      scale /= 10;  // becomes 0 after the ninth digit: further digits are truncated
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  if (pos >= s.size()) return std::nullopt;  // no zone designator
  std::int64_t offset_seconds = 0;
  if (s[pos] == 'Z') {
    ++pos;
  } else if (s[pos] == '+' || s[pos] == '-') {
    unsigned oh = 0, om = 0;
    if (!digits(s, pos + 1, 2, oh) || pos + 3 >= s.size() || s[pos + 3] != ':' ||
        !digits(s, pos + 4, 2, om) || om > 59 || oh > 18 || (oh == 18 && om != 0)) {
      return std::nullopt;
    }
    offset_seconds = static_cast<std::int64_t>(oh) * 3600 + static_cast<std::int64_t>(om) * 60;
    if (s[pos] == '-') offset_seconds = -offset_seconds;
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != s.size()) return std::nullopt;
  const std::int64_t days = impl::days_from_civil(year, month, day);
  Instant out;
  out.seconds = days * 86400 + static_cast<std::int64_t>(hour) * 3600 +
                static_cast<std::int64_t>(minute) * 60 + second - offset_seconds;
  out.nanos = nanos;
  return out;
}

/// Nanoseconds since the Unix epoch (UTC); nullopt when `text` is not a valid timestamp (see
/// parse_instant) or when the instant lies outside what int64 nanoseconds can hold
/// (1677-09-21T00:12:43.145224192Z .. 2262-04-11T23:47:16.854775807Z). Use parse_instant where
/// far-away years must still count as valid timestamps (Choice does).
inline std::optional<std::int64_t> parse(std::string_view text) {
  const auto instant = parse_instant(text);
  if (!instant) return std::nullopt;
  constexpr std::int64_t giga = 1000000000;
  constexpr std::int64_t max = std::numeric_limits<std::int64_t>::max();
  constexpr std::int64_t min = std::numeric_limits<std::int64_t>::min();
  // seconds * 1e9 + nanos must stay in range (nanos is non-negative); computed without overflow.
  const std::int64_t s = instant->seconds;
  if (s > (max - instant->nanos) / giga) return std::nullopt;
  if (s < min / giga) {
    // Only the second just below min / giga can still fit, through a negative remainder.
    if (s < min / giga - 1) return std::nullopt;
    const std::int64_t rest = instant->nanos - giga;  // (s + 1) * giga + rest == s * giga + nanos
    if (rest < min - (s + 1) * giga) return std::nullopt;
    return (s + 1) * giga + rest;
  }
  return s * giga + instant->nanos;
}

/// Formats like AWS's context-object timestamps (Java `Instant.toString`): UTC with `Z`, and a
/// fraction of 0, 3, 6 or 9 digits, the fewest that keep every non-zero digit:
/// `2024-01-01T00:00:00Z`, `...00.123Z`, `...00.120Z`, `...00.123400Z`, `...00.000000001Z`.
inline std::string format(std::int64_t epoch_ns) {
  constexpr std::int64_t giga = 1000000000;
  std::int64_t secs = epoch_ns / giga;
  std::int64_t nanos = epoch_ns % giga;
  if (nanos < 0) {  // floor division, so instants before 1970 count forward from their second
    nanos += giga;
    secs -= 1;
  }
  std::int64_t days = secs / 86400;
  std::int64_t sod = secs % 86400;
  if (sod < 0) {
    sod += 86400;
    days -= 1;
  }
  std::int64_t year = 0;
  unsigned month = 0, day = 0;
  impl::civil_from_days(days, year, month, day);

  char buf[40];
  char* p = buf;
  const auto y = static_cast<unsigned>(year);  // int64 nanoseconds span years 1677..2262 only
  *p++ = static_cast<char>('0' + y / 1000);
  *p++ = static_cast<char>('0' + y / 100 % 10);
  p = impl::put2(p, y % 100);
  *p++ = '-';
  p = impl::put2(p, month);
  *p++ = '-';
  p = impl::put2(p, day);
  *p++ = 'T';
  p = impl::put2(p, static_cast<unsigned>(sod / 3600));
  *p++ = ':';
  p = impl::put2(p, static_cast<unsigned>(sod / 60 % 60));
  *p++ = ':';
  p = impl::put2(p, static_cast<unsigned>(sod % 60));
  if (nanos != 0) {
    int width = 9;
    auto frac = static_cast<std::uint32_t>(nanos);
    if (frac % 1000000 == 0) {
      width = 3;
      frac /= 1000000;
    } else if (frac % 1000 == 0) {
      width = 6;
      frac /= 1000;
    }
    *p++ = '.';
    for (int i = width - 1; i >= 0; --i) {
      p[i] = static_cast<char>('0' + frac % 10);
      frac /= 10;
    }
    p += width;
  }
  *p++ = 'Z';
  return std::string(buf, p);
}

}  // namespace asl::detail::timestamp
