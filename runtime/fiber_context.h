//===- fiber_context.h - The saved registers of a fiber ---------*- C++ -*-===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// The C++ side of the assembly context switch (arch/<arch>_<abi>.S): the
// FiberContext it saves into and loads from, checked field by field against
// the offsets the assembly uses, and make_fiber_context(), which prepares a
// context that starts a function on a fresh stack.
//
//===----------------------------------------------------------------------===//

#ifndef COROFY_RUNTIME_FIBER_CONTEXT_H
#define COROFY_RUNTIME_FIBER_CONTEXT_H

#include "arch/fiber_context_offsets.h"

#include <cstddef>
#include <cstdint>

namespace corofy::fiber::detail {

/// The registers a context switch must carry over: those the ABI makes
/// callee-saved. Written only by corofy_fiber_switch and make_fiber_context.
struct FiberContext {
  std::uint64_t rsp;
  std::uint64_t rbx;
  std::uint64_t rbp;
  std::uint64_t r12;
  std::uint64_t r13;
  std::uint64_t r14;
  std::uint64_t r15;
  std::uint32_t mxcsr;
  std::uint16_t x87_control;
  std::uint16_t padding;
};

static_assert(offsetof(FiberContext, rsp) == COROFY_FIBER_CONTEXT_RSP);
static_assert(offsetof(FiberContext, rbx) == COROFY_FIBER_CONTEXT_RBX);
static_assert(offsetof(FiberContext, rbp) == COROFY_FIBER_CONTEXT_RBP);
static_assert(offsetof(FiberContext, r12) == COROFY_FIBER_CONTEXT_R12);
static_assert(offsetof(FiberContext, r13) == COROFY_FIBER_CONTEXT_R13);
static_assert(offsetof(FiberContext, r14) == COROFY_FIBER_CONTEXT_R14);
static_assert(offsetof(FiberContext, r15) == COROFY_FIBER_CONTEXT_R15);
static_assert(offsetof(FiberContext, mxcsr) == COROFY_FIBER_CONTEXT_MXCSR);
static_assert(offsetof(FiberContext, x87_control) ==
              COROFY_FIBER_CONTEXT_X87CW);
static_assert(sizeof(FiberContext) == COROFY_FIBER_CONTEXT_SIZE);

} // namespace corofy::fiber::detail

extern "C" {
/// Saves the running context into *from and continues *to. Returns when
/// some other context switches back to *from.
void corofy_fiber_switch(corofy::fiber::detail::FiberContext *from,
                         const corofy::fiber::detail::FiberContext *to);
/// The first instruction of every new context (see x86_64_sysv.S).
void corofy_fiber_trampoline();
}

namespace corofy::fiber::detail {

/// Prepares `context` so that switching to it calls `entry(argument)` on
/// the stack that ends at `stack_top` (16-byte aligned; the stack grows
/// down from there). `entry` must never return: it ends by switching away.
/// The new context starts with the floating-point control state of the
/// calling thread.
inline void make_fiber_context(FiberContext &context, void *stack_top,
                               void (*entry)(void *), void *argument) {
  auto *top = static_cast<std::uint64_t *>(stack_top);
  // The switch "returns" into the trampoline, leaving rsp at stack_top,
  // 16-byte aligned as the trampoline's call needs.
  top[-1] = reinterpret_cast<std::uint64_t>(&corofy_fiber_trampoline);
  context = FiberContext{};
  context.rsp = reinterpret_cast<std::uint64_t>(top - 1);
  context.rbp = 0; // ends frame-pointer walks (ASan's unwinder, perf)
  context.r12 = reinterpret_cast<std::uint64_t>(entry);
  context.r13 = reinterpret_cast<std::uint64_t>(argument);
  __asm__ volatile("stmxcsr %0\n\tfnstcw %1"
                   : "=m"(context.mxcsr), "=m"(context.x87_control));
}

} // namespace corofy::fiber::detail

#endif // COROFY_RUNTIME_FIBER_CONTEXT_H
