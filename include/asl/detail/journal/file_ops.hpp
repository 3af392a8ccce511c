// The file-operations seam of asl::FileJournal: every system call it makes goes through here, so
// tests can make a write or an fsync fail on a chosen call and count the calls.
// SPDX-License-Identifier: MIT
//
// POSIX conventions on purpose: each function returns what the system call returns and leaves the
// reason in errno, so the default implementation is one line per call and a test double only
// overrides the calls it cares about.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace asl::detail {

/// The default implementation calls the operating system. Implementations must be thread-safe:
/// the journal calls them from its flusher thread and from the threads that call it.
class FileOps {
 public:
  virtual ~FileOps() = default;

  virtual int open(const char* path, int flags, mode_t mode) { return ::open(path, flags, mode); }
  /// An exclusive lock on an open file, without waiting: -1 with EWOULDBLOCK when it is held.
  virtual int lock(int fd) { return ::flock(fd, LOCK_EX | LOCK_NB); }
  virtual int close(int fd) { return ::close(fd); }
  virtual ssize_t pread(int fd, void* buf, std::size_t n, off_t offset) { return ::pread(fd, buf, n, offset); }
  virtual ssize_t pwrite(int fd, const void* buf, std::size_t n, off_t offset) {
    return ::pwrite(fd, buf, n, offset);
  }
  /// Used for directories and for repairs made while opening.
  virtual int fsync(int fd) { return ::fsync(fd); }
  /// Used for segment data: it skips metadata (times) that recovery does not need, but still
  /// persists the file size, without which the data could not be read back.
  virtual int fdatasync(int fd) { return ::fdatasync(fd); }
  virtual int ftruncate(int fd, off_t length) { return ::ftruncate(fd, length); }
  virtual int rename(const char* from, const char* to) { return ::rename(from, to); }
  virtual int unlink(const char* path) { return ::unlink(path); }
  virtual int mkdir(const char* path, mode_t mode) { return ::mkdir(path, mode); }
  /// Size of an open file in bytes, or -1 (errno set).
  virtual std::int64_t file_size(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return -1;
    return static_cast<std::int64_t>(st.st_size);
  }
  /// The names in a directory (without "." and ".."); 0, or -1 with errno set.
  virtual int list_directory(const char* path, std::vector<std::string>& names) {
    DIR* d = ::opendir(path);
    if (d == nullptr) return -1;
    int err = 0;
    for (;;) {
      errno = 0;  // readdir reports an error only through errno
      const dirent* e = ::readdir(d);
      if (e == nullptr) {
        err = errno;
        break;
      }
      const std::string name = e->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    ::closedir(d);
    errno = err;
    return err == 0 ? 0 : -1;
  }
};

}  // namespace asl::detail
