// Signals on the supervisor thread: it blocks them all, so that writing to a child that closed
// its stdin fails with EPIPE instead of killing the host with SIGPIPE.
// SPDX-License-Identifier: MIT
#pragma once

#include <pthread.h>
#include <signal.h>
#include <time.h>

namespace asl::detail::process {

/// Blocks every signal on the calling thread (the supervisor's own).
///
/// Why: a write to a pipe whose reader is gone raises SIGPIPE on the writing thread, and its
/// default action ends the process. The library does not touch the process-wide disposition
/// (that belongs to the host); all writes to children happen on the supervisor thread, which
/// keeps SIGPIPE blocked, so they fail with EPIPE. The same holds for the host's stderr that the
/// default sink writes to. Process-directed signals (SIGINT, SIGTERM, SIGCHLD) are then delivered
/// to the host's threads, never to this one, and no system call here returns EINTR because of
/// them (EINTR is still handled everywhere).
inline void block_all_signals() noexcept {
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
}

/// Takes a SIGPIPE left pending on this thread by an EPIPE write, so pending signals do not pile
/// up in the mask's shadow. Zero timeout: never waits.
inline void consume_pending_sigpipe() noexcept {
  sigset_t pipe_only;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  sigset_t pending;
  sigemptyset(&pending);
  if (sigpending(&pending) != 0 || sigismember(&pending, SIGPIPE) != 1) return;
  const timespec zero{0, 0};
  sigtimedwait(&pipe_only, nullptr, &zero);
}

}  // namespace asl::detail::process
