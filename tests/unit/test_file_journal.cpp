// Unit tests for asl::FileJournal: framing and CRC32C, segments, torn and corrupt tails at every
// byte, fsync policies and group commit, failure handling (no fsync retry), compaction and crashes.
// SPDX-License-Identifier: MIT
#include "asl/file_journal.hpp"

#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "asl/detail/journal/crc32c.hpp"
#include "support/catch.hpp"

namespace fs = std::filesystem;
using asl::FileJournal;
using asl::FileJournalOptions;
using asl::FsyncPolicy;
using asl::JournalDamage;
using asl::JournalError;

namespace {

/// A fresh directory under /tmp, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/asl_journal_XXXXXX";
    const char* made = ::mkdtemp(pattern);
    REQUIRE(made != nullptr);
    path_ = made;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct Rec {
  std::uint64_t seq = 0;
  std::string payload;
  bool snapshot = false;
};

std::vector<Rec> read_all(asl::Journal& j) {
  std::vector<Rec> out;
  j.replay([&](const asl::JournalEntry& e) { out.push_back(Rec{e.seq, std::string(e.payload), e.snapshot}); });
  return out;
}

std::string payload_of(std::uint64_t i) { return "record-" + std::to_string(i) + std::string(i % 7, 'x'); }

/// Names in a directory with a given suffix, sorted.
std::vector<std::string> files_with(const std::string& dir, const std::string& suffix) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string n = e.path().filename().string();
    if (n.size() >= suffix.size() && n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0) out.push_back(n);
  }
  std::sort(out.begin(), out.end());
  return out;
}

void copy_dir(const std::string& from, const std::string& to) {
  fs::create_directories(to);
  for (const auto& e : fs::directory_iterator(from)) fs::copy_file(e.path(), to + "/" + e.path().filename().string());
}

/// Offsets of the records in a segment file, from their length fields (format.hpp).
std::vector<std::uint64_t> frame_offsets(const std::string& file) {
  std::ifstream f(file, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::vector<std::uint64_t> out;
  std::uint64_t at = 20;
  while (at + 8 <= bytes.size()) {
    std::uint64_t length = 0;
    for (int i = 3; i >= 0; --i) length = (length << 8) | static_cast<unsigned char>(bytes[at + static_cast<std::uint64_t>(i)]);
    out.push_back(at);
    at += 8 + length;
  }
  return out;
}

void flip_byte(const std::string& file, std::uint64_t offset) {
  std::fstream f(file, std::ios::in | std::ios::out | std::ios::binary);
  REQUIRE(f);
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x20);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(&c, 1);
}

/// Counts the calls that matter and fails the chosen one (1-based call numbers; 0: never).
class FaultyOps : public asl::detail::FileOps {
 public:
  std::atomic<int> fdatasyncs{0};
  std::atomic<int> fsyncs{0};
  std::atomic<int> pwrites{0};
  std::atomic<int> fail_fdatasync_at{0};
  std::atomic<int> fail_pwrite_at{0};
  std::atomic<bool> fail_rename{false};

  int fdatasync(int fd) override {
    if (++fdatasyncs == fail_fdatasync_at.load()) {
      errno = EIO;
      return -1;
    }
    return FileOps::fdatasync(fd);
  }
  int fsync(int fd) override {
    ++fsyncs;
    return FileOps::fsync(fd);
  }
  ssize_t pwrite(int fd, const void* buf, std::size_t n, off_t offset) override {
    if (++pwrites == fail_pwrite_at.load()) {
      errno = ENOSPC;
      return -1;
    }
    return FileOps::pwrite(fd, buf, n, offset);
  }
  int rename(const char* from, const char* to) override {
    if (fail_rename.load()) {
      errno = EIO;
      return -1;
    }
    return FileOps::rename(from, to);
  }
  int syncs() const { return fdatasyncs.load() + fsyncs.load(); }
};

/// Options for tests that must not depend on timing: the flusher writes only when asked to.
FileJournalOptions only_on_demand() {
  FileJournalOptions o;
  o.batch_window = std::chrono::hours(1);
  o.batch_bytes = std::size_t{1} << 40;
  return o;
}

}  // namespace

