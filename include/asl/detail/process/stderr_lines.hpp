// A command's stderr read as lines: ordinary lines go to the host's sink, a heartbeat line
// ({"heartbeat": true}) becomes a heartbeat, and the last bytes are kept for an error's cause.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "asl/json.hpp"
#include "asl/parse_json.hpp"

namespace asl::detail::process {

/// True for a line that is the JSON object {"heartbeat": true} (spaces allowed around it, other
/// members too). Cheap for every other line: parsed only when it starts with '{' and names
/// "heartbeat".
inline bool is_heartbeat_line(std::string_view line) {
  std::size_t b = 0, e = line.size();
  while (b < e && (line[b] == ' ' || line[b] == '\t')) ++b;
  while (e > b && (line[e - 1] == ' ' || line[e - 1] == '\t' || line[e - 1] == '\r')) --e;
  line = line.substr(b, e - b);
  if (line.empty() || line.front() != '{' || line.back() != '}' ||
      line.find("\"heartbeat\"") == std::string_view::npos)
    return false;
  try {
    const Json j = parse_json(line, 8);
    const auto it = j.find("heartbeat");
    return it != j.end() && it->is_boolean() && it->get<bool>();
  } catch (const std::exception&) {
    return false;
  }
}

/// Splits a stream of stderr bytes into lines. A line longer than `max_line` is passed on in
/// pieces of that size: a command that never prints a newline must not grow memory without
/// bound. The tail keeps the last ordinary lines (heartbeats excluded), at most about
/// 2 x `tail_limit` bytes, trimmed when read.
class StderrLines {
 public:
  StderrLines(std::size_t tail_limit, std::size_t max_line) : tail_limit_(tail_limit), max_line_(max_line) {}

  /// Feeds `bytes`; calls on_line(line) per ordinary line (without its newline) and
  /// on_heartbeat() per heartbeat line.
  template <class OnLine, class OnHeartbeat>
  void feed(std::string_view bytes, OnLine&& on_line, OnHeartbeat&& on_heartbeat) {
    while (!bytes.empty()) {
      const std::size_t nl = bytes.find('\n');
      const std::size_t take = nl == std::string_view::npos ? bytes.size() : nl;
      partial_.append(bytes.data(), take);
      const bool complete = nl != std::string_view::npos;
      bytes.remove_prefix(complete ? take + 1 : take);
      if (complete || partial_.size() >= max_line_) emit(on_line, on_heartbeat);
    }
  }

  /// End of stream: a last line without a newline is still a line.
  template <class OnLine, class OnHeartbeat>
  void finish(OnLine&& on_line, OnHeartbeat&& on_heartbeat) {
    if (!partial_.empty()) emit(on_line, on_heartbeat);
  }

  /// The last ordinary lines, joined by '\n', at most `tail_limit` bytes (raw bytes: the caller
  /// makes them valid UTF-8).
  std::string_view tail() const {
    std::string_view t = tail_;
    while (!t.empty() && (t.back() == '\n' || t.back() == '\r' || t.back() == ' ')) t.remove_suffix(1);
    if (t.size() > tail_limit_) t.remove_prefix(t.size() - tail_limit_);
    return t;
  }

 private:
  template <class OnLine, class OnHeartbeat>
  void emit(OnLine& on_line, OnHeartbeat& on_heartbeat) {
    if (is_heartbeat_line(partial_)) {
      on_heartbeat();
    } else {
      on_line(std::string_view(partial_));
      tail_ += partial_;
      tail_ += '\n';
      if (tail_.size() > 2 * tail_limit_ + 1) tail_.erase(0, tail_.size() - tail_limit_ - 1);
    }
    partial_.clear();
  }

  std::size_t tail_limit_;
  std::size_t max_line_;
  std::string partial_;
  std::string tail_;
};

}  // namespace asl::detail::process
