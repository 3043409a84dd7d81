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
//  - a driver that polls the top-level future in place, with a waker, in a
//    loop until it is ready (no heap allocation anywhere).
//
//===----------------------------------------------------------------------===//

#ifndef COROFY_BENCH_COROFY_SIDE_HPP
#define COROFY_BENCH_COROFY_SIDE_HPP

#include <cstddef>

/// One complete top-level call: create the coroutine and drive it to
/// completion. Both return the sum of the 8 leaf values (36).
long corofyRunDepth1();
long corofyRunDepth4();

/// sizeof the top-level state machine: depth1's, and level4's (which holds
/// level3, level2 and depth1 by value).
std::size_t corofyFrameBytesDepth1();
std::size_t corofyFrameBytesDepth4();

#endif // COROFY_BENCH_COROFY_SIDE_HPP
