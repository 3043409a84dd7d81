//===- bench/coroutine_bench.cpp - corofy vs hand-written vs C++20 --------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// Runs the same work through the state machines corofy generated
// (corofy_side.hpp), through the same state machines written by hand
// (handwritten_side.hpp) and through C++20 coroutines (cpp20_peer.hpp), and
// prints, for depth 1 and depth 4: nanoseconds per leaf wait, heap
// allocations per top-level call, frame bytes, and the hand-written/corofy and
// C++20/corofy ratios of ns per wait.
//
// Usage: coroutine_bench [milliseconds per measurement, default 200]
//
// Each measurement times a loop of top-level calls sized to take about that
// long; every configuration is measured 5 times, interleaved with the others
// so that a change in machine load hits all of them alike, and the median is
// reported. Exits non-zero if the sides disagree on a result.
//
//===----------------------------------------------------------------------===//

#include "corofy_side.hpp"
#include "cpp20_peer.hpp"
#include "handwritten_side.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <vector>

//===----------------------------------------------------------------------===//
// Allocation counting: the global operator new is replaced, and counts only
// while AllocCounting is set (inside the timed loops).
//===----------------------------------------------------------------------===//

namespace {
bool AllocCounting = false;
std::uint64_t AllocCount = 0;

void *allocate(std::size_t Size) {
  if (AllocCounting)
    ++AllocCount;
  if (void *P = std::malloc(Size ? Size : 1))
    return P;
  throw std::bad_alloc();
}

void *allocateAligned(std::size_t Size, std::align_val_t Align) {
  if (AllocCounting)
    ++AllocCount;
  std::size_t A = std::max(static_cast<std::size_t>(Align), sizeof(void *));
  // aligned_alloc wants a size that is a multiple of the alignment.
  std::size_t Rounded = (std::max<std::size_t>(Size, 1) + A - 1) / A * A;
  if (void *P = std::aligned_alloc(A, Rounded))
    return P;
  throw std::bad_alloc();
}
} // namespace

void *operator new(std::size_t Size) { return allocate(Size); }
void *operator new[](std::size_t Size) { return allocate(Size); }
void *operator new(std::size_t Size, const std::nothrow_t &) noexcept {
  try {
    return allocate(Size);
  } catch (...) {
    return nullptr;
  }
}
void *operator new[](std::size_t Size, const std::nothrow_t &) noexcept {
  try {
    return allocate(Size);
  } catch (...) {
    return nullptr;
  }
}
void *operator new(std::size_t Size, std::align_val_t Align) {
  return allocateAligned(Size, Align);
}
void *operator new[](std::size_t Size, std::align_val_t Align) {
  return allocateAligned(Size, Align);
}
void *operator new(std::size_t Size, std::align_val_t Align,
                   const std::nothrow_t &) noexcept {
  try {
    return allocateAligned(Size, Align);
  } catch (...) {
    return nullptr;
  }
}
void *operator new[](std::size_t Size, std::align_val_t Align,
                     const std::nothrow_t &) noexcept {
  try {
    return allocateAligned(Size, Align);
  } catch (...) {
    return nullptr;
  }
}
void operator delete(void *P) noexcept { std::free(P); }
void operator delete[](void *P) noexcept { std::free(P); }
void operator delete(void *P, std::size_t) noexcept { std::free(P); }
void operator delete[](void *P, std::size_t) noexcept { std::free(P); }
void operator delete(void *P, const std::nothrow_t &) noexcept { std::free(P); }
void operator delete[](void *P, const std::nothrow_t &) noexcept {
  std::free(P);
}
void operator delete(void *P, std::align_val_t) noexcept { std::free(P); }
void operator delete[](void *P, std::align_val_t) noexcept { std::free(P); }
void operator delete(void *P, std::size_t, std::align_val_t) noexcept {
  std::free(P);
}
void operator delete[](void *P, std::size_t, std::align_val_t) noexcept {
  std::free(P);
}
void operator delete(void *P, std::align_val_t,
                     const std::nothrow_t &) noexcept {
  std::free(P);
}
void operator delete[](void *P, std::align_val_t,
                       const std::nothrow_t &) noexcept {
  std::free(P);
}

