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
