//===- fiber_stack.cpp - Guarded, pooled fiber stacks ---------------------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// The guard page is installed with MADV_GUARD_INSTALL where the kernel has
// it (Linux 6.13): a guard region faults like a PROT_NONE page but does not
// split the mapping, so neighbouring stacks merge into one kernel mapping
// and 100,000 fibers stay far below vm.max_map_count (65530 by default).
// Older kernels get mprotect(PROT_NONE), which costs two mappings per stack
// and so limits a process to about 32,000 live fibers.
//
// Transparent huge pages are disabled on stacks: merged stack mappings are
// large enough for the kernel to back them with 2 MiB pages, which would
// turn a few touched KiB per fiber into megabytes.
//
//===----------------------------------------------------------------------===//

#include "fiber_stack.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <mutex>
#include <system_error>
#include <vector>

#include <sys/mman.h>
#include <unistd.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define COROFY_STACK_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define COROFY_STACK_ASAN 1
#endif
#ifdef COROFY_STACK_ASAN
#include <sanitizer/asan_interface.h>
#endif

#ifndef MADV_GUARD_INSTALL
#define MADV_GUARD_INSTALL 102 // Linux 6.13; older headers lack it
#endif

namespace corofy::fiber::detail {
namespace {

/// Pooled stacks may keep this much address space (and whatever pages
/// their fibers touched) for reuse; past it, the oldest half is unmapped.
constexpr std::size_t MaxPooledBytes = 64 * 1024 * 1024;
/// New stacks are mapped in batches of about this many bytes.
constexpr std::size_t SlabBytes = 1024 * 1024;

std::size_t pageSize() {
  static const std::size_t Size =
      static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  return Size;
}

std::atomic<bool> GuardInstallWorks{true};

/// Makes [mapping, mapping + page) a guard page.
void guard(char *mapping, std::size_t page) {
  if (GuardInstallWorks.load(std::memory_order_relaxed)) {
    if (::madvise(mapping, page, MADV_GUARD_INSTALL) == 0)
      return;
    GuardInstallWorks.store(false, std::memory_order_relaxed);
  }
  if (::mprotect(mapping, page, PROT_NONE) != 0)
    throw std::system_error(errno, std::generic_category(),
                            "corofy: protecting a fiber stack's guard page");
}

/// Maps `count` adjacent stacks of `mapping_size` bytes (guard included)
/// at once: one mapping for many stacks saves system calls, and under TSan
/// each new mapping costs a reset of its shadow memory.
char *mapStacks(std::size_t mapping_size, std::size_t count) {
  const std::size_t page = pageSize();
  const std::size_t slab_size = mapping_size * count;
  void *slab =
      ::mmap(nullptr, slab_size, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
  if (slab == MAP_FAILED)
    throw std::system_error(errno, std::generic_category(),
                            "corofy: mapping fiber stacks");
  (void)::madvise(slab, slab_size, MADV_NOHUGEPAGE);
  auto *first = static_cast<char *>(slab);
  try {
    for (std::size_t i = 0; i != count; ++i)
      guard(first + i * mapping_size, page);
  } catch (...) {
    ::munmap(slab, slab_size);
    throw;
  }
  return first;
}

/// Free stacks by mapping size; programs use one or two sizes.
class StackPool {
public:
  Stack acquire(std::size_t usable_size) {
    const std::size_t page = pageSize();
    usable_size = (usable_size + page - 1) / page * page;
    const std::size_t mapping_size = usable_size + page;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      for (Bucket &bucket : buckets_) {
        if (bucket.mapping_size != mapping_size || bucket.free.empty())
          continue;
        char *mapping = bucket.free.back();
        bucket.free.pop_back();
        pooled_bytes_ -= mapping_size;
        --pooled_;
        Stack stack{mapping, mapping_size, mapping + page};
        unpoison(stack);
        return stack;
      }
    }
    // None pooled: map a batch, keep one and pool the others.
    const std::size_t count =
        std::clamp<std::size_t>(SlabBytes / mapping_size, 1, 64);
    char *first = mapStacks(mapping_size, count);
    std::lock_guard<std::mutex> lock(mutex_);
    mapped_ += count;
    for (std::size_t i = count - 1; i != 0; --i)
      if (!pool(Stack{first + i * mapping_size, mapping_size,
                      first + i * mapping_size + page})) {
        --mapped_;
        unmap(Range{first + i * mapping_size, mapping_size});
      }
    return Stack{first, mapping_size, first + page};
  }

  void release(const Stack &stack) noexcept {
    bool pooled;
    std::vector<Range> trimmed;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      pooled = pool(stack);
      if (!pooled)
        --mapped_;
      else if (pooled_bytes_ > MaxPooledBytes)
        trimmed = trimLocked();
    }
    if (!pooled)
      unmap(Range{stack.mapping, stack.mapping_size});
    for (const Range &range : trimmed)
      unmap(range);
  }

