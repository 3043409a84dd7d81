//===- bench/corofy_side_driver.cpp - Drives the corofy output ------------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// Implements corofy_side.hpp on the corofy output of corofy_side.cpp, which the
// build writes to corofy_side_corofied.cpp in the build directory (see
// bench/CMakeLists.txt) and which is included here, so that this translation
// unit sees the generated state machines: it creates the top-level frame
// (depth1_frame; level4_frame, which holds level3, level2 and depth1 by
// value; phases_frame; nest10_frame, which holds nest9 ... nest2 and depth1
// by value) on the stack and polls it in place, without the Async box that the
// coroutine<T> wrappers would allocate.
//
//===----------------------------------------------------------------------===//

#include "corofy_side.hpp"

#include "corofy_side_corofied.cpp"

#include "corofy_leaf.hpp"

#include <cstddef>

static_assert(corofy::Future<corofy_bench::depth1_frame> &&
              corofy::Future<corofy_bench::level4_frame> &&
              corofy::Future<corofy_bench::phases_frame> &&
              corofy::Future<corofy_bench::nest10_frame>);

long corofyRunDepth1() {
  int Counter = 0;
  corofy_bench::depth1_frame Top(Counter);
  return corofy_bench::drive(Top);
}

long corofyRunDepth4() {
  int Counter = 0;
  corofy_bench::level4_frame Top(Counter);
  return corofy_bench::drive(Top);
}

long corofyRunPhases() {
  int Counter = 0;
  corofy_bench::phases_frame Top(Counter);
  return corofy_bench::drive(Top);
}

long corofyRunNest10() {
  int Counter = 0;
  corofy_bench::nest10_frame Top(Counter);
  return corofy_bench::drive(Top);
}

std::size_t corofyFrameBytesDepth1() {
  return sizeof(corofy_bench::depth1_frame);
}
std::size_t corofyFrameBytesDepth4() {
  return sizeof(corofy_bench::level4_frame);
}
std::size_t corofyFrameBytesPhases() {
  return sizeof(corofy_bench::phases_frame);
}
std::size_t corofyFrameBytesNest10() {
  return sizeof(corofy_bench::nest10_frame);
}
