// Schedulers: where frames run and timers wait. InlineHost runs one execution on the calling
// thread; PoolScheduler runs many on worker threads, never blocking a worker on its children.
// SPDX-License-Identifier: MIT
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <queue>
#include <thread>
#include <utility>
#include <vector>

#include "asl/clock.hpp"
#include "asl/detail/run/spin_lock.hpp"

namespace asl::detail {

class Interpreter;
struct Frame;

/// One runnable frame of one execution.
struct Work {
  std::shared_ptr<Interpreter> exec;
  std::shared_ptr<Frame> frame;
};

/// Runs a work item (defined with the interpreter).
inline void run_work(Work& w);

/// What the interpreter needs from whoever runs it.
class Host {
 public:
  virtual ~Host() = default;
  /// The frame can run now.
  virtual void post(Work w) = 0;
  /// True when the calling thread, which would only wait for an execution (Engine::run), may
  /// run that execution's frames itself through run_here().
  virtual bool caller_can_run() const { return false; }
  /// Runs `w` on the calling thread as if it were one of the host's workers.
  virtual void run_here(Work& w) { run_work(w); }
  /// How long a thread about to wait for work may spin first (cpu_relax iterations; 0 = none).
  virtual unsigned spin_budget() const { return 0; }
  /// Call `fire` at `due` (on the host's clock; in virtual time, when nothing else can run).
  virtual void post_at(TimePoint due, std::function<void()> fire) = 0;
  virtual TimePoint now() = 0;
  /// How many frames can run at once (1 for the inline host): Map fans out in chunks only when
  /// more than one can.
  virtual unsigned parallelism() const { return 1; }
  /// Deferred tasks waiting for an outside completion: virtual time holds still while any is
  /// pending (someone is working on it), and an inline run without one cannot be stuck silently.
  void external_begin() { external_.fetch_add(1, std::memory_order_relaxed); }
  void external_end() {
    external_.fetch_sub(1, std::memory_order_relaxed);
    nudge();
  }
  std::int64_t externals() const { return external_.load(std::memory_order_relaxed); }
  /// A deferred task's completion: posts its frame and ends its external hold as one step under
  /// the host's lock, so whoever decides that nothing can run (virtual time jumping, an inline
  /// run reporting a stuck execution) sees both or neither. Ending the hold first opened a window
  /// where nothing looked runnable; posting first let the execution end and its engine (this
  /// host) go away before the hold was ended. Nothing touches the host after its lock is released.
  virtual void post_ending_external(Work w) = 0;

 protected:
  virtual void nudge() {}
  std::atomic<std::int64_t> external_{0};
};

/// Where a timer goes when its delay is beyond the clock's range (time_math.hpp saturates there).
/// It never fires: a real clock never gets there, and virtual time never jumps there. Jumping
/// would end time for good (every later timer would be due at once, and on a pool for every other
/// execution too), and a heartbeat check re-armed at the end of time would fire forever.
inline bool never_fires(TimePoint due) { return due == TimePoint::max(); }

/// A min-heap of timers; ties fire in scheduling order.
class TimerQueue {
 public:
  struct Entry {
    TimePoint due;
    std::uint64_t seq;
    std::function<void()> fire;
    bool operator>(const Entry& o) const { return due != o.due ? due > o.due : seq > o.seq; }
  };
  void push(TimePoint due, std::function<void()> fire) { heap_.push(Entry{due, seq_++, std::move(fire)}); }
  bool empty() const { return heap_.empty(); }
  TimePoint next_due() const { return heap_.top().due; }
  std::function<void()> pop() {
    auto f = std::move(const_cast<Entry&>(heap_.top()).fire);
    heap_.pop();
    return f;
  }
  void clear() { heap_ = {}; }