TEST_CASE("file_journal: CRC32C matches the published check values", "[file_journal][crc32c]") {
  using asl::detail::crc32c;
  CHECK(crc32c("") == 0u);
  CHECK(crc32c("123456789") == 0xE3069283u);
  CHECK(crc32c("a") == 0xC1D04330u);
  // RFC 3720 (iSCSI), appendix B.4.
  CHECK(crc32c(std::string(32, '\0')) == 0x8A9136AAu);
  CHECK(crc32c(std::string(32, '\xFF')) == 0x62A8AB43u);
  std::string up;
  std::string down;
  for (int i = 0; i < 32; ++i) {
    up += static_cast<char>(i);
    down += static_cast<char>(31 - i);
  }
  CHECK(crc32c(up) == 0x46DD794Eu);
  CHECK(crc32c(down) == 0x113FDB5Cu);
  // Extending equals one pass, at every split (the 8-byte loop and the byte loop agree).
  const std::string text = "The quick brown fox jumps over the lazy dog, twice: the quick brown fox.";
  for (std::size_t split = 0; split <= text.size(); ++split) {
    const std::uint32_t head = crc32c(std::string_view(text).substr(0, split));
    CHECK(asl::detail::crc32c_extend(head, std::string_view(text).substr(split)) == crc32c(text));
  }
}

TEST_CASE("file_journal: CRC32C's portable and hardware paths agree", "[file_journal][crc32c]") {
  using asl::detail::crc32c_extend_portable;
  CHECK(crc32c_extend_portable(0, "123456789", 9) == 0xE3069283u);
  // Deterministic bytes, all 256 values, so every table entry and instruction lane is exercised.
  std::vector<unsigned char> bytes(4096 + 64);
  std::uint64_t state = 0x9E3779B97F4A7C15u;
  for (auto& b : bytes) {
    state = state * 6364136223846793005u + 1442695040888963407u;
    b = static_cast<unsigned char>(state >> 56);
  }
#if defined(ASL_CRC32C_SSE42)
  if (!asl::detail::crc32c_hardware_available()) {
    WARN("no SSE4.2 on this CPU: only the portable CRC32C path is tested");
    return;
  }
  using asl::detail::crc32c_extend_hardware;
  CHECK(crc32c_extend_hardware(0, "123456789", 9) == 0xE3069283u);
  CHECK(asl::detail::crc32c("123456789") == 0xE3069283u);  // the dispatching entry point
  // Every length up to 300 and some long ones, at 16 alignments, from two seeds (0 and a
  // finished checksum, as crc32c_extend continues one).
  std::vector<std::size_t> lengths;
  for (std::size_t n = 0; n <= 300; ++n) lengths.push_back(n);
  for (const std::size_t n : {511u, 512u, 513u, 1023u, 1024u, 1031u, 4095u, 4096u}) lengths.push_back(n);
  for (const std::size_t n : lengths) {
    for (std::size_t align = 0; align < 16; ++align) {
      for (const std::uint32_t seed : {0u, 0xDEADBEEFu}) {
        const unsigned char* p = bytes.data() + align;
        INFO("length " << n << ", alignment " << align << ", seed " << seed);
        CHECK(crc32c_extend_hardware(seed, p, n) == crc32c_extend_portable(seed, p, n));
      }
    }
  }
#else
  WARN("no hardware CRC32C path on this platform: only the portable path is tested");
#endif
}

