// Test helper: the journal key (frame, step, attempt) inside a TaskContext::idempotency_key()
// ("name:frame.step:state:attempt"), to look a handler call up in a recovered execution's memo.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>

#include "asl/detail/run/replay_memo.hpp"

namespace asl::testing {

inline asl::detail::FactKey fact_key_of(const std::string& key) {
  const auto c1 = key.find(':'), dot = key.find('.', c1), c2 = key.find(':', dot), c3 = key.rfind(':');
  asl::detail::FactKey k;
  k.frame = std::stoull(key.substr(c1 + 1, dot - c1 - 1));
  k.step = static_cast<std::uint32_t>(std::stoul(key.substr(dot + 1, c2 - dot - 1)));
  k.attempt = static_cast<std::uint32_t>(std::stoul(key.substr(c3 + 1)));
  return k;
}

}  // namespace asl::testing