 private:
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> heap_;
  std::uint64_t seq_ = 0;
};

inline std::chrono::system_clock::time_point to_system(TimePoint t) {
  return std::chrono::time_point_cast<std::chrono::system_clock::duration>(t);
}

/// Runs one execution on the calling thread: the CLI and tests that do not need threads.
/// Completions from other threads (deferred tasks, callbacks) are posted back to this thread.
class InlineHost final : public Host {
 public:
  InlineHost(std::shared_ptr<Clock> clock, bool virtual_time)
      : clock_(std::move(clock)), virtual_(virtual_time), vnow_(clock_->now()) {
    if (!clock_->is_real()) {
      auto w = waker_;
      sub_ = clock_->subscribe([w] { w->poke(); });
    }
  }
  ~InlineHost() override {
    if (sub_) clock_->unsubscribe(sub_);
  }

  void post(Work w) override {
    std::lock_guard<std::mutex> lock(waker_->mutex);
    queue_.push_back(std::move(w));
    waker_->cv.notify_one();
  }
  void post_ending_external(Work w) override {
    const auto waker = waker_;  // the host may be gone once the lock is released
    std::lock_guard<std::mutex> lock(waker->mutex);
    queue_.push_back(std::move(w));
    external_.fetch_sub(1, std::memory_order_relaxed);
    waker->cv.notify_all();
  }
  void post_at(TimePoint due, std::function<void()> fire) override {
    std::lock_guard<std::mutex> lock(waker_->mutex);
    timers_.push(due, std::move(fire));
    waker_->cv.notify_one();
  }
  TimePoint now() override {
    if (!virtual_) return clock_->now();
    std::lock_guard<std::mutex> lock(waker_->mutex);
    return vnow_;
  }

  /// Virtual time only: starts the clock at `t` and never moves it past `horizon`: a timer due
  /// later never fires. A journaled execution replayed for its history runs on the times it
  /// recorded and stops at the present.
  void replay_window(TimePoint t, TimePoint horizon) {
    std::lock_guard<std::mutex> lock(waker_->mutex);
    vnow_ = t;
    horizon_ = horizon;
  }

  /// Runs until `done()` is true. Returns false if nothing can ever make progress again
  /// (no runnable frame, no timer that can fire, no pending outside completion). On virtual time
  /// that includes timers that never fire (the heap's smallest is then one of them); on a real or
  /// manual clock it waits for them, as it would for any far timer.
  template <class Done>
  bool run(Done&& done) {
    std::unique_lock<std::mutex> lock(waker_->mutex);
    for (;;) {
      if (!queue_.empty()) {
        Work w = std::move(queue_.front());
        queue_.pop_front();
        lock.unlock();
        run_work(w);
        lock.lock();
        continue;
      }
      if (done()) return true;
      if (!timers_.empty() && (!virtual_ || (externals() == 0 && !never_fires(timers_.next_due()) &&
                                             timers_.next_due() <= horizon_))) {
        const TimePoint due = timers_.next_due();
        const TimePoint now = virtual_ ? vnow_ : clock_->now();
        if (virtual_ && due > vnow_) vnow_ = due;
        if (virtual_ || due <= now) {
          auto fire = timers_.pop();
          lock.unlock();
          fire();
          lock.lock();
          continue;
        }
        if (clock_->is_real()) waker_->cv.wait_until(lock, to_system(due));
        else waker_->cv.wait(lock);
        continue;
      }
      if (externals() == 0) return false;
      waker_->cv.wait(lock);
    }
  }

 protected:
  void nudge() override { waker_->poke(); }

