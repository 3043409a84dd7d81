//===- executor_test.cpp - Tests of block_on and its thread parker --------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//

#include "corofy/executor.hpp"
#include "corofy/join.hpp"
#include "corofy/net.hpp"
#include "corofy/reactor.hpp"
#include "corofy/timer.hpp"

#include "test_util.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

namespace {

using corofy::Async;
using corofy::block_on;
using corofy::Context;
using corofy::JoinHandle;
using corofy::Poll;
using corofy::Ready;
using corofy::Runtime;
using corofy::Waker;
using corofy::testing::WakeService;
using corofy::testing::Watchdog;
using namespace std::chrono_literals;

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

//===----------------------------------------------------------------------===//
// Runtime
//===----------------------------------------------------------------------===//

/// Records its id at each poll and yields `Rounds - 1` times.
struct Yielder {
  using Output = void;
  int Id;
  int Rounds;
  std::vector<int> *Order;
  Poll<void> poll(Context &Cx) {
    Order->push_back(Id);
    if (--Rounds == 0)
      return Poll<void>::ready();
    Cx.waker().wake();
    return Poll<void>::pending();
  }
};

TEST(RuntimeTest, TasksRunInTheOrderTheyWereWoken) {
  Watchdog W("FIFO");
  Runtime Rt;
  std::vector<int> Order;
  std::vector<JoinHandle<void>> Handles;
  for (int I = 0; I != 4; ++I)
    Handles.push_back(Rt.spawn(Yielder{I, 3, &Order}));
  Rt.block_on(corofy::join_all(std::move(Handles)));
  EXPECT_EQ(Order, (std::vector<int>{0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3}));
}

TEST(RuntimeTest, ABlockedOnFutureThatYieldsDoesNotStarveTasks) {
  Watchdog W("block_on fairness");
  Runtime Rt;
  std::vector<int> Order;
  Rt.spawn(Yielder{1, 3, &Order}).detach();
  Rt.block_on(Yielder{0, 3, &Order});
  EXPECT_EQ(Order, (std::vector<int>{0, 1, 0, 1, 0}));
}

/// Two RelayTasks wake each other at every poll, until Stop is set: a wake
/// chain that never empties the thread's queue (or a worker's LIFO slot).
struct Relay {
  std::mutex M;
  std::optional<Waker> Wakers[2];
  std::atomic<bool> Stop{false};
};

struct RelayTask {
  using Output = void;
  Relay *R;
  int Side;
  Poll<void> poll(Context &Cx) {
    std::optional<Waker> Other;
    {
      std::lock_guard<std::mutex> Lock(R->M);
      R->Wakers[Side] = Cx.waker();
      Other = std::exchange(R->Wakers[1 - Side], std::nullopt);
    }
    if (Other)
      Other->wake();
    return R->Stop ? Poll<void>::ready() : Poll<void>::pending();
  }
};

struct SetsFlag {
  using Output = void;
  std::atomic<bool> *Flag;
  Poll<void> poll(Context &) {
    Flag->store(true);
    return Poll<void>::ready();
  }
};

TEST(RuntimeTest, AWakeChainDoesNotStarveTasksWokenElsewhere) {
  Watchdog W("wake chain vs other tasks");
  // On a current-thread runtime the chain lives in the thread's own queue,
  // on a worker in its LIFO slot; a task spawned from another thread lands
  // in the shared queue and must run all the same.
  for (unsigned Workers : {0u, 1u}) {
    Runtime Rt(Runtime::Options{Workers});
    Relay R;
    JoinHandle<void> A = Rt.spawn(RelayTask{&R, 0});
    JoinHandle<void> B = Rt.spawn(RelayTask{&R, 1});
    std::thread Other([&] {
      std::this_thread::sleep_for(10ms);
      Rt.spawn(SetsFlag{&R.Stop}).detach();
    });
    Rt.block_on(corofy::join(std::move(A), std::move(B)));
    Other.join();
    EXPECT_TRUE(R.Stop) << Workers << " workers";
  }
}

TEST(RuntimeTest, ABlockedOnFutureWokenElsewhereRunsDespiteAWakeChain) {
  Watchdog W("wake chain vs block_on");
  // The thread inside a current-thread block_on() runs the chain and must
  // still notice that its own future was woken from another thread.
  Runtime Rt;
  Relay R;
  struct StopsWhenWoken {
    using Output = void;
    Relay *R;
    std::optional<JoinHandle<void>> A, B;
    std::optional<std::thread> Waker;
    Poll<void> poll(Context &Cx) {
      if (!Waker) {
        A.emplace(corofy::spawn(RelayTask{R, 0}));
        B.emplace(corofy::spawn(RelayTask{R, 1}));
        Waker.emplace([Clone = Cx.waker()] {
          std::this_thread::sleep_for(10ms);
          Clone.wake();
        });
        return Poll<void>::pending();
      }
      R->Stop = true;
      if (A && A->poll(Cx).is_ready())
        A.reset();
      if (B && B->poll(Cx).is_ready())
        B.reset();
      if (A || B)
        return Poll<void>::pending();
      Waker->join();
      return Poll<void>::ready();
    }
  };
  Rt.block_on(StopsWhenWoken{&R, {}, {}, {}});
  EXPECT_TRUE(R.Stop);
}

TEST(RuntimeTest, WhereFuturesRun) {
  Watchdog W("threads of a runtime");
  struct WhereAmI {
    using Output = std::thread::id;
    Poll<std::thread::id> poll(Context &) {
      return Poll<std::thread::id>::ready(std::this_thread::get_id());
    }
  };
  const std::thread::id Main = std::this_thread::get_id();
  {
    Runtime Rt;
    EXPECT_EQ(Rt.block_on(WhereAmI{}), Main);
    EXPECT_EQ(Rt.block_on(Rt.spawn(WhereAmI{})), Main);
  }
  {
    Runtime Rt(Runtime::Options{.worker_threads = 2});
    EXPECT_EQ(Rt.block_on(WhereAmI{}), Main);
    EXPECT_NE(Rt.block_on(Rt.spawn(WhereAmI{})), Main)
        << "a task ran on the thread inside block_on, not on a worker";
  }
}

/// Polled `Rounds` times; each pending poll hands its waker to two wake
/// services at once, so that wakes race each other and the running poll.
/// Overlapping polls of one task would set `Overlaps` (and TSan would see
/// the unsynchronised `Rounds`).
struct Bouncer {
  using Output = void;
  std::vector<std::unique_ptr<WakeService>> *Services;
  std::atomic<bool> *InPoll;
  std::atomic<int> *Overlaps;
  std::atomic<int> *Polls;
  std::atomic<int> *Left;
  corofy::testing::Trigger *AllDone;
  int Rounds;
  std::size_t Index;