TEST_CASE("file_journal: records round-trip across reopen", "[file_journal]") {
  TempDir tmp;
  const std::string dir = tmp.sub("nested/journal");  // missing parents are created
  const std::vector<std::string> payloads = {"first", "", std::string("bin\0ary\xff", 8), std::string(70000, 'z'),
                                             "last"};
  {
    FileJournal j(dir);
    CHECK(j.open_report().clean());
    CHECK(j.open_report().records == 0);
    CHECK(j.next_seq() == 1);
    for (std::size_t i = 0; i < payloads.size(); ++i) CHECK(j.append(payloads[i]) == i + 1);
    CHECK(j.next_seq() == 6);
    const auto recs = read_all(j);  // replay sees what was appended, synced or not
    REQUIRE(recs.size() == payloads.size());
  }
  FileJournal j(dir);
  const auto& rep = j.open_report();
  CHECK(rep.clean());
  CHECK(rep.reason.empty());
  CHECK(rep.records == payloads.size());
  CHECK(rep.next_seq == 6);
  CHECK_FALSE(rep.snapshot_seq);
  const auto recs = read_all(j);
  REQUIRE(recs.size() == payloads.size());
  for (std::size_t i = 0; i < payloads.size(); ++i) {
    CHECK(recs[i].seq == i + 1);
    CHECK(recs[i].payload == payloads[i]);
    CHECK_FALSE(recs[i].snapshot);
  }
  CHECK(j.append_durable("after reopen") == 6);
  CHECK(read_all(j).back().payload == "after reopen");
}

TEST_CASE("file_journal: many records across several segments", "[file_journal]") {
  TempDir tmp;
  FileJournalOptions o;
  o.segment_bytes = 256;
  constexpr std::uint64_t n = 500;
  {
    FileJournal j(tmp.path(), o);
    for (std::uint64_t i = 1; i <= n; ++i) REQUIRE(j.append(payload_of(i)) == i);
    j.sync();
  }
  const auto segments = files_with(tmp.path(), ".log");
  REQUIRE(segments.size() > 10);
  CHECK(segments.front() == "00000000000000000001.log");
  for (const auto& s : segments) CHECK(fs::file_size(tmp.sub(s)) <= 256);  // rolled before overflowing

  FileJournal j(tmp.path(), o);
  CHECK(j.open_report().clean());
  CHECK(j.open_report().segments == segments.size());
  CHECK(j.open_report().records == n);
  const auto recs = read_all(j);
  REQUIRE(recs.size() == n);
  for (std::uint64_t i = 1; i <= n; ++i) {
    CHECK(recs[i - 1].seq == i);
    CHECK(recs[i - 1].payload == payload_of(i));
  }
}

TEST_CASE("file_journal: a torn tail is cut at every byte offset of the last record", "[file_journal]") {
  TempDir tmp;
  const std::string base = tmp.sub("base");
  FileJournalOptions o;
  o.segment_bytes = 200;
  constexpr std::uint64_t n = 40;
  const std::string last_payload = "the last record, torn at every byte";
  {
    FileJournal j(base, o);
    for (std::uint64_t i = 1; i < n; ++i) j.append(payload_of(i));
    j.append(last_payload);
  }
  const auto segments = files_with(base, ".log");
  REQUIRE(segments.size() > 2);
  const std::string last_segment = segments.back();
  const std::uint64_t end = fs::file_size(base + "/" + last_segment);
  const std::uint64_t start = end - 8 - last_payload.size();

  for (std::uint64_t cut = start; cut < end; ++cut) {
    CAPTURE(cut - start);
    const std::string dir = tmp.sub("cut" + std::to_string(cut));
    copy_dir(base, dir);
    fs::resize_file(dir + "/" + last_segment, cut);
    {
      FileJournal j(dir, o);
      const auto& rep = j.open_report();
      CHECK(rep.records == n - 1);
      CHECK(rep.next_seq == n);
      CHECK(rep.discarded_files.empty());
      if (cut == start) {
        CHECK(rep.clean());  // a record that was never begun is not damage
      } else {
        CHECK(rep.damage == (cut - start < 8 ? JournalDamage::short_header : JournalDamage::short_payload));
        CHECK(rep.damaged_file == last_segment);
        CHECK(rep.damaged_offset == start);
        CHECK(rep.bytes_cut == cut - start);
        CHECK(rep.reason.find(last_segment) != std::string::npos);
      }
      CHECK(fs::file_size(dir + "/" + last_segment) == start);
      const auto recs = read_all(j);
      REQUIRE(recs.size() == n - 1);
      CHECK(recs.back().seq == n - 1);
      CHECK(recs.back().payload == payload_of(n - 1));
      CHECK(j.append_durable("replacement") == n);
    }
    FileJournal again(dir, o);
    CHECK(again.open_report().clean());
    const auto recs = read_all(again);
    REQUIRE(recs.size() == n);
    CHECK(recs.back().payload == "replacement");
    fs::remove_all(dir);
  }
}

