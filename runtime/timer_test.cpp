//===- timer_test.cpp - Tests of sleep_for, sleep_until and timeout -------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//

#include "corofy/executor.hpp"
#include "corofy/join.hpp"
#include "corofy/timer.hpp"

#include "test_util.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <variant>
#include <vector>

namespace {

using corofy::Clock;
using corofy::Context;
using corofy::JoinHandle;
using corofy::Poll;
using corofy::Runtime;
using corofy::Sleep;
using corofy::testing::Forever;
using corofy::testing::Watchdog;
using namespace std::chrono_literals;

/// Sleeps, then appends its id to a shared log.
struct SleepThenLog {
  using Output = void;
  Sleep S;
  int Id;
  std::mutex *M;
  std::vector<int> *Log;
  Poll<void> poll(Context &Cx) {
    if (S.poll(Cx).is_pending())
      return Poll<void>::pending();
    std::lock_guard<std::mutex> Lock(*M);
    Log->push_back(Id);
    return Poll<void>::ready();
  }
};

/// Polls its Sleep once (arming it), then is ready, handing the Sleep on.
struct ArmOnce {
  using Output = void;
  Sleep *S;
  Poll<void> poll(Context &Cx) {
    EXPECT_TRUE(S->poll(Cx).is_pending());
    return Poll<void>::ready();
  }
};

TEST(TimerTest, SleepForWaitsAtLeastItsDuration) {
  Watchdog W("sleep_for");
  for (unsigned Workers : {0u, 2u}) {
    Runtime Rt(Runtime::Options{Workers});
    auto Start = Clock::now();
    Rt.block_on(corofy::sleep_for(50ms));
    auto Elapsed = Clock::now() - Start;
    EXPECT_GE(Elapsed, 50ms);
    EXPECT_LT(Elapsed, 5s) << "a generous bound: only a lost wake fails it";
  }
}

TEST(TimerTest, TimersFireInDeadlineOrder) {
  Watchdog W("timer order");
  for (unsigned Workers : {0u, 2u}) {
    Runtime Rt(Runtime::Options{Workers});
    std::mutex M;
    std::vector<int> Log;
    std::vector<JoinHandle<void>> Handles;
    // Armed out of order; 40 ms apart, so that scheduling noise cannot
    // reorder them.
    const int Delays[] = {120, 40, 80, 0};
    for (int I = 0; I != 4; ++I)
      Handles.push_back(Rt.spawn(
          SleepThenLog{corofy::sleep_for(std::chrono::milliseconds(Delays[I])),
                       I, &M, &Log}));
    Rt.block_on(corofy::join_all(std::move(Handles)));
    EXPECT_EQ(Log, (std::vector<int>{3, 1, 2, 0}));
    EXPECT_EQ(Rt.reactor().timers(), 0u);
  }
}

TEST(TimerTest, EqualDeadlinesFireInArmingOrder) {
  Watchdog W("equal deadlines");
  Runtime Rt;
  std::mutex M;
  std::vector<int> Log;
  std::vector<JoinHandle<void>> Handles;
  const Clock::time_point When = Clock::now() + 20ms;
  for (int I = 0; I != 5; ++I)
    Handles.push_back(
        Rt.spawn(SleepThenLog{corofy::sleep_until(When), I, &M, &Log}));
  Rt.block_on(corofy::join_all(std::move(Handles)));
  EXPECT_EQ(Log, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(TimerTest, APassedDeadlineIsReadyWithoutArming) {
  Watchdog W("passed deadline");
  Runtime Rt;
  Rt.block_on(corofy::sleep_until(Clock::now() - 1s));
  Rt.block_on(corofy::sleep_for(0ms));
  EXPECT_EQ(Rt.reactor().timers(), 0u);
}

TEST(TimerTest, DroppingAnArmedSleepDisarmsIt) {
  Watchdog W("cancel by drop");
  Runtime Rt;
  {
    Sleep S = corofy::sleep_for(1h);
    Rt.block_on(ArmOnce{&S});
    EXPECT_EQ(Rt.reactor().timers(), 1u);
  }
  EXPECT_EQ(Rt.reactor().timers(), 0u) << "the dropped Sleep stayed armed";
}

TEST(TimerTest, AnArmedSleepCanMove) {
  Watchdog W("moved Sleep");
  Runtime Rt;
  auto S = std::make_unique<Sleep>(corofy::sleep_for(30ms));
  Rt.block_on(ArmOnce{S.get()});
  Sleep Moved(std::move(*S));
  S.reset(); // destroying the moved-from Sleep must not disarm the timer
  EXPECT_EQ(Rt.reactor().timers(), 1u);
  auto Start = Clock::now();
  Rt.block_on(Moved);
  EXPECT_GE(Clock::now() - Start, 1ms);
  EXPECT_EQ(Rt.reactor().timers(), 0u);
}

TEST(TimerTest, AnEarlierTimerInterruptsABlockedDriver) {
  // A worker waits in epoll_wait for a 1 h timer; a 30 ms sleep armed from
  // the block_on thread must shorten that wait.
  Watchdog W("earlier timer");
  Runtime Rt(Runtime::Options{.worker_threads = 1});
  Rt.spawn(corofy::sleep_for(1h)).detach();
  Rt.block_on(corofy::sleep_for(20ms)); // the worker is parked by now
  auto Start = Clock::now();
  Rt.block_on(corofy::sleep_for(30ms));
  EXPECT_LT(Clock::now() - Start, 5s);
}

/// Sleeps `Sleeps` + 1 times for `Each`, one sleep after the other, on a
/// runtime's worker; yields how many blocked turn()s of the reactor returned
/// from the end of the first sleep (which leaves out the wakes of spawning
/// and of its arming) to the end of the last, and checks that each sleep
/// ended no earlier than its deadline and not much later.
struct SleepsInARow {
  using Output = std::uint64_t;
  int Sleeps;
  Clock::duration Each;
  std::optional<Sleep> S;
  std::uint64_t Before = 0;
  bool Started = false;
  Poll<std::uint64_t> poll(Context &Cx) {
    for (;;) {
      if (!S)
        S.emplace(corofy::sleep_for(Each));
      if (S->poll(Cx).is_pending())
        return Poll<std::uint64_t>::pending();
      Clock::duration Late = Clock::now() - S->deadline();
      EXPECT_GE(Late, Clock::duration::zero());
      EXPECT_LT(Late, 1s) << "a generous bound: only a lost wake fails it";
      S.reset();
      std::uint64_t Turns = corofy::Reactor::current().blocked_turns();
      if (!Started) {
        Started = true;
        Before = Turns;
      } else if (--Sleeps == 0) {
        return Poll<std::uint64_t>::ready(Turns - Before);
      }
    }
  }
};

TEST(TimerTest, AnExpiryWakesOneIdleWorker) {
  // Every worker of an idle runtime blocks in the reactor; a timer's expiry
  // must wake one of them (which fires it and runs the task it wakes), not
  // every one that knows the deadline. Arming the next sleep, on that
  // worker, must wake none.
  Watchdog W("one wake per expiry");
  for (unsigned Workers : {2u, 3u}) {
    Runtime Rt(Runtime::Options{.worker_threads = Workers});
    constexpr int Sleeps = 6;
    std::uint64_t Returned =
        Rt.block_on(Rt.spawn(SleepsInARow{Sleeps, 20ms, {}}));
    EXPECT_EQ(Returned, std::uint64_t(Sleeps))
        << Workers << " idle workers: blocked turns that returned for "
        << Sleeps << " timer expiries";
  }
}

/// Sleeps, then blocks its thread for `Busy`: a task that runs long.
struct SleepThenBlock {
  using Output = void;
  Sleep S;
  std::chrono::milliseconds Busy;
  Poll<void> poll(Context &Cx) {
    if (S.poll(Cx).is_pending())
      return Poll<void>::pending();
    std::this_thread::sleep_for(Busy);
    return Poll<void>::ready();
  }
};

TEST(TimerTest, ABusyWorkerDoesNotHoldUpTheOthersTimers) {
  // The worker that fires the first timer then runs a long task; the next
  // timer's expiry must wake the other worker, not wait for that one.
  Watchdog W("busy worker, timers");
  Runtime Rt(Runtime::Options{.worker_threads = 2});
  auto Start = Clock::now();
  auto Slow = Rt.spawn(SleepThenBlock{corofy::sleep_for(20ms), 600ms});
  auto Fast = Rt.spawn(corofy::sleep_for(60ms));
  Rt.block_on(Fast);
  EXPECT_LT(Clock::now() - Start, 400ms)
      << "the second timer waited for the busy worker";
  Rt.block_on(Slow);
}

/// Polls *S until it is ready, for at most `Limit`; yields whether it was.
struct ReadyWithin {
  using Output = bool;
  Sleep *S;
  Sleep Limit;
  Poll<bool> poll(Context &Cx) {
    if (S->poll(Cx).is_ready())
      return Poll<bool>::ready(true);
    if (Limit.poll(Cx).is_ready())
      return Poll<bool>::ready(false);
    return Poll<bool>::pending();
  }
};

TEST(TimerTest, ASleepArmedInARuntimeThatIsGoneFiresInTheNext) {
  Watchdog W("Sleep after its runtime");
  for (unsigned Workers : {0u, 2u}) {
    Sleep S = corofy::sleep_for(30ms);
    {
      Runtime First(Runtime::Options{Workers});
      First.block_on(ArmOnce{&S});
      EXPECT_EQ(First.reactor().timers(), 1u);
    }
    Runtime Second(Runtime::Options{Workers});
    EXPECT_TRUE(Second.block_on(ReadyWithin{&S, corofy::sleep_for(2s)}))
        << Workers << " workers: the Sleep never fired";
    EXPECT_GE(Clock::now(), S.deadline());
    EXPECT_EQ(Second.reactor().timers(), 0u);
  }
}

TEST(TimerTest, ASleepPolledInAnotherRuntimeMovesThere) {
  Watchdog W("Sleep polled by another runtime");
  // The first runtime lives on, but no thread turns its reactor: no thread
  // is inside its block_on().
  Runtime First;
  Sleep S = corofy::sleep_for(30ms);
  First.block_on(ArmOnce{&S});
  Runtime Second;
  EXPECT_TRUE(Second.block_on(ReadyWithin{&S, corofy::sleep_for(2s)}))
      << "the Sleep stayed with the idle runtime";
  EXPECT_EQ(First.reactor().timers(), 0u) << "left armed in the first";
  EXPECT_EQ(Second.reactor().timers(), 0u);
}

TEST(TimerTest, ASleepWhoseRuntimeIsGoneThrowsOutsideEveryRuntime) {
  Sleep S = corofy::sleep_for(1h);
  {
    Runtime First;
    First.block_on(ArmOnce{&S});
  }
  EXPECT_THROW((void)S.poll(corofy::testing::noopContext()), std::logic_error);
}

TEST(TimerTest, PollingASleepOutsideARuntimeThrowsLogicError) {
  Sleep S = corofy::sleep_for(1ms);
  EXPECT_THROW((void)S.poll(corofy::testing::noopContext()), std::logic_error);
}

TEST(TimeoutTest, YieldsTheOutputOfAFastFuture) {
  Watchdog W("timeout, fast");
  Runtime Rt;
  auto Fast = corofy::timeout(10s, corofy::Ready<int>(3));
  static_assert(std::is_same_v<decltype(Fast)::Output, std::optional<int>>);
  EXPECT_EQ(Rt.block_on(std::move(Fast)), std::optional<int>(3));
  // The Sleep inside was never armed (the future was ready first).
  EXPECT_EQ(Rt.reactor().timers(), 0u);

  auto Slowish = corofy::timeout(10s, corofy::sleep_for(10ms));
  static_assert(
      std::is_same_v<decltype(Slowish)::Output, std::optional<std::monostate>>);
  EXPECT_TRUE(Rt.block_on(std::move(Slowish)).has_value());
  EXPECT_EQ(Rt.reactor().timers(), 0u);
}

TEST(TimeoutTest, YieldsNulloptAndDropsASlowFuture) {
  Watchdog W("timeout, slow");
  for (unsigned Workers : {0u, 2u}) {
    Runtime Rt(Runtime::Options{Workers});
    auto Live = corofy::testing::liveCounter();
    auto Start = Clock::now();
    EXPECT_EQ(Rt.block_on(corofy::timeout(40ms, Forever(Live))), std::nullopt);
    EXPECT_GE(Clock::now() - Start, 40ms);
    EXPECT_EQ(Live->load(), 0) << "the timed-out future is still alive";
  }
}

} // namespace
