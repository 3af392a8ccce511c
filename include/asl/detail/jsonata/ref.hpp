// Ownership of the values one JSONata evaluation builds: an intrusive, non-atomic reference count.
// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>
#include <vector>

namespace asl::detail::jsonata {

class Value;
template <class T>
class Ref;

/// Base of the shared payloads (arrays, objects, strings, functions). Values inside an evaluation
/// share them; nothing is deep-copied except by the transform operator (which must mutate its
/// copy).
///
/// The count is a plain integer, not an atomic: a payload is made and dropped by one evaluation,
/// on one thread, and an evaluation copies values all the time (every step, argument and
/// variable), where a locked increment and decrement each cost more than the copy itself.
/// What outlives an evaluation and is read by several at once never holds a payload: literals of
/// a compiled expression are JSON nodes the tree owns, built-in functions are static values.
class Heap {
 public:
  Heap() = default;
  Heap(const Heap&) = delete;
  Heap& operator=(const Heap&) = delete;
  virtual ~Heap() = default;
  /// Moves out the values this payload holds, so that a deep structure can be destroyed with a
  /// loop instead of one destructor call per level.
  virtual void take_children(std::vector<Value>&) {}
  std::size_t use_count() const noexcept { return refs_; }

 private:
  template <class T>
  friend class Ref;
  std::size_t refs_ = 0;
};

/// A counted reference to a Heap payload (what std::shared_ptr would be, without atomics or a
/// separate control block).
template <class T>
class Ref {
 public:
  Ref() noexcept = default;
  Ref(std::nullptr_t) noexcept {}  // NOLINT: as shared_ptr, a null pointer converts
  /// Takes a reference to `p` (a fresh payload from make_ref, or one already counted).
  explicit Ref(T* p) noexcept : p_(p) { retain(); }
  Ref(const Ref& o) noexcept : p_(o.p_) { retain(); }
  Ref(Ref&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  template <class U, std::enable_if_t<std::is_convertible_v<U*, T*>, int> = 0>
  Ref(const Ref<U>& o) noexcept : p_(o.get()) {  // NOLINT: upcasts are implicit, as for pointers
    retain();
  }
  template <class U, std::enable_if_t<std::is_convertible_v<U*, T*>, int> = 0>
  Ref(Ref<U>&& o) noexcept : p_(o.detach()) {}  // NOLINT
  ~Ref() { drop(); }

  Ref& operator=(const Ref& o) noexcept {
    Ref(o).swap(*this);
    return *this;
  }
  Ref& operator=(Ref&& o) noexcept {
    Ref(std::move(o)).swap(*this);
    return *this;
  }
  void swap(Ref& o) noexcept { std::swap(p_, o.p_); }
  void reset() noexcept { Ref().swap(*this); }

  T* get() const noexcept { return p_; }
  T& operator*() const noexcept { return *p_; }
  T* operator->() const noexcept { return p_; }
  explicit operator bool() const noexcept { return p_ != nullptr; }
  std::size_t use_count() const noexcept { return p_ ? static_cast<const Heap*>(p_)->refs_ : 0; }

  /// Gives up the pointer without dropping its count (the receiving Ref keeps it).
  T* detach() noexcept { return std::exchange(p_, nullptr); }

  friend bool operator==(const Ref& a, const Ref& b) noexcept { return a.p_ == b.p_; }
  friend bool operator!=(const Ref& a, const Ref& b) noexcept { return a.p_ != b.p_; }

 private:
  void retain() noexcept {
    if (p_) ++static_cast<Heap*>(p_)->refs_;
  }
  void drop() noexcept {
    if (p_ && --static_cast<Heap*>(p_)->refs_ == 0) delete static_cast<Heap*>(p_);
  }
  T* p_ = nullptr;
};

/// A fresh payload, counted once.
template <class T, class... Args>
Ref<T> make_ref(Args&&... args) {
  return Ref<T>(new T(std::forward<Args>(args)...));
}

}  // namespace asl::detail::jsonata