TEST_CASE("file_journal: a flipped byte cuts the journal at its record", "[file_journal]") {
  TempDir tmp;
  FileJournalOptions o;
  o.segment_bytes = 160;
  constexpr std::uint64_t n = 60;
  {
    FileJournal j(tmp.path(), o);
    for (std::uint64_t i = 1; i <= n; ++i) j.append(payload_of(i));
  }
  const auto segments = files_with(tmp.path(), ".log");
  REQUIRE(segments.size() >= 4);

  SECTION("in the last segment: cut there") {
    const std::string name = segments.back();
    const std::uint64_t first = std::stoull(name.substr(0, 20));
    const auto offsets = frame_offsets(tmp.sub(name));
    const std::size_t k = offsets.size() / 2;  // a record in the middle of the segment
    const std::uint64_t size = fs::file_size(tmp.sub(name));
    flip_byte(tmp.sub(name), offsets[k] + 8 + 3);
    FileJournal j(tmp.path(), o);
    const auto& rep = j.open_report();
    CHECK(rep.damage == JournalDamage::bad_crc);
    CHECK(rep.damaged_file == name);
    CHECK(rep.damaged_offset == offsets[k]);
    CHECK(rep.bytes_cut == size - offsets[k]);
    CHECK(rep.records == first + k - 1);
    const auto recs = read_all(j);
    REQUIRE(recs.size() == first + k - 1);
    CHECK(recs.back().payload == payload_of(first + k - 1));
    CHECK(j.append_durable("new") == first + k);
  }

  SECTION("in an earlier segment: cut there, later segments set aside") {
    const std::string name = segments[1];
    const std::uint64_t first = std::stoull(name.substr(0, 20));
    flip_byte(tmp.sub(name), 20 + 8);  // the first payload byte of its first record
    {
      FileJournal j(tmp.path(), o);
      const auto& rep = j.open_report();
      CHECK(rep.damage == JournalDamage::bad_crc);
      CHECK(rep.damaged_file == name);
      CHECK(rep.damaged_offset == 20);
      CHECK(rep.records == first - 1);
      CHECK(rep.discarded_files == std::vector<std::string>(segments.begin() + 2, segments.end()));
      CHECK(rep.reason.find("set aside") != std::string::npos);
      for (std::size_t k = 2; k < segments.size(); ++k) {
        CHECK(fs::exists(tmp.sub(segments[k] + ".discarded")));
        CHECK_FALSE(fs::exists(tmp.sub(segments[k])));
      }
      const auto recs = read_all(j);
      REQUIRE(recs.size() == first - 1);
      CHECK(j.append_durable("after the damage") == first);
    }
    FileJournal j(tmp.path(), o);
    CHECK(j.open_report().clean());
    const auto recs = read_all(j);
    REQUIRE(recs.size() == first);
    CHECK(recs.back().payload == "after the damage");
  }

  SECTION("an absurd length is cut") {
    const std::string name = segments.back();
    const auto offsets = frame_offsets(tmp.sub(name));
    const std::uint64_t at = offsets[offsets.size() / 2];
    {
      std::fstream f(tmp.sub(name), std::ios::in | std::ios::out | std::ios::binary);
      f.seekp(static_cast<std::streamoff>(at + 3));
      f.put('\x7f');  // length >= 2 GiB: above the format's 1 GiB limit
    }
    FileJournal j(tmp.path(), o);
    CHECK(j.open_report().damage == JournalDamage::bad_length);
    CHECK(j.open_report().damaged_offset == at);
    CHECK(j.open_report().reason.find("bad_length") != std::string::npos);
    CHECK(fs::file_size(tmp.sub(name)) == at);
  }

  SECTION("a segment that starts after a gap is set aside") {
    fs::remove(tmp.sub(segments[2]));
    FileJournal j(tmp.path(), o);
    const auto& rep = j.open_report();
    CHECK(rep.damage == JournalDamage::sequence_gap);
    CHECK(rep.damaged_file == segments[3]);
    CHECK(rep.discarded_files.front() == segments[3]);
    CHECK(rep.records == std::stoull(segments[2].substr(0, 20)) - 1);
  }

  SECTION("a torn segment file header is set aside") {
    fs::resize_file(tmp.sub(segments.back()), 7);
    FileJournal j(tmp.path(), o);
    CHECK(j.open_report().damage == JournalDamage::bad_file_header);
    CHECK(j.open_report().discarded_files == std::vector<std::string>{segments.back()});
    CHECK(j.next_seq() == std::stoull(segments.back().substr(0, 20)));
  }
}

