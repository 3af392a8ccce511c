// The on-disk format of asl::FileJournal: file names, the file header, record framing, and a
// buffered reader that checks every frame.
// SPDX-License-Identifier: MIT
//
// A journal is one directory:
//   <20-digit seq>.log        a segment: file header, then records numbered from <seq> on
//   <20-digit seq>.snap       a compaction base: file header, then (kind snapshot) one record,
//                             the snapshot numbered <seq>; everything up to <seq> is dropped
//   <20-digit seq>.snap.tmp   a compaction that did not commit (deleted at open)
//   <name>.discarded          a segment set aside at open, after damage before it (never read)
// Zero-padded decimal names sort like the numbers they hold, so `ls` shows the order.
//
// File header, 20 bytes: "ASLJ", u8 format version (1), u8 kind (1 segment, 2 snapshot, 3 cut),
// u16 zero, u64 LE base sequence number, u32 LE CRC32C of the 16 bytes before it.
// Record: u32 LE payload length, u32 LE CRC32C of (the 4 length bytes followed by the payload),
// payload. The length is inside the checksum so that a run of zero bytes (what a file system may
// leave after a crash in space it had allocated) never reads as an empty record. Sequence numbers
// are not stored per record: a record's number is the segment's base plus its index, and a
// segment must start where the one before it ended.
#pragma once

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

#include "asl/detail/journal/crc32c.hpp"
#include "asl/detail/journal/file_ops.hpp"
#include "asl/journal.hpp"

namespace asl::detail {

inline constexpr std::size_t journal_file_header_size = 20;
inline constexpr std::size_t journal_frame_header_size = 8;
/// The largest payload the format accepts. Fixed by the format, not configurable: a length above
/// it is garbage by definition, and a record written under one setting must never be cut as
/// "absurd" when the journal is reopened under another.
inline constexpr std::uint32_t journal_max_record_bytes = 1u << 30;
inline constexpr std::uint8_t journal_format_version = 1;

enum class JournalFileKind : std::uint8_t { segment = 1, snapshot = 2, cut = 3 };

inline void put_le32(char* out, std::uint32_t v) noexcept {
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>(static_cast<unsigned char>(v >> (8 * i)));
}
inline void put_le64(char* out, std::uint64_t v) noexcept {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(static_cast<unsigned char>(v >> (8 * i)));
}
inline std::uint32_t get_le32(const char* in) noexcept {
  std::uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}
inline std::uint64_t get_le64(const char* in) noexcept {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

/// The 8 bytes that precede a payload. Independent of the sequence number, so appenders compute
/// it (and its checksum) before they take the journal's lock.
inline void encode_frame_header(char* out, std::string_view payload) noexcept {
  put_le32(out, static_cast<std::uint32_t>(payload.size()));
  put_le32(out + 4, crc32c_extend(crc32c_extend(0, out, 4), payload));
}

inline std::string encode_file_header(JournalFileKind kind, std::uint64_t base_seq) {
  std::string h(journal_file_header_size, '\0');
  std::memcpy(h.data(), "ASLJ", 4);
  h[4] = static_cast<char>(journal_format_version);
  h[5] = static_cast<char>(kind);
  put_le64(h.data() + 8, base_seq);
  put_le32(h.data() + 16, crc32c(std::string_view(h.data(), 16)));
  return h;
}

struct JournalFileHeader {
  JournalFileKind kind = JournalFileKind::segment;
  std::uint64_t base_seq = 0;
};

/// Parses a file header; nullopt unless magic, version, kind, padding and checksum are all right.
inline std::optional<JournalFileHeader> decode_file_header(std::string_view h) noexcept {
  if (h.size() < journal_file_header_size || h.substr(0, 4) != "ASLJ") return std::nullopt;
  if (static_cast<std::uint8_t>(h[4]) != journal_format_version || h[6] != 0 || h[7] != 0) return std::nullopt;
  if (get_le32(h.data() + 16) != crc32c(h.substr(0, 16))) return std::nullopt;
  const auto kind = static_cast<std::uint8_t>(h[5]);
  if (kind < 1 || kind > 3) return std::nullopt;
  return JournalFileHeader{static_cast<JournalFileKind>(kind), get_le64(h.data() + 8)};
}

/// "00000000000000000042" + suffix.
inline std::string journal_file_name(std::uint64_t seq, std::string_view suffix) {
  std::string digits = std::to_string(seq);
  std::string name(20 - digits.size(), '0');
  name += digits;
  name += suffix;
  return name;
}

/// The number in a name made by journal_file_name(·, suffix); nullopt for any other name.
inline std::optional<std::uint64_t> parse_journal_file_name(std::string_view name, std::string_view suffix) {
  if (name.size() != 20 + suffix.size() || name.substr(20) != suffix) return std::nullopt;
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 20; ++i) {
    const char c = name[i];
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (v > (UINT64_MAX - digit) / 10) return std::nullopt;
    v = v * 10 + digit;
  }
  return v;
}

/// How reading the next frame went.
enum class FrameStatus : std::uint8_t { ok, end, short_header, short_payload, bad_length, bad_crc, io_error };

inline JournalDamage to_damage(FrameStatus s) noexcept {
  switch (s) {
    case FrameStatus::short_header: return JournalDamage::short_header;
    case FrameStatus::short_payload: return JournalDamage::short_payload;
    case FrameStatus::bad_length: return JournalDamage::bad_length;
    case FrameStatus::bad_crc: return JournalDamage::bad_crc;
    default: return JournalDamage::none;
  }
}

/// Reads frames from an open file, from `offset` up to `size` (the size when it was opened: bytes
/// appended later are not looked at), through a buffer refilled with large preads.
class FrameReader {
 public:
  FrameReader(FileOps& ops, int fd, std::uint64_t size, std::uint64_t offset)
      : ops_(ops), fd_(fd), size_(size), pos_(offset), buf_off_(offset) {}

