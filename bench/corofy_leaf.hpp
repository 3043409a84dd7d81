//===- bench/corofy_leaf.hpp - Leaf future and driver -----------*- C++ -*-===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// What the two state-machine sides of coroutine_bench share, so that they do
// exactly the same work and differ only in their state machines:
//
//  - Leaf, the future the innermost coroutine waits on 8 times: pending
//    exactly once (its first poll wakes the waker at once), then ready with
//    the next value of the caller's counter;
//  - drive(), which polls a top-level state machine in place, with a waker,
//    until it is ready;
//  - escape(), which makes a buffer's address escape to the optimizer.
//
// corofy_side.cpp (the coroutine<T> source that corofy transforms at build
// time) includes this header for Leaf; corofy_side_driver.cpp and
// corofy_side_handwritten.cpp use both.
//
//===----------------------------------------------------------------------===//

#ifndef COROFY_BENCH_COROFY_LEAF_HPP
#define COROFY_BENCH_COROFY_LEAF_HPP

#include <corofy/corofy.hpp>

#include <cstdlib>
#include <utility>

namespace corofy_bench {

/// Pending exactly once: the first poll wakes the waker at once and returns
/// pending, the second completes with the next counter value.
class Leaf {
public:
  using Output = int;
  explicit Leaf(int &Counter) noexcept : Counter(&Counter) {}

  corofy::Poll<int> poll(corofy::Context &Cx) {
    if (!Polled) {
      Polled = true;
      Cx.waker().wake();
      return corofy::Poll<int>::pending();
    }
    return corofy::Poll<int>::ready(++*Counter);
  }

private:
  int *Counter;
  bool Polled = false;
};

/// Tells the optimizer that the memory at P may be read and written by code
/// it cannot see, as a buffer handed to I/O would be: phases fills a buffer,
/// escapes it, waits, then reads it back, so no side can keep only the two
/// bytes it reads (clang did exactly that to the C++20 frame otherwise).
inline void escape(const void *P) { asm volatile("" : : "r"(P) : "memory"); }

namespace detail {
// A waker that sets a flag, so the driver can check that a pending future
// asked to be polled again. As cheap as a waker gets; no atomics, because
// everything runs on one thread.
inline const void *cloneFlag(const void *Data) { return Data; }
inline void wakeFlag(const void *Data) {
  *static_cast<bool *>(const_cast<void *>(Data)) = true;
}
inline void dropFlag(const void *) {}
inline constexpr corofy::WakerVTable FlagVTable{cloneFlag, wakeFlag, dropFlag};

template <class F>
corofy::Poll<corofy::output_t<F>> pollTop(F &Top, corofy::Context &Cx) {
  return Top.poll(Cx);
}
} // namespace detail

/// Polls Top in place until it is ready. An executor polls its tasks through
/// a type-erased pointer; the top-level poll is kept out of line the same way
/// (the C++20 driver resumes an opaque handle), while everything below it is
/// visible to the compiler, as in a corofy program.
template <class F> corofy::output_t<F> drive(F &Top) {
  bool Woken = false;
  corofy::Waker W(&Woken, &detail::FlagVTable);
  corofy::Context Cx(W);
  corofy::Poll<corofy::output_t<F>> (*PollFn)(F &, corofy::Context &) =
      &detail::pollTop<F>;
  asm volatile("" : "+r"(PollFn));
  for (;;) {
    corofy::Poll<corofy::output_t<F>> Polled = PollFn(Top, Cx);
    if (Polled.is_ready())
      return std::move(Polled).value();
    if (!Woken)
      std::abort(); // Pending without a wake: it would never be polled again.
    Woken = false;
  }
}

} // namespace corofy_bench

#endif // COROFY_BENCH_COROFY_LEAF_HPP