TEST_CASE("file_journal: a failed fsync stops the journal and is never retried", "[file_journal]") {
  TempDir tmp;
  auto ops = std::make_shared<FaultyOps>();
  FileJournalOptions o = only_on_demand();
  o.file_ops = ops;
  o.fsync = GENERATE(FsyncPolicy::batched, FsyncPolicy::every_record);
  CAPTURE(static_cast<int>(o.fsync));
  {
    FileJournal j(tmp.path(), o);
    CHECK(j.append_durable("kept") == 1);
    ops->fail_fdatasync_at = ops->fdatasyncs.load() + 1;
    const int syncs_before = ops->syncs();
    CHECK_THROWS_AS(j.append_durable("lost"), JournalError);
    CHECK(ops->syncs() == syncs_before + 1);
    CHECK(j.failed());
    CHECK(j.failure().find("fdatasync 00000000000000000001.log") != std::string::npos);
    CHECK(j.failure().find(std::strerror(EIO)) != std::string::npos);

    CHECK_THROWS_AS(j.append("later"), JournalError);
    CHECK_THROWS_AS(j.append_durable("later"), JournalError);
    CHECK_THROWS_AS(j.sync(), JournalError);
    CHECK_THROWS_AS(j.compact(1, std::string_view("snap")), JournalError);
    CHECK_THROWS_AS(read_all(j), JournalError);
    try {
      j.append("later");
    } catch (const JournalError& e) {
      CHECK(e.sys_errno() == EIO);
      CHECK(std::string(e.what()).find("journal stopped: fdatasync") == 0);
    }
    CHECK_NOTHROW(j.close());  // the failure was already reported
    CHECK(ops->syncs() == syncs_before + 1);  // not even the final flush tried again
  }
}

TEST_CASE("file_journal: a failed write stops the journal", "[file_journal]") {
  TempDir tmp;
  auto ops = std::make_shared<FaultyOps>();
  FileJournalOptions o = only_on_demand();
  o.file_ops = ops;
  FileJournal j(tmp.path(), o);
  j.append_durable("kept");
  ops->fail_pwrite_at = ops->pwrites.load() + 1;
  const int syncs_before = ops->syncs();
  j.append("lost");
  CHECK_THROWS_AS(j.sync(), JournalError);
  CHECK(j.failed());
  CHECK(j.failure().find(std::strerror(ENOSPC)) != std::string::npos);
  CHECK(ops->syncs() == syncs_before);  // nothing to sync after a failed write
  CHECK_THROWS_AS(j.append("later"), JournalError);
}

TEST_CASE("file_journal: every_record syncs once per record", "[file_journal]") {
  TempDir tmp;
  auto ops = std::make_shared<FaultyOps>();
  FileJournalOptions o;
  o.fsync = FsyncPolicy::every_record;
  o.file_ops = ops;
  FileJournal j(tmp.path(), o);
  const auto before = j.stats();
  const int datasyncs_before = ops->fdatasyncs.load();
  constexpr std::uint64_t n = 50;
  for (std::uint64_t i = 1; i <= n; ++i) {
    CHECK(j.append(payload_of(i)) == i);
    CHECK(ops->fdatasyncs.load() == datasyncs_before + static_cast<int>(i));  // durable on return
  }
  const auto after = j.stats();
  CHECK(after.fsyncs - before.fsyncs == n);
  CHECK(after.records_written - before.records_written == n);
  CHECK(after.flushes - before.flushes == n);
  j.sync();  // nothing left to do
  CHECK(j.stats().fsyncs == after.fsyncs);
}

