// The engine's durable side: which execution names the journal holds (idempotent start by name,
// as AWS's StartExecution), numbering new executions, the hooks of live ones (detached when the
// engine suspends), and the executions left running by the previous process, for recover().
// SPDX-License-Identifier: MIT
#pragma once

#include <chrono>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "asl/error.hpp"
#include "asl/journal.hpp"
#include "asl/state_machine.hpp"
#include "asl/detail/durable/compaction.hpp"
#include "asl/detail/durable/durable_hook.hpp"
#include "asl/detail/durable/execution_index.hpp"
#include "asl/detail/run/interpreter.hpp"

namespace asl::detail::durable {

/// A version-4 UUID's text from a seed: the name of an execution started without one.
inline std::string made_up_name(std::uint64_t seed) {
  auto mix = [](std::uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  };
  std::uint64_t hi = mix(seed + 0x9e3779b97f4a7c15ULL), lo = mix(seed + 2 * 0x9e3779b97f4a7c15ULL);
  hi = (hi & ~0xf000ULL) | 0x4000ULL;                                 // version 4
  lo = (lo & ~(0xc000ULL << 48)) | (0x8000ULL << 48);                 // variant 10xx
  return fmt::format("{:08x}-{:04x}-{:04x}-{:04x}-{:012x}", hi >> 32, (hi >> 16) & 0xffff, hi & 0xffff, lo >> 48,
                     lo & 0xffffffffffffULL);
}

class Registry {
 public:
  /// Reads the journal: what it holds decides which names are taken and what recover() resumes.
  explicit Registry(std::shared_ptr<Journal> journal) : journal_(std::move(journal)) {
    index_.read(*journal_);
    next_number_ = index_.max_number();
    for (std::uint64_t h : index_.definition_hashes()) written_.insert(h);
    for (auto& [number, x] : index_.executions()) {
      Name& n = names_[x.name];
      n.number = number;
      n.input = InputDigest::of(x.input);
      n.pending = x.status == Status::running;
      if (!n.pending) {
        x.memo.reset();  // a redrive reads its execution again (redrive() below): not kept in memory
        x.definition.reset();
        std::string().swap(x.input);
      }
    }
  }

  const std::shared_ptr<Journal>& journal() const noexcept { return journal_; }

  /// What a start under `name` with `input` (JSON text) finds.
  struct Claim {
    std::shared_ptr<Interpreter> running;  ///< the same start while it runs: return this one
    std::uint64_t number = 0;              ///< otherwise: the new execution's number
  };

  /// AWS's rule for Standard executions: the same name and input as a running execution returns
  /// it; a different input, or a name whose execution has ended, is refused. `arn` names the
  /// execution in the refusal.
  Claim claim(const std::string& name, std::string_view input, const std::string& arn) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = names_.find(name);
    if (it != names_.end()) {
      Name& n = it->second;
      std::shared_ptr<Interpreter> live = n.exec.lock();
      const bool running = n.pending || (live && !live->done());
      if (running && n.input == InputDigest::of(input)) {
        if (n.pending)
          throw UsageError("asl::Engine: execution '" + name +
                           "' was running when the journal was last written; call recover() before starting it again");
        return Claim{std::move(live), 0};
      }
      throw ExecutionAlreadyExists("Execution Already Exists: '" + arn + "'");
    }
    Name& n = names_[name];
    n.number = ++next_number_;
    n.input = InputDigest::of(input);
    return Claim{nullptr, n.number};
  }

  /// The execution `name` now runs as `exec`, recording through `hook`.
  void attach(const std::string& name, const std::shared_ptr<Interpreter>& exec,
              const std::shared_ptr<DurableHook>& hook) {
    std::lock_guard<std::mutex> lock(mutex_);
    Name& n = names_[name];
    n.exec = exec;
    n.hook = hook;
    n.pending = false;
    n.redriving = false;
  }

