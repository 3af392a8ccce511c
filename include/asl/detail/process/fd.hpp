// File descriptors for talking to child processes: one owner per descriptor, and pipes that are
// close-on-exec from birth and never sit on the standard stream numbers 0, 1 and 2.
// SPDX-License-Identifier: MIT
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

namespace asl::detail::process {

/// Owns one file descriptor and closes it once. close() is not retried on EINTR: on Linux the
/// descriptor is released either way, and a retry could close one another thread just opened.
class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const noexcept { return fd_; }
  explicit operator bool() const noexcept { return fd_ >= 0; }
  void reset() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

/// Both ends of a pipe.
struct Pipe {
  UniqueFd read;
  UniqueFd write;
};

/// Makes a pipe; 0 or the errno. Both ends are close-on-exec as they are created (pipe2), so a
/// command another thread spawns at the same moment cannot inherit them: a leaked write end
/// would keep a reader from ever seeing end-of-file. An end that lands on 0, 1 or 2 (a host that
/// closed its own stdin) is moved above them, because the child's dup2 onto its standard streams
/// would otherwise overwrite it before it is used.
inline int make_pipe(Pipe& p) {
  int fds[2];
#if defined(__linux__)
  if (::pipe2(fds, O_CLOEXEC) != 0) return errno;
#else
  if (::pipe(fds) != 0) return errno;
  ::fcntl(fds[0], F_SETFD, FD_CLOEXEC);  // racy against a concurrent spawn; pipe2 is Linux/BSD only
  ::fcntl(fds[1], F_SETFD, FD_CLOEXEC);
#endif
  p.read = UniqueFd(fds[0]);
  p.write = UniqueFd(fds[1]);
  for (UniqueFd* end : {&p.read, &p.write}) {
    if (end->get() > 2) continue;
    const int moved = ::fcntl(end->get(), F_DUPFD_CLOEXEC, 3);
    if (moved < 0) return errno;
    *end = UniqueFd(moved);
  }
  return 0;
}

/// Our ends of the pipes never block: one thread serves every child, and a write to a child
/// that does not read (or a read from one that is quiet) must not stall the others.
inline bool set_nonblocking(int fd) noexcept {
  const int flags = ::fcntl(fd, F_GETFL);
  return flags >= 0 && ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

}  // namespace asl::detail::process
