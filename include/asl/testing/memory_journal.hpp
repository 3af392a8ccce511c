// asl::testing::MemoryJournal: a Journal held in memory, for tests of durable executions. A test
// takes a prefix of its records to play "the process died here" at any record boundary, and
// can make it fail the way a disk does (after a given number of appends).
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "asl/journal.hpp"

namespace asl::testing {

class MemoryJournal final : public Journal {
 public:
  MemoryJournal() = default;
  /// A journal holding `records` (numbered from 1), as a process would find it after a crash.
  explicit MemoryJournal(std::vector<std::string> records) : records_(std::move(records)) {}

  std::uint64_t append(std::string_view payload) override { return add(payload, false); }
  std::uint64_t append_durable(std::string_view payload) override { return add(payload, true); }
  void sync() override {
    std::lock_guard<std::mutex> lock(mutex_);
    throw_if_failed();
    synced_ = records_.size();
  }
  void replay(const Visitor& visit) override {
    std::vector<std::string> copy = records();
    for (std::size_t i = 0; i < copy.size(); ++i) visit(JournalEntry{i + 1, copy[i], false});
  }
  void compact(std::uint64_t, std::optional<std::string_view>) override {
    throw JournalError("asl::testing::MemoryJournal does not compact");
  }
  std::uint64_t next_seq() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return records_.size() + 1;
  }
  const JournalOpenReport& open_report() const noexcept override { return report_; }
  JournalStats stats() const noexcept override {
    std::lock_guard<std::mutex> lock(mutex_);
    JournalStats s;
    s.records_written = records_.size();
    return s;
  }
  bool failed() const noexcept override {
    std::lock_guard<std::mutex> lock(mutex_);
    return failed_;
  }
  std::string failure() const override { return failed() ? "MemoryJournal: injected failure" : ""; }

  /// Every record appended so far, in order.
  std::vector<std::string> records() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return records_;
  }
  /// Records appended with append_durable() (or covered by sync()) when the call returned.
  std::size_t durable_count() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return synced_;
  }
  /// The next append after `n` more succeed throws JournalError, and every call after it too:
  /// a disk that stopped (see Journal: never retried).
  void fail_after(std::size_t n) {
    std::lock_guard<std::mutex> lock(mutex_);
    fail_at_ = records_.size() + n;
  }

 private:
  std::uint64_t add(std::string_view payload, bool durable) {
    std::lock_guard<std::mutex> lock(mutex_);
    throw_if_failed();
    if (fail_at_ && records_.size() >= *fail_at_) {
      failed_ = true;
      throw JournalError("MemoryJournal: injected failure", 5 /* EIO */);
    }
    records_.emplace_back(payload);
    if (durable) synced_ = records_.size();
    return records_.size();
  }
  void throw_if_failed() const {
    if (failed_) throw JournalError("MemoryJournal: stopped after an injected failure", 5);
  }

  mutable std::mutex mutex_;
  std::vector<std::string> records_;
  std::size_t synced_ = 0;
  std::optional<std::size_t> fail_at_;
  bool failed_ = false;
  JournalOpenReport report_;
};

}  // namespace asl::testing
