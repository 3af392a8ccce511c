// The engine's durable side: which execution names the journal holds (idempotent start by name,
// as AWS's StartExecution), numbering new executions, the hooks of live ones (detached when the
// engine suspends), and the executions left running by the previous process, for recover().
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <iterator>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "asl/error.hpp"
#include "asl/journal.hpp"
#include "asl/state_machine.hpp"
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
      n.input = x.input;
      n.closed = x.status != Status::running;
      n.pending = !n.closed;
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
  Claim claim(const std::string& name, const std::string& input, const std::string& arn) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = names_.find(name);
    if (it != names_.end()) {
      Name& n = it->second;
      std::shared_ptr<Interpreter> live = n.exec.lock();
      const bool running = n.pending || (live && !live->done());
      if (running && n.input == input) {
        if (n.pending)
          throw UsageError("asl::Engine: execution '" + name +
                           "' was running when the journal was last written; call recover() before starting it again");
        return Claim{std::move(live), 0};
      }
      throw ExecutionAlreadyExists("Execution Already Exists: '" + arn + "'");
    }
    Name& n = names_[name];
    n.number = ++next_number_;
    n.input = input;
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

  /// The engine stops without ending its executions: they stay running in the journal.
  void detach_all() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [name, n] : names_)
      if (auto h = n.hook.lock()) h->detach();
  }

 private:
  struct Name {
    std::uint64_t number = 0;
    std::string input;
    std::weak_ptr<Interpreter> exec;
    std::weak_ptr<DurableHook> hook;
    bool pending = false;  ///< running in the journal, not yet recovered
    bool closed = false;   ///< ended before this process started
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
