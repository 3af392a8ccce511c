// StepRandom: the generator that random built-ins (States.UUID, States.MathRandom) draw from on
// this thread while a journaled execution runs one state step, seeded by where the step runs.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <random>

namespace asl::detail {

/// A durable execution must draw the same random values when it is replayed after a crash.
/// Rather than record each value, the engine seeds one generator per state step from the
/// execution's recorded seed and the step's place in the frame tree, and installs it here for
/// the duration of the step; it is built on the first draw only (seeding a Mersenne twister
/// writes 312 words).
class StepRandom {
 public:
  explicit StepRandom(std::uint64_t seed) noexcept : seed_(seed) {}
  StepRandom(const StepRandom&) = delete;
  StepRandom& operator=(const StepRandom&) = delete;

  std::mt19937_64& generator() {
    if (!gen_) gen_.emplace(seed_);
    return *gen_;
  }

  /// The generator installed on this thread, or null (then the thread's own is used).
  static StepRandom*& current() noexcept {
    thread_local StepRandom* c = nullptr;
    return c;
  }

  /// Installs a generator for a scope; nested scopes (a Map chunk drives its items inside a
  /// step of its own) restore the outer one.
  class Scope {
   public:
    explicit Scope(StepRandom& r) noexcept : outer_(current()) { current() = &r; }
    ~Scope() { current() = outer_; }
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;

   private:
    StepRandom* outer_;
  };

 private:
  std::uint64_t seed_;
  std::optional<std::mt19937_64> gen_;
};

}  // namespace asl::detail
