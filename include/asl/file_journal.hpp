// asl::FileJournal: the built-in Journal, a segmented append-only log in one directory with group
// commit, torn-tail recovery and crash-atomic compaction (POSIX).
// SPDX-License-Identifier: MIT
//
// Format and recovery rules: asl/detail/journal/format.hpp and recovery.hpp. The choices:
// - Group commit. Appenders only frame their record (checksum outside the lock) and queue it; one
//   flusher thread writes everything queued with one pwrite per segment and one fdatasync, within
//   `batch_window` of the first queued record, or at once when someone waits (append_durable,
//   sync) or `batch_bytes` are queued. A waiter arriving while an fsync runs is served by the next
//   one, so under load each fsync carries many records without anyone waiting a full window.
// - A failed write or fsync stops the journal for good and is never retried (journal.hpp).
// - Compaction writes `<seq>.snap.tmp`, syncs it, renames it to `<seq>.snap` and syncs the
//   directory (the commit point), then deletes the older snapshot and the segments it covers. A
//   crash before the rename leaves the old journal (the .tmp is deleted at open); after it, the
//   new one (open deletes what the compaction had not yet deleted). The segment that holds the
//   first kept record stays whole: its older records are skipped by number, not rewritten.
#pragma once

#include <fcntl.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "asl/detail/journal/file_ops.hpp"
#include "asl/detail/journal/format.hpp"
#include "asl/detail/journal/recovery.hpp"
#include "asl/error.hpp"
#include "asl/journal.hpp"

namespace asl {

struct FileJournalOptions {
  FsyncPolicy fsync = FsyncPolicy::batched;
  /// A segment is closed and a new one started when the next record would take it past this size
  /// (a record larger than it gets a segment of its own). At least 64 bytes.
  std::uint64_t segment_bytes = std::uint64_t{64} << 20;
  /// `batched`/`none`: how long the flusher waits after the first queued record for more, unless
  /// someone waits for durability.
  std::chrono::microseconds batch_window{2000};
  /// `batched`/`none`: flush at once when this many bytes are queued.
  std::size_t batch_bytes = std::size_t{1} << 20;
  /// `batched`/`none`: append() blocks while this many bytes wait for the flusher (back pressure,
  /// so a slow disk cannot make memory grow without bound).
  std::size_t max_pending_bytes = std::size_t{64} << 20;
  /// The file-operations seam (tests inject failures); null means the operating system.
  std::shared_ptr<detail::FileOps> file_ops;
};

/// A Journal stored in one directory (created when missing). Only one FileJournal may have a
/// directory open at a time; nothing locks it against a second process.
class FileJournal final : public Journal {
 public:
  /// Opens (or creates) the journal in `dir` and recovers it: see open_report() for what was
  /// cut. Throws JournalError when the directory cannot be used or its contents cannot be trusted.
  explicit FileJournal(std::string dir, FileJournalOptions opts = {});
  /// Flushes (and syncs, per policy) what was appended, then closes; errors are swallowed: call
  /// close() first to see them.
  ~FileJournal() override;

  std::uint64_t append(std::string_view payload) override;
  std::uint64_t append_durable(std::string_view payload) override;
  void sync() override;
  void replay(const Visitor& visit) override;
  void compact(std::uint64_t keep_from, std::optional<std::string_view> snapshot) override;
  using Journal::drop_before;

  std::uint64_t next_seq() const override;
  const JournalOpenReport& open_report() const noexcept override { return report_; }
  JournalStats stats() const noexcept override;
  bool failed() const noexcept override { return failed_.load(std::memory_order_acquire); }
  std::string failure() const override;

  /// Writes and syncs everything appended, stops the flusher and closes the files. Later calls
  /// throw JournalError. Throws if that last flush fails. Not from a replay() visitor.
  void close();
  const std::string& directory() const noexcept { return dir_; }
  const FileJournalOptions& options() const noexcept { return opt_; }

 private:
  /// Records queued for one segment: `new_segment` starts a segment numbered `first_seq`.
  struct Chunk {
    std::uint64_t first_seq = 0;
    std::uint64_t count = 0;
    bool new_segment = false;
    std::string bytes;
  };
  struct IoFailure {
    std::string text;
    int err = 0;
  };

