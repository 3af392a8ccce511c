// Unit tests for asl::detail::timestamp: the RFC 3339 profile of spec §2.3 and AWS-style formatting.
// SPDX-License-Identifier: MIT
#include "asl/detail/base/timestamp.hpp"

#include <cstdint>
#include <optional>
#include <string>

#include "support/catch.hpp"

namespace ts = asl::detail::timestamp;

namespace {
constexpr std::int64_t giga = 1000000000;
constexpr std::int64_t pi_day = 1457920740LL * giga;  // 2016-03-14T01:59:00Z
}  // namespace

TEST_CASE("timestamp: parses the spec's example and the epoch", "[timestamp]") {
  CHECK(ts::parse("1970-01-01T00:00:00Z") == std::optional<std::int64_t>(0));
  CHECK(ts::parse("2016-03-14T01:59:00Z") == pi_day);
  CHECK(ts::parse("2000-01-01T00:00:00Z") == 946684800LL * giga);
  CHECK(ts::parse("2024-02-29T12:00:00Z") == 1709208000LL * giga);
  CHECK(ts::parse("1969-12-31T23:59:59Z") == -giga);
}

TEST_CASE("timestamp: numeric offsets name the same instant", "[timestamp]") {
  CHECK(ts::parse("2016-03-14T02:59:00+01:00") == pi_day);
  CHECK(ts::parse("2016-03-13T20:59:00-05:00") == pi_day);
  CHECK(ts::parse("2016-03-14T07:29:00+05:30") == pi_day);
  CHECK(ts::parse("2016-03-14T01:59:00+00:00") == pi_day);
  CHECK(ts::parse("2016-03-14T01:59:00-00:00") == pi_day);
  CHECK(ts::parse("2016-03-14T19:59:00+18:00") == pi_day);  // Java's ZoneOffset limit
  CHECK(ts::parse("2016-03-13T07:59:00-18:00") == pi_day);
}

TEST_CASE("timestamp: fractional seconds of any precision (spec §8: .00Z, .000000Z accepted)",
          "[timestamp]") {
  CHECK(ts::parse("2016-03-14T01:59:00.00Z") == pi_day);
  CHECK(ts::parse("2016-03-14T01:59:00.000000Z") == pi_day);
  CHECK(ts::parse("2016-03-14T01:59:00.5Z") == pi_day + 500000000);
  CHECK(ts::parse("2016-03-14T01:59:00.123Z") == pi_day + 123000000);
  CHECK(ts::parse("2016-03-14T01:59:00.123456Z") == pi_day + 123456000);
  CHECK(ts::parse("2016-03-14T01:59:00.123456789Z") == pi_day + 123456789);
  // past nanoseconds: truncated, not rounded
  CHECK(ts::parse("2016-03-14T01:59:00.1234567899999Z") == pi_day + 123456789);
  CHECK(ts::parse("2016-03-14T02:59:00.25+01:00") == pi_day + 250000000);
}

TEST_CASE("timestamp: invalid forms are rejected", "[timestamp]") {
  const char* invalid[] = {
      "",
      "2024-01-01T00:00:00",          // no zone (AWS Wait: not an offset date-time, §8)
      "2024-01-01T00:00:00.000000",   // no zone, with fraction (§8)
      "2024-13-01T00:00:00Z",         // month 13
      "2024-00-01T00:00:00Z",         // month 0
      "2024-01-00T00:00:00Z",         // day 0
      "2024-01-32T00:00:00Z",         // day 32
      "2023-02-29T00:00:00Z",         // not a leap year
      "1900-02-29T00:00:00Z",         // century, not a leap year
      "2024-04-31T00:00:00Z",         // April has 30 days
      "2024-01-01T25:00:00Z",         // hour 25
      "2024-01-01T24:00:00Z",         // hour 24
      "2024-01-01T00:60:00Z",         // minute 60
      "2024-01-01T00:00:60Z",         // leap second: Java's strict parser rejects it too
      "2024-01-01 00:00:00Z",         // space instead of T
      "2024-01-01t00:00:00Z",         // lowercase t (spec: uppercase)
      "2024-01-01T00:00:00z",         // lowercase z
      "2024-01-01T00:00Z",            // no seconds
      "2024-01-01T00:00:00.Z",        // dot without digits
      "2024-01-01T00:00:00,5Z",       // comma fraction
      "2024-01-01T00:00:00+0100",     // offset without colon
      "2024-01-01T00:00:00+01",       // offset without minutes
      "2024-01-01T00:00:00+19:00",    // beyond ±18:00
      "2024-01-01T00:00:00+18:30",    // beyond ±18:00
      "2024-01-01T00:00:00+01:60",    // offset minute 60
      "2024-01-01T00:00:00Z ",        // trailing space
      " 2024-01-01T00:00:00Z",        // leading space
      "2024-01-01T00:00:00ZZ",        // trailing garbage
      "2024-01-01T00:00:00+01:00Z",   // two zones
      "2024-1-01T00:00:00Z",          // one-digit month
      "24-01-01T00:00:00Z",           // two-digit year
      "+2024-01-01T00:00:00Z",        // signed year
      "2024/01/01T00:00:00Z",         // wrong separator
      "2024-01-01",                   // date only
      "2024-01-01T0a:00:00Z",         // not a digit
  };
  for (const char* text : invalid) {
    INFO(text);
    CHECK_FALSE(ts::parse(text).has_value());
    CHECK_FALSE(ts::parse_instant(text).has_value());
  }
}

