//===- test_util.h - Helpers shared by the runtime's tests ------*- C++ -*-===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//

#ifndef COROFY_RUNTIME_TEST_UTIL_H
#define COROFY_RUNTIME_TEST_UTIL_H

#include "corofy/future.hpp"
#include "corofy/timer.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

// Whether a test program may replace the global operator new to count
// allocations: the sanitizers' run times define it themselves, so sanitized
// builds skip those checks.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define COROFY_COUNT_ALLOCATIONS 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define COROFY_COUNT_ALLOCATIONS 0
#endif
#endif
#ifndef COROFY_COUNT_ALLOCATIONS
#define COROFY_COUNT_ALLOCATIONS 1
#endif

namespace corofy::testing {

/// Aborts the test program if it is still alive after `Limit`, so that a
/// test that never returns fails instead of hanging the run.
class Watchdog {
public:
  explicit Watchdog(const char *What,
                    std::chrono::milliseconds Limit = std::chrono::seconds(20))
      : Thread([this, What, Limit] {
          std::unique_lock<std::mutex> Lock(M);
          if (!CV.wait_for(Lock, Limit, [this] { return Done; })) {
            std::fprintf(stderr, "FAILED: %s did not finish within %lld ms\n",
                         What, static_cast<long long>(Limit.count()));
            std::fflush(stderr);
            std::abort();
          }
        }) {}
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> Lock(M);
      Done = true;
    }
    CV.notify_all();
    Thread.join();
  }

private:
  std::mutex M;
  std::condition_variable CV;
  bool Done = false;
  std::thread Thread; // last: started once the members above exist
};

/// The number of file descriptors this process has open.
inline int openFds() {
  int Count = 0;
  for ([[maybe_unused]] const auto &Entry :
       std::filesystem::directory_iterator("/proc/self/fd"))
    ++Count;
  return Count;
}

/// The number of threads this process has.
inline int threadCount() {
  int Count = 0;
  for ([[maybe_unused]] const auto &Entry :
       std::filesystem::directory_iterator("/proc/self/task"))
    ++Count;
  return Count;
}

/// A non-blocking pipe, closed on destruction.
struct Pipe {
  int Read = -1, Write = -1;
  Pipe() {
    int Fds[2];
    if (::pipe2(Fds, O_NONBLOCK | O_CLOEXEC) != 0)
      std::abort();
    Read = Fds[0];
    Write = Fds[1];
  }
  Pipe(const Pipe &) = delete;
  Pipe &operator=(const Pipe &) = delete;
  ~Pipe() {
    closeRead();
    closeWrite();
  }
  void closeRead() {
    if (Read >= 0)
      ::close(std::exchange(Read, -1));
  }
  void closeWrite() {
    if (Write >= 0)
      ::close(std::exchange(Write, -1));
  }
  bool put(char C = 'x') { return ::write(Write, &C, 1) == 1; }
};

/// Wakes the wakers handed to it from one background thread, as a reactor
/// would.
class WakeService {
public:
  WakeService() : Thread([this] { run(); }) {}
  ~WakeService() {
    {
      std::lock_guard<std::mutex> Lock(M);
      Stopping = true;
    }
    CV.notify_all();
    Thread.join();
  }
  void wakeLater(Waker W) {
    {
      std::lock_guard<std::mutex> Lock(M);
      Queue.push_back(std::move(W));
    }
    CV.notify_one();
  }

private:
  void run() {
    std::unique_lock<std::mutex> Lock(M);
    for (;;) {
      CV.wait(Lock, [this] { return Stopping || !Queue.empty(); });
      if (Queue.empty())
        return;
      Waker W = std::move(Queue.front());
      Queue.pop_front();
      Lock.unlock();
      W.wake();
      Lock.lock();
    }
  }

  std::mutex M;
  std::condition_variable CV;
  std::deque<Waker> Queue;
  bool Stopping = false;
  std::thread Thread; // last: started once the members above exist
};

/// A one-shot event that Trigger::Wait futures wait for; fire() from any
/// thread makes them ready.
class Trigger {
  struct State {
    std::mutex M;
    bool Fired = false;
    std::vector<Waker> Stored; // one per poll: the tests wait on few
  };

public:
  struct Wait {
    using Output = void;
    std::shared_ptr<State> S;
    Poll<void> poll(Context &Cx) {
      std::lock_guard<std::mutex> Lock(S->M);
      if (S->Fired)
        return Poll<void>::ready();
      S->Stored.push_back(Cx.waker());
      return Poll<void>::pending();
    }
  };

  Wait wait() const { return Wait{S}; }
  void fire() {
    std::vector<Waker> Wakers;
    {
      std::lock_guard<std::mutex> Lock(S->M);
      S->Fired = true;
      Wakers.swap(S->Stored);
    }
    for (const Waker &W : Wakers)
      W.wake();
  }

private:
  std::shared_ptr<State> S = std::make_shared<State>();
};

/// A count of live instances, shared by a test and its futures.
inline std::shared_ptr<std::atomic<int>> liveCounter() {
  return std::make_shared<std::atomic<int>>(0);
}

/// Pending forever; counts its live instances, so tests can see that a
/// cancelled future was destroyed.
struct Forever {
  using Output = int;
  std::shared_ptr<std::atomic<int>> Live;
  explicit Forever(std::shared_ptr<std::atomic<int>> Live) : Live(Live) {
    ++*Live;
  }
  Forever(Forever &&Other) noexcept : Live(Other.Live) { ++*Live; }
  ~Forever() { --*Live; }
  Poll<int> poll(Context &) { return Poll<int>::pending(); }
};

/// Ready with `Value` at its `Polls`-th poll, waking itself before; counts
/// its live instances, to show when a combinator destroyed it.
struct Countdown {
  using Output = int;
  std::shared_ptr<std::atomic<int>> Live;
  int Polls;
  int Value;
  Countdown(std::shared_ptr<std::atomic<int>> Live, int Polls, int Value)
      : Live(Live), Polls(Polls), Value(Value) {
    ++*Live;
  }
  Countdown(Countdown &&Other) noexcept
      : Live(Other.Live), Polls(Other.Polls), Value(Other.Value) {
    ++*Live;
  }
  ~Countdown() { --*Live; }
  Poll<int> poll(Context &Cx) {
    if (--Polls <= 0)
      return Poll<int>::ready(Value);
    Cx.waker().wake();
    return Poll<int>::pending();
  }
};

/// Throws from its first poll.
struct Throws {
  using Output = int;
  Poll<int> poll(Context &) { throw std::runtime_error("child failed"); }
};

/// Sleeps, then yields its value.
template <class T> struct SleepThen {
  using Output = T;
  Sleep S;
  T Value;
  Poll<T> poll(Context &Cx) {
    if (S.poll(Cx).is_pending())
      return Poll<T>::pending();
    return Poll<T>::ready(std::move(Value));
  }
};

/// A Context whose waker does nothing, for polling by hand.
inline Context &noopContext() {
  static const Waker W = Waker::noop();
  static Context Cx(W);
  return Cx;
}

} // namespace corofy::testing

#endif // COROFY_RUNTIME_TEST_UTIL_H
