// Counts heap allocations, to check that waits and same-file coroutine calls
// allocate nothing.
#ifndef COROFY_TEST_INPUTS_ALLOC_COUNTER_HPP
#define COROFY_TEST_INPUTS_ALLOC_COUNTER_HPP

#include <cstdlib>
#include <new>

inline long Allocations = 0;

void *operator new(std::size_t Size) {
  ++Allocations;
  if (void *P = std::malloc(Size ? Size : 1))
    return P;
  throw std::bad_alloc();
}
void operator delete(void *P) noexcept { std::free(P); }
void operator delete(void *P, std::size_t) noexcept { std::free(P); }

#endif
