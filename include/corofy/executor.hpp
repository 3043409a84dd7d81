//===- corofy/executor.hpp - Runtimes and block_on --------------*- C++ -*-===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// A Runtime is a reactor (epoll: I/O readiness and timers) plus an executor
// that polls tasks from a FIFO run queue. Runtime::block_on(f) polls f on
// the calling thread until it is ready; spawn() adds tasks (see task.hpp).
// Tasks run in the order they were woken, but for one shortcut on a
// multi-thread runtime: a task woken by the task a worker is polling runs
// next on that worker (Tokio's "LIFO slot"; runtime/executor.cpp).
//
//  - Options{.worker_threads = 0}, the default, is a current-thread runtime:
//    the thread inside block_on() also runs the spawned tasks and waits in
//    epoll_wait when there is nothing to run. Spawned tasks make progress
//    only while some thread is inside block_on().
//  - Options{.worker_threads = N} starts N executor threads over the one
//    reactor; they run the spawned tasks, and those of them that are idle
//    wait in epoll_wait together (each event wakes one). block_on()'s thread
//    then only polls its own future.
//
// The blocked-on future takes its turn like a task: on a current-thread
// runtime, when it wakes itself it is polled again after the tasks queued
// before that wake. A thread that runs tasks (and the blocked-on future, on
// a current-thread runtime) looks at the reactor without blocking every 61
// polls even when its run queue never empties, as Tokio does, so futures
// that keep waking themselves (busy loops that yield) starve neither
// timers nor I/O.
//
// No thread spins: an idle runtime sleeps in epoll_wait (until an event or
// the nearest timer: its epoll timeout on a current-thread runtime, a timerfd
// that wakes one idle worker otherwise) or on a condition variable. The thread-local
// "current runtime" of the threads inside block_on() and of the workers is
// what spawn(), sleep_for() and IoRegistration use.
//
// Destroying a Runtime stops its workers, drops every task that has not
// completed (their JoinHandles then throw TaskAborted), and closes the epoll
// and eventfd descriptors. It must not happen on one of its own threads or
// while a thread is inside its block_on(). Streams and listeners that
// registered with it fail from then on with ReactorError::ShutDown (those
// waiting are woken to learn it), and its Sleeps move to the runtime that
// polls them next: see net.hpp and timer.hpp.
//
//===----------------------------------------------------------------------===//

#ifndef COROFY_EXECUTOR_HPP
#define COROFY_EXECUTOR_HPP

#include "corofy/future.hpp"
#include "corofy/task.hpp"

#include <memory>
#include <type_traits>
#include <utility>

namespace corofy {

class Reactor;

namespace detail {
struct BlockOnState;

/// One call of Runtime::block_on(): makes the runtime current on this thread
/// and provides the waker of the blocked-on future and the wait between its
/// polls.
class BlockOn {
public:
  /// Throws std::logic_error when the thread already runs a runtime.
  explicit BlockOn(Core &core);
  BlockOn(const BlockOn &) = delete;
  BlockOn &operator=(const BlockOn &) = delete;
  ~BlockOn();

  const Waker &waker() const noexcept { return waker_; }
  /// Returns once the waker was woken (at once if it already was). On a
  /// current-thread runtime, runs tasks and the reactor meanwhile.
  void wait();

private:
  Core &core_;
  BlockOnState *state_;
  Waker waker_;
  Core *previous_;
};
} // namespace detail

class Runtime {
public:
  struct Options {
    /// Executor threads; 0 runs everything on the thread inside block_on().
    unsigned worker_threads = 0;
  };

  /// Creates the reactor (throws std::system_error if the kernel refuses)
  /// and starts the workers.
  Runtime() : Runtime(Options{}) {}
  explicit Runtime(Options options);
  Runtime(const Runtime &) = delete;
  Runtime &operator=(const Runtime &) = delete;
  ~Runtime();

  /// Polls `future` on this thread until it is ready and returns its output
  /// (or lets its exception through). An lvalue future is polled in place;
  /// an rvalue one is moved in first. Throws std::logic_error when called on
  /// a thread that already runs a runtime (from inside a task: wait on the
  /// future or spawn it instead).
  template <Future F> output_t<F> block_on(F &&future) {
    if constexpr (std::is_lvalue_reference_v<F>) {
      detail::BlockOn session(*core_);
      Context cx(session.waker());
      for (;;) {
        auto polled = future.poll(cx);
        if (polled.is_ready())
          return std::move(polled).value();
        session.wait();
      }
    } else {
      std::remove_cvref_t<F> owned(std::move(future));
      return block_on(owned);
    }
  }

  /// Spawns `future` as a task of this runtime, from any thread.
  template <Future F> JoinHandle<output_t<F>> spawn(F &&future) {
    return detail::spawn_on(*core_, std::forward<F>(future));
  }

  /// This runtime's reactor (for IoRegistration and timers).
  Reactor &reactor() noexcept;

  /// Tasks spawned on this runtime that have not completed yet.
  std::size_t live_tasks() const;

private:
  std::shared_ptr<detail::Core> core_;
};

/// Polls `future` on this thread until it is ready and returns its output:
/// the common entry point, `int main() { corofy::block_on(app()); }`. Runs
/// it on a temporary current-thread Runtime, so that timers, I/O and spawn()
/// work inside; tasks still running when `future` completes are dropped with
/// that runtime. Throws std::logic_error inside a runtime, like
/// Runtime::block_on().
template <Future F> output_t<F> block_on(F &&future) {
  Runtime runtime;
  return runtime.block_on(std::forward<F>(future));
}

} // namespace corofy

#endif // COROFY_EXECUTOR_HPP