 private:
  struct Waker {
    std::mutex mutex;
    std::condition_variable cv;
    void poke() {
      std::lock_guard<std::mutex> lock(mutex);
      cv.notify_all();
    }
  };
  std::shared_ptr<Clock> clock_;
  bool virtual_;
  std::shared_ptr<Waker> waker_ = std::make_shared<Waker>();
  std::deque<Work> queue_;
  TimerQueue timers_;
  TimePoint vnow_;
  TimePoint horizon_ = TimePoint::max();  ///< virtual time stops here (replay_window)
  std::uint64_t sub_ = 0;
};

/// A pool of workers shared by every execution of an engine, plus one timer thread.
/// Frames never block a worker: a Map/Parallel parent is re-queued by its last child. Workers
/// take work in batches (up to 32 frames when the queue is long) so cheap Map items do not pay a
/// thread hand-off each; with a short queue each worker takes one, so long tasks spread out.
class PoolScheduler final : public Host {
 public:
  PoolScheduler(unsigned threads, std::shared_ptr<Clock> clock, bool virtual_time)
      : clock_(std::move(clock)), virtual_(virtual_time), vnow_(clock_->now()) {
    const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
    if (threads == 0) threads = cores;
    threads_ = threads;
    spin_ = threads <= cores;  // more workers than cores: spinning would steal a busy worker's core
    if (!clock_->is_real()) {
      auto self_state = state_;
      sub_ = clock_->subscribe([self_state] {
        std::lock_guard<std::mutex> lock(self_state->mutex);
        self_state->timer_cv.notify_all();
      });
    }
    for (unsigned i = 0; i < threads; ++i) workers_.emplace_back([this] { worker(); });
    timer_thread_ = std::thread([this] { timer_loop(); });
  }
  ~PoolScheduler() override { stop(); }

  unsigned threads() const { return threads_; }
  unsigned parallelism() const override { return threads_; }

  void stop() {
    {
      std::lock_guard<std::mutex> lock(state_->mutex);
      if (state_->stopping) return;
      state_->stopping = true;
      state_->work_cv.notify_all();
      state_->timer_cv.notify_all();
    }
    for (auto& t : workers_) t.join();
    timer_thread_.join();
    if (sub_) clock_->unsubscribe(sub_);
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->queue.clear();
    state_->timers.clear();
  }

  void post(Work w) override {
    if (tls_pool() == this) {
      // From a worker: buffer, flushed after the current frame's step (one lock per batch).
      tls_buffer().push_back(std::move(w));
      return;
    }
    std::lock_guard<std::mutex> lock(spin_lock(state_->mutex), std::adopt_lock);
    state_->queue.push_back(std::move(w));
    state_->queued.store(state_->queue.size(), std::memory_order_release);
    if (state_->idle > 0) state_->work_cv.notify_one();
  }

  void post_ending_external(Work w) override {
    if (tls_pool() == this) {
      // From one of this pool's workers: it counts busy until its buffer is flushed, so virtual
      // time cannot move in between, and the pool outlives its own workers.
      tls_buffer().push_back(std::move(w));
      external_end();
      return;
    }
    const auto state = state_;  // the pool may be gone once the lock is released
    std::lock_guard<std::mutex> lock(spin_lock(state->mutex), std::adopt_lock);
    state->queue.push_back(std::move(w));
    state->queued.store(state->queue.size(), std::memory_order_release);
    external_.fetch_sub(1, std::memory_order_relaxed);
    if (state->idle > 0) state->work_cv.notify_one();
    if (virtual_) state->timer_cv.notify_all();
  }

  /// Not a thread that works for another pool: its thread-local post buffer holds that pool's
  /// work. One of this pool's own (a handler calling Engine::run) may: it would block anyway.
  bool caller_can_run() const override { return tls_pool() == nullptr || tls_pool() == this; }
  unsigned spin_budget() const override { return spin_ ? spin_iterations : 0; }

