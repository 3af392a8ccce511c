// The one thread per CommandResolver that runs every command: it starts them, feeds their
// stdin, collects stdout and stderr, notices stop requests, ends process groups and reaps.
// SPDX-License-Identifier: MIT
#pragma once

#include <poll.h>
#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "asl/detail/process/fd.hpp"
#include "asl/detail/process/outcome.hpp"
#include "asl/detail/process/process_group.hpp"
#include "asl/detail/process/spawn.hpp"
#include "asl/detail/process/stderr_lines.hpp"
#include "asl/detail/process/subreaper.hpp"
#include "asl/detail/process/thread_signals.hpp"
#include "asl/error.hpp"
#include "asl/task.hpp"

namespace asl::detail::process {

/// Where a command's stderr lines go: (state name, line without its newline).
using StderrSink = std::function<void(std::string_view state_name, std::string_view line)>;

/// The supervisor's settings (CommandOptions, checked).
struct SupervisorOptions {
  StderrSink stderr_sink;
  std::chrono::milliseconds kill_grace{2000};
  std::size_t max_running = 64;
  std::size_t max_stdout_bytes = std::size_t{256} << 20;
  std::size_t stderr_tail_bytes = 2048;
  std::size_t max_stderr_line = std::size_t{64} << 10;
  /// How often stop requests are looked at, and children that closed their pipes but still run
  /// are looked for: a few milliseconds is prompt against any TimeoutSeconds, and costs a few
  /// hundred wake-ups a second only while commands run.
  std::chrono::milliseconds tick{5};
  bool reap_orphans = false;
};

/// One task attempt to run.
struct Job {
  SpawnSpec spec;
  std::string display;     ///< the command as written, for error causes
  std::string state_name;  ///< for the stderr prefix
  std::string input;       ///< the task's effective input, as JSON text, for stdin
  TaskCompletion completion;
};

/// Runs commands for deferred tasks without a thread per command: one thread polls every pipe
/// (poll(2), with a self-pipe to be woken), writes stdin as the child reads it (so an input
/// larger than the pipe buffer cannot deadlock against a full stdout pipe), reaps with
/// waitpid(WNOHANG) on its own (no SIGCHLD handler: that is the host's), and completes each
/// task through its TaskCompletion. The thread starts with the first command.
class Supervisor {
 public:
  using SteadyClock = std::chrono::steady_clock;

  explicit Supervisor(SupervisorOptions options) : options_(std::move(options)), buffer_(std::size_t{64} << 10) {
    if (options_.reap_orphans) subreaper_ = std::make_unique<SubreaperLease>();
  }
  Supervisor(const Supervisor&) = delete;
  Supervisor& operator=(const Supervisor&) = delete;
  /// Ends every command still running (SIGTERM, then SIGKILL after the grace period), fails
  /// their tasks and reaps them before returning.
  ~Supervisor() { shutdown(); }

