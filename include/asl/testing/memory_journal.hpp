// asl::testing::MemoryJournal: a Journal held in memory, for tests of durable executions. A test
// takes a prefix of its records to play "the process died here" at any record boundary, and
// can make it fail the way a disk does (after a given number of appends). It compacts as
// FileJournal does (a snapshot in place of a prefix).
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "asl/error.hpp"
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
    synced_ = dropped_ + records_.size();
  }
  void replay(const Visitor& visit) override {
    std::optional<std::string> snapshot;
    std::vector<std::string> copy;
    std::uint64_t first = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      throw_if_failed();
      snapshot = snapshot_;
      copy = records_;
      first = dropped_ + 1;
    }
    if (snapshot) visit(JournalEntry{first - 1, *snapshot, true});
    for (std::size_t i = 0; i < copy.size(); ++i) visit(JournalEntry{first + i, copy[i], false});
  }
  void compact(std::uint64_t keep_from, std::optional<std::string_view> snapshot) override {
    std::lock_guard<std::mutex> lock(mutex_);
    throw_if_failed();
    if (keep_from < dropped_ + 1 || keep_from > dropped_ + records_.size() + 1)
      throw UsageError("MemoryJournal::compact: keep_from out of range");
    const std::uint64_t drop = keep_from - 1 - dropped_;
    records_.erase(records_.begin(), records_.begin() + static_cast<std::ptrdiff_t>(drop));
    dropped_ = keep_from - 1;
    if (snapshot) snapshot_ = std::string(*snapshot);
    else snapshot_.reset();
  }
  std::uint64_t next_seq() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return dropped_ + records_.size() + 1;
  }
  const JournalOpenReport& open_report() const noexcept override { return report_; }
  JournalStats stats() const noexcept override {
    std::lock_guard<std::mutex> lock(mutex_);
    JournalStats s;
    s.records_written = dropped_ + records_.size();
    return s;
  }
  bool failed() const noexcept override {
    std::lock_guard<std::mutex> lock(mutex_);
    return failed_;
  }
  std::string failure() const override { return failed() ? "MemoryJournal: injected failure" : ""; }

  /// Every record appended so far and not compacted away, in order.
  std::vector<std::string> records() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return records_;
  }
  /// The snapshot compact() put in place of the records before the first of records(), if any.
  std::optional<std::string> snapshot() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return snapshot_;
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
    fail_at_ = dropped_ + records_.size() + n;
  }

 private:
  std::uint64_t add(std::string_view payload, bool durable) {
    std::lock_guard<std::mutex> lock(mutex_);
    throw_if_failed();
    if (fail_at_ && dropped_ + records_.size() >= *fail_at_) {
      failed_ = true;
      throw JournalError("MemoryJournal: injected failure", 5 /* EIO */);
    }
    records_.emplace_back(payload);
    if (durable) synced_ = dropped_ + records_.size();
    return dropped_ + records_.size();
  }
  void throw_if_failed() const {
    if (failed_) throw JournalError("MemoryJournal: stopped after an injected failure", 5);
  }

  mutable std::mutex mutex_;
  std::vector<std::string> records_;
  std::uint64_t dropped_ = 0;  ///< records numbered 1..dropped_ were compacted away
  std::optional<std::string> snapshot_;
  std::size_t synced_ = 0;
  std::optional<std::size_t> fail_at_;
  bool failed_ = false;
  JournalOpenReport report_;
};

}  // namespace asl::testing