  /// Engine::run's thread runs a frame as a worker would, standing in for one: counted busy (so
  /// virtual time holds still), what the frame posts is queued when its step ends, and of those
  /// frames (a Map's chunks, a Parallel's branches) it keeps the first and runs it too. It only
  /// ever runs work its own execution made, and while it does the pool wakes one worker fewer
  /// for it, so on 2 cores 2 threads run, not 3.
  void run_here(Work& w) override {
    // From a handler on one of this pool's threads: what the outer frame posted so far is
    // queued now, so that this execution's posts are the only ones in the buffer.
    // A worker doing so is awake already, so it does not count as a stand-in.
    const bool worker = tls_pool() == this;
    if (worker) flush();
    {
      std::lock_guard<std::mutex> lock(state_->mutex);
      ++state_->busy;
      if (!worker) ++state_->stand_ins;
    }
    struct StandIn {
      PoolScheduler& pool;
      const bool worker;
      StandIn(PoolScheduler& p, bool w) : pool(p), worker(w) { tls_pool() = &p; }
      ~StandIn() {
        pool.flush();
        if (!worker) tls_pool() = nullptr;
        std::lock_guard<std::mutex> lock(pool.state_->mutex);
        --pool.state_->busy;
        if (!worker) --pool.state_->stand_ins;
        // This thread stops working for the pool: a worker takes its place on what is queued.
        if (!pool.state_->queue.empty() && pool.state_->idle > 0) pool.state_->work_cv.notify_one();
        if (pool.virtual_) pool.state_->timer_cv.notify_all();  // maybe quiescent now
      }
    } stand_in(*this, worker);
    Work current = std::move(w);
    const Interpreter* const mine = current.exec.get();
    for (auto& posted = tls_buffer();;) {
      run_work(current);
      if (!posted.empty()) {
        current = std::move(posted.front());
        posted.erase(posted.begin());
        flush();
      } else if (!take_own(mine, current)) {
        break;
      }
    }
  }

  void post_at(TimePoint due, std::function<void()> fire) override {
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->timers.push(due, std::move(fire));
    state_->timer_cv.notify_all();
  }

  TimePoint now() override {
    if (!virtual_) return clock_->now();
    std::lock_guard<std::mutex> lock(state_->mutex);
    return vnow_;
  }

 protected:
  void nudge() override {
    // Only virtual time looks at outside completions (to hold still); a real or manual clock's
    // timer thread has nothing to re-check, and waking it cost a context switch per call.
    if (!virtual_) return;
    std::lock_guard<std::mutex> lock(state_->mutex);
    state_->timer_cv.notify_all();
  }

 private:
  struct State {
    std::mutex mutex;
    std::condition_variable work_cv, timer_cv;
    std::deque<Work> queue;
    /// queue.size(), readable without the mutex: a worker about to sleep spins on it first.
    std::atomic<std::size_t> queued{0};
    TimerQueue timers;
    unsigned idle = 0;  ///< workers asleep on work_cv (a spinning worker is not counted)
    unsigned busy = 0;
    unsigned stand_ins = 0;  ///< Engine::run callers running their executions' frames (run_here)
    bool stopping = false;
  };

  static PoolScheduler*& tls_pool() {
    thread_local PoolScheduler* pool = nullptr;
    return pool;
  }
  static std::vector<Work>& tls_buffer() {
    thread_local std::vector<Work> buffer;
    return buffer;
  }

  void flush() {
    auto& buf = tls_buffer();
    if (buf.empty()) return;
    std::lock_guard<std::mutex> lock(spin_lock(state_->mutex), std::adopt_lock);
    for (auto& w : buf) state_->queue.push_back(std::move(w));
    buf.clear();
    state_->queued.store(state_->queue.size(), std::memory_order_release);
    if (state_->idle == 0) return;
    // Each caller standing in for a worker counts as one awake (up to all but one worker): on 2
    // cores 2 threads run, not 3. With no worker awake one is always woken, so queued work never
    // waits for a stand-in to get to it.
    const unsigned awake = threads_ - state_->idle;
    const unsigned wanted = threads_ - std::min(state_->stand_ins, threads_ - 1);
    if (awake >= wanted) return;  // wanted >= 1, so with no worker awake one is woken
    if (state_->queue.size() > 1 && wanted - awake > 1) state_->work_cv.notify_all();
    else state_->work_cv.notify_one();
  }

