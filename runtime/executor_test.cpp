//===- executor_test.cpp - Tests of block_on and its thread parker --------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//

#include "corofy/executor.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

using corofy::Async;
using corofy::block_on;
using corofy::Context;
using corofy::Poll;
using corofy::Ready;
using corofy::Waker;
using namespace std::chrono_literals;

/// Aborts the test program if it is still alive after `Limit`, so that a
/// block_on that never returns fails instead of hanging the run.
class Watchdog {
public:
  explicit Watchdog(const char *What, std::chrono::milliseconds Limit = 20s)
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

//===----------------------------------------------------------------------===//
// Ready futures
//===----------------------------------------------------------------------===//

TEST(BlockOnTest, ReturnsTheValueOfAReadyFuture) {
  Watchdog W("block_on(Ready)");
  static_assert(std::is_same_v<decltype(block_on(Ready<int>(1))), int>);
  EXPECT_EQ(block_on(Ready<int>(42)), 42);
  Ready<int> Lvalue(43);
  EXPECT_EQ(block_on(Lvalue), 43);
  EXPECT_EQ(block_on(Async<int>(Ready<int>(44))), 44);
}

TEST(BlockOnTest, ReturnsAMoveOnlyOutput) {
  Watchdog W("block_on(Ready<unique_ptr>)");
  auto Owned = std::make_unique<int>(8);
  int *Raw = Owned.get();
  std::unique_ptr<int> Out =
      block_on(Ready<std::unique_ptr<int>>(std::move(Owned)));
  EXPECT_EQ(Out.get(), Raw);
  EXPECT_EQ(*Out, 8);
}

//===----------------------------------------------------------------------===//
// Wakes from another thread
//===----------------------------------------------------------------------===//

/// Shared by a DelayedWakeFuture and the test.
struct WakeLog {
  std::atomic<int> Polls{0};
  std::atomic<int> Wakes{0};
  /// Polls that happened without a wake to justify them.
  std::atomic<int> UnjustifiedPolls{0};
  std::vector<std::thread> Wakers; // touched only by the polling thread
  void join() {
    for (std::thread &T : Wakers)
      T.join();
    Wakers.clear();
  }
};

/// Pending `PendingPolls` times; each pending poll hands a clone of the waker
/// to a new thread that wakes it after a short delay.
template <class T> struct DelayedWakeFuture {
  using Output = T;
  WakeLog *Log;
  int PendingPolls;
  T Value;

  Poll<T> poll(Context &Cx) {
    int Number = ++Log->Polls;
    // Every poll after the first needs a wake before it.
    if (Number - 1 > Log->Wakes.load())
      ++Log->UnjustifiedPolls;
    if (PendingPolls == 0)
      return Poll<T>::ready(std::move(Value));
    --PendingPolls;
    Log->Wakers.emplace_back([Log = Log, Clone = Cx.waker()] {
      std::this_thread::sleep_for(2ms);
      ++Log->Wakes;
      Clone.wake();
    });
    return Poll<T>::pending();
  }
};

TEST(BlockOnTest, PendingFutureWokenFromAnotherThread) {
  Watchdog W("block_on woken from other threads");
  WakeLog Log;
  const int Pending = 5;
  int Result = block_on(DelayedWakeFuture<int>{&Log, Pending, 99});
  Log.join();
  EXPECT_EQ(Result, 99);
  EXPECT_EQ(Log.Polls.load(), Pending + 1);
  EXPECT_EQ(Log.Wakes.load(), Pending);
  EXPECT_EQ(Log.UnjustifiedPolls.load(), 0)
      << "block_on polled again without being woken";
}

TEST(BlockOnTest, MoveOnlyOutputAfterCrossThreadWakes) {
  Watchdog W("block_on(DelayedWakeFuture<unique_ptr>)");
  WakeLog Log;
  auto Owned = std::make_unique<int>(17);
  int *Raw = Owned.get();
  std::unique_ptr<int> Out = block_on(
      DelayedWakeFuture<std::unique_ptr<int>>{&Log, 2, std::move(Owned)});
  Log.join();
  EXPECT_EQ(Out.get(), Raw);
  EXPECT_EQ(Log.Polls.load(), 3);
  EXPECT_EQ(Log.UnjustifiedPolls.load(), 0);
}

TEST(BlockOnTest, BoxedFutureWokenFromAnotherThread) {
  Watchdog W("block_on(Async) woken from other threads");
  WakeLog Log;
  Async<int> Boxed = DelayedWakeFuture<int>{&Log, 3, 5};
  EXPECT_EQ(block_on(Boxed), 5);
  Log.join();
  EXPECT_EQ(Log.Polls.load(), 4);
  EXPECT_EQ(Log.UnjustifiedPolls.load(), 0);
}

//===----------------------------------------------------------------------===//
// Wakes before park()
//===----------------------------------------------------------------------===//

/// Wakes its own waker inside poll and then returns pending, so the wake
/// arrives before block_on parks.
struct SelfWakingFuture {
  using Output = int;
  int *Polls;
  int PendingPolls;
  int WakesPerPoll;
  bool WakeAClone;

