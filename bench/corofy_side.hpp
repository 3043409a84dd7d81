//===- bench/corofy_side.hpp - The corofy side of the bench -----*- C++ -*-===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// What coroutine_bench calls on the corofy side. The implementation is the
// output of corofy on corofy_side.cpp (the coroutine<T> source of these
// coroutines), which the build generates and corofy_side_driver.cpp includes;
// handwritten_side.hpp declares the same functions for state machines written
// by hand. Either way they must do the same work as cpp20_peer.cpp:
//
//  - a leaf future that is pending exactly once: its first poll wakes the
//    waker at once and returns pending, its second returns ready with the
//    next value of a counter that starts at 0 for every top-level call;
//  - depth1: waits on 8 leaves in straight-line code and returns their sum;
//  - level4 -> level3 -> level2 -> depth1, each waiting on the next and
//    returning its result;
//  - phases: two blocks one after the other, each holding a 1 KiB buffer
//    (filled with the counter + 1 before its leaf wait, read back after it)
//    across one leaf wait;
//  - nest10 -> nest9 -> ... -> nest2 -> depth1, each holding a long of its
//    own (read from the counter) across its wait on the next and adding it
//    to the result;
//  - a driver that polls the top-level future in place, with a waker, in a
//    loop until it is ready (no heap allocation anywhere).
//
//===----------------------------------------------------------------------===//

#ifndef COROFY_BENCH_COROFY_SIDE_HPP
#define COROFY_BENCH_COROFY_SIDE_HPP

#include <cstddef>

/// One complete top-level call: create the coroutine and drive it to
/// completion. depth1 and depth4 return the sum of the 8 leaf values (36),
/// phases 9 (2 leaf waits), nest10 90 (8 leaf waits).
long corofyRunDepth1();
long corofyRunDepth4();
long corofyRunPhases();
long corofyRunNest10();

/// sizeof the top-level state machine: depth1's, level4's (which holds
/// level3, level2 and depth1 by value), phases', and nest10's (which holds
/// the whole chain down to depth1).
std::size_t corofyFrameBytesDepth1();
std::size_t corofyFrameBytesDepth4();
std::size_t corofyFrameBytesPhases();
std::size_t corofyFrameBytesNest10();

#endif // COROFY_BENCH_COROFY_SIDE_HPP
