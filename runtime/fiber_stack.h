//===- fiber_stack.h - Guarded, pooled fiber stacks -------------*- C++ -*-===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// Fiber stacks are anonymous mappings with a guard page at their low end
// (stacks grow down into it), kept in a process-wide pool once their fiber
// is done, so that creating a fiber usually costs no system call.
//
//===----------------------------------------------------------------------===//

#ifndef COROFY_RUNTIME_FIBER_STACK_H
#define COROFY_RUNTIME_FIBER_STACK_H

#include "corofy/fiber.hpp"

#include <cstddef>

namespace corofy::fiber::detail {

/// One mapping: the guard page(s) [mapping, low), then the usable stack
/// [low, top()).
struct Stack {
  char *mapping = nullptr;
  std::size_t mapping_size = 0;
  char *low = nullptr;

  char *top() const noexcept { return mapping + mapping_size; }
  std::size_t usable_size() const noexcept {
    return static_cast<std::size_t>(top() - low);
  }
  bool in_guard(const void *address) const noexcept {
    auto *byte = static_cast<const char *>(address);
    return byte >= mapping && byte < low;
  }
};

/// A stack of at least `usable_size` bytes (rounded up to pages): a pooled
/// one of the same size if there is one, else a new mapping. Throws
/// std::system_error when the kernel refuses the mapping.
Stack acquire_stack(std::size_t usable_size);
/// Returns a stack whose fiber is done to the pool, or unmaps it when the
/// pool is full.
void release_stack(const Stack &stack) noexcept;

} // namespace corofy::fiber::detail

#endif // COROFY_RUNTIME_FIBER_STACK_H
