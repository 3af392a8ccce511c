// Journals: the storage interface of durable executions (asl::Journal), what opening one found
// (JournalOpenReport), its counters, and the error a stopped journal throws (JournalError).
// SPDX-License-Identifier: MIT
//
// A journal stores opaque byte strings, each numbered by the journal with a 64-bit sequence
// number (1, 2, 3, ... with no gaps), and gives them back in that order. It knows nothing about
// executions: the engine encodes its facts into records, and may replace a prefix of the journal
// with one snapshot record of its own making (compact()), so that recovery reads the snapshot
// plus the records after it instead of the whole history. asl::FileJournal
// (asl/file_journal.hpp) is the built-in implementation.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "asl/error.hpp"

namespace asl {

/// A journal that cannot go on: a write or an fsync failed (it then refuses every later call, see
/// Journal::failed()), it was closed, or what is on disk cannot be read back safely.
class JournalError : public Exception {
 public:
  explicit JournalError(const std::string& what, int sys_errno = 0) : Exception(what), errno_(sys_errno) {}
  /// The errno of the failed system call, or 0.
  int sys_errno() const noexcept { return errno_; }

 private:
  int errno_;
};

/// When appended records reach stable storage.
enum class FsyncPolicy : std::uint8_t {
  /// Each append() writes and syncs its record before returning: one fsync per record.
  every_record,
  /// Group commit (the default): appends are buffered, and a background thread writes and syncs
  /// them a few milliseconds later (or at once when someone waits for durability), many records
  /// per fsync. append_durable() and sync() wait for the sync.
  batched,
  /// Records are written by the background thread but never synced: they survive a crash of the
  /// process, not of the machine. sync() and append_durable() wait for the write only.
  none,
};

/// What can be wrong with the end of a journal found at open.
enum class JournalDamage : std::uint8_t {
  none,             ///< every record was intact
  short_header,     ///< the file ends inside a record's 8-byte header (a torn write)
  short_payload,    ///< the file ends inside a record's payload, or a length points past it
  bad_length,       ///< a record claims more than the format allows (garbage, never a real record)
  bad_crc,          ///< a record's checksum does not match (torn or corrupt)
  bad_file_header,  ///< a segment's file header is missing, short or wrong
  sequence_gap,     ///< a segment does not start where the one before it ended
};

/// Stable lower-case name of a JournalDamage ("bad_crc").
inline const char* to_string(JournalDamage d) noexcept {
  switch (d) {
    case JournalDamage::none: return "none";
    case JournalDamage::short_header: return "short_header";
    case JournalDamage::short_payload: return "short_payload";
    case JournalDamage::bad_length: return "bad_length";
    case JournalDamage::bad_crc: return "bad_crc";
    case JournalDamage::bad_file_header: return "bad_file_header";
    case JournalDamage::sequence_gap: return "sequence_gap";
  }
  return "unknown";
}

/// What opening a journal found. A damaged end is never trusted: the journal keeps the intact
/// prefix, removes the rest, and says so here (it does not throw, because a torn last write is the
/// normal result of a crash).
struct JournalOpenReport {
  std::uint64_t records = 0;   ///< intact records kept, after the snapshot (what replay() yields besides it)
  std::uint64_t segments = 0;  ///< segment files kept
  std::optional<std::uint64_t> snapshot_seq;  ///< the snapshot's sequence number, if there is one
  std::uint64_t next_seq = 1;                 ///< the number the next append gets

  JournalDamage damage = JournalDamage::none;  ///< why the journal was cut (none: it was not)
  std::string damaged_file;          ///< the file where the first bad byte is
  std::uint64_t damaged_offset = 0;  ///< its offset in that file: everything from there on is gone
  std::uint64_t bytes_cut = 0;       ///< bytes removed: the cut tail plus the discarded files
  std::vector<std::string> discarded_files;  ///< whole files set aside after the damage (renamed)
  std::vector<std::string> removed_files;    ///< leftovers of an interrupted compaction, deleted
  std::string reason;                        ///< one line for a log; empty when clean

  bool clean() const noexcept { return damage == JournalDamage::none; }
};

/// Counters since the journal was opened. Reading them is cheap and thread-safe.
struct JournalStats {
  std::uint64_t records_written = 0;  ///< records handed to the file system
  std::uint64_t bytes_written = 0;    ///< bytes handed to the file system (framing and file headers included)
  std::uint64_t fsyncs = 0;           ///< fsync and fdatasync calls, of files and of the directory
  std::uint64_t flushes = 0;          ///< write batches (group commits)

  /// Records per fsync: the benefit of group commit (0 before the first fsync).
  double records_per_fsync() const noexcept {
    return fsyncs == 0 ? 0.0 : static_cast<double>(records_written) / static_cast<double>(fsyncs);
  }
};

/// One entry handed to Journal::replay(). `payload` is valid during the call only.
struct JournalEntry {
  std::uint64_t seq = 0;
  std::string_view payload;
  /// True for the snapshot that compact() put in place of the records up to and including `seq`;
  /// it comes first, and only records with larger numbers follow it.
  bool snapshot = false;
};

/// A durable, ordered log of opaque records. Implementations are thread-safe: any thread may
/// append; records of one thread keep that thread's order. After failed() every call that
/// writes or reads throws JournalError: a journal never retries a failed write or fsync (after a
/// failed fsync the kernel may have dropped the data while reporting the error only once, the
/// PostgreSQL "fsyncgate" lesson), so the only safe continuation is to reopen it after a restart.
class Journal {
 public:
  using Visitor = std::function<void(const JournalEntry&)>;

  virtual ~Journal() = default;
  Journal() = default;
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  /// Appends one record and returns its sequence number. Durable according to the journal's
  /// FsyncPolicy: with `batched`, not yet when this returns.
  virtual std::uint64_t append(std::string_view payload) = 0;
  /// Appends one record and returns once it is on stable storage: for facts that must be on
  /// disk before their effect happens (a task dispatched at most once, a callback token handed out).
  virtual std::uint64_t append_durable(std::string_view payload) = 0;
  /// Returns once every record appended before the call is on stable storage.
  virtual void sync() = 0;

  /// Calls `visit` for the snapshot (if any), then for every record after it, in sequence order:
  /// everything appended before the call. Do not call replay() or compact() from `visit`.
  virtual void replay(const Visitor& visit) = 0;

  /// Drops every record numbered below `keep_from` and puts `snapshot` in their place, numbered
  /// `keep_from - 1`: an engine writes a snapshot of its live executions covering the records up
  /// to there, and recovery then starts from it. Without a snapshot, the prefix (and any earlier
  /// snapshot) is just dropped. `keep_from` must be at most next_seq() and must not go below an
  /// existing snapshot. Atomic across crashes: afterwards the journal reads either as before or
  /// as after.
  virtual void compact(std::uint64_t keep_from, std::optional<std::string_view> snapshot) = 0;
  /// compact() without a snapshot.
  void drop_before(std::uint64_t keep_from) { compact(keep_from, std::nullopt); }

  /// The number the next append() gets.
  virtual std::uint64_t next_seq() const = 0;
  /// What opening found (a cut tail, discarded files), fixed after the constructor.
  virtual const JournalOpenReport& open_report() const noexcept = 0;
  virtual JournalStats stats() const noexcept = 0;
  /// True after a write or fsync failed: the journal is stopped.
  virtual bool failed() const noexcept = 0;
  /// Why it stopped ("fdatasync 00000000000000000001.log: Input/output error"); empty while healthy.
  virtual std::string failure() const = 0;
};

}  // namespace asl
