//===- task_test.cpp - Tests of tasks, their wakers and JoinHandle --------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//

#include "corofy/executor.hpp"
#include "corofy/join.hpp"
#include "corofy/task.hpp"

#include "test_util.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

using corofy::Context;
using corofy::JoinHandle;
using corofy::Poll;
using corofy::Runtime;
using corofy::TaskAborted;
using corofy::Waker;
using corofy::testing::Forever;
using corofy::testing::noopContext;
using corofy::testing::Trigger;
using corofy::testing::Watchdog;

//===----------------------------------------------------------------------===//
// Task wakers
//===----------------------------------------------------------------------===//

/// Pending until it was polled `Target` times; stores its waker each poll.
struct Parked {
  using Output = int;
  std::shared_ptr<std::atomic<int>> Polls;
  std::shared_ptr<std::optional<Waker>> Kept;
  int Target;
  Poll<int> poll(Context &Cx) {
    int N = ++*Polls;
    if (N >= Target)
      return Poll<int>::ready(N);
    *Kept = Cx.waker();
    return Poll<int>::pending();
  }
};

/// A step-by-step driver: runs `Step(i)` before each of its polls and is
/// ready after `Steps` polls, yielding to the tasks in between.
template <class S> struct Steps {
  using Output = void;
  S Step;
  int Count;
  int I = 0;
  Poll<void> poll(Context &Cx) {
    if (I == Count)
      return Poll<void>::ready();
    Step(I++);
    Cx.waker().wake(); // yield: queued behind the tasks woken so far
    return Poll<void>::pending();
  }
};
template <class S> Steps<S> steps(int Count, S Step) {
  return Steps<S>{std::move(Step), Count};
}

TEST(TaskWakerTest, WakesBeforeTheTaskRunsCoalesce) {
  Watchdog W("coalesced wakes");
  Runtime Rt;
  auto Polls = std::make_shared<std::atomic<int>>(0);
  auto Kept = std::make_shared<std::optional<Waker>>();
  JoinHandle<int> H = Rt.spawn(Parked{Polls, Kept, 3});
  Rt.block_on(steps(4, [&](int I) {
    if (I == 1) {
      ASSERT_EQ(Polls->load(), 1); // polled once, then parked
      for (int J = 0; J != 5; ++J)
        (*Kept)->wake();
    }
    if (I == 2) { // the five wakes ran the task once
      EXPECT_EQ(Polls->load(), 2);
    }
  }));
  EXPECT_EQ(Polls->load(), 2) << "five wakes before a run must poll once";
  (*Kept)->wake();
  EXPECT_EQ(Rt.block_on(std::move(H)), 3);
}

/// Wakes itself from inside poll(), directly or from a thread that it joins
/// before returning, so the wake lands while the task is Running.
struct WakesDuringPoll {
  using Output = int;
  bool FromThread;
  int Polls = 0;
  Poll<int> poll(Context &Cx) {
    if (++Polls == 2)
      return Poll<int>::ready(Polls);
    if (FromThread) {
      std::thread T([W = Cx.waker()] { W.wake(); });
      T.join();
    } else {
      Cx.waker().wake();
    }
    return Poll<int>::pending();
  }
};

TEST(TaskWakerTest, WakeDuringPollReschedulesTheTask) {
  Watchdog W("wake during poll");
  for (Runtime::Options Options : {Runtime::Options{}, Runtime::Options{2}}) {
    Runtime Rt(Options);
    EXPECT_EQ(Rt.block_on(Rt.spawn(WakesDuringPoll{false})), 2);
    EXPECT_EQ(Rt.block_on(Rt.spawn(WakesDuringPoll{true})), 2)
        << "a wake from another thread during the poll was lost";
  }
}

TEST(TaskWakerTest, WakeFromAnotherThreadRunsTheTask) {
  Watchdog W("wake from another thread");
  for (Runtime::Options Options : {Runtime::Options{}, Runtime::Options{2}}) {
    Runtime Rt(Options);
    Trigger T;
    JoinHandle<void> H = Rt.spawn(T.wait());
    std::thread Waker([&] {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
      T.fire();
    });
    Rt.block_on(std::move(H));
    Waker.join();
  }
}