  Poll<void> poll(Context &Cx) {
    if (InPoll->exchange(true))
      ++*Overlaps;
    ++*Polls;
    std::this_thread::yield(); // widen the window for an overlap
    bool Done = --Rounds == 0;
    if (!Done) {
      (*Services)[Index % Services->size()]->wakeLater(Cx.waker());
      (*Services)[(Index + 1) % Services->size()]->wakeLater(Cx.waker());
    }
    InPoll->store(false);
    if (!Done)
      return Poll<void>::pending();
    if (--*Left == 0)
      AllDone->fire();
    return Poll<void>::ready();
  }
};

TEST(RuntimeTest, MultiThreadedTasksWokenFromOtherThreadsNeverOverlap) {
  Watchdog W("10k tasks on 4 workers", 120s);
  constexpr int Tasks = 10000, Rounds = 3;
  std::vector<std::unique_ptr<WakeService>> Services;
  for (int I = 0; I != 3; ++I)
    Services.push_back(std::make_unique<WakeService>());
  std::vector<std::atomic<bool>> InPoll(Tasks);
  std::atomic<int> Overlaps{0}, Polls{0}, Left{Tasks};
  corofy::testing::Trigger AllDone;
  {
    Runtime Rt(Runtime::Options{.worker_threads = 4});
    for (int I = 0; I != Tasks; ++I)
      Rt.spawn(Bouncer{&Services, &InPoll[I], &Overlaps, &Polls, &Left,
                       &AllDone, Rounds, static_cast<std::size_t>(I)})
          .detach();
    Rt.block_on(AllDone.wait());
    // The last task fires AllDone just before it completes.
    for (int I = 0; I != 500 && Rt.live_tasks() != 0; ++I)
      std::this_thread::sleep_for(10ms);
    EXPECT_EQ(Rt.live_tasks(), 0u);
  }
  EXPECT_EQ(Overlaps.load(), 0) << "a task was polled on two threads at once";
  EXPECT_EQ(Left.load(), 0);
  EXPECT_GE(Polls.load(), Tasks * Rounds);
}

TEST(RuntimeTest, AWaitingRuntimeUsesNoCpu) {
  Watchdog W("idle runtime");
  auto CpuTime = [] {
    timespec T;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &T);
    return std::chrono::seconds(T.tv_sec) + std::chrono::nanoseconds(T.tv_nsec);
  };
  for (unsigned Workers : {0u, 2u}) {
    Runtime Rt(Runtime::Options{Workers});
    auto Before = CpuTime();
    Rt.block_on(corofy::sleep_for(300ms));
    auto Used = CpuTime() - Before;
    // A thread that polled in a loop would use about all of the 300 ms.
    EXPECT_LT(Used, 150ms)
        << Workers << " workers: "
        << std::chrono::duration_cast<std::chrono::milliseconds>(Used).count()
        << " ms of CPU while waiting";
  }
}

