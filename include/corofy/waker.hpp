//===- corofy/waker.hpp - Waker and Context ---------------------*- C++ -*-===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// A Waker is how a pending future asks to be polled again, as in Rust's
// std::task::Waker: a type-erased handle (data pointer + vtable) that is cheap
// to copy and safe to wake from any thread. The Context handed to poll()
// carries the waker of the task being polled.
//
//===----------------------------------------------------------------------===//

#ifndef COROFY_WAKER_HPP
#define COROFY_WAKER_HPP

#include <utility>

namespace corofy {

/// The operations behind a Waker. `clone` returns the data pointer for a new
/// handle (usually the same pointer with a reference count bumped), `wake` asks
/// for the task to be polled again, and `drop` releases one handle.
/// `wake_and_drop`, optional, does both at once, as Rust's
/// RawWakerVTable::wake does: a task can hand the handle's reference to its
/// run queue instead of taking a new one and dropping the old.
struct WakerVTable {
  const void *(*clone)(const void *data);
  void (*wake)(const void *data);
  void (*drop)(const void *data);
  void (*wake_and_drop)(const void *data) = nullptr; // null: wake, then drop
};

class Waker {
public:
  Waker(const void *data, const WakerVTable *vtable) noexcept
      : data_(data), vtable_(vtable) {}

  Waker(const Waker &other) noexcept
      : data_(other.vtable_->clone(other.data_)), vtable_(other.vtable_) {}
  /// Leaves \p other a no-op waker, still safe to copy, wake and destroy.
  Waker(Waker &&other) noexcept : data_(other.data_), vtable_(other.vtable_) {
    other.data_ = &NoopVTable;
    other.vtable_ = &NoopVTable;
  }
  Waker &operator=(Waker other) noexcept {
    std::swap(data_, other.data_);
    std::swap(vtable_, other.vtable_);
    return *this;
  }
  ~Waker() { vtable_->drop(data_); }

  /// Asks for the task to be polled again. Safe from any thread; waking a
  /// task more than once before it runs is allowed.
  void wake() const & { vtable_->wake(data_); }
  /// The same, giving this handle up (it becomes a no-op waker), which may
  /// spare a reference count round trip: `std::move(waker).wake()` where
  /// the waker is not needed afterwards, as Rust's Waker::wake(self).
  void wake() && {
    const void *data = std::exchange(data_, &NoopVTable);
    const WakerVTable *vtable = std::exchange(vtable_, &NoopVTable);
    if (vtable->wake_and_drop) {
      vtable->wake_and_drop(data);
    } else {
      vtable->wake(data);
      vtable->drop(data);
    }
  }

  /// True when both handles wake the same task, so a future can skip
  /// replacing a stored waker.
  bool will_wake(const Waker &other) const noexcept {
    return data_ == other.data_ && vtable_ == other.vtable_;
  }

  /// What the waker was made of, as Rust's Waker::data() and vtable(): two
  /// wakers with the same pair wake the same task (will_wake), so the pair
  /// can key a table of wakers.
  const void *data() const noexcept { return data_; }
  const WakerVTable *vtable() const noexcept { return vtable_; }

  /// A waker that does nothing, for polling by hand.
  static Waker noop() noexcept;

private:
  static constexpr WakerVTable NoopVTable{[](const void *data) { return data; },
                                          [](const void *) {},
                                          [](const void *) {}};

  const void *data_;
  const WakerVTable *vtable_;
};

/// What poll() receives: for now only the waker of the polled task.
class Context {
public:
  explicit Context(const Waker &waker) noexcept : waker_(waker) {}
  /// The context only refers to the waker: it must outlive the context.
  explicit Context(Waker &&) = delete;
  const Waker &waker() const noexcept { return waker_; }

private:
  const Waker &waker_;
};

inline Waker Waker::noop() noexcept { return Waker(&NoopVTable, &NoopVTable); }

} // namespace corofy

#endif // COROFY_WAKER_HPP