  bool durable() const noexcept { return opt_.fsync != FsyncPolicy::none; }
  std::uint64_t enqueue_locked(const char* frame_header, std::string_view payload, std::vector<Chunk>& into);
  void wait_done_locked(std::unique_lock<std::mutex>& lk, std::uint64_t seq);
  std::uint64_t sync_all();
  void throw_if_unusable_locked() const;
  void fail_locked(IoFailure f);
  [[noreturn]] void fail_and_throw(IoFailure f);
  void flusher_loop();
  std::optional<IoFailure> write_batch(std::vector<Chunk>& batch, std::vector<std::uint64_t>& created);
  std::optional<IoFailure> create_segment(std::uint64_t first_seq);
  std::optional<IoFailure> sync_fd(int fd, bool data_only, const std::string& what);
  void close_files() noexcept;

  const std::string dir_;
  const FileJournalOptions opt_;
  const std::shared_ptr<detail::FileOps> ops_;
  JournalOpenReport report_;
  int dir_fd_ = -1;

  // The segment being appended to. Owned by the flusher thread (batched, none), by the holder of
  // mutex_ (every_record), and by the constructor and close() before and after the flusher runs.
  int active_fd_ = -1;
  std::string active_name_;
  std::uint64_t active_size_ = 0;
  bool active_dirty_ = false;  // written since its last sync

  mutable std::mutex mutex_;
  std::condition_variable work_cv_;  // wakes the flusher
  std::condition_variable done_cv_;  // wakes threads waiting for a flush
  std::vector<Chunk> chunks_;        // appended, not yet taken by the flusher
  // Written chunks' buffers, emptied, for the next appends: a fresh buffer grows by doubling,
  // copying what it holds each time and faulting in new pages (a quarter of a journaled Map's
  // time went there), where a reused one is already the size of a batch.
  std::vector<std::string> spare_;
  std::size_t pending_bytes_ = 0;
  std::chrono::steady_clock::time_point first_pending_{};
  std::uint64_t next_seq_ = 1;
  std::uint64_t taken_seq_ = 0;   // the last record handed to the flusher
  std::uint64_t done_seq_ = 0;    // the last record written (and synced, unless policy none)
  std::uint64_t wanted_seq_ = 0;  // the last record someone waits for: flush without waiting the window
  std::uint64_t planned_size_ = 0;  // the active segment's size once everything queued is written
  std::vector<std::uint64_t> segments_;
  std::uint64_t base_seq_ = 0;
  bool has_base_ = false;
  bool has_snapshot_ = false;
  bool stopping_ = false;
  bool closed_ = false;
  std::atomic<bool> failed_{false};
  std::string failure_;
  int failure_errno_ = 0;

  std::atomic<std::uint64_t> records_written_{0};
  std::atomic<std::uint64_t> bytes_written_{0};
  std::atomic<std::uint64_t> fsyncs_{0};
  std::atomic<std::uint64_t> flushes_{0};