TEST_CASE("file_journal: batched group commit from 1, 2 and 4 threads", "[file_journal]") {
  const int threads = GENERATE(1, 2, 4);
  CAPTURE(threads);
  constexpr int per_thread = 500;
  TempDir tmp;
  FileJournal j(tmp.path(), only_on_demand());
  const auto before = j.stats();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&j, t] {
      for (int i = 0; i < per_thread; ++i) j.append(std::to_string(t) + ":" + std::to_string(i));
    });
  }
  for (auto& th : pool) th.join();
  j.sync();
  const auto after = j.stats();
  const auto total = static_cast<std::uint64_t>(threads * per_thread);
  CHECK(after.records_written - before.records_written == total);
  CHECK(after.fsyncs - before.fsyncs == 1u);  // one group commit for all of them
  CHECK(after.fsyncs - before.fsyncs < total);

  const auto recs = read_all(j);
  REQUIRE(recs.size() == total);
  std::vector<int> next(static_cast<std::size_t>(threads), 0);
  for (std::size_t k = 0; k < recs.size(); ++k) {
    CHECK(recs[k].seq == k + 1);
    const auto colon = recs[k].payload.find(':');
    const auto t = static_cast<std::size_t>(std::stoi(recs[k].payload.substr(0, colon)));
    const int i = std::stoi(recs[k].payload.substr(colon + 1));
    REQUIRE(t < next.size());
    CHECK(i == next[t]);  // each thread's records once, in its order
    next[t] = i + 1;
  }
  for (int seen : next) CHECK(seen == per_thread);
}

TEST_CASE("file_journal: append_durable from many threads is durable on return", "[file_journal]") {
  TempDir tmp;
  auto ops = std::make_shared<FaultyOps>();
  FileJournalOptions o = only_on_demand();
  o.file_ops = ops;
  FileJournal j(tmp.path(), o);
  const auto before = j.stats();
  constexpr std::uint64_t threads = 4;
  constexpr std::uint64_t per_thread = 50;
  std::atomic<int> bad{0};
  std::vector<std::thread> pool;
  for (std::uint64_t t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (std::uint64_t i = 0; i < per_thread; ++i) {
        const std::uint64_t seq = j.append_durable("durable");
        // Everything up to seq was written before its fdatasync returned.
        if (j.stats().records_written - before.records_written < seq) ++bad;
      }
    });
  }
  for (auto& th : pool) th.join();
  CHECK(bad.load() == 0);
  const auto after = j.stats();
  CHECK(after.records_written - before.records_written == threads * per_thread);
  CHECK(after.fsyncs - before.fsyncs <= threads * per_thread);
  CHECK(read_all(j).size() == threads * per_thread);
}

TEST_CASE("file_journal: a full queue is flushed at once (back pressure)", "[file_journal]") {
  TempDir tmp;
  FileJournalOptions o = only_on_demand();  // without back pressure nothing would be written
  o.max_pending_bytes = 64;
  FileJournal j(tmp.path(), o);
  for (std::uint64_t i = 1; i <= 200; ++i) j.append(payload_of(i));
  // Each append that finds 64 bytes queued waits for a flush instead of the window.
  CHECK(j.stats().flushes >= 200 * 17 / 64 / 2);
  j.sync();
  CHECK(read_all(j).size() == 200);
}

TEST_CASE("file_journal: FsyncPolicy::none never syncs", "[file_journal]") {
  TempDir tmp;
  auto ops = std::make_shared<FaultyOps>();
  FileJournalOptions o;
  o.fsync = FsyncPolicy::none;
  o.segment_bytes = 128;
  o.file_ops = ops;
  {
    FileJournal j(tmp.path(), o);
    for (std::uint64_t i = 1; i <= 30; ++i) j.append(payload_of(i));
    j.append_durable("written");
    j.sync();
    CHECK(j.stats().records_written == 31);
    CHECK(j.stats().fsyncs == 0);
  }
  CHECK(ops->syncs() == 0);
  FileJournal j(tmp.path(), o);
  CHECK(read_all(j).size() == 31);
}