TEST(TaskWakerTest, WakerOutlivesTheTaskAndTheRuntime) {
  Watchdog W("late wakes");
  auto Polls = std::make_shared<std::atomic<int>>(0);
  auto Kept = std::make_shared<std::optional<Waker>>();
  {
    Runtime Rt;
    EXPECT_EQ(Rt.block_on(Rt.spawn(Parked{Polls, Kept, 1})), 1);
    JoinHandle<int> Pending = Rt.spawn(Parked{Polls, Kept, 100});
    Rt.block_on(corofy::yield_now());
    ASSERT_TRUE(Kept->has_value());
  } // the pending task is aborted; *Kept still refers to it
  (*Kept)->wake();
  Waker Clone = **Kept;
  Clone.wake();
  Kept->reset();
}

//===----------------------------------------------------------------------===//
// spawn and JoinHandle
//===----------------------------------------------------------------------===//

TEST(SpawnTest, JoinHandleYieldsTheOutput) {
  Watchdog W("spawn/join");
  Runtime Rt;
  JoinHandle<std::string> H = Rt.spawn(corofy::Ready<std::string>("out"));
  static_assert(corofy::Future<JoinHandle<std::string>>);
  EXPECT_EQ(Rt.block_on(std::move(H)), "out");

  auto Owned = std::make_unique<int>(4);
  int *Raw = Owned.get();
  std::unique_ptr<int> Back = Rt.block_on(
      Rt.spawn(corofy::Ready<std::unique_ptr<int>>(std::move(Owned))));
  EXPECT_EQ(Back.get(), Raw);
}

TEST(SpawnTest, VoidTaskAndSpawnFromInsideATask) {
  Watchdog W("nested spawn");
  Runtime Rt;
  int Ran = 0;
  struct Outer {
    using Output = int;
    int *Ran;
    std::optional<JoinHandle<void>> Inner;
    Poll<int> poll(Context &Cx) {
      if (!Inner)
        Inner.emplace(corofy::spawn(corofy::yield_now()));
      if (Inner->poll(Cx).is_pending())
        return Poll<int>::pending();
      ++*Ran;
      return Poll<int>::ready(7);
    }
  };
  EXPECT_EQ(Rt.block_on(Rt.spawn(Outer{&Ran, {}})), 7);
  EXPECT_EQ(Ran, 1);
  EXPECT_EQ(Rt.live_tasks(), 0u);
}

TEST(SpawnTest, SpawnOutsideARuntimeThrowsLogicError) {
  EXPECT_THROW((void)corofy::spawn(corofy::Ready<int>(1)), std::logic_error);
}

TEST(SpawnTest, BlockOnInsideARuntimeThrowsLogicError) {
  Watchdog W("nested block_on");
  Runtime Rt;
  struct Nested {
    using Output = bool;
    Poll<bool> poll(Context &) {
      try {
        corofy::block_on(corofy::Ready<int>(1));
      } catch (const std::logic_error &) {
        return Poll<bool>::ready(true);
      }
      return Poll<bool>::ready(false);
    }
  };
  EXPECT_TRUE(Rt.block_on(Nested{}));
  EXPECT_TRUE(Rt.block_on(Rt.spawn(Nested{})));
}

TEST(SpawnTest, TheTaskExceptionIsRethrownByTheJoinHandle) {
  Watchdog W("exceptions");
  Runtime Rt;
  struct Throws {
    using Output = int;
    Poll<int> poll(Context &) { throw std::out_of_range("task failed"); }
  };
  JoinHandle<int> H = Rt.spawn(Throws{});
  try {
    Rt.block_on(H);
    FAIL() << "no exception";
  } catch (const std::out_of_range &E) {
    EXPECT_STREQ(E.what(), "task failed");
  }
  EXPECT_TRUE(H.is_finished());
  // The runtime goes on running other tasks.
  EXPECT_EQ(Rt.block_on(Rt.spawn(corofy::Ready<int>(2))), 2);
}