/// Polls `Inner` and wakes itself at every poll until `Inner` is ready, as a
/// busy loop that yields does; gives up (nullopt) after `Limit`, which it
/// reaches when the runtime starves `Inner` of its timer or I/O.
template <class F> struct BusyUntilReady {
  using Output = std::optional<corofy::value_t<F>>;
  F Inner;
  std::chrono::steady_clock::time_point GiveUp;
  long Polls = 0;
  Poll<Output> poll(Context &Cx) {
    ++Polls;
    auto Polled = corofy::poll_value(Inner, Cx);
    if (Polled.is_ready())
      return Poll<Output>::ready(Output(std::move(Polled).value()));
    if (std::chrono::steady_clock::now() > GiveUp)
      return Poll<Output>::ready(std::nullopt);
    Cx.waker().wake();
    return Poll<Output>::pending();
  }
};
template <class F>
BusyUntilReady<F> busyUntilReady(F Inner,
                                 std::chrono::milliseconds Limit = 2s) {
  return {std::move(Inner), std::chrono::steady_clock::now() + Limit};
}

TEST(RuntimeTest, AFutureThatWakesItselfStillGetsItsTimer) {
  Watchdog W("self-waking block_on vs a timer");
  for (unsigned Workers : {0u, 1u, 2u}) {
    Runtime Rt(Runtime::Options{Workers});
    auto Busy = busyUntilReady(corofy::sleep_for(20ms));
    EXPECT_TRUE(Rt.block_on(Busy))
        << Workers << " workers: the timer never fired in " << Busy.Polls
        << " polls";
  }
}

/// Accepts one connection and reads 4 bytes from it.
struct AcceptThenRead {
  using Output = std::string;
  corofy::net::TcpListener *Listener;
  std::optional<corofy::net::TcpStream> Stream;
  std::string Buffer = std::string(4, '\0');
  std::size_t Filled = 0;
  Poll<std::string> poll(Context &Cx) {
    if (!Stream) {
      auto Accepted = Listener->poll_accept(Cx);
      if (Accepted.is_pending())
        return Poll<std::string>::pending();
      if (!Accepted.value())
        return Poll<std::string>::ready("accept: " +
                                        Accepted.value().error().message());
      Stream.emplace(std::move(Accepted.value()->stream));
    }
    while (Filled != Buffer.size()) {
      auto Read = Stream->poll_read(Cx, std::span(Buffer).subspan(Filled));
      if (Read.is_pending())
        return Poll<std::string>::pending();
      if (!Read.value() || *Read.value() == 0)
        return Poll<std::string>::ready("read: " +
                                        Read.value().error().message());
      Filled += *Read.value();
    }
    return Poll<std::string>::ready(Buffer);
  }
};

