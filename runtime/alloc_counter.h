//===- alloc_counter.h - Counting the allocations of a test ----*- C++ -*-===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// Replaces the global operator new of the test program that includes it, to
// count the allocations of each thread: a test reads Allocations before and
// after the polls it checks. Replacing operator new is allowed once per
// program: the other source files of a program that read the counter define
// COROFY_ALLOC_COUNTER_READ_ONLY before including this. The sanitizers' run
// times define operator new themselves: sanitized builds leave it alone,
// and the checks skip themselves (COROFY_COUNT_ALLOCATIONS).
//
//===----------------------------------------------------------------------===//

#ifndef COROFY_RUNTIME_ALLOC_COUNTER_H
#define COROFY_RUNTIME_ALLOC_COUNTER_H

#include "test_util.h"

#include <cstdlib>
#include <new>

namespace corofy::testing {
inline thread_local long Allocations = 0;
} // namespace corofy::testing

#if COROFY_COUNT_ALLOCATIONS && !defined(COROFY_ALLOC_COUNTER_READ_ONLY)
void *operator new(std::size_t Size) {
  ++corofy::testing::Allocations;
  if (void *P = std::malloc(Size ? Size : 1))
    return P;
  throw std::bad_alloc();
}
void *operator new[](std::size_t Size) { return ::operator new(Size); }
void operator delete(void *P) noexcept { std::free(P); }
void operator delete[](void *P) noexcept { std::free(P); }
void operator delete(void *P, std::size_t) noexcept { std::free(P); }
void operator delete[](void *P, std::size_t) noexcept { std::free(P); }
#endif

#endif // COROFY_RUNTIME_ALLOC_COUNTER_H
