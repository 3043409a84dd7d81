//===- fiber_stack_test.cpp - Tests of fiber stacks and guard pages -------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//

#include "corofy/executor.hpp"
#include "corofy/fiber.hpp"

#include "fiber_stack.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

namespace {

using corofy::block_on;
using corofy::fiber::Options;
using corofy::fiber::run_on_fiber;
using corofy::fiber::stack_pool_stats;
using corofy::fiber::detail::acquire_stack;
using corofy::fiber::detail::release_stack;
using corofy::fiber::detail::Stack;

/// The address of a local of the fiber that runs this.
[[gnu::noinline]] std::uintptr_t addressOfALocal() {
  return reinterpret_cast<std::uintptr_t>(__builtin_frame_address(0));
}

TEST(FiberStackTest, StacksHaveAGuardPageBelowThem) {
  Stack stack = acquire_stack(16 * 1024);
  EXPECT_GE(stack.usable_size(), 16u * 1024);
  EXPECT_TRUE(stack.in_guard(stack.mapping));
  EXPECT_TRUE(stack.in_guard(stack.low - 1));
  EXPECT_FALSE(stack.in_guard(stack.low));
  // The usable part is writable from end to end.
  stack.low[0] = 1;
  stack.top()[-1] = 1;
  // mincore() reports on mapped pages; the guard is part of the mapping.
  unsigned char resident;
  EXPECT_EQ(::mincore(stack.mapping, 1, &resident), 0);
  release_stack(stack);
}

TEST(FiberStackTest, FinishedFibersReturnTheirStackForReuse) {
  Options options;
  options.stack_size = 40 * 1024; // a size no other test uses
  std::uintptr_t first = block_on(run_on_fiber(addressOfALocal, options));
  auto before = stack_pool_stats();
  ASSERT_GE(before.pooled, 1u);

  std::uintptr_t second = block_on(run_on_fiber(addressOfALocal, options));
  auto after = stack_pool_stats();
  EXPECT_EQ(second, first) << "the second fiber got a fresh stack";
  EXPECT_EQ(after.mapped, before.mapped);
  EXPECT_EQ(after.pooled, before.pooled);
}

TEST(FiberStackTest, StacksOfDifferentSizesAreNotShared) {
  Options small, large; // sizes no other test uses
  small.stack_size = 24 * 1024;
  large.stack_size = 88 * 1024;
  (void)block_on(run_on_fiber(addressOfALocal, small)); // pools a stack
  auto before = stack_pool_stats();
  (void)block_on(run_on_fiber(addressOfALocal, large));
  auto after = stack_pool_stats();
  // A new size maps a new batch of stacks.
  EXPECT_GT(after.mapped, before.mapped) << "reused a smaller stack";
  EXPECT_GT(after.pooled, before.pooled);
}

[[gnu::noinline]] int recurseForever(int depth) {
  volatile char frame[512];
  frame[0] = static_cast<char>(depth);
  if (depth > 1000000000)
    return frame[0];
  return recurseForever(depth + 1) + frame[0];
}

TEST(FiberStackDeathTest, OverflowHitsTheGuardPageAndNamesTheFiber) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(
      {
        Options options;
        options.stack_size = 32 * 1024;
        options.name = "deep recursion";
        block_on(run_on_fiber([] { return recurseForever(0); }, options));
      },
      "corofy: stack overflow in fiber 'deep recursion': it used all of its "
      "32768-byte stack and hit the guard page");
}

TEST(FiberStackDeathTest, OverflowOfAnUnnamedFiberGivesItsNumber) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(block_on(run_on_fiber([] { return recurseForever(0); })),
               "corofy: stack overflow in fiber #[0-9]+: it used all of its "
               "65536-byte stack");
}

void previousHandler(int) {
  const char message[] = "the previous handler ran\n";
  (void)!::write(STDERR_FILENO, message, sizeof message - 1);
  ::_exit(3);
}

TEST(FiberStackDeathTest, OtherFaultsGoToThePreviousHandler) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        // In the fresh child process this handler comes first; the fiber
        // runtime's handler, installed with the first fiber, chains to it.
        struct sigaction action{};
        action.sa_handler = &previousHandler;
        sigemptyset(&action.sa_mask);
        ::sigaction(SIGSEGV, &action, nullptr);
        void *page = ::mmap(nullptr, 4096, PROT_NONE,
                            MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        block_on(run_on_fiber(
            [page] { return *static_cast<volatile int *>(page); }));
      },
      ::testing::ExitedWithCode(3), "the previous handler ran");
}

} // namespace