  /// AWS RedriveExecution's rules (a FAILED, TIMED_OUT or ABORTED execution, with room in its
  /// history, within a year of its start and 14 days of its end): returns the execution, read
  /// back from the journal with everything it did, after appending (durably) the record that
  /// reopens it. `arn` names it in a refusal; `max_open_seconds` is its maximum duration.
  JournaledExecution redrive(const std::string& name, TimePoint now, const std::string& arn,
                             std::uint64_t max_open_seconds) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = names_.find(name);
    // An EXPRESS execution is not journaled: AWS does not redrive those either.
    if (it == names_.end()) throw ExecutionDoesNotExist("Execution Does Not Exist: '" + arn + "'");
    Name& n = it->second;
    std::shared_ptr<Interpreter> live = n.exec.lock();
    if (n.pending || n.redriving || (live && !live->done()))
      throw ExecutionNotRedrivable("Execution is RUNNING and cannot be redriven.");
    // Read again, not kept: what it did may have been recorded by this process since it opened
    // the journal, and a failed execution's facts are not held in memory until someone asks.
    ExecutionIndex index;
    index.read(*journal_);
    JournaledExecution* x = index.by_name(name);
    if (!x || x->number != n.number) throw ExecutionDoesNotExist("Execution Does Not Exist: '" + arn + "'");
    if (x->status == Status::succeeded)
      throw ExecutionNotRedrivable("Execution is SUCCEEDED and cannot be redriven.");
    if (x->status == Status::running) throw ExecutionNotRedrivable("Execution is RUNNING and cannot be redriven.");
    // Room for ExecutionRedriven and one more event (AWS: fewer than 24,999 events).
    if (x->events >= 24999) throw ExecutionNotRedrivable("Execution history event limit exceeded.");
    if (max_open_seconds && now >= x->start_time + std::chrono::seconds(max_open_seconds))
      throw ExecutionNotRedrivable("Execution has exceeded the max execution time.");
    // Without its facts, compaction closed it: it was past that period then.
    if (!x->memo || (x->stop_time && now >= *x->stop_time + redrivable_period))
      throw ExecutionNotRedrivable("Execution redrivable period exceeded.");
    const std::string record = encode_redrive(x->number, now);
    journal_->append_durable(record);  // throws JournalError when stopped
    index.apply(0, record);
    n.redriving = true;  // until attach(): a second redrive meanwhile finds it running
    return std::move(*x);
  }

  /// Takes the executions the journal holds as running and not yet recovered.
  std::vector<JournaledExecution> take_pending() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<JournaledExecution> out;
    for (auto& [number, x] : index_.executions())
      if (x.status == Status::running && x.memo) {
        Name& n = names_[x.name];
        if (!n.pending || n.number != number) continue;
        out.push_back(std::move(x));
        x.memo.reset();
      }
    return out;
  }

  /// The hash of `machine`'s definition text. The first time this journal meets that text, its
  /// definition record is appended, under the lock: no start naming it can be appended before it.
  std::uint64_t definition_of(const StateMachine& machine) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = programs_.find(machine.program().get());
    if (it == programs_.end() || it->second.program.expired()) {
      // Serialized once per machine, not per execution (a 1,000-state definition is ~100 KB).
      if (programs_.size() >= 2 * programs_hint_ + 64) {
        for (auto p = programs_.begin(); p != programs_.end();)
          p = p->second.program.expired() ? programs_.erase(p) : std::next(p);
        programs_hint_ = programs_.size();
      }
      Known k{machine.program(), 0, machine.definition().dump()};
      k.hash = definition_hash(k.text);
      it = programs_.insert_or_assign(machine.program().get(), std::move(k)).first;
    }
    const Known& k = it->second;
    if (!written_.count(k.hash)) {
      journal_->append(encode_definition(k.hash, k.text));  // throws JournalError when stopped
      written_.insert(k.hash);
    }
    return k.hash;
  }

  /// `name`'s execution as the journal holds it now, with everything it did (to rebuild its
  /// history); no memo when compaction closed it. `arn` names it in the refusal.
  JournaledExecution read(const std::string& name, const std::string& arn) {
    ExecutionIndex index;
    index.keep_memos(true);
    index.read(*journal_);
    JournaledExecution* x = index.by_name(name);
    if (!x) throw ExecutionDoesNotExist("Execution Does Not Exist: '" + arn + "'");
    return std::move(*x);
  }

  /// Replaces the journal's records so far with a snapshot of what may still be needed (see
  /// durable::compact).
  JournalCompaction compact(TimePoint now) { return durable::compact(*journal_, now); }

  /// The engine stops without ending its executions: they stay running in the journal.
  void detach_all() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [name, n] : names_)
      if (auto h = n.hook.lock()) h->detach();
  }

 private:
  /// What a name keeps of its input for the idempotency rule: its length and two 64-bit hashes,
  /// not the text. Keeping every input text held memory for every name ever started (a server
  /// runs for months), and copying it cost each start fresh pages: on this project's VMs a page
  /// fault is tens of microseconds, and they were a third of a journaled Map's extra time.
  /// A false match needs equal lengths and both hashes equal: about 2^-128 for unrelated inputs.
  struct InputDigest {
    std::uint64_t size = 0, a = 0, b = 0;
    bool operator==(const InputDigest& o) const noexcept { return size == o.size && a == o.a && b == o.b; }
    static InputDigest of(std::string_view text) noexcept {
      // Two multiply-xor lanes over 8-byte words (different odd constants and rotations), each
      // finished with MurmurHash3's fmix64: ~1 instruction per byte, so a 256 KiB input costs
      // less than copying it did.
      const auto fmix = [](std::uint64_t k) {
        k ^= k >> 33;
        k *= 0xff51afd7ed558ccdULL;
        k ^= k >> 33;
        k *= 0xc4ceb9fe1a85ec53ULL;
        return k ^ (k >> 33);
      };
      std::uint64_t a = 0x9e3779b97f4a7c15ULL, b = 0x632be59bd9b4e019ULL;
      std::size_t i = 0;
      for (; i + 8 <= text.size(); i += 8) {
        std::uint64_t w;
        std::memcpy(&w, text.data() + i, 8);
        a = ((a ^ w) * 0x87c37b91114253d5ULL);
        a = (a << 31) | (a >> 33);
        b = ((b + w) * 0x4cf5ad432745937fULL);
        b = (b << 27) | (b >> 37);
      }
      std::uint64_t tail = 0;
      if (i < text.size()) std::memcpy(&tail, text.data() + i, text.size() - i);
      a = fmix(a ^ (tail * 0x87c37b91114253d5ULL) ^ text.size());
      b = fmix(b + (tail * 0x4cf5ad432745937fULL) + a);
      return InputDigest{text.size(), a, b};
    }
  };

  struct Name {
    std::uint64_t number = 0;
    InputDigest input;
    std::weak_ptr<Interpreter> exec;
    std::weak_ptr<DurableHook> hook;
    bool pending = false;    ///< running in the journal, not yet recovered
    bool redriving = false;  ///< reopened by redrive(), not yet attached
  };

  struct Known {
    std::weak_ptr<const Program> program;  ///< expired: the key's address may belong to another now
    std::uint64_t hash = 0;
    std::string text;
  };

  std::shared_ptr<Journal> journal_;
  ExecutionIndex index_;
  std::unordered_map<const Program*, Known> programs_;
  std::size_t programs_hint_ = 0;
  std::unordered_set<std::uint64_t> written_;  ///< definitions the journal holds
  std::mutex mutex_;
  std::unordered_map<std::string, Name> names_;
  std::uint64_t next_number_ = 0;
};

}  // namespace asl::detail::durable
