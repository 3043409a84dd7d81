//===- fiber_context_test.cpp - Tests of the assembly context switch ------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// These drive corofy_fiber_switch directly, below the fiber API, to check
// the ABI contract: what a callee must preserve survives a round trip
// through another context that clobbers all of it.
//
//===----------------------------------------------------------------------===//

#include "fiber_context.h"
#include "fiber_stack.h"

#include <gtest/gtest.h>

#include <cfenv>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include <xmmintrin.h>

using corofy::fiber::detail::acquire_stack;
using corofy::fiber::detail::FiberContext;
using corofy::fiber::detail::make_fiber_context;
using corofy::fiber::detail::release_stack;
using corofy::fiber::detail::Stack;

extern "C" {
/// Loads a marker into each callee-saved register, switches from *from to
/// *to, and when switched back stores the registers into out[0..5] (rbx,
/// rbp, r12, r13, r14, r15) before restoring its caller's.
void corofy_test_switch_with_markers(FiberContext *from, const FiberContext *to,
                                     std::uint64_t *out);
/// Overwrites every callee-saved register, the MXCSR and the x87 control
/// word with junk, then switches from *from to *to.
void corofy_test_clobber_and_switch(FiberContext *from, const FiberContext *to);
}

// Written in assembly so that the compiler cannot keep the markers anywhere
// but in the registers under test.
__asm__(R"(
        .macro  push_callee_saved
        pushq   %rbx
        pushq   %rbp
        pushq   %r12
        pushq   %r13
        pushq   %r14
        pushq   %r15
        .endm
        .macro  pop_callee_saved
        popq    %r15
        popq    %r14
        popq    %r13
        popq    %r12
        popq    %rbp
        popq    %rbx
        .endm

        .text
        .p2align 4
        .type   corofy_test_switch_with_markers, @function
corofy_test_switch_with_markers:
        push_callee_saved
        pushq   %rdx            # seven pushes: the call below is aligned
        movabsq $0x1111111111111111, %rbx
        movabsq $0x2222222222222222, %rbp
        movabsq $0x3333333333333333, %r12
        movabsq $0x4444444444444444, %r13
        movabsq $0x5555555555555555, %r14
        movabsq $0x6666666666666666, %r15
        call    corofy_fiber_switch@PLT
        popq    %rdx
        movq    %rbx, 0(%rdx)
        movq    %rbp, 8(%rdx)
        movq    %r12, 16(%rdx)
        movq    %r13, 24(%rdx)
        movq    %r14, 32(%rdx)
        movq    %r15, 40(%rdx)
        pop_callee_saved
        ret
        .size   corofy_test_switch_with_markers, . - corofy_test_switch_with_markers

        .p2align 4
        .type   corofy_test_clobber_and_switch, @function
corofy_test_clobber_and_switch:
        push_callee_saved
        subq    $24, %rsp       # room for the saved MXCSR and x87 word
        stmxcsr 0(%rsp)
        fnstcw  8(%rsp)
        movl    $0x7f80, 4(%rsp)   # every exception masked, round to zero
        movw    $0x0c7f, 12(%rsp)  # x87: round to zero
        ldmxcsr 4(%rsp)
        fldcw   12(%rsp)
        movabsq $0xdead0000000000b1, %rbx
        movabsq $0xdead0000000000b2, %rbp
        movabsq $0xdead0000000000b3, %r12
        movabsq $0xdead0000000000b4, %r13
        movabsq $0xdead0000000000b5, %r14
        movabsq $0xdead0000000000b6, %r15
        call    corofy_fiber_switch@PLT
        ldmxcsr 0(%rsp)
        fldcw   8(%rsp)
        addq    $24, %rsp
        pop_callee_saved
        ret
        .size   corofy_test_clobber_and_switch, . - corofy_test_clobber_and_switch
)");