  Poll<int> poll(Context &Cx) {
    ++*Polls;
    if (PendingPolls == 0)
      return Poll<int>::ready(*Polls);
    --PendingPolls;
    for (int I = 0; I != WakesPerPoll; ++I) {
      if (WakeAClone) {
        Waker Clone = Cx.waker();
        Clone.wake();
      } else {
        Cx.waker().wake();
      }
    }
    return Poll<int>::pending();
  }
};

TEST(BlockOnTest, WakeBeforeParkIsNotLost) {
  Watchdog W("block_on(SelfWakingFuture)");
  int Polls = 0;
  EXPECT_EQ(block_on(SelfWakingFuture{&Polls, 3, 1, false}), 4);
  EXPECT_EQ(Polls, 4);
}

TEST(BlockOnTest, WakeOfACloneBeforeParkIsNotLost) {
  Watchdog W("block_on(SelfWakingFuture) through a clone");
  int Polls = 0;
  EXPECT_EQ(block_on(SelfWakingFuture{&Polls, 3, 1, true}), 4);
  EXPECT_EQ(Polls, 4);
}

TEST(BlockOnTest, RepeatedWakesBeforeParkCoalesce) {
  Watchdog W("block_on(SelfWakingFuture) with repeated wakes");
  int Polls = 0;
  // Each pending poll wakes three times; one poll follows per pending poll.
  EXPECT_EQ(block_on(SelfWakingFuture{&Polls, 2, 3, false}), 3);
  EXPECT_EQ(Polls, 3);
}

//===----------------------------------------------------------------------===//
// Wakers that outlive block_on
//===----------------------------------------------------------------------===//

/// Keeps a clone of the waker of its first poll, then is ready on the poll
/// after that (woken by itself).
struct KeepsWakerFuture {
  using Output = int;
  std::optional<Waker> *Kept;
  int Polls = 0;

  Poll<int> poll(Context &Cx) {
    if (Polls++ == 0) {
      Kept->emplace(Cx.waker());
      Cx.waker().wake();
      return Poll<int>::pending();
    }
    return Poll<int>::ready(Polls);
  }
};

TEST(BlockOnTest, WakerKeptAfterReturnCanBeWokenClonedAndDropped) {
  Watchdog W("block_on(KeepsWakerFuture)");
  std::optional<Waker> Kept;
  EXPECT_EQ(block_on(KeepsWakerFuture{&Kept}), 2);
  ASSERT_TRUE(Kept.has_value());
  // block_on's parker is gone; the kept waker must still be usable.
  Kept->wake();
  Kept->wake();
  {
    Waker Clone = *Kept;
    EXPECT_TRUE(Clone.will_wake(*Kept));
    Clone.wake();
  }
  Kept.reset();
}

TEST(BlockOnTest, WakerKeptAfterReturnCanBeDroppedFirstByAnotherThread) {
  // A thread keeps waking a clone while block_on returns and its parker is
  // destroyed; the last reference is then dropped on that thread.
  for (int Round = 0; Round != 20; ++Round) {
    Watchdog W("block_on with a waker racing its return");
    std::thread Waking;
    std::atomic<bool> Stop{false};
    struct Racing {
      using Output = int;
      std::thread *Waking;
      std::atomic<bool> *Stop;
      bool Started = false;
      Poll<int> poll(Context &Cx) {
        if (Started)
          return Poll<int>::ready(1);
        Started = true;
        *Waking = std::thread([Stop = Stop, Clone = Cx.waker()] {
          int Wakes = 0;
          while (!Stop->load() || Wakes < 100) {
            Clone.wake();
            ++Wakes;
          }
        });
        return Poll<int>::pending();
      }
    };
    EXPECT_EQ(block_on(Racing{&Waking, &Stop}), 1);
    Stop = true;
    Waking.join();
  }
}

//===----------------------------------------------------------------------===//
// Output and argument forms
//===----------------------------------------------------------------------===//

struct VoidFuture {
  using Output = void;
  int *Polls;
  Poll<void> poll(Context &Cx) {
    if (++*Polls == 3)
      return Poll<void>::ready();
    Cx.waker().wake();
    return Poll<void>::pending();
  }
};

TEST(BlockOnTest, VoidOutput) {
  Watchdog W("block_on(VoidFuture)");
  int Polls = 0;
  static_assert(std::is_void_v<decltype(block_on(VoidFuture{&Polls}))>);
  block_on(VoidFuture{&Polls});
  EXPECT_EQ(Polls, 3);

  int BoxedPolls = 0;
  Async<void> Boxed = VoidFuture{&BoxedPolls};
  block_on(std::move(Boxed));
  EXPECT_EQ(BoxedPolls, 3);
}

/// Neither copyable nor movable: block_on can only poll it where it is.
struct ImmovableFuture {
  using Output = int;
  ImmovableFuture() = default;
  ImmovableFuture(const ImmovableFuture &) = delete;
  ImmovableFuture &operator=(const ImmovableFuture &) = delete;

