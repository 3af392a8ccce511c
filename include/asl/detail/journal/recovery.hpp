// Opening a FileJournal directory: find the snapshot and the segments, check every record, cut a
// torn or corrupt end, and report what was found.
// SPDX-License-Identifier: MIT
//
// Rules (the "why" is in each step below):
// - `*.snap.tmp` is a compaction that never committed: deleted.
// - The newest `*.snap` is the base; older ones and segments that hold only records it covers are
//   what an interrupted compaction had not deleted yet: deleted. A damaged newest snapshot throws,
//   because the records it replaced may already be gone and no prefix of the journal is whole.
// - Segments are read in order. At the first bad byte (short header or payload, bad length, bad
//   checksum) the segment is truncated there. A segment whose file header is bad, or that does
//   not start where the previous one ended, is set aside whole. Every segment after the damage is
//   set aside too (renamed to `<name>.discarded`, never read again, kept for a post-mortem):
//   records after a hole cannot be replayed, because the engine's facts depend on the ones before.
#pragma once

#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <string>
#include <vector>

#include "asl/detail/journal/file_ops.hpp"
#include "asl/detail/journal/format.hpp"
#include "asl/journal.hpp"

namespace asl::detail {

/// Closes a file descriptor when it goes out of scope.
class JournalFd {
 public:
  JournalFd(FileOps& ops, int fd) noexcept : ops_(&ops), fd_(fd) {}
  JournalFd(const JournalFd&) = delete;
  JournalFd& operator=(const JournalFd&) = delete;
  ~JournalFd() {
    if (fd_ >= 0) ops_->close(fd_);
  }
  int get() const noexcept { return fd_; }