TEST_CASE("file_journal: compaction replaces a prefix with a snapshot, across reopen", "[file_journal]") {
  TempDir tmp;
  FileJournalOptions o;
  o.segment_bytes = 200;
  {
    FileJournal j(tmp.path(), o);
    for (std::uint64_t i = 1; i <= 100; ++i) j.append(payload_of(i));
    j.sync();  // segments are created by the flusher
    const auto segments_before = files_with(tmp.path(), ".log");
    j.compact(61, std::string_view("snapshot up to 60"));
    const auto segments_after = files_with(tmp.path(), ".log");
    CHECK(segments_after.size() < segments_before.size());
    // The kept segments are the one holding record 61 and those after it.
    CHECK(std::stoull(segments_after.front().substr(0, 20)) <= 61);
    CHECK(std::stoull(segments_after[1].substr(0, 20)) > 61);
    CHECK(files_with(tmp.path(), ".snap") == std::vector<std::string>{"00000000000000000060.snap"});

    auto recs = read_all(j);
    REQUIRE(recs.size() == 41);
    CHECK(recs[0].snapshot);
    CHECK(recs[0].seq == 60);
    CHECK(recs[0].payload == "snapshot up to 60");
    CHECK(recs[1].seq == 61);
    CHECK(recs[1].payload == payload_of(61));
    CHECK(recs.back().seq == 100);
    CHECK(j.next_seq() == 101);

    CHECK_THROWS_AS(j.compact(102, std::nullopt), asl::UsageError);  // beyond what was appended
    CHECK_THROWS_AS(j.compact(50, std::nullopt), asl::UsageError);   // before the snapshot
  }
  {
    FileJournal j(tmp.path(), o);
    CHECK(j.open_report().clean());
    CHECK(j.open_report().snapshot_seq == std::optional<std::uint64_t>(60));
    CHECK(j.open_report().records == 40);
    auto recs = read_all(j);
    REQUIRE(recs.size() == 41);
    CHECK(recs[0].payload == "snapshot up to 60");
    CHECK(j.append("101") == 101);

    j.drop_before(90);  // no snapshot: the prefix and the old snapshot go
    recs = read_all(j);
    REQUIRE(recs.size() == 12);
    CHECK_FALSE(recs[0].snapshot);
    CHECK(recs[0].seq == 90);
    CHECK(recs.back().payload == "101");
    CHECK(files_with(tmp.path(), ".snap") == std::vector<std::string>{"00000000000000000089.snap"});
  }
  {
    FileJournal j(tmp.path(), o);
    CHECK_FALSE(j.open_report().snapshot_seq);
    CHECK(j.open_report().records == 12);
    const auto recs = read_all(j);
    REQUIRE(recs.size() == 12);
    CHECK(recs[0].seq == 90);
    // A snapshot of everything: nothing but the snapshot is replayed.
    j.compact(j.next_seq(), std::string_view("all of it"));
    const auto only = read_all(j);
    REQUIRE(only.size() == 1);
    CHECK(only[0].seq == 101);
    CHECK(j.append("102") == 102);
  }
  FileJournal j(tmp.path(), o);
  const auto recs = read_all(j);
  REQUIRE(recs.size() == 2);
  CHECK(recs[0].payload == "all of it");
  CHECK(recs[1].seq == 102);
}