//===----------------------------------------------------------------------===//
// Measurement.
//===----------------------------------------------------------------------===//

namespace {

using Clock = std::chrono::steady_clock;

constexpr int Repetitions = 5;
constexpr int WaitsPerCall = 8;

struct Config {
  const char *Side;
  int Depth;
  long (*Run)();
  std::size_t FrameBytes;
  std::uint64_t Iterations = 0;    // per measurement, after calibration
  std::vector<double> NsPerWait{}; // one per repetition
  std::uint64_t TotalCalls = 0;    // over all timed loops
  std::uint64_t TotalAllocs = 0;   // over all timed loops
  long Result = 0;                 // of one call
  bool Consistent = true;          // every call returned Result
};

/// Calls Run Iterations times; returns the elapsed nanoseconds and adds the
/// results to Sum.
double timeLoop(long (*Run)(), std::uint64_t Iterations, long &Sum) {
  long Acc = 0;
  Clock::time_point Start = Clock::now();
  for (std::uint64_t I = 0; I < Iterations; ++I)
    Acc += Run();
  Clock::time_point End = Clock::now();
  Sum = Acc;
  return std::chrono::duration<double, std::nano>(End - Start).count();
}

/// Warms up and picks an iteration count that takes about TargetNs.
std::uint64_t calibrate(long (*Run)(), double TargetNs) {
  long Sum;
  std::uint64_t Iterations = 1;
  double Elapsed = 0;
  // Grow until a loop takes at least a tenth of the target (this is also the
  // warm-up: caches, branch predictors, the allocator's free lists).
  for (;;) {
    Elapsed = timeLoop(Run, Iterations, Sum);
    if (Elapsed >= TargetNs / 10 || Iterations >= (std::uint64_t(1) << 40))
      break;
    Iterations *= 2;
  }
  auto Scaled = static_cast<std::uint64_t>(static_cast<double>(Iterations) *
                                           TargetNs / std::max(Elapsed, 1.0));
  Scaled = std::max<std::uint64_t>(Scaled, 1);
  // One more warm-up loop at the final size.
  timeLoop(Run, Scaled / 4 + 1, Sum);
  return Scaled;
}

void measureOnce(Config &C) {
  long Sum = 0;
  AllocCount = 0;
  AllocCounting = true;
  double Ns = timeLoop(C.Run, C.Iterations, Sum);
  AllocCounting = false;
  C.TotalAllocs += AllocCount;
  C.TotalCalls += C.Iterations;
  if (Sum != C.Result * static_cast<long>(C.Iterations))
    C.Consistent = false;
  C.NsPerWait.push_back(Ns / static_cast<double>(C.Iterations) / WaitsPerCall);
}

double median(std::vector<double> V) {
  std::sort(V.begin(), V.end());
  std::size_t N = V.size();
  return N % 2 ? V[N / 2] : (V[N / 2 - 1] + V[N / 2]) / 2;
}

} // namespace