 private:
  FileOps* ops_;
  int fd_;
};

inline std::string journal_path(const std::string& dir, const std::string& name) { return dir + "/" + name; }

[[noreturn]] inline void throw_journal_errno(std::string_view what, std::string_view file, int err) {
  throw JournalError(journal_errno_text(what, file, err), err);
}

/// Reads and checks a `.snap` file. Returns its kind and puts a snapshot's payload in `payload`;
/// throws JournalError when the file is damaged or unreadable.
inline JournalFileKind read_base_file(FileOps& ops, const std::string& dir, std::uint64_t seq, std::string* payload) {
  const std::string name = journal_file_name(seq, ".snap");
  const JournalFd fd(ops, ops.open(journal_path(dir, name).c_str(), O_RDONLY | O_CLOEXEC, 0));
  if (fd.get() < 0) throw_journal_errno("cannot open", name, errno);
  const std::int64_t size = ops.file_size(fd.get());
  if (size < 0) throw_journal_errno("cannot stat", name, errno);
  const auto damaged = [&](const char* why) {
    return JournalError("snapshot " + name + " is damaged (" + why +
                        "); it was synced before it was put in place, so the storage is corrupt, and the records it "
                        "replaced may be gone: refusing to guess");
  };
  std::string header;
  if (static_cast<std::uint64_t>(size) < journal_file_header_size) throw damaged("short file header");
  if (const int err = read_fully(ops, fd.get(), header, journal_file_header_size, 0)) {
    throw_journal_errno("cannot read", name, err);
  }
  const auto h = decode_file_header(header);
  if (!h || h->base_seq != seq || h->kind == JournalFileKind::segment) throw damaged("bad file header");
  if (h->kind == JournalFileKind::cut) {
    if (static_cast<std::uint64_t>(size) != journal_file_header_size) throw damaged("bytes after a cut marker");
    return JournalFileKind::cut;
  }
  FrameReader reader(ops, fd.get(), static_cast<std::uint64_t>(size), journal_file_header_size);
  std::string_view body;
  const FrameStatus s = reader.next(body);
  if (s == FrameStatus::io_error) throw_journal_errno("cannot read", name, reader.error());
  if (s == FrameStatus::end) throw damaged("no snapshot record");
  if (s != FrameStatus::ok) throw damaged(to_string(to_damage(s)));
  if (payload != nullptr) payload->assign(body.data(), body.size());
  if (reader.next(body) != FrameStatus::end) throw damaged("bytes after the snapshot record");
  return JournalFileKind::snapshot;
}

/// What recovery leaves for the journal to continue from.
struct RecoveredJournal {
  JournalOpenReport report;
  std::vector<std::uint64_t> segments;  ///< base numbers of the kept segments, ascending
  std::uint64_t base_seq = 0;           ///< records up to here are dropped (0: none are)
  bool has_base = false;                ///< a `.snap` file exists (snapshot or cut)
  bool has_snapshot = false;            ///< ... and it holds a snapshot record
  std::uint64_t last_segment_next = 0;  ///< number after the last kept segment's last record
  std::uint64_t last_segment_size = 0;  ///< its size in bytes after any cut
  std::uint64_t fsyncs = 0;             ///< syncs made while repairing
};

/// Scans and repairs `dir` (see the rules at the top). `durable`: sync repairs to disk (false only
/// under FsyncPolicy::none). Throws JournalError when the directory cannot be read or repaired, or
/// when what is on disk cannot be trusted at all (a damaged snapshot, missing first records).
inline RecoveredJournal recover_journal(FileOps& ops, const std::string& dir, int dir_fd, bool durable) {
  RecoveredJournal out;
  JournalOpenReport& rep = out.report;
  std::vector<std::string> names;
  if (ops.list_directory(dir.c_str(), names) != 0) throw_journal_errno("cannot list", dir, errno);

  std::vector<std::uint64_t> logs;
  std::vector<std::uint64_t> snaps;
  bool dir_changed = false;
  const auto remove = [&](const std::string& name) {
    if (ops.unlink(journal_path(dir, name).c_str()) != 0) throw_journal_errno("cannot delete", name, errno);
    rep.removed_files.push_back(name);
    dir_changed = true;
  };
  for (const std::string& n : names) {
    if (const auto seq = parse_journal_file_name(n, ".log")) {
      if (*seq > 0) logs.push_back(*seq);  // records are numbered from 1: a segment 0 is not ours
    } else if (const auto snap = parse_journal_file_name(n, ".snap")) {
      snaps.push_back(*snap);
    } else if (parse_journal_file_name(n, ".snap.tmp")) {
      remove(n);  // written but never renamed into place: the compaction did not happen
    }
  }
  std::sort(logs.begin(), logs.end());
  std::sort(snaps.begin(), snaps.end());

  if (!snaps.empty()) {
    out.base_seq = snaps.back();
    out.has_base = true;
    out.has_snapshot = read_base_file(ops, dir, out.base_seq, nullptr) == JournalFileKind::snapshot;
    if (out.has_snapshot) rep.snapshot_seq = out.base_seq;
    // An older base was superseded by the newer one's rename; its deletion was interrupted.
    for (std::size_t i = 0; i + 1 < snaps.size(); ++i) remove(journal_file_name(snaps[i], ".snap"));
  }
  const std::uint64_t base = out.base_seq;

  // A segment followed by one that starts at or below base + 1 holds only covered records.
  std::vector<std::uint64_t> candidates;
  for (std::size_t i = 0; i < logs.size(); ++i) {
    if (i + 1 < logs.size() && logs[i + 1] <= base + 1) {
      remove(journal_file_name(logs[i], ".log"));
    } else {
      candidates.push_back(logs[i]);
    }
  }

  std::size_t damaged_at = candidates.size();  // index of the first segment not kept whole
  bool keep_damaged = false;                   // that segment was truncated, not set aside
  std::uint64_t prev_next = 0;
  for (std::size_t k = 0; k < candidates.size(); ++k) {
    const std::uint64_t first = candidates[k];
    const std::string name = journal_file_name(first, ".log");
    if (k == 0 && first > base + 1) {
      // Never the result of a crash (segments are deleted only once a snapshot covers them).
      throw JournalError("records " + std::to_string(base + 1) + " to " + std::to_string(first - 1) +
                         " are missing: the first segment is " + name);
    }
    const JournalFd fd(ops, ops.open(journal_path(dir, name).c_str(), O_RDWR | O_CLOEXEC, 0));
    if (fd.get() < 0) throw_journal_errno("cannot open", name, errno);
    const std::int64_t ssize = ops.file_size(fd.get());
    if (ssize < 0) throw_journal_errno("cannot stat", name, errno);
    const auto size = static_cast<std::uint64_t>(ssize);

    std::optional<JournalFileHeader> header;
    if (size >= journal_file_header_size) {
      std::string bytes;
      if (const int err = read_fully(ops, fd.get(), bytes, journal_file_header_size, 0)) {
        throw_journal_errno("cannot read", name, err);
      }
      header = decode_file_header(bytes);
    }
    if (!header || header->kind != JournalFileKind::segment || header->base_seq != first) {
      rep.damage = JournalDamage::bad_file_header;
      rep.reason = name + ": " + (size < journal_file_header_size ? "short" : "bad") + " file header";
      damaged_at = k;
      break;
    }
    // A gap is harmless only where the snapshot covers it.
    if (k > 0 && !(first == prev_next || (first > prev_next && first - 1 <= base))) {
      rep.damage = JournalDamage::sequence_gap;
      rep.reason = name + ": starts at record " + std::to_string(first) + ", but the segment before ends before " +
                   std::to_string(prev_next);
      damaged_at = k;
      break;
    }

    FrameReader reader(ops, fd.get(), size, journal_file_header_size);
    std::uint64_t count = 0;
    std::string_view payload;
    FrameStatus status = FrameStatus::ok;
    while ((status = reader.next(payload)) == FrameStatus::ok) ++count;
    if (status == FrameStatus::io_error) throw_journal_errno("cannot read", name, reader.error());

    out.segments.push_back(first);
    prev_next = first + count;
    const std::uint64_t last = prev_next - 1;
    if (count > 0 && last > base) rep.records += last - std::max(first - 1, base);
    out.last_segment_next = prev_next;
    out.last_segment_size = reader.offset();

    if (status != FrameStatus::end) {
      const std::uint64_t cut = reader.offset();
      rep.damage = to_damage(status);
      rep.damaged_file = name;
      rep.damaged_offset = cut;
      rep.bytes_cut += size - cut;
      rep.reason = name + " at byte " + std::to_string(cut) + ": " + to_string(rep.damage) + " (record " +
                   std::to_string(prev_next) + ", claimed length " + std::to_string(reader.claimed_length()) +
                   "); cut " + std::to_string(size - cut) + " bytes";
      if (ops.ftruncate(fd.get(), static_cast<off_t>(cut)) != 0) throw_journal_errno("cannot truncate", name, errno);
      if (durable) {
        ++out.fsyncs;
        if (ops.fsync(fd.get()) != 0) throw_journal_errno("fsync", name, errno);
      }
      damaged_at = k;
      keep_damaged = true;
      break;
    }
  }

  // Set aside what follows the damage (and the damaged segment itself if it was not truncated).
  for (std::size_t k = damaged_at + (keep_damaged ? 1 : 0); k < candidates.size(); ++k) {
    const std::string name = journal_file_name(candidates[k], ".log");
    const std::string path = journal_path(dir, name);
    const JournalFd fd(ops, ops.open(path.c_str(), O_RDONLY | O_CLOEXEC, 0));
    const std::int64_t size = fd.get() >= 0 ? ops.file_size(fd.get()) : -1;
    if (size > 0) rep.bytes_cut += static_cast<std::uint64_t>(size);
    if (ops.rename(path.c_str(), (path + ".discarded").c_str()) != 0) throw_journal_errno("cannot rename", name, errno);
    rep.discarded_files.push_back(name);
    dir_changed = true;
    if (!keep_damaged && k == damaged_at) rep.damaged_file = name;
  }
  if (!rep.discarded_files.empty()) {
    rep.reason += "; set aside " + std::to_string(rep.discarded_files.size()) + " segment(s) as *.discarded";
  }
  if (dir_changed && durable) {
    ++out.fsyncs;
    if (ops.fsync(dir_fd) != 0) throw_journal_errno("fsync", dir, errno);
  }

  rep.segments = out.segments.size();
  rep.next_seq = std::max(out.segments.empty() ? 0 : out.last_segment_next, base + 1);
  return out;
}

}  // namespace asl::detail