TEST_CASE("file_journal: a crash during compaction leaves the old or the new journal", "[file_journal]") {
  TempDir tmp;
  const std::string dir = tmp.sub("j");
  FileJournalOptions o;
  o.segment_bytes = 200;

  SECTION("before the rename: the old journal, the temporary file removed") {
    auto ops = std::make_shared<FaultyOps>();
    FileJournalOptions faulty = o;
    faulty.file_ops = ops;
    {
      FileJournal j(dir, faulty);
      for (std::uint64_t i = 1; i <= 50; ++i) j.append(payload_of(i));
      ops->fail_rename = true;
      CHECK_THROWS_AS(j.compact(31, std::string_view("never committed")), JournalError);
      CHECK(j.failed());
    }
    REQUIRE(files_with(dir, ".snap.tmp").size() == 1);
    FileJournal j(dir, o);
    CHECK(j.open_report().clean());
    CHECK(j.open_report().removed_files == std::vector<std::string>{"00000000000000000030.snap.tmp"});
    const auto recs = read_all(j);
    REQUIRE(recs.size() == 50);
    CHECK_FALSE(recs[0].snapshot);
  }

  SECTION("after the rename, before the old files were deleted: the new journal") {
    const std::string saved = tmp.sub("saved");
    {
      FileJournal j(dir, o);
      for (std::uint64_t i = 1; i <= 50; ++i) j.append(payload_of(i));
      j.compact(21, std::string_view("first snapshot"));
      for (std::uint64_t i = 51; i <= 80; ++i) j.append(payload_of(i));
      j.sync();
      copy_dir(dir, saved);
      j.compact(71, std::string_view("second snapshot"));
    }
    // Put back what the second compaction deleted, as if it had crashed right after its commit.
    std::vector<std::string> restored;
    for (const auto& e : fs::directory_iterator(saved)) {
      const std::string n = e.path().filename().string();
      if (!fs::exists(dir + "/" + n)) {
        fs::copy_file(e.path(), dir + "/" + n);
        restored.push_back(n);
      }
    }
    std::sort(restored.begin(), restored.end());
    REQUIRE(restored.size() >= 2);  // the first snapshot and at least one segment
    FileJournal j(dir, o);
    CHECK(j.open_report().clean());
    auto removed = j.open_report().removed_files;
    std::sort(removed.begin(), removed.end());
    CHECK(removed == restored);
    const auto recs = read_all(j);
    REQUIRE(recs.size() == 11);
    CHECK(recs[0].payload == "second snapshot");
    CHECK(recs[0].seq == 70);
    CHECK(recs[1].seq == 71);
  }

  SECTION("a damaged snapshot refuses to open") {
    {
      FileJournal j(dir, o);
      for (std::uint64_t i = 1; i <= 50; ++i) j.append(payload_of(i));
      j.compact(31, std::string_view("the snapshot"));
    }
    flip_byte(dir + "/00000000000000000030.snap", 30);
    CHECK_THROWS_AS(FileJournal(dir, o), JournalError);
  }
}

TEST_CASE("file_journal: misuse is a UsageError and leaves the journal healthy", "[file_journal]") {
  TempDir tmp;
  FileJournalOptions o;
  o.segment_bytes = 10;
  CHECK_THROWS_AS(FileJournal(tmp.path(), o), asl::UsageError);
  FileJournal j(tmp.path());
  j.close();
  CHECK_THROWS_AS(j.append("closed"), JournalError);
  CHECK_FALSE(j.failed());
}

TEST_CASE("file_journal: one FileJournal per directory at a time", "[file_journal]") {
  TempDir tmp;
  {
    FileJournal first(tmp.path());
    first.append("one");
    // A second writer would interleave its records with the first one's: refused, saying why.
    try {
      FileJournal second(tmp.path());
      FAIL("a second FileJournal opened a directory that is in use");
    } catch (const JournalError& e) {
      CHECK(std::string(e.what()).find("is open in another FileJournal") != std::string::npos);
      CHECK(e.sys_errno() == EWOULDBLOCK);
    }
    first.append("two");
    first.close();  // closing releases the directory
    FileJournal third(tmp.path());
    third.append("three");
  }
  FileJournal again(tmp.path());  // and so does the end of a journal's life
  std::vector<std::string> payloads;
  again.replay([&](const asl::JournalEntry& e) { payloads.emplace_back(e.payload); });
  CHECK(payloads == std::vector<std::string>{"one", "two", "three"});
}
