//===- corofy/executor.hpp - Running futures to completion ------*- C++ -*-===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// block_on() polls one future on the calling thread, parking the thread while
// the future is pending until its waker fires. The full runtime (reactor,
// multi-task executors) builds on the same Waker contract.
//
//===----------------------------------------------------------------------===//

#ifndef COROFY_EXECUTOR_HPP
#define COROFY_EXECUTOR_HPP

#include "corofy/future.hpp"

#include <utility>

namespace corofy {

namespace detail {
/// Parks the calling thread until its waker is woken. A wake that arrives
/// before park() is remembered, so no wake is ever lost.
class ThreadParker {
public:
  ThreadParker();
  ThreadParker(const ThreadParker &) = delete;
  ThreadParker &operator=(const ThreadParker &) = delete;
  ~ThreadParker();

  /// A waker that unparks this thread; it stays valid after the parker dies.
  const Waker &waker() const noexcept { return waker_; }
  /// Blocks until woken (returns at once if a wake already arrived).
  void park();

  struct State; // shared with the wakers; defined in executor.cpp

private:
  State *state_;
  Waker waker_;
};
} // namespace detail

/// Polls `future` on this thread until it is ready and returns its output.
/// An lvalue future is polled in place; an rvalue one is moved in first.
template <Future F> output_t<F> block_on(F &&future) {
  if constexpr (std::is_lvalue_reference_v<F>) {
    detail::ThreadParker parker;
    Context cx(parker.waker());
    for (;;) {
      auto polled = future.poll(cx);
      if (polled.is_ready())
        return std::move(polled).value();
      parker.park();
    }
  } else {
    std::remove_cvref_t<F> owned(std::move(future));
    return block_on(owned);
  }
}

} // namespace corofy

#endif // COROFY_EXECUTOR_HPP