TEST(SpawnTest, DroppingTheHandleDetachesTheTask) {
  Watchdog W("detach");
  Runtime Rt;
  Trigger Go;
  auto Done = std::make_shared<std::atomic<bool>>(false);
  struct SetsFlag {
    using Output = void;
    Trigger::Wait Wait;
    std::shared_ptr<std::atomic<bool>> Done;
    Poll<void> poll(Context &Cx) {
      if (Wait.poll(Cx).is_pending())
        return Poll<void>::pending();
      *Done = true;
      return Poll<void>::ready();
    }
  };
  Rt.spawn(SetsFlag{Go.wait(), Done}).detach();
  {
    JoinHandle<void> Dropped = Rt.spawn(SetsFlag{Go.wait(), Done});
  }
  EXPECT_EQ(Rt.live_tasks(), 2u);
  Rt.block_on(corofy::yield_now());
  EXPECT_FALSE(*Done);
  Go.fire();
  Rt.block_on(steps(3, [](int) {}));
  EXPECT_TRUE(*Done) << "a detached task stopped running";
  EXPECT_EQ(Rt.live_tasks(), 0u);
}

TEST(SpawnTest, AbortDropsTheFutureAndTheHandleThrowsTaskAborted) {
  Watchdog W("abort");
  for (Runtime::Options Options : {Runtime::Options{}, Runtime::Options{2}}) {
    Runtime Rt(Options);
    auto Live = corofy::testing::liveCounter();
    JoinHandle<int> H = Rt.spawn(Forever(Live));
    Rt.block_on(corofy::yield_now());
    EXPECT_FALSE(H.is_finished());
    H.abort();
    EXPECT_THROW(Rt.block_on(H), TaskAborted);
    EXPECT_TRUE(H.is_finished());
    EXPECT_EQ(Live->load(), 0) << "the aborted future was not destroyed";
    EXPECT_EQ(Rt.live_tasks(), 0u);
  }
}

TEST(SpawnTest, AbortAfterCompletionKeepsTheOutput) {
  Watchdog W("abort after completion");
  Runtime Rt;
  JoinHandle<int> H = Rt.spawn(corofy::Ready<int>(5));
  Rt.block_on(steps(2, [](int) {}));
  ASSERT_TRUE(H.is_finished());
  H.abort();
  EXPECT_EQ(Rt.block_on(H), 5);
}

TEST(SpawnTest, ShutdownAbortsTheTasksLeft) {
  Watchdog W("shutdown");
  auto Live = corofy::testing::liveCounter();
  std::optional<JoinHandle<int>> Kept;
  for (unsigned Workers : {0u, 2u}) {
    {
      Runtime Rt(Runtime::Options{Workers});
      Kept.emplace(Rt.spawn(Forever(Live)));
      for (int I = 0; I != 10; ++I)
        Rt.spawn(Forever(Live)).detach();
      Rt.block_on(corofy::yield_now());
      EXPECT_EQ(Live->load(), 11);
    }
    EXPECT_EQ(Live->load(), 0) << "shutdown left futures alive";
    EXPECT_TRUE(Kept->is_finished());
    EXPECT_THROW((void)Kept->poll(noopContext()), TaskAborted);
  }
}

TEST(SpawnTest, SpawnFromAnotherThreadRunsAtTheNextBlockOn) {
  Watchdog W("spawn from outside");
  Runtime Rt;
  std::optional<JoinHandle<int>> H;
  std::thread([&] { H.emplace(Rt.spawn(corofy::Ready<int>(9))); }).join();
  EXPECT_EQ(Rt.block_on(std::move(*H)), 9);
}

TEST(SpawnTest, FreeBlockOnRunsSpawnedTasks) {
  Watchdog W("free block_on with spawn");
  struct SpawnsAndJoins {
    using Output = int;
    std::optional<JoinHandle<int>> H;
    Poll<int> poll(Context &Cx) {
      if (!H)
        H.emplace(corofy::spawn(corofy::Ready<int>(11)));
      return H->poll(Cx);
    }
  };
  EXPECT_EQ(corofy::block_on(SpawnsAndJoins{}), 11);
}

} // namespace