TEST_CASE("timestamp: parse_instant covers years 0000-9999, parse only the int64-ns range",
          "[timestamp]") {
  const auto first = ts::parse_instant("0001-01-01T00:00:00Z");
  REQUIRE(first);
  CHECK(first->seconds == -62135596800LL);
  CHECK(first->nanos == 0);
  const auto last = ts::parse_instant("9999-12-31T23:59:59.999999999Z");
  REQUIRE(last);
  CHECK(last->seconds == 253402300799LL);
  CHECK(last->nanos == 999999999);
  CHECK(ts::parse_instant("0000-01-01T00:00:00Z").has_value());  // year 0 is a leap year
  CHECK(ts::parse_instant("0000-02-29T00:00:00Z").has_value());

  CHECK_FALSE(ts::parse("0001-01-01T00:00:00Z").has_value());
  CHECK_FALSE(ts::parse("9999-12-31T23:59:59Z").has_value());
  CHECK(ts::parse("2262-04-11T23:47:16.854775807Z") == INT64_MAX);
  CHECK_FALSE(ts::parse("2262-04-11T23:47:16.854775808Z").has_value());
  CHECK(ts::parse("1677-09-21T00:12:43.145224192Z") == INT64_MIN);
  CHECK_FALSE(ts::parse("1677-09-21T00:12:43.145224191Z").has_value());
}

TEST_CASE("timestamp: instants compare across offsets", "[timestamp]") {
  const auto a = ts::parse_instant("2025-01-01T07:00:00.000-05:00");
  const auto b = ts::parse_instant("2025-01-01T12:00:00Z");
  const auto c = ts::parse_instant("2025-01-01T12:00:00.000000001Z");
  REQUIRE((a && b && c));
  CHECK(*a == *b);
  CHECK(*b < *c);
  CHECK(*c > *a);
  CHECK(*a <= *b);
  CHECK(*a >= *b);
  CHECK(*a != *c);
  // before the epoch: nanos stay positive, seconds count down
  const auto d = ts::parse_instant("1969-12-31T23:59:59.5Z");
  REQUIRE(d);
  CHECK(d->seconds == -1);
  CHECK(d->nanos == 500000000);
}

TEST_CASE("timestamp: format is Java Instant.toString (0/3/6/9 fraction digits)", "[timestamp]") {
  CHECK(ts::format(0) == "1970-01-01T00:00:00Z");
  CHECK(ts::format(pi_day) == "2016-03-14T01:59:00Z");
  CHECK(ts::format(pi_day + 123000000) == "2016-03-14T01:59:00.123Z");
  CHECK(ts::format(pi_day + 120000000) == "2016-03-14T01:59:00.120Z");
  CHECK(ts::format(pi_day + 100000000) == "2016-03-14T01:59:00.100Z");
  CHECK(ts::format(pi_day + 1000000) == "2016-03-14T01:59:00.001Z");
  CHECK(ts::format(pi_day + 123400000 + 5000) == "2016-03-14T01:59:00.123405Z");
  CHECK(ts::format(pi_day + 123400000 + 50000) == "2016-03-14T01:59:00.123450Z");
  CHECK(ts::format(pi_day + 1) == "2016-03-14T01:59:00.000000001Z");
  CHECK(ts::format(pi_day + 123456789) == "2016-03-14T01:59:00.123456789Z");
  CHECK(ts::format(1709208000LL * giga) == "2024-02-29T12:00:00Z");
  CHECK(ts::format(-1) == "1969-12-31T23:59:59.999999999Z");
  CHECK(ts::format(-giga) == "1969-12-31T23:59:59Z");
  CHECK(ts::format(INT64_MAX) == "2262-04-11T23:47:16.854775807Z");
  CHECK(ts::format(INT64_MIN) == "1677-09-21T00:12:43.145224192Z");
}

TEST_CASE("timestamp: format and parse round-trip", "[timestamp]") {
  std::uint64_t x = 88172645463325252ULL;  // xorshift: deterministic spread over the int64 range
  for (int i = 0; i < 20000; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    auto ns = static_cast<std::int64_t>(x);
    if (i % 3 == 1) ns -= ns % 1000000;  // exercise the 3- and 6-digit forms too
    if (i % 3 == 2) ns -= ns % 1000;
    const std::string text = ts::format(ns);
    INFO(text);
    REQUIRE(ts::parse(text) == ns);
  }
}
