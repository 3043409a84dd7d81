//===- select_test.cpp - Tests of select ----------------------------------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//

#include "corofy/executor.hpp"
#include "corofy/select.hpp"
#include "corofy/timer.hpp"

#include "test_util.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <variant>

namespace {

using corofy::Runtime;
using corofy::testing::Countdown;
using corofy::testing::Forever;
using corofy::testing::noopContext;
using corofy::testing::Watchdog;
using namespace std::chrono_literals;

TEST(SelectTest, TheFirstToCompleteWinsAndTheLosersAreDisarmed) {
  Watchdog W("select timers");
  for (unsigned Workers : {0u, 2u}) {
    Runtime Rt(Runtime::Options{Workers});
    auto S = corofy::select(corofy::sleep_for(1h), corofy::sleep_for(20ms),
                            corofy::timeout(2h, corofy::Ready<int>(0)));
    static_assert(
        std::is_same_v<
            decltype(S)::Output,
            std::variant<std::monostate, std::monostate, std::optional<int>>>);
    // The timeout is ready at once: it wins; both sleeps are dropped.
    EXPECT_EQ(Rt.block_on(std::move(S)).index(), 2u);
    EXPECT_EQ(Rt.reactor().timers(), 0u);

    auto Start = std::chrono::steady_clock::now();
    auto Second = Rt.block_on(
        corofy::select(corofy::sleep_for(1h), corofy::sleep_for(20ms)));
    EXPECT_EQ(Second.index(), 1u);
    EXPECT_GE(std::chrono::steady_clock::now() - Start, 20ms);
    EXPECT_EQ(Rt.reactor().timers(), 0u) << "the losing timer stayed armed";
  }
}

TEST(SelectTest, TheLeftmostReadyChildWins) {
  auto S =
      corofy::select(corofy::Ready<int>(1), corofy::Ready<std::string>("two"));
  auto Result = S.poll(noopContext());
  ASSERT_TRUE(Result.is_ready());
  ASSERT_EQ(Result.value().index(), 0u);
  EXPECT_EQ(std::get<0>(Result.value()), 1);
}

TEST(SelectTest, RepeatedTypesAreToldApartByIndex) {
  auto Live = corofy::testing::liveCounter();
  auto S = corofy::select(Forever(Live), Countdown(Live, 2, 5));
  static_assert(std::is_same_v<decltype(S)::Output, std::variant<int, int>>);
  EXPECT_TRUE(S.poll(noopContext()).is_pending());
  EXPECT_EQ(Live->load(), 2);
  auto Result = S.poll(noopContext());
  ASSERT_TRUE(Result.is_ready());
  EXPECT_EQ(Result.value().index(), 1u);
  EXPECT_EQ(std::get<1>(Result.value()), 5);
  EXPECT_EQ(Live->load(), 0) << "the loser was not dropped at completion";
}

TEST(SelectTest, VoidBecomesMonostate) {
  Watchdog W("select void");
  auto Live = corofy::testing::liveCounter();
  auto Result =
      corofy::block_on(corofy::select(Forever(Live), corofy::yield_now()));
  static_assert(
      std::is_same_v<decltype(Result), std::variant<int, std::monostate>>);
  EXPECT_EQ(Result.index(), 1u);
  EXPECT_EQ(Live->load(), 0);
}

TEST(SelectTest, DestroyingItDropsEveryChild) {
  auto Live = corofy::testing::liveCounter();
  {
    auto S = corofy::select(Forever(Live), Countdown(Live, 9, 0));
    EXPECT_TRUE(S.poll(noopContext()).is_pending());
  }
  EXPECT_EQ(Live->load(), 0);
}

TEST(SelectTest, AChildsExceptionPropagates) {
  auto Live = corofy::testing::liveCounter();
  auto S = corofy::select(Forever(Live), corofy::testing::Throws{});
  EXPECT_THROW((void)S.poll(noopContext()), std::runtime_error);
}

} // namespace