int main(int Argc, char **Argv) {
  double TargetMs = 200;
  if (Argc > 1) {
    TargetMs = std::atof(Argv[1]);
    if (!(TargetMs > 0)) {
      std::fprintf(stderr, "usage: %s [milliseconds per measurement]\n",
                   Argv[0]);
      return 2;
    }
  }

  if (const char *Failure = cpp20SelfCheck()) {
    std::fprintf(stderr, "coroutine_bench: C++20 side self-check: %s\n",
                 Failure);
    return 1;
  }

  // For each depth, the corofy row first: the ratios are relative to it.
  constexpr std::size_t SidesPerDepth = 3;
  std::vector<Config> Configs = {
      {"corofy", 1, corofyRunDepth1, corofyFrameBytesDepth1()},
      {"hand-written", 1, handRunDepth1, handFrameBytesDepth1()},
      {"C++20", 1, cpp20RunDepth1, cpp20FrameBytesDepth1()},
      {"corofy", 4, corofyRunDepth4, corofyFrameBytesDepth4()},
      {"hand-written", 4, handRunDepth4, handFrameBytesDepth4()},
      {"C++20", 4, cpp20RunDepth4, cpp20FrameBytesDepth4()},
  };

  // All sides must compute the same sums.
  for (Config &C : Configs)
    C.Result = C.Run();
  for (std::size_t I = 0; I < Configs.size(); I += SidesPerDepth) {
    const Config &First = Configs[I];
    bool Agree = true;
    for (std::size_t J = I + 1; J < I + SidesPerDepth; ++J)
      Agree = Agree && Configs[J].Result == First.Result;
    if (!Agree) {
      std::fprintf(stderr, "coroutine_bench: the sides disagree at depth %d:",
                   First.Depth);
      for (std::size_t J = I; J < I + SidesPerDepth; ++J)
        std::fprintf(stderr, " %s %ld%s", Configs[J].Side, Configs[J].Result,
                     J + 1 < I + SidesPerDepth ? "," : "\n");
      return 1;
    }
  }
  for (Config &C : Configs)
    C.Iterations = calibrate(C.Run, TargetMs * 1e6);
  for (int Rep = 0; Rep < Repetitions; ++Rep)
    for (Config &C : Configs)
      measureOnce(C);

  bool Ok = true;
  for (const Config &C : Configs)
    if (!C.Consistent) {
      std::fprintf(stderr,
                   "coroutine_bench: %s depth %d did not return %ld on every "
                   "call\n",
                   C.Side, C.Depth, C.Result);
      Ok = false;
    }

  std::size_t Cpp20Frames1 = cpp20FramesAllocatedDepth1();
  std::size_t Cpp20Frames4 = cpp20FramesAllocatedDepth4();

  std::printf("corofy-generated vs hand-written state machines vs C++20 "
              "coroutines (clang, -O2):\n8 leaf waits per call, median of %d "
              "x ~%.0f ms\n\n",
              Repetitions, TargetMs);
  std::printf("%-12s %5s %9s %17s %11s %11s %8s %10s\n", "side", "depth",
              "ns/wait", "(min..max)", "allocs/call", "frame bytes", "sum",
              "vs corofy");
  for (std::size_t I = 0; I < Configs.size(); ++I) {
    const Config &C = Configs[I];
    auto [Min, Max] =
        std::minmax_element(C.NsPerWait.begin(), C.NsPerWait.end());
    double Allocs =
        static_cast<double>(C.TotalAllocs) / static_cast<double>(C.TotalCalls);
    char Spread[64];
    std::snprintf(Spread, sizeof Spread, "(%.2f..%.2f)", *Min, *Max);
    std::printf("%-12s %5d %9.2f %17s %11.2f %11zu %8ld", C.Side, C.Depth,
                median(C.NsPerWait), Spread, Allocs, C.FrameBytes, C.Result);
    // The corofy row of each depth comes first.
    const Config &Corofy = Configs[I - I % SidesPerDepth];
    if (&Corofy != &C)
      std::printf(" %9.2fx", median(C.NsPerWait) / median(Corofy.NsPerWait));
    std::printf("\n");
  }
  std::printf(
      "\nvs corofy:   ns/wait of the row / ns/wait of the corofy row of the "
      "same depth\n"
      "             (hand-written/corofy, C++20/corofy; above 1 = corofy is "
      "faster)\n"
      "frame bytes: corofy, hand-written = sizeof the top-level state machine "
      "(children\n"
      "             held inline);\n"
      "             C++20 = sizes requested by promise_type::operator new in "
      "one call: %zu\n"
      "             frame(s) at depth 1, %zu of 4 at depth 4 (a child frame "
      "whose allocation\n"
      "             clang elided lives inside its parent's frame)\n",
      Cpp20Frames1, Cpp20Frames4);

  return Ok ? 0 : 1;
}