  /// Queues `job`; false once shut down (the caller then fails the task itself).
  /// @throws std::system_error when the thread or its wake-up pipe cannot be made.
  bool submit(Job job) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) return false;
      if (!thread_.joinable()) start_thread();
      queue_.push_back(std::move(job));
      ++busy_;
    }
    wake();
    return true;
  }

  /// Waits until no command is queued or running and no process group it left is still alive;
  /// false if `timeout` passed first.
  bool wait_idle(std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    return idle_cv_.wait_for(lock, timeout, [&] { return busy_ == 0; });
  }

  /// See the destructor. Idempotent; must not be called from the stderr sink.
  void shutdown() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake();
    if (thread_.joinable()) thread_.join();
  }

 private:
  struct Child {
    pid_t pid = -1;  ///< also the process group's id
    UniqueFd in, out, err;
    std::string input;
    std::size_t written = 0;
    std::string out_text;
    StderrLines err_lines;
    TaskCompletion completion;
    std::string state_name, display;
    std::optional<std::string> failure;
    bool terminating = false, killed = false;
    SteadyClock::time_point kill_at{};
    std::optional<SteadyClock::time_point> closed_at;  ///< when both output pipes reached end-of-file
    Child(std::size_t tail, std::size_t line) : err_lines(tail, line) {}
  };
  /// A group whose leader has been reaped but where something still runs.
  struct Lingering {
    pid_t pgid;
    SteadyClock::time_point kill_at;
    bool killed;
    SteadyClock::time_point give_up_at;
  };

  void start_thread() {
    Pipe p;
    if (const int e = make_pipe(p)) throw std::system_error(e, std::generic_category(), "asl: command supervisor pipe");
    set_nonblocking(p.read.get());
    set_nonblocking(p.write.get());
    wake_read_ = std::move(p.read);
    wake_write_ = std::move(p.write);
    thread_ = std::thread([this] { loop(); });
  }

  void wake() noexcept {
    if (!wake_write_) return;
    const char byte = 1;
    // Full pipe (EAGAIN): the thread has wake-ups pending already. The write end is ours and its
    // reader lives as long as we do, so no SIGPIPE is possible here.
    while (::write(wake_write_.get(), &byte, 1) < 0 && errno == EINTR) {
    }
  }

  static std::string errno_text(int e) { return std::generic_category().message(e); }

  void loop() {
    block_all_signals();
    std::vector<Job> starting, refused;
    std::vector<pollfd> fds;
    struct Watch {
      Child* child;
      int which;  // 0 stdin, 1 stdout, 2 stderr
    };
    std::vector<Watch> watched;
    auto last_sweep = SteadyClock::now();
    for (;;) {
      auto now = SteadyClock::now();
      bool stopping = false;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping = stopping_;
        // A task that timed out or was cancelled while queued never starts: the engine has
        // already settled it.
        queue_.erase(std::remove_if(queue_.begin(), queue_.end(),
                                    [](const Job& j) { return j.completion.stop_requested(); }),
                     queue_.end());
        while (!queue_.empty() &&
               (stopping || options_.max_running == 0 || children_.size() + starting.size() < options_.max_running)) {
          (stopping ? refused : starting).push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
      }
      for (Job& j : refused)
        j.completion.fail(task_failed("The CommandResolver was destroyed before the command started."));
      refused.clear();
      for (Job& j : starting) start(std::move(j), now);
      starting.clear();

      const bool sweep = now - last_sweep >= options_.tick;
      if (sweep) last_sweep = now;
      bool exit_pending = false;  // a child closed its pipes but was not reaped yet
      for (std::size_t i = 0; i < children_.size();) {
        Child& c = *children_[i];
        check_stop(c, now, stopping);
        const bool pipes_closed = !c.out && !c.err;
        if (pipes_closed || sweep || options_.reap_orphans) {
          if (const std::optional<int> status = reap_group(c.pid)) {
            finish(c, *status, now);
            children_.erase(children_.begin() + static_cast<std::ptrdiff_t>(i));
            continue;
          }
          // Exiting closes the pipes a moment before the process can be reaped: look again
          // soon, for a while (a command that closed them on purpose and goes on is swept).
          if (pipes_closed) {
            if (!c.closed_at) c.closed_at = now;
            if (now - *c.closed_at < std::chrono::milliseconds(50)) exit_pending = true;
          }
        }
        ++i;
      }
      if (sweep || stopping) tend_lingering(now);

      bool can_start = false;  // a queued job has a free place (a child ended this round)
      {
        std::lock_guard<std::mutex> lock(mutex_);
        busy_ = queue_.size() + children_.size() + lingering_.size();
        if (busy_ == 0) {
          idle_cv_.notify_all();
          if (stopping_) return;
        }
        can_start = !queue_.empty() && (options_.max_running == 0 || children_.size() < options_.max_running);
      }

      fds.clear();
      watched.clear();
      fds.push_back(pollfd{wake_read_.get(), POLLIN, 0});
      watched.push_back(Watch{nullptr, -1});
      for (const auto& cp : children_) {
        Child& c = *cp;
        if (c.in) fds.push_back(pollfd{c.in.get(), POLLOUT, 0}), watched.push_back(Watch{&c, 0});
        if (c.out) fds.push_back(pollfd{c.out.get(), POLLIN, 0}), watched.push_back(Watch{&c, 1});
        if (c.err) fds.push_back(pollfd{c.err.get(), POLLIN, 0}), watched.push_back(Watch{&c, 2});
      }
      int timeout_ms = -1;  // nothing to look after: sleep until woken
      if (can_start) {
        timeout_ms = 0;  // only collect what is ready, then start it
      } else if (!children_.empty() || !lingering_.empty()) {
        auto until = now + (exit_pending ? std::chrono::milliseconds(1) : options_.tick);
        for (const auto& c : children_)
          if (c->terminating && !c->killed) until = std::min(until, c->kill_at);
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - now).count();
        timeout_ms = static_cast<int>(std::max<long long>(0, static_cast<long long>(left)));
      }
      const int n = ::poll(fds.data(), static_cast<nfds_t>(fds.size()), timeout_ms);
      if (n <= 0) continue;  // timeout, or EINTR/ENOMEM: the next round retries
      now = SteadyClock::now();
      for (std::size_t k = 0; k < fds.size(); ++k) {
        const short ev = fds[k].revents;
        if (ev == 0) continue;
        const Watch w = watched[k];
        if (w.child == nullptr) {
          char sink[256];
          while (::read(wake_read_.get(), sink, sizeof sink) > 0) {
          }
        } else if (w.which == 0) {
          write_input(*w.child);
        } else if (w.which == 1) {
          read_stdout(*w.child, now, false);
        } else {
          read_stderr(*w.child, false);
        }
      }
    }
  }

  void start(Job job, SteadyClock::time_point now) {
    (void)now;
    Pipe in, out, err;
    int e = make_pipe(in);
    if (e == 0) e = make_pipe(out);
    if (e == 0) e = make_pipe(err);
    Spawned s;
    if (e == 0) {
      s = spawn_in_group(job.spec, in.read.get(), out.write.get(), err.write.get());
      e = s.error;
    }
    if (e != 0) {
      job.completion.fail(task_failed(fmt::format("Command '{}' could not be started: {}.",
                                                  head_text(job.display, quoted_stdout_bytes), errno_text(e))));
      return;
    }
    // The child has its own copies: closing ours is what lets it (and us) see end-of-file.
    in.read.reset();
    out.write.reset();
    err.write.reset();
    set_nonblocking(in.write.get());
    set_nonblocking(out.read.get());
    set_nonblocking(err.read.get());
    auto c = std::make_unique<Child>(options_.stderr_tail_bytes, options_.max_stderr_line);
    c->pid = s.pid;
    c->in = std::move(in.write);
    c->out = std::move(out.read);
    c->err = std::move(err.read);
    c->input = std::move(job.input);
    c->completion = std::move(job.completion);
    c->state_name = std::move(job.state_name);
    c->display = std::move(job.display);
    write_input(*c);  // most inputs fit the pipe buffer: written before the first poll
    children_.push_back(std::move(c));
  }

  /// Timeout, cancellation, the end of the execution, or the resolver going away: SIGTERM to
  /// the group at once, SIGKILL when the grace period is over.
  void check_stop(Child& c, SteadyClock::time_point now, bool stopping) {
    if (!c.terminating && (stopping || c.completion.stop_requested())) {
      if (stopping) c.completion.fail(task_failed("The CommandResolver was destroyed while the command ran."));
      begin_termination(c, now);
    }
    if (c.terminating && !c.killed && now >= c.kill_at) {
      signal_group(c.pid, SIGKILL);
      c.killed = true;
    }
  }

  void begin_termination(Child& c, SteadyClock::time_point now) {
    if (c.terminating) return;
    c.terminating = true;
    c.kill_at = now + options_.kill_grace;
    signal_group(c.pid, SIGTERM);
    c.in.reset();  // nothing more to say to it
  }

  auto line_sink(Child& c) {
    return [this, &c](std::string_view line) {
      if (!options_.stderr_sink) return;
      try {
        options_.stderr_sink(c.state_name, line);
      } catch (...) {
        // A host's sink that throws loses that line, not the supervisor.
      }
    };
  }
  static auto beat(Child& c) {
    return [&c] { c.completion.heartbeat(); };
  }

  void write_input(Child& c) {
    while (c.in && c.written < c.input.size()) {
      const ssize_t n = ::write(c.in.get(), c.input.data() + c.written, c.input.size() - c.written);
      if (n > 0) {
        c.written += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;  // pipe full: POLLOUT says when
      if (n < 0 && errno == EPIPE) consume_pending_sigpipe();
      break;  // EPIPE: the command closed its stdin (it need not read it all); anything else: give up
    }
    c.in.reset();  // end-of-file on its stdin
    std::string().swap(c.input);
  }

  /// Reads what is there (at most 1 MiB per call, so one chatty child cannot starve the others;
  /// `drain`: everything, once the leader has exited).
  void read_stdout(Child& c, SteadyClock::time_point now, bool drain) {
    std::size_t budget = drain ? options_.max_stdout_bytes + buffer_.size() : std::size_t{1} << 20;
    while (c.out && budget > 0) {
      const ssize_t n = ::read(c.out.get(), buffer_.data(), buffer_.size());
      if (n > 0) {
        const auto got = static_cast<std::size_t>(n);
        budget = got >= budget ? 0 : budget - got;
        if (c.failure) continue;  // over the limit already: read and drop until it is gone
        if (c.out_text.size() + got > options_.max_stdout_bytes) {
          c.failure = fmt::format("wrote more than {} bytes on stdout (CommandOptions::max_stdout_bytes); it was "
                                  "stopped.",
                                  options_.max_stdout_bytes);
          std::string().swap(c.out_text);
          begin_termination(c, now);
          continue;
        }
        c.out_text.append(buffer_.data(), got);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      c.out.reset();  // end-of-file (or an error, which ends the stream all the same)
    }
  }

  void read_stderr(Child& c, bool drain) {
    std::size_t budget = std::size_t{1} << 20;
    while (c.err && (drain || budget > 0)) {
      const ssize_t n = ::read(c.err.get(), buffer_.data(), buffer_.size());
      if (n > 0) {
        const auto got = static_cast<std::size_t>(n);
        budget = got >= budget ? 0 : budget - got;
        c.err_lines.feed(std::string_view(buffer_.data(), got), line_sink(c), beat(c));
        if (drain && budget == 0) return;  // a group member still writing: stop somewhere
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
      c.err.reset();
    }
  }

  /// The leader has been reaped: read what is left in the pipes, complete the task, and leave
  /// what else still runs in its group to be ended.
  void finish(Child& c, int status, SteadyClock::time_point now) {
    c.in.reset();
    read_stdout(c, now, true);
    read_stderr(c, true);
    c.err_lines.finish(line_sink(c), beat(c));
    Finished f;
    f.display = c.display;
    f.wait_status = status;
    f.out = c.out_text;
    f.err_tail = c.err_lines.tail();
    f.failure = c.failure;
    Result<Json> r = command_outcome(f);
    if (r) c.completion.succeed(std::move(*r));
    else c.completion.fail(std::move(r).error());  // refused (and dropped) if the task already ended
    c.out.reset();
    c.err.reset();
    // What the command started and left in its group ends with the task (a background job, a
    // subshell that kept our pipe open): a task's processes never outlive it.
    if (!group_gone(c.pid)) {
      if (!c.terminating) {
        signal_group(c.pid, SIGTERM);
        c.kill_at = now + options_.kill_grace;
      }
      lingering_.push_back(Lingering{c.pid, c.kill_at, c.killed, c.kill_at + give_up_after()});
    }
  }

  /// After SIGKILL a group should be gone at once; what stays is a zombie whose parent is init
  /// (and an init that does not reap) or a process stuck in the kernel. Waiting for it could
  /// hold the destructor up for good, so it is left after a while.
  std::chrono::milliseconds give_up_after() const {
    return std::max(options_.kill_grace, std::chrono::milliseconds(1000));
  }

  void tend_lingering(SteadyClock::time_point now) {
    for (std::size_t i = 0; i < lingering_.size();) {
      Lingering& g = lingering_[i];
      if (options_.reap_orphans) reap_group(g.pgid);  // adopted members that ended
      if (group_gone(g.pgid) || (g.killed && now >= g.give_up_at)) {
        lingering_.erase(lingering_.begin() + static_cast<std::ptrdiff_t>(i));
        continue;
      }
      if (!g.killed && now >= g.kill_at) {
        signal_group(g.pgid, SIGKILL);
        g.killed = true;
        g.give_up_at = now + give_up_after();
      }
      ++i;
    }
  }

  SupervisorOptions options_;
  std::unique_ptr<SubreaperLease> subreaper_;
  std::vector<char> buffer_;  ///< read buffer (the thread's stack may be small)

  std::mutex mutex_;  // guards queue_, stopping_, busy_
  std::condition_variable idle_cv_;
  std::deque<Job> queue_;
  bool stopping_ = false;
  std::size_t busy_ = 0;
  std::thread thread_;
  UniqueFd wake_read_, wake_write_;

  // The thread's own.
  std::vector<std::unique_ptr<Child>> children_;
  std::vector<Lingering> lingering_;
};

}  // namespace asl::detail::process