  int Polls = 0;
  const ImmovableFuture *Seen = nullptr;
  bool SameObjectEveryPoll = true;

  Poll<int> poll(Context &Cx) {
    if (Seen && Seen != this)
      SameObjectEveryPoll = false;
    Seen = this;
    if (++Polls < 3) {
      Cx.waker().wake();
      return Poll<int>::pending();
    }
    return Poll<int>::ready(Polls * 10);
  }
};

TEST(BlockOnTest, LvalueFutureIsPolledInPlace) {
  Watchdog W("block_on(lvalue)");
  ImmovableFuture Future;
  EXPECT_EQ(block_on(Future), 30);
  EXPECT_EQ(Future.Seen, &Future);
  EXPECT_TRUE(Future.SameObjectEveryPoll);
  EXPECT_EQ(Future.Polls, 3) << "the caller's object was not the one polled";
}

/// Counts its copies, moves and destructions.
struct Lifetimes {
  int Copies = 0;
  int Moves = 0;
  int Live = 0;
};
struct CountedFuture {
  using Output = int;
  Lifetimes *L;
  const CountedFuture *Seen = nullptr;
  explicit CountedFuture(Lifetimes *L) : L(L) { ++L->Live; }
  CountedFuture(const CountedFuture &Other) : L(Other.L) {
    ++L->Copies;
    ++L->Live;
  }
  CountedFuture(CountedFuture &&Other) noexcept : L(Other.L) {
    ++L->Moves;
    ++L->Live;
  }
  ~CountedFuture() { --L->Live; }
  Poll<int> poll(Context &Cx) {
    if (!Seen) {
      Seen = this;
      Cx.waker().wake();
      return Poll<int>::pending();
    }
    return Poll<int>::ready(Seen == this ? 1 : -1);
  }
};

TEST(BlockOnTest, RvalueFutureIsMovedInOnceAndDestroyed) {
  Watchdog W("block_on(rvalue)");
  Lifetimes L;
  EXPECT_EQ(block_on(CountedFuture(&L)), 1) << "moved between polls";
  EXPECT_EQ(L.Copies, 0);
  EXPECT_EQ(L.Moves, 1);
  EXPECT_EQ(L.Live, 0);

  Lifetimes LvalueL;
  {
    CountedFuture Lvalue(&LvalueL);
    EXPECT_EQ(block_on(Lvalue), 1);
    EXPECT_EQ(Lvalue.Seen, &Lvalue);
  }
  EXPECT_EQ(LvalueL.Copies, 0);
  EXPECT_EQ(LvalueL.Moves, 0);
  EXPECT_EQ(LvalueL.Live, 0);
}

//===----------------------------------------------------------------------===//
// Many threads
//===----------------------------------------------------------------------===//

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

struct ServiceWokenFuture {
  using Output = int;
  WakeService *Service;
  int PendingPolls;
  int Polls = 0;
  Poll<int> poll(Context &Cx) {
    ++Polls;
    if (PendingPolls == 0)
      return Poll<int>::ready(Polls);
    --PendingPolls;
    Service->wakeLater(Cx.waker());
    return Poll<int>::pending();
  }
};

TEST(BlockOnTest, ManyThreadsBlockingConcurrently) {
  Watchdog W("concurrent block_on", 60s);
  WakeService Service;
  constexpr int Threads = 4, Iterations = 200, Pending = 2;
  std::atomic<int> WrongResults{0};
  std::vector<std::thread> Runners;
  for (int T = 0; T != Threads; ++T)
    Runners.emplace_back([&] {
      for (int I = 0; I != Iterations; ++I)
        if (block_on(ServiceWokenFuture{&Service, Pending}) != Pending + 1)
          ++WrongResults;
    });
  for (std::thread &T : Runners)
    T.join();
  EXPECT_EQ(WrongResults.load(), 0);
}

} // namespace