  /// On ok, `payload` views the record until the next call, and offset() is past it. Otherwise
  /// offset() stays at the start of the frame that could not be read: the cut point.
  FrameStatus next(std::string_view& payload) {
    if (pos_ == size_) return FrameStatus::end;
    if (size_ - pos_ < journal_frame_header_size) return FrameStatus::short_header;
    if (!fill(journal_frame_header_size)) return FrameStatus::io_error;
    const char* h = buf_.data() + (pos_ - buf_off_);
    const std::uint32_t length = get_le32(h);
    const std::uint32_t crc = get_le32(h + 4);
    if (length > journal_max_record_bytes) return FrameStatus::bad_length;
    claimed_ = length;
    // Compare with what is left before reading, so a garbage length never makes us allocate.
    if (size_ - pos_ - journal_frame_header_size < length) return FrameStatus::short_payload;
    if (!fill(journal_frame_header_size + length)) return FrameStatus::io_error;
    const char* frame = buf_.data() + (pos_ - buf_off_);
    const std::string_view body(frame + journal_frame_header_size, length);
    if (crc32c_extend(crc32c_extend(0, frame, 4), body) != crc) return FrameStatus::bad_crc;
    payload = body;
    pos_ += journal_frame_header_size + length;
    return FrameStatus::ok;
  }

  std::uint64_t offset() const noexcept { return pos_; }
  std::uint64_t size() const noexcept { return size_; }
  /// The length the last frame header claimed (for messages about short or bad frames).
  std::uint32_t claimed_length() const noexcept { return claimed_; }
  int error() const noexcept { return errno_; }

 private:
  static constexpr std::size_t read_chunk = std::size_t{1} << 20;

  /// Makes [pos_, pos_ + need) available in buf_. The caller has checked it lies within size_.
  bool fill(std::size_t need) {
    if (pos_ >= buf_off_ && pos_ + need <= buf_off_ + buf_.size()) return true;
    const std::uint64_t want64 = std::min<std::uint64_t>(std::max<std::size_t>(need, read_chunk), size_ - pos_);
    const auto want = static_cast<std::size_t>(want64);
    buf_.resize(want);
    buf_off_ = pos_;
    std::size_t got = 0;
    while (got < want) {
      const ssize_t r = ops_.pread(fd_, buf_.data() + got, want - got, static_cast<off_t>(pos_ + got));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) {
        errno_ = r == 0 ? EIO : errno;  // 0: the file shrank under us
        buf_.clear();
        return false;
      }
      got += static_cast<std::size_t>(r);
    }
    return true;
  }

  FileOps& ops_;
  int fd_;
  std::uint64_t size_;
  std::uint64_t pos_;
  std::uint64_t buf_off_;
  std::string buf_;
  std::uint32_t claimed_ = 0;
  int errno_ = 0;
};

/// Writes all of `data` at `offset`, resuming after a short write or EINTR (a resumed write is not
/// a retry: nothing failed). Returns 0, or the errno of the failure.
inline int write_fully(FileOps& ops, int fd, const char* data, std::size_t n, std::uint64_t offset) {
  std::size_t done = 0;
  while (done < n) {
    const ssize_t r = ops.pwrite(fd, data + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return r == 0 ? EIO : errno;
    done += static_cast<std::size_t>(r);
  }
  return 0;
}

/// Reads exactly `n` bytes at `offset` into `out`; 0, or an errno (EIO for a file that is short).
inline int read_fully(FileOps& ops, int fd, std::string& out, std::size_t n, std::uint64_t offset) {
  out.resize(n);
  std::size_t done = 0;
  while (done < n) {
    const ssize_t r = ops.pread(fd, out.data() + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return r == 0 ? EIO : errno;
    done += static_cast<std::size_t>(r);
  }
  return 0;
}

/// "<what> <file>: <strerror>", the text of a failure.
inline std::string journal_errno_text(std::string_view what, std::string_view file, int err) {
  std::string s(what);
  s += ' ';
  s += file;
  s += ": ";
  s += std::strerror(err);
  return s;
}

}  // namespace asl::detail