  /// For a standing-in caller: takes a queued frame of its own execution, looking at the first
  /// few only (other executions' work is left to the workers).
  bool take_own(const Interpreter* mine, Work& out) {
    std::lock_guard<std::mutex> lock(spin_lock(state_->mutex), std::adopt_lock);
    const std::size_t n = std::min<std::size_t>(state_->queue.size(), 64);
    for (std::size_t i = 0; i < n; ++i) {
      if (state_->queue[i].exec.get() != mine) continue;
      out = std::move(state_->queue[i]);
      state_->queue.erase(state_->queue.begin() + static_cast<std::ptrdiff_t>(i));
      state_->queued.store(state_->queue.size(), std::memory_order_release);
      return true;
    }
    return false;
  }

  void worker() {
    tls_pool() = this;
    std::vector<Work> batch;
    std::unique_lock<std::mutex> lock(state_->mutex);
    for (;;) {
      if (state_->queue.empty() && !state_->stopping && spin_) {
        // Spin briefly before sleeping: Map items and Parallel branches arrive microseconds
        // apart, and a futex sleep + wake-up per hand-off costs more than the item itself.
        lock.unlock();
        for (unsigned i = 0; i < spin_iterations && state_->queued.load(std::memory_order_acquire) == 0; ++i)
          cpu_relax();
        relock(lock);
      }
      while (state_->queue.empty() && !state_->stopping) {
        ++state_->idle;
        if (virtual_) state_->timer_cv.notify_all();  // maybe quiescent: let virtual time move
        state_->work_cv.wait(lock);
        --state_->idle;
      }
      if (state_->stopping) break;
      const std::size_t n = std::clamp<std::size_t>(state_->queue.size() / threads_, 1, 32);
      for (std::size_t i = 0; i < n && !state_->queue.empty(); ++i) {
        batch.push_back(std::move(state_->queue.front()));
        state_->queue.pop_front();
      }
      state_->queued.store(state_->queue.size(), std::memory_order_release);
      ++state_->busy;
      lock.unlock();
      for (auto& w : batch) {
        run_work(w);
        flush();
      }
      batch.clear();
      relock(lock);
      --state_->busy;
    }
    tls_pool() = nullptr;
  }

  static constexpr unsigned spin_iterations = 4000;  // ~20-60 µs, depending on the CPU's pause
  bool quiescent() const {
    return state_->queue.empty() && state_->busy == 0 && externals() == 0;
  }

  void timer_loop() {
    std::unique_lock<std::mutex> lock(state_->mutex);
    while (!state_->stopping) {
      if (state_->timers.empty()) {
        state_->timer_cv.wait(lock);
        continue;
      }
      const TimePoint due = state_->timers.next_due();
      if (virtual_) {
        // Virtual time moves only when nothing else can run: then it jumps to the next timer.
        // A timer that never fires waits like an empty queue (see never_fires): a pool does not
        // report stuck executions, they wait for a cancel as on a real clock.
        if (!quiescent() || never_fires(due)) {
          state_->timer_cv.wait(lock);
          continue;
        }
        if (due > vnow_) vnow_ = due;
      } else if (due > clock_->now()) {
        if (clock_->is_real()) state_->timer_cv.wait_until(lock, to_system(due));
        else state_->timer_cv.wait(lock);
        continue;
      }
      auto fire = state_->timers.pop();
      ++state_->busy;  // a firing timer counts as work in progress for quiescence
      lock.unlock();
      fire();
      lock.lock();
      --state_->busy;
    }
  }

  std::shared_ptr<Clock> clock_;
  bool virtual_;
  unsigned threads_ = 1;
  bool spin_ = false;
  std::shared_ptr<State> state_ = std::make_shared<State>();
  std::vector<std::thread> workers_;
  std::thread timer_thread_;
  TimePoint vnow_;
  std::uint64_t sub_ = 0;
};

}  // namespace asl::detail
