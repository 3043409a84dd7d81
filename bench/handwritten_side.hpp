//===- bench/handwritten_side.hpp - The hand-written side -------*- C++ -*-===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// What coroutine_bench calls on the hand-written side: the same coroutines and
// driver as the corofy side (corofy_side.hpp), but with state machines written
// by hand (corofy_side_handwritten.cpp), as a reference for the corofy output.
//
//===----------------------------------------------------------------------===//

#ifndef COROFY_BENCH_HANDWRITTEN_SIDE_HPP
#define COROFY_BENCH_HANDWRITTEN_SIDE_HPP

#include <cstddef>

/// One complete top-level call: create the state machine and drive it to
/// completion. Both return the sum of the 8 leaf values (36).
long handRunDepth1();
long handRunDepth4();

/// sizeof the top-level state machine: depth1's, and level4's (which holds
/// level3, level2 and depth1 by value).
std::size_t handFrameBytesDepth1();
std::size_t handFrameBytesDepth4();

#endif // COROFY_BENCH_HANDWRITTEN_SIDE_HPP
