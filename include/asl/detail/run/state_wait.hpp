// The Wait state: its deadline from Seconds, Timestamp, SecondsPath or TimestampPath, and AWS's
// limits on them.
// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "asl/detail/base/timestamp.hpp"
#include "asl/detail/run/time_math.hpp"
#include "asl/detail/run/interpreter.hpp"

namespace asl::detail {

inline Interpreter::Step Interpreter::run_wait(const std::shared_ptr<Frame>& f, const State& st) {
  std::optional<Json> holder;
  const Json* ctx = make_ctx(*f, st, holder);
  View v;
  if (auto fl = input_view(*f, st, ctx, v)) return fail_state(f, st, std::move(*fl));
  const TimePoint start = now();
  TimePoint due = start;
  // Timestamps are not too far ahead (checked first), but may be long past: year 1 does not fit
  // the nanosecond clock, and neither does 2^31 s past a clock near its end (2262).
  auto at_timestamp = [&](const timestamp::Instant& at) {
    const auto start_s = std::chrono::floor<std::chrono::seconds>(start);
    if (at.seconds < start_s.time_since_epoch().count()) return;  // in the past: no wait
    due = saturating_add(
        add_seconds(start_s, static_cast<std::uint64_t>(at.seconds - start_s.time_since_epoch().count())),
        Duration(at.nanos));
    if (due > start && config_.wait_scale != 1.0) {
      due = add_seconds(start, std::chrono::duration<double>(due - start).count() * config_.wait_scale);
    }
  };
  switch (st.wait_kind) {
    case WaitKind::seconds:
      due = add_seconds(start, static_cast<double>(st.wait_seconds) * config_.wait_scale);
      break;
    case WaitKind::timestamp: {
      auto at = timestamp::parse_instant(st.wait_timestamp);
      if (!at)
        return fail_state(f, st, runtime(*f, st, fmt::format("The Timestamp field cannot be parsed as an "
                                                             "ISO-8601 extended offset date-time format "
                                                             "string: {}",
                                                             st.wait_timestamp)));
      if (too_far(*at, start)) return fail_state(f, st, runtime(*f, st, "Wait state delay is too long."));
      at_timestamp(*at);
      break;
    }
    case WaitKind::seconds_path: {
      const jsonpath::Path& p = *st.wait_path;
      std::string miss;
      const Json* val = p.find(p.root() == jsonpath::Root::context ? *ctx : v.get(), &miss);
      if (!val) return fail_state(f, st, runtime(*f, st, invalid_path(p, miss)));
      const std::string shown = val->is_string() ? val->get<std::string>() : val->dump();
      if (!val->is_number_integer() && !(val->is_number_float() && is_integral(val->get<double>())))
        return fail_state(f, st, runtime(*f, st, fmt::format("The SecondsPath parameter cannot be parsed as a "
                                                             "long value: {} == {}",
                                                             p.text(), shown)));
      const double secs = val->get<double>();
      // AWS reads the value as a Java long: an integral number beyond its range cannot be one.
      if (val->is_number_float() && !(std::fabs(secs) < 9.223372036854775807e18))
        return fail_state(f, st, runtime(*f, st, fmt::format("The SecondsPath parameter cannot be parsed as a "
                                                             "long value: {} == {}",
                                                             p.text(), shown)));
      if (secs < 0)
        return fail_state(f, st, runtime(*f, st, fmt::format("The SecondsPath parameter references a "
                                                             "negative value: {} == {}",
                                                             p.text(), shown)));
      // A delay that does not fit a Java int of seconds is refused as a timestamp that far
      // ahead is (AWS-recorded boundary: 24,855 days accepted, 24,856 refused). AWS records no
      // SecondsPath case this large; the same rule is the inference.
      if (secs > static_cast<double>(std::numeric_limits<std::int32_t>::max()))
        return fail_state(f, st, runtime(*f, st, "Wait state delay is too long."));
      due = add_seconds(start, secs * config_.wait_scale);
      break;
    }
    case WaitKind::timestamp_path: {
      const jsonpath::Path& p = *st.wait_path;
      std::string miss;
      const Json* val = p.find(p.root() == jsonpath::Root::context ? *ctx : v.get(), &miss);
      if (!val) return fail_state(f, st, runtime(*f, st, invalid_path(p, miss)));
      std::optional<timestamp::Instant> at;
      if (val->is_string()) at = timestamp::parse_instant(val->get_ref<const std::string&>());
      if (!at)
        return fail_state(f, st, runtime(*f, st, fmt::format("The TimestampPath parameter does not reference a "
                                                             "valid ISO-8601 extended offset date-time format "
                                                             "string: {} == {}",
                                                             p.text(),
                                                             val->is_string() ? val->get<std::string>()
                                                                              : val->dump())));
      if (too_far(*at, start)) return fail_state(f, st, runtime(*f, st, "Wait state delay is too long."));
      at_timestamp(*at);
      break;
    }
  }
  // Keep the effective input as the document to output after the wait.
  if (v.ptr != &f->doc) {
    Json eff = v.ptr ? *v.ptr : std::move(v.owned);
    f->doc = std::move(eff);
  }
  f->resume = Frame::Resume::wait_done;
  if (due <= start) return finish_wait(f, st);
  schedule(f, due);
  return Step::stop;
}

inline bool Interpreter::is_integral(double d) { return std::isfinite(d) && std::floor(d) == d; }

/// AWS refuses delays of 2^31 seconds or more ("Wait state delay is too long.", spec §8).
inline bool Interpreter::too_far(const timestamp::Instant& at, TimePoint start) {
  const std::int64_t start_s = std::chrono::duration_cast<std::chrono::seconds>(start.time_since_epoch()).count();
  return at.seconds - start_s >= 24856LL * 86400LL;
}

inline Interpreter::Step Interpreter::finish_wait(const std::shared_ptr<Frame>& f, const State& st) {
  std::optional<Json> holder;
  const Json* ctx = make_ctx(*f, st, holder);
  return exit_state(f, st, ctx, std::move(f->doc), st.next, f->size_bound);
}

}  // namespace asl::detail