TEST(RuntimeTest, TasksThatWakeThemselvesStillGetTheirIo) {
  Watchdog W("self-waking tasks vs a socket");
  for (unsigned Workers : {0u, 1u, 2u}) {
    Runtime Rt(Runtime::Options{Workers});
    auto Listener =
        corofy::net::TcpListener::bind(corofy::net::SocketAddr::loopback_v4(0));
    ASSERT_TRUE(Listener) << Listener.error().message();
    std::thread Client([Address = Listener->local_addr()] {
      int Fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (::connect(Fd, Address.native(), Address.native_size()) == 0) {
        std::this_thread::sleep_for(20ms);
        (void)!::send(Fd, "ping", 4, MSG_NOSIGNAL);
      }
      ::close(Fd);
    });
    // Both the task and the blocked-on future wake themselves at every
    // poll, so the run queue never empties.
    auto Busy = busyUntilReady(
        Rt.spawn(busyUntilReady(AcceptThenRead{&*Listener, {}})));
    auto Read = Rt.block_on(Busy);
    Client.join();
    ASSERT_TRUE(Read) << Workers << " workers: the task never completed in "
                      << Busy.Polls << " polls of the blocked-on future";
    ASSERT_TRUE(*Read) << Workers << " workers: the task's socket never "
                       << "became readable";
    EXPECT_EQ(**Read, "ping") << Workers << " workers";
  }
}

/// Counts its polls and wakes itself at each, until `Stop` is set.
struct SpinsUntilStopped {
  using Output = void;
  long *Polls;
  const bool *Stop;
  Poll<void> poll(Context &Cx) {
    if (*Stop)
      return Poll<void>::ready();
    ++*Polls;
    Cx.waker().wake();
    return Poll<void>::pending();
  }
};

TEST(RuntimeTest, FuturesThatWakeThemselvesTakeTurns) {
  Watchdog W("self-waking futures take turns");
  // On a current-thread runtime: the tasks and the blocked-on future run
  // in the order they were woken, reactor turns or not, until its timer
  // fires.
  Runtime Rt;
  long Polls[3] = {};
  bool Stop = false;
  std::vector<JoinHandle<void>> Handles;
  for (long &P : Polls)
    Handles.push_back(Rt.spawn(SpinsUntilStopped{&P, &Stop}));
  auto Busy = busyUntilReady(corofy::sleep_for(30ms));
  ASSERT_TRUE(Rt.block_on(Busy)) << "the timer never fired";
  Stop = true;
  Rt.block_on(corofy::join_all(std::move(Handles)));
  for (long P : Polls) {
    EXPECT_GE(P, Busy.Polls - 2) << "a task was starved";
    EXPECT_LE(P, Busy.Polls + 2) << "the blocked-on future was starved";
  }
}

/// Waits until its pipe is readable (which it never is here).
struct ReadsPipe {
  using Output = void;
  int Fd;
  std::optional<corofy::IoRegistration> Io;
  Poll<void> poll(Context &Cx) {
    if (!Io)
      Io.emplace(Fd, corofy::Interest::Readable);
    if (Io->poll_ready(Cx, corofy::Interest::Readable).is_pending())
      return Poll<void>::pending();
    return Poll<void>::ready();
  }
};

TEST(RuntimeTest, ShutdownLeavesNoDescriptorOpen) {
  Watchdog W("descriptor leaks");
  corofy::testing::Pipe P; // outlives the runtimes
  const int Before = corofy::testing::openFds();
  for (unsigned Workers : {0u, 3u}) {
    {
      Runtime Rt(Runtime::Options{Workers});
      EXPECT_GE(corofy::testing::openFds(), Before + 2); // epoll + eventfd
      Rt.spawn(ReadsPipe{P.Read, {}}).detach();
      Rt.spawn(corofy::sleep_for(1h)).detach();
      Rt.block_on(corofy::sleep_for(10ms));
      EXPECT_EQ(Rt.reactor().registrations(), 1u);
      EXPECT_EQ(Rt.reactor().timers(), 1u);
    }
    EXPECT_EQ(corofy::testing::openFds(), Before) << Workers << " workers";
  }
  // The free block_on's temporary runtime too.
  corofy::block_on(corofy::sleep_for(1ms));
  EXPECT_EQ(corofy::testing::openFds(), Before);
}

TEST(RuntimeTest, FreeBlockOnSupportsTimers) {
  Watchdog W("block_on(sleep_for)");
  auto Start = std::chrono::steady_clock::now();
  corofy::block_on(corofy::sleep_for(20ms));
  EXPECT_GE(std::chrono::steady_clock::now() - Start, 20ms);
}

} // namespace