  std::mutex maintenance_mutex_;  // replay() and compact() one at a time
  std::thread flusher_;
};

// ---------------------------------------------------------------------------------------------
// Opening and closing

namespace detail {
/// mkdir -p: creates every missing component of `dir`.
inline void make_journal_directories(FileOps& ops, const std::string& dir) {
  for (std::size_t i = 1; i <= dir.size(); ++i) {
    if (i < dir.size() && dir[i] != '/') continue;
    const std::string prefix = dir.substr(0, i);
    if (ops.mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) throw_journal_errno("cannot create", prefix, errno);
  }
}
}  // namespace detail

inline FileJournal::FileJournal(std::string dir, FileJournalOptions opts)
    : dir_(std::move(dir)),
      opt_(std::move(opts)),
      ops_(opt_.file_ops ? opt_.file_ops : std::make_shared<detail::FileOps>()) {
  if (dir_.empty()) throw UsageError("FileJournal: empty directory name");
  if (opt_.segment_bytes < 64) throw UsageError("FileJournal: segment_bytes must be at least 64");
  if (opt_.max_pending_bytes == 0) throw UsageError("FileJournal: max_pending_bytes must not be 0");
  if (opt_.batch_window.count() < 0) throw UsageError("FileJournal: negative batch_window");

  detail::make_journal_directories(*ops_, dir_);
  dir_fd_ = ops_->open(dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
  if (dir_fd_ < 0) detail::throw_journal_errno("cannot open", dir_, errno);
  // One writer per directory: a second FileJournal on it (in this process or another) would
  // append to the same segments and recover around the other's records, losing some. The
  // kernel drops the lock with the descriptor, so a killed process leaves none behind.
  if (ops_->lock(dir_fd_) != 0) {
    const int err = errno;
    ops_->close(dir_fd_);
    dir_fd_ = -1;
    if (err == EWOULDBLOCK)
      throw JournalError("the journal in " + dir_ +
                             " is open in another FileJournal (in this process or another one); a directory has "
                             "one writer at a time",
                         err);
    detail::throw_journal_errno("cannot lock", dir_, err);
  }
  try {
    detail::RecoveredJournal rec = detail::recover_journal(*ops_, dir_, dir_fd_, durable());
    fsyncs_ += rec.fsyncs;
    report_ = std::move(rec.report);
    segments_ = std::move(rec.segments);
    base_seq_ = rec.base_seq;
    has_base_ = rec.has_base;
    has_snapshot_ = rec.has_snapshot;
    next_seq_ = report_.next_seq;
    taken_seq_ = done_seq_ = next_seq_ - 1;

    // Continue the last segment when the next record belongs there and it has room; otherwise
    // start one now, so that the first append does not pay for creating it.
    if (!segments_.empty() && rec.last_segment_next == next_seq_ && rec.last_segment_size < opt_.segment_bytes) {
      active_name_ = detail::journal_file_name(segments_.back(), ".log");
      active_fd_ = ops_->open(detail::journal_path(dir_, active_name_).c_str(), O_WRONLY | O_CLOEXEC, 0);
      if (active_fd_ < 0) detail::throw_journal_errno("cannot open", active_name_, errno);
      active_size_ = rec.last_segment_size;
    } else {
      std::optional<IoFailure> f = create_segment(next_seq_);
      if (!f && durable()) f = sync_fd(active_fd_, true, active_name_);
      if (!f && durable()) f = sync_fd(dir_fd_, false, dir_);
      if (f) throw JournalError(f->text, f->err);
      segments_.push_back(next_seq_);
    }
    planned_size_ = active_size_;
    if (opt_.fsync != FsyncPolicy::every_record) flusher_ = std::thread([this] { flusher_loop(); });
  } catch (...) {
    close_files();
    throw;
  }
}

inline FileJournal::~FileJournal() {
  try {
    close();
  } catch (...) {  // a destructor must not throw; call close() to see the error
  }
}

inline void FileJournal::close() {
  std::lock_guard<std::mutex> maintenance(maintenance_mutex_);  // not while replay() or compact() runs
  bool was_failed = false;
  {
    std::lock_guard<std::mutex> lk(mutex_);
    if (closed_) return;
    closed_ = true;
    stopping_ = true;
    was_failed = failed_.load(std::memory_order_relaxed);
  }
  work_cv_.notify_all();
  done_cv_.notify_all();  // appenders held back by max_pending_bytes see closed_
  if (flusher_.joinable()) flusher_.join();  // it drains the queue before it returns
  close_files();
  std::lock_guard<std::mutex> lk(mutex_);
  if (!was_failed && failed_.load(std::memory_order_relaxed)) throw JournalError(failure_, failure_errno_);
}

inline void FileJournal::close_files() noexcept {
  if (active_fd_ >= 0) ops_->close(active_fd_);
  if (dir_fd_ >= 0) ops_->close(dir_fd_);
  active_fd_ = dir_fd_ = -1;
}

// ---------------------------------------------------------------------------------------------
// Appending

inline std::uint64_t FileJournal::enqueue_locked(const char* frame_header, std::string_view payload,
                                                 std::vector<Chunk>& into) {
  const std::uint64_t seq = next_seq_++;
  const std::uint64_t frame = detail::journal_frame_header_size + payload.size();
  // Roll over before a record that would not fit, unless the segment holds no record yet.
  const bool roll = planned_size_ > detail::journal_file_header_size && planned_size_ + frame > opt_.segment_bytes;
  if (roll) planned_size_ = detail::journal_file_header_size;
  planned_size_ += frame;
  if (into.empty() || roll) {
    into.push_back(Chunk{seq, 0, roll, {}});
    if (!spare_.empty()) {  // a buffer the flusher gave back, with its capacity
      into.back().bytes = std::move(spare_.back());
      spare_.pop_back();
    }
  }
  Chunk& c = into.back();
  c.bytes.append(frame_header, detail::journal_frame_header_size);
  c.bytes.append(payload.data(), payload.size());
  ++c.count;
  return seq;
}

inline std::uint64_t FileJournal::append(std::string_view payload) {
  if (payload.size() > detail::journal_max_record_bytes) throw UsageError("FileJournal: record larger than 1 GiB");
  char header[detail::journal_frame_header_size];
  detail::encode_frame_header(header, payload);  // the checksum, outside the lock

  std::unique_lock<std::mutex> lk(mutex_);
  throw_if_unusable_locked();
  if (opt_.fsync == FsyncPolicy::every_record) {
    std::vector<Chunk> one;
    const std::uint64_t seq = enqueue_locked(header, payload, one);
    std::vector<std::uint64_t> created;
    if (std::optional<IoFailure> f = write_batch(one, created)) {
      fail_locked(*f);
      throw JournalError("journal stopped: " + f->text, f->err);
    }
    segments_.insert(segments_.end(), created.begin(), created.end());
    taken_seq_ = done_seq_ = seq;
    return seq;
  }

  if (pending_bytes_ >= opt_.max_pending_bytes) {
    wanted_seq_ = std::max(wanted_seq_, next_seq_ - 1);
    work_cv_.notify_one();
    done_cv_.wait(lk, [&] { return pending_bytes_ < opt_.max_pending_bytes || failed_ || closed_; });
    throw_if_unusable_locked();
  }
  const bool was_empty = chunks_.empty();
  const std::size_t before = pending_bytes_;
  const std::uint64_t seq = enqueue_locked(header, payload, chunks_);
  pending_bytes_ += detail::journal_frame_header_size + payload.size();
  if (was_empty) first_pending_ = std::chrono::steady_clock::now();
  // Wake the flusher only when it has a reason to act: its first record (to start the window)
  // or crossing batch_bytes; the flusher picks up the rest when it runs.
  if (was_empty || (before < opt_.batch_bytes && pending_bytes_ >= opt_.batch_bytes)) work_cv_.notify_one();
  return seq;
}

inline std::uint64_t FileJournal::append_durable(std::string_view payload) {
  const std::uint64_t seq = append(payload);
  if (opt_.fsync == FsyncPolicy::every_record) return seq;
  std::unique_lock<std::mutex> lk(mutex_);
  wait_done_locked(lk, seq);
  return seq;
}

inline void FileJournal::sync() { sync_all(); }

inline std::uint64_t FileJournal::sync_all() {
  std::unique_lock<std::mutex> lk(mutex_);
  throw_if_unusable_locked();
  const std::uint64_t target = next_seq_ - 1;
  wait_done_locked(lk, target);
  return target;
}

inline void FileJournal::wait_done_locked(std::unique_lock<std::mutex>& lk, std::uint64_t seq) {
  if (done_seq_ >= seq) return;
  if (wanted_seq_ < seq) {
    wanted_seq_ = seq;
    work_cv_.notify_one();
  }
  done_cv_.wait(lk, [&] { return done_seq_ >= seq || failed_; });
  // A record already on disk stays acknowledged even if a later flush failed.
  if (done_seq_ < seq) throw JournalError("journal stopped: " + failure_, failure_errno_);
}

inline void FileJournal::throw_if_unusable_locked() const {
  if (failed_.load(std::memory_order_relaxed)) throw JournalError("journal stopped: " + failure_, failure_errno_);
  if (closed_) throw JournalError("journal " + dir_ + " is closed");
}

inline void FileJournal::fail_locked(IoFailure f) {
  if (failed_.load(std::memory_order_relaxed)) return;  // keep the first reason
  failure_ = std::move(f.text);
  failure_errno_ = f.err;
  failed_.store(true, std::memory_order_release);
  chunks_.clear();  // never written: the journal will not try again
  pending_bytes_ = 0;
  work_cv_.notify_all();
  done_cv_.notify_all();
}

inline void FileJournal::fail_and_throw(IoFailure f) {
  std::lock_guard<std::mutex> lk(mutex_);
  fail_locked(f);
  throw JournalError("journal stopped: " + failure_, failure_errno_);
}

// ---------------------------------------------------------------------------------------------
// Writing (the flusher, or the appender under every_record)

inline void FileJournal::flusher_loop() {
  std::vector<Chunk> batch;
  std::unique_lock<std::mutex> lk(mutex_);
  for (;;) {
    work_cv_.wait(lk, [&] { return stopping_ || failed_ || !chunks_.empty(); });
    if (failed_ || chunks_.empty()) return;  // stopped, or closing with nothing left to write
    const auto now_please = [&] {
      return stopping_ || failed_ || wanted_seq_ > taken_seq_ || pending_bytes_ >= opt_.batch_bytes;
    };
    if (!now_please()) work_cv_.wait_until(lk, first_pending_ + opt_.batch_window, now_please);
    if (failed_) return;
    batch.swap(chunks_);
    taken_seq_ = next_seq_ - 1;
    pending_bytes_ = 0;
    done_cv_.notify_all();  // appenders held back by max_pending_bytes may queue again
    lk.unlock();

    std::vector<std::uint64_t> created;
    std::optional<IoFailure> f = write_batch(batch, created);

    lk.lock();
    if (f) {
      fail_locked(std::move(*f));
      return;
    }
    for (Chunk& c : batch) {
      // Two spares serve an appender while the flusher writes; an outsized one (a huge record,
      // a burst past batch_bytes) is not kept.
      if (spare_.size() < 2 && c.bytes.capacity() <= 2 * opt_.batch_bytes) {
        c.bytes.clear();
        spare_.push_back(std::move(c.bytes));
      }
    }
    batch.clear();
    // Segments are listed before the records in them count as done, so replay() finds them.
    segments_.insert(segments_.end(), created.begin(), created.end());
    done_seq_ = taken_seq_;
    done_cv_.notify_all();
  }
}

inline std::optional<FileJournal::IoFailure> FileJournal::write_batch(std::vector<Chunk>& batch,
                                                                      std::vector<std::uint64_t>& created) {
  for (Chunk& c : batch) {
    if (c.new_segment) {
      // The full segment is synced before the next one exists, so that after a crash only the
      // last segment can end in a torn record.
      if (durable() && active_dirty_) {
        if (auto f = sync_fd(active_fd_, true, active_name_)) return f;
      }
      ops_->close(active_fd_);
      active_fd_ = -1;
      if (auto f = create_segment(c.first_seq)) return f;
      created.push_back(c.first_seq);
    }
    if (const int err = detail::write_fully(*ops_, active_fd_, c.bytes.data(), c.bytes.size(), active_size_)) {
      return IoFailure{detail::journal_errno_text("write", active_name_, err), err};
    }
    active_size_ += c.bytes.size();
    active_dirty_ = true;
    bytes_written_.fetch_add(c.bytes.size(), std::memory_order_relaxed);
    records_written_.fetch_add(c.count, std::memory_order_relaxed);
  }
  if (durable()) {
    if (auto f = sync_fd(active_fd_, true, active_name_)) return f;
    active_dirty_ = false;
    if (!created.empty()) {
      if (auto f = sync_fd(dir_fd_, false, dir_)) return f;  // the new names must survive too
    }
  }
  flushes_.fetch_add(1, std::memory_order_relaxed);
  return std::nullopt;
}

inline std::optional<FileJournal::IoFailure> FileJournal::create_segment(std::uint64_t first_seq) {
  active_name_ = detail::journal_file_name(first_seq, ".log");
  // O_EXCL: a segment name is never reused while its file exists; finding one is a bug to stop on.
  active_fd_ = ops_->open(detail::journal_path(dir_, active_name_).c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                          0644);
  if (active_fd_ < 0) return IoFailure{detail::journal_errno_text("create", active_name_, errno), errno};
  const std::string header = detail::encode_file_header(detail::JournalFileKind::segment, first_seq);
  if (const int err = detail::write_fully(*ops_, active_fd_, header.data(), header.size(), 0)) {
    return IoFailure{detail::journal_errno_text("write", active_name_, err), err};
  }
  active_size_ = header.size();
  bytes_written_.fetch_add(header.size(), std::memory_order_relaxed);
  return std::nullopt;
}

inline std::optional<FileJournal::IoFailure> FileJournal::sync_fd(int fd, bool data_only, const std::string& what) {
  fsyncs_.fetch_add(1, std::memory_order_relaxed);
  // Called once per state to persist; on failure the caller stops the journal (never a second try).
  if ((data_only ? ops_->fdatasync(fd) : ops_->fsync(fd)) == 0) return std::nullopt;
  const int err = errno;
  return IoFailure{detail::journal_errno_text(data_only ? "fdatasync" : "fsync", what, err), err};
}

// ---------------------------------------------------------------------------------------------
// Reading, compaction, accessors

inline void FileJournal::replay(const Visitor& visit) {
  std::lock_guard<std::mutex> maintenance(maintenance_mutex_);
  const std::uint64_t upto = sync_all();
  std::vector<std::uint64_t> segments;
  std::uint64_t base = 0;
  bool has_snapshot = false;
  {
    std::lock_guard<std::mutex> lk(mutex_);
    segments = segments_;
    base = base_seq_;
    has_snapshot = has_snapshot_;
  }
  if (has_snapshot) {
    std::string payload;
    detail::read_base_file(*ops_, dir_, base, &payload);
    visit(JournalEntry{base, payload, true});
  }
  std::uint64_t seq = base + 1;  // the next record expected
  for (const std::uint64_t first : segments) {
    if (first > upto || seq > upto) break;
    const std::string name = detail::journal_file_name(first, ".log");
    const detail::JournalFd fd(*ops_, ops_->open(detail::journal_path(dir_, name).c_str(), O_RDONLY | O_CLOEXEC, 0));
    if (fd.get() < 0) detail::throw_journal_errno("cannot open", name, errno);
    const std::int64_t size = ops_->file_size(fd.get());
    if (size < 0) detail::throw_journal_errno("cannot stat", name, errno);
    detail::FrameReader reader(*ops_, fd.get(), static_cast<std::uint64_t>(size), detail::journal_file_header_size);
    for (std::uint64_t n = first; n <= upto; ++n) {
      std::string_view payload;
      const detail::FrameStatus s = reader.next(payload);
      if (s == detail::FrameStatus::end) break;
      if (s == detail::FrameStatus::io_error) detail::throw_journal_errno("cannot read", name, reader.error());
      if (s != detail::FrameStatus::ok) {
        throw JournalError(name + " changed after it was opened: " + to_string(detail::to_damage(s)) + " at byte " +
                           std::to_string(reader.offset()));
      }
      if (n < seq) continue;  // covered by the snapshot
      if (n > seq) break;     // a gap: reported below
      visit(JournalEntry{n, payload, false});
      ++seq;
    }
  }
  if (seq <= upto) {
    throw JournalError("journal " + dir_ + ": record " + std::to_string(seq) + " is missing (expected up to " +
                       std::to_string(upto) + ")");
  }
}

inline void FileJournal::compact(std::uint64_t keep_from, std::optional<std::string_view> snapshot) {
  if (snapshot && snapshot->size() > detail::journal_max_record_bytes) {
    throw UsageError("FileJournal: snapshot larger than 1 GiB");
  }
  std::lock_guard<std::mutex> maintenance(maintenance_mutex_);
  std::uint64_t next = 0;
  std::uint64_t old_base = 0;
  bool had_base = false;
  {
    std::lock_guard<std::mutex> lk(mutex_);
    throw_if_unusable_locked();
    next = next_seq_;
    old_base = base_seq_;
    had_base = has_base_;
  }
  if (keep_from == 0 || keep_from > next) {
    throw UsageError("FileJournal::compact: keep_from " + std::to_string(keep_from) + " is not in 1.." +
                     std::to_string(next));
  }
  const std::uint64_t base = keep_from - 1;
  if (base < old_base) {
    throw UsageError("FileJournal::compact: keep_from " + std::to_string(keep_from) +
                     " is older than the journal's snapshot at " + std::to_string(old_base));
  }
  if (!snapshot && base == old_base) return;  // nothing more to drop (an existing snapshot stays)

  sync_all();  // the records the snapshot replaces are on disk before it is
  const std::string name = detail::journal_file_name(base, ".snap");
  const std::string tmp = name + ".tmp";
  const std::string tmp_path = detail::journal_path(dir_, tmp);
  std::string head = detail::encode_file_header(
      snapshot ? detail::JournalFileKind::snapshot : detail::JournalFileKind::cut, base);
  if (snapshot) {
    char frame[detail::journal_frame_header_size];
    detail::encode_frame_header(frame, *snapshot);
    head.append(frame, sizeof frame);
  }
  // Synced even under FsyncPolicy::none: a snapshot half on disk after a power cut would make the
  // whole journal unreadable, not just shorter.
  {
    const detail::JournalFd fd(*ops_, ops_->open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
    if (fd.get() < 0) fail_and_throw(IoFailure{detail::journal_errno_text("create", tmp, errno), errno});
    int err = detail::write_fully(*ops_, fd.get(), head.data(), head.size(), 0);
    if (err == 0 && snapshot) err = detail::write_fully(*ops_, fd.get(), snapshot->data(), snapshot->size(), head.size());
    if (err != 0) fail_and_throw(IoFailure{detail::journal_errno_text("write", tmp, err), err});
    bytes_written_.fetch_add(head.size() + (snapshot ? snapshot->size() : 0), std::memory_order_relaxed);
    if (auto f = sync_fd(fd.get(), true, tmp)) fail_and_throw(std::move(*f));
  }
  if (ops_->rename(tmp_path.c_str(), detail::journal_path(dir_, name).c_str()) != 0) {
    fail_and_throw(IoFailure{detail::journal_errno_text("rename", tmp, errno), errno});
  }
  if (auto f = sync_fd(dir_fd_, false, dir_)) fail_and_throw(std::move(*f));  // the commit point

  // Clean up what the new base covers. A failed unlink is harmless (open deletes it later), so
  // it does not stop the journal; the file just stays listed.
  std::vector<std::uint64_t> segments;
  {
    std::lock_guard<std::mutex> lk(mutex_);
    segments = segments_;
  }
  bool unlinked = false;
  if (had_base && old_base != base) {
    unlinked |= ops_->unlink(detail::journal_path(dir_, detail::journal_file_name(old_base, ".snap")).c_str()) == 0;
  }
  std::vector<std::uint64_t> removed;
  for (std::size_t i = 0; i + 1 < segments.size() && segments[i + 1] <= base + 1; ++i) {
    if (ops_->unlink(detail::journal_path(dir_, detail::journal_file_name(segments[i], ".log")).c_str()) == 0) {
      removed.push_back(segments[i]);
      unlinked = true;
    }
  }
  if (unlinked) {
    if (auto f = sync_fd(dir_fd_, false, dir_)) fail_and_throw(std::move(*f));
  }
  std::lock_guard<std::mutex> lk(mutex_);
  base_seq_ = base;
  has_base_ = true;
  has_snapshot_ = snapshot.has_value();
  segments_.erase(std::remove_if(segments_.begin(), segments_.end(),
                                 [&](std::uint64_t s) {
                                   return std::find(removed.begin(), removed.end(), s) != removed.end();
                                 }),
                  segments_.end());
}

inline std::uint64_t FileJournal::next_seq() const {
  std::lock_guard<std::mutex> lk(mutex_);
  return next_seq_;
}

inline JournalStats FileJournal::stats() const noexcept {
  JournalStats s;
  s.records_written = records_written_.load(std::memory_order_relaxed);
  s.bytes_written = bytes_written_.load(std::memory_order_relaxed);
  s.fsyncs = fsyncs_.load(std::memory_order_relaxed);
  s.flushes = flushes_.load(std::memory_order_relaxed);
  return s;
}

inline std::string FileJournal::failure() const {
  std::lock_guard<std::mutex> lk(mutex_);
  return failure_;
}

}  // namespace asl