  StackPoolStats stats() {
    std::lock_guard<std::mutex> lock(mutex_);
    return StackPoolStats{mapped_, pooled_};
  }

private:
  struct Bucket {
    std::size_t mapping_size;
    std::vector<char *> free; // the most recently used last
  };
  struct Range {
    char *start;
    std::size_t size;
  };

  /// Drops the least recently pooled stacks until half of MaxPooledBytes
  /// is left, and returns them as few address ranges as possible: each
  /// munmap costs a TLB shootdown on every CPU the process runs on, and
  /// stacks mapped one after another are usually neighbours.
  std::vector<Range> trimLocked() noexcept {
    std::vector<Range> dropped;
    try {
      for (Bucket &bucket : buckets_) {
        std::size_t count = 0;
        while (count != bucket.free.size() &&
               pooled_bytes_ > MaxPooledBytes / 2) {
          dropped.push_back(Range{bucket.free[count++], bucket.mapping_size});
          pooled_bytes_ -= bucket.mapping_size;
        }
        bucket.free.erase(bucket.free.begin(),
                          bucket.free.begin() +
                              static_cast<std::ptrdiff_t>(count));
      }
    } catch (...) {
      // No memory for the list: keep the stacks pooled for now.
    }
    pooled_ -= dropped.size();
    mapped_ -= dropped.size();
    std::sort(dropped.begin(), dropped.end(),
              [](const Range &a, const Range &b) { return a.start < b.start; });
    std::size_t merged = 0;
    for (const Range &range : dropped) {
      if (merged &&
          dropped[merged - 1].start + dropped[merged - 1].size == range.start)
        dropped[merged - 1].size += range.size;
      else
        dropped[merged++] = range;
    }
    dropped.resize(merged);
    return dropped;
  }

  /// Adds the stack to its bucket; false if memory for that ran out.
  bool pool(const Stack &stack) noexcept {
    try {
      Bucket *bucket = nullptr;
      for (Bucket &candidate : buckets_)
        if (candidate.mapping_size == stack.mapping_size)
          bucket = &candidate;
      if (!bucket)
        bucket = &buckets_.emplace_back(Bucket{stack.mapping_size, {}});
      bucket->free.push_back(stack.mapping);
    } catch (...) {
      return false;
    }
    pooled_bytes_ += stack.mapping_size;
    ++pooled_;
    poison(stack);
    return true;
  }

  static void unmap(const Range &range) noexcept {
#ifdef COROFY_STACK_ASAN
    __asan_unpoison_memory_region(range.start, range.size);
#endif
    ::munmap(range.start, range.size);
  }

  // Under ASan a pooled stack is poisoned, so that a pointer into a dead
  // fiber's frames is reported, and unpoisoned when reused, which also
  // clears the redzones its last fiber's unfinished frames left behind.
  static void poison([[maybe_unused]] const Stack &stack) noexcept {
#ifdef COROFY_STACK_ASAN
    __asan_poison_memory_region(stack.low, stack.usable_size());
#endif
  }
  static void unpoison([[maybe_unused]] const Stack &stack) noexcept {
#ifdef COROFY_STACK_ASAN
    __asan_unpoison_memory_region(stack.low, stack.usable_size());
#endif
  }

  std::mutex mutex_;
  std::vector<Bucket> buckets_;
  std::size_t pooled_bytes_ = 0;
  std::size_t pooled_ = 0;
  std::size_t mapped_ = 0;
};

StackPool &thePool() {
  // Never destroyed: fibers may end during static destruction.
  static StackPool *Pool = new StackPool;
  return *Pool;
}

} // namespace

Stack acquire_stack(std::size_t usable_size) {
  return thePool().acquire(usable_size);
}

void release_stack(const Stack &stack) noexcept { thePool().release(stack); }

} // namespace corofy::fiber::detail

namespace corofy::fiber {
StackPoolStats stack_pool_stats() { return detail::thePool().stats(); }
} // namespace corofy::fiber