namespace {

// The contexts below never return from their entry: under ASan their frames
// must not poison redzones, which would stay behind on the pooled stack.
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NO_REDZONES __attribute__((no_sanitize("address")))
#endif
#endif
#ifndef NO_REDZONES
#define NO_REDZONES
#endif

std::uint32_t mxcsr() { return _mm_getcsr(); }

std::uint16_t x87ControlWord() {
  std::uint16_t word;
  __asm__ volatile("fnstcw %0" : "=m"(word));
  return word;
}

/// A context on a pooled stack, returned to the pool with the test.
struct TestContext {
  Stack stack = acquire_stack(64 * 1024);
  FiberContext context{};
  TestContext(void (*entry)(void *), void *argument) {
    make_fiber_context(context, stack.top() - 64, entry, argument);
  }
  ~TestContext() { release_stack(stack); }
};

struct ClobberLoop {
  FiberContext *main;
  FiberContext *self;
};

[[noreturn]] NO_REDZONES void clobberForever(void *argument) {
  auto *loop = static_cast<ClobberLoop *>(argument);
  for (;;)
    corofy_test_clobber_and_switch(loop->self, loop->main);
}

TEST(FiberContextTest, CalleeSavedRegistersSurviveASwitch) {
  FiberContext main{};
  ClobberLoop loop{&main, nullptr};
  TestContext other(&clobberForever, &loop);
  loop.self = &other.context;

  const std::uint64_t expected[6] = {0x1111111111111111, 0x2222222222222222,
                                     0x3333333333333333, 0x4444444444444444,
                                     0x5555555555555555, 0x6666666666666666};
  // The first switch enters the new context; the second resumes it in the
  // middle of corofy_test_clobber_and_switch.
  for (int round = 0; round != 2; ++round) {
    std::uint64_t seen[6] = {};
    corofy_test_switch_with_markers(&main, &other.context, seen);
    for (int i = 0; i != 6; ++i)
      EXPECT_EQ(seen[i], expected[i])
          << "register " << i << ", round " << round;
  }
}

TEST(FiberContextTest, FloatingPointControlSurvivesASwitch) {
  FiberContext main{};
  ClobberLoop loop{&main, nullptr};
  TestContext other(&clobberForever, &loop);
  loop.self = &other.context;

  const std::uint32_t savedCsr = mxcsr();
  const std::uint16_t savedCw = x87ControlWord();
  // Round up in SSE and down in x87, so a switch that swapped or dropped
  // either shows.
  _mm_setcsr((savedCsr & ~0x6000u) | 0x4000u);
  std::uint16_t cw = static_cast<std::uint16_t>((savedCw & ~0x0c00u) | 0x0400u);
  __asm__ volatile("fldcw %0" : : "m"(cw));
  const std::uint32_t setCsr = mxcsr();
  const std::uint16_t setCw = x87ControlWord();

  std::uint64_t seen[6];
  corofy_test_switch_with_markers(&main, &other.context, seen);
  const std::uint32_t afterCsr = mxcsr();
  const std::uint16_t afterCw = x87ControlWord();
  _mm_setcsr(savedCsr);
  __asm__ volatile("fldcw %0" : : "m"(savedCw));

  EXPECT_EQ(afterCsr, setCsr);
  EXPECT_EQ(afterCw, setCw);
}

struct EntryProbe {
  FiberContext *main;
  FiberContext *self;
  std::uint32_t csr = 0;
  std::uint16_t cw = 0;
  char formatted[32] = {};
};

[[noreturn]] NO_REDZONES void probeEntry(void *argument) {
  auto *probe = static_cast<EntryProbe *>(argument);
  probe->csr = mxcsr();
  probe->cw = x87ControlWord();
  // Formatting a double uses aligned SSE spills: it faults on a stack that
  // the trampoline left misaligned.
  std::snprintf(probe->formatted, sizeof probe->formatted, "%.3f", 2.5);
  for (;;)
    corofy_fiber_switch(probe->self, probe->main);
}

TEST(FiberContextTest, NewContextStartsAlignedWithTheCreatorsFpControl) {
  const std::uint32_t savedCsr = mxcsr();
  _mm_setcsr((savedCsr & ~0x6000u) | 0x2000u); // round down
  const std::uint32_t creatorCsr = mxcsr();
  FiberContext main{};
  EntryProbe probe{&main, nullptr};
  TestContext other(&probeEntry, &probe);
  probe.self = &other.context;
  _mm_setcsr(savedCsr);

  corofy_fiber_switch(&main, &other.context);
  EXPECT_EQ(probe.csr, creatorCsr);
  EXPECT_EQ(probe.cw, x87ControlWord());
  EXPECT_STREQ(probe.formatted, "2.500");
  EXPECT_EQ(mxcsr(), savedCsr);
}

} // namespace
