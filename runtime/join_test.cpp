//===- join_test.cpp - Tests of join and join_all -------------------------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//

#include "corofy/executor.hpp"
#include "corofy/join.hpp"
#include "corofy/select.hpp"
#include "corofy/timer.hpp"

#include "alloc_counter.h"
#include "test_util.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <new>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <variant>
#include <vector>

namespace {

using corofy::Context;
using corofy::Poll;
using corofy::Runtime;
using corofy::testing::Allocations;
using corofy::testing::Countdown;
using corofy::testing::noopContext;
using corofy::testing::Watchdog;
using namespace std::chrono_literals;

TEST(JoinTest, YieldsATupleWithMonostateForVoid) {
  Watchdog W("join types");
  auto J = corofy::join(corofy::Ready<int>(1), corofy::yield_now(),
                        corofy::Ready<std::string>("s"));
  static_assert(std::is_same_v<decltype(J)::Output,
                               std::tuple<int, std::monostate, std::string>>);
  auto [A, B, C] = corofy::block_on(std::move(J));
  EXPECT_EQ(A, 1);
  EXPECT_EQ(C, "s");
}

TEST(JoinTest, PollsEveryChildAndDropsEachWhenItCompletes) {
  auto Live = corofy::testing::liveCounter();
  auto J = corofy::join(Countdown(Live, 1, 10), Countdown(Live, 3, 20),
                        Countdown(Live, 2, 30));
  EXPECT_EQ(Live->load(), 3);
  EXPECT_TRUE(J.poll(noopContext()).is_pending());
  EXPECT_EQ(Live->load(), 2) << "a finished child was kept alive";
  EXPECT_TRUE(J.poll(noopContext()).is_pending());
  EXPECT_EQ(Live->load(), 1);
  auto Result = J.poll(noopContext());
  ASSERT_TRUE(Result.is_ready());
  EXPECT_EQ(Result.value(), std::make_tuple(10, 20, 30));
  EXPECT_EQ(Live->load(), 0);
}

TEST(JoinTest, DestroyingItDropsThePendingChildren) {
  auto Live = corofy::testing::liveCounter();
  {
    auto J = corofy::join(Countdown(Live, 5, 1), Countdown(Live, 5, 2));
    EXPECT_TRUE(J.poll(noopContext()).is_pending());
  }
  EXPECT_EQ(Live->load(), 0);
}

TEST(JoinTest, AChildsExceptionPropagates) {
  auto J = corofy::join(corofy::Ready<int>(1), corofy::testing::Throws{});
  EXPECT_THROW((void)J.poll(noopContext()), std::runtime_error);
}

using SleepThenValue = corofy::testing::SleepThen<int>;

TEST(JoinAllTest, OutputsFollowTheVectorOrder) {
  Watchdog W("join_all order");
  std::vector<SleepThenValue> Futures;
  for (int I = 0; I != 4; ++I) // the last one finishes first
    Futures.push_back({corofy::sleep_for((3 - I) * 20ms), I});
  std::vector<int> Out = corofy::block_on(corofy::join_all(std::move(Futures)));
  EXPECT_EQ(Out, (std::vector<int>{0, 1, 2, 3}));
}

TEST(JoinAllTest, VoidOutputsAndAnEmptyVector) {
  Watchdog W("join_all void");
  std::vector<corofy::Sleep> Sleeps;
  Sleeps.push_back(corofy::sleep_for(10ms));
  Sleeps.push_back(corofy::sleep_for(5ms));
  auto All = corofy::join_all(std::move(Sleeps));
  static_assert(std::is_void_v<decltype(All)::Output>);
  corofy::block_on(std::move(All));
  EXPECT_TRUE(
      corofy::block_on(corofy::join_all(std::vector<Countdown>{})).empty());
}

TEST(JoinAllTest, DropsEachChildWhenItCompletes) {
  auto Live = corofy::testing::liveCounter();
  std::vector<Countdown> Futures;
  for (int I = 1; I <= 3; ++I)
    Futures.emplace_back(Live, I, I);
  auto All = corofy::join_all(std::move(Futures));
  EXPECT_EQ(Live->load(), 3);
  EXPECT_TRUE(All.poll(noopContext()).is_pending());
  EXPECT_EQ(Live->load(), 2);
  EXPECT_TRUE(All.poll(noopContext()).is_pending());
  auto Result = All.poll(noopContext());
  ASSERT_TRUE(Result.is_ready());
  EXPECT_EQ(Result.value(), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(Live->load(), 0);
}

/// The children of a join_all that each wait for one wake: the test wakes
/// them one at a time and counts how often the combinator polls them.
struct WakeBoard {
  std::vector<std::optional<corofy::Waker>> Wakers;
  std::vector<char> Woken;
  long Polls = 0;
  explicit WakeBoard(std::size_t Size) : Wakers(Size), Woken(Size) {}
};

/// Pending until its board says it was woken, then ready with its index.
struct WaitsForWake {
  using Output = std::size_t;
  WakeBoard *Board;
  std::size_t Index;
  Poll<std::size_t> poll(Context &Cx) {
    ++Board->Polls;
    if (Board->Woken[Index])
      return Poll<std::size_t>::ready(Index);
    Board->Wakers[Index] = Cx.waker();
    return Poll<std::size_t>::pending();
  }
};

TEST(JoinAllTest, PollsOnlyTheChildrenThatWereWoken) {
  constexpr std::size_t N = 1000;
  WakeBoard Board(N);
  std::vector<WaitsForWake> Futures;
  for (std::size_t I = 0; I != N; ++I)
    Futures.push_back({&Board, I});
  auto All = corofy::join_all(std::move(Futures));
  EXPECT_TRUE(All.poll(noopContext()).is_pending());
  EXPECT_EQ(Board.Polls, long(N)) << "the first poll polls every child";
  EXPECT_TRUE(All.poll(noopContext()).is_pending());
  EXPECT_EQ(Board.Polls, long(N)) << "a poll with no child woken polled one";
  // Last to first, so that no child that finished first can be skipped as a
  // prefix; one completion per poll.
  Poll<std::vector<std::size_t>> Result;
  for (std::size_t K = 0; K != N; ++K) {
    std::size_t I = N - 1 - K;
    Board.Woken[I] = 1;
    ASSERT_TRUE(Board.Wakers[I]);
    Board.Wakers[I]->wake();
    Result = All.poll(noopContext());
    ASSERT_EQ(Result.is_ready(), K == N - 1) << "after waking " << I;
  }
  EXPECT_EQ(Board.Polls, long(2 * N)) << "children were polled unwoken";
  std::vector<std::size_t> Expected(N);
  for (std::size_t I = 0; I != N; ++I)
    Expected[I] = I;
  EXPECT_EQ(Result.value(), Expected);
}

TEST(JoinAllTest, AChildWokenTwiceIsPolledOnceAndWakesTheTask) {
  WakeBoard Board(3);
  std::vector<WaitsForWake> Futures;
  for (std::size_t I = 0; I != 3; ++I)
    Futures.push_back({&Board, I});
  auto All = corofy::join_all(std::move(Futures));
  std::atomic<int> TaskWakes{0};
  static constexpr corofy::WakerVTable Counting{
      [](const void *Data) { return Data; },
      [](const void *Data) {
        ++*static_cast<std::atomic<int> *>(const_cast<void *>(Data));
      },
      [](const void *) {}};
  corofy::Waker Task(&TaskWakes, &Counting);
  Context Cx(Task);
  EXPECT_TRUE(All.poll(Cx).is_pending());
  Board.Wakers[1]->wake();
  EXPECT_GE(TaskWakes.load(), 1) << "a child's wake did not wake the task";
  corofy::Waker Copy = *Board.Wakers[1]; // a clone of a child's waker
  Copy.wake();
  EXPECT_TRUE(All.poll(Cx).is_pending());
  EXPECT_EQ(Board.Polls, 4) << "child 1 should be polled once";
  Board.Woken.assign(3, 1);
  for (auto &W : Board.Wakers)
    std::move(*W).wake();
  auto Result = All.poll(Cx);
  ASSERT_TRUE(Result.is_ready());
  EXPECT_EQ(Result.value(), (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_EQ(Board.Polls, 7);
  Copy.wake(); // a child's waker outlives the combinator's completion
}

/// Ready after `Rounds` wakes, each made twice and at once by two other
/// threads; records its output in the vector order.
struct WokenElsewhere {
  using Output = int;
  std::vector<std::unique_ptr<corofy::testing::WakeService>> *Threads;
  int Index;
  int Rounds;
  Poll<int> poll(Context &Cx) {
    if (Rounds-- == 0)
      return Poll<int>::ready(Index);
    (*Threads)[Index % Threads->size()]->wakeLater(Cx.waker());
    (*Threads)[(Index + 1) % Threads->size()]->wakeLater(Cx.waker());
    return Poll<int>::pending();
  }
};

TEST(JoinAllTest, ChildrenWokenFromOtherThreadsAllComplete) {
  Watchdog W("join_all woken from other threads", 120s);
  constexpr int N = 500;
  std::vector<std::unique_ptr<corofy::testing::WakeService>> Threads;
  for (int I = 0; I != 3; ++I)
    Threads.push_back(std::make_unique<corofy::testing::WakeService>());
  for (unsigned Workers : {0u, 2u}) {
    Runtime Rt(Runtime::Options{Workers});
    for (int Round = 0; Round != 5; ++Round) {
      std::vector<WokenElsewhere> Futures;
      for (int I = 0; I != N; ++I)
        Futures.push_back({&Threads, I, 1 + I % 4});
      // As a task, so that on the multi-threaded runtime its polls run on
      // the workers, concurrently with the wakes.
      std::vector<int> Out =
          Rt.block_on(Rt.spawn(corofy::join_all(std::move(Futures))));
      ASSERT_EQ(Out.size(), std::size_t(N));
      for (int I = 0; I != N; ++I)
        ASSERT_EQ(Out[I], I) << Workers << " workers";
    }
  }
}

/// Polls `Inner` and counts the allocations its polls after the first made
/// on this thread.
template <class F> struct CountAllocations {
  using Output = corofy::output_t<F>;
  F Inner;
  long *Counted;
  int Polls = 0;
  Poll<Output> poll(Context &Cx) {
    long Before = Allocations;
    Poll<Output> Result = Inner.poll(Cx);
    if (Polls++ > 0)
      *Counted += Allocations - Before;
    return Result;
  }
};
template <class F> CountAllocations<F> countAllocations(F Inner, long *N) {
  return {std::move(Inner), N};
}

TEST(CombinatorTest, NoAllocationPerPoll) {
  if (!COROFY_COUNT_ALLOCATIONS)
    GTEST_SKIP() << "the sanitizer's run time owns operator new";
  Watchdog W("allocations per poll");
  Runtime Rt;
  auto Live = corofy::testing::liveCounter();
  long N = 0;
  Rt.block_on(countAllocations(
      corofy::join(corofy::sleep_for(10ms), Countdown(Live, 20, 1),
                   corofy::timeout(1h, corofy::sleep_for(15ms))),
      &N));
  EXPECT_EQ(N, 0) << "join/timeout allocated while polled";

  std::vector<Countdown> Many;
  for (int I = 0; I != 10; ++I)
    Many.emplace_back(Live, 2 * I + 1, I);
  Rt.block_on(countAllocations(corofy::join_all(std::move(Many)), &N));
  // join_all allocates its result vector once, when it completes.
  EXPECT_LE(N, 1) << "join_all allocated per poll";

  N = 0;
  Rt.block_on(countAllocations(
      corofy::select(corofy::sleep_for(1h), Countdown(Live, 30, 2)), &N));
  EXPECT_EQ(N, 0) << "select allocated while polled";

  N = 0;
  Rt.block_on(countAllocations(
      Rt.spawn(corofy::join(corofy::sleep_for(5ms), corofy::yield_now())), &N));
  EXPECT_EQ(N, 0) << "waiting on a JoinHandle allocated";
}

} // namespace
