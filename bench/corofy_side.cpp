//===- bench/corofy_side.cpp - The corofy side of the bench, as source ----===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//
//
// The coroutines of the corofy side of coroutine_bench, in the source form
// that corofy reads: the same work as cpp20_peer.cpp and as the hand-written
// state machines of corofy_side_handwritten.cpp.
//
// This file is not compiled as it is. At build time corofy rewrites it into
// corofy_side_corofied.cpp (in the build directory), where each coroutine
// below becomes a state machine class <name>_frame; level2 waits on depth1,
// defined earlier in this file, so level2_frame holds a depth1_frame by value,
// and so on up to level4_frame, which holds the whole chain.
// corofy_side_driver.cpp includes that output and implements corofy_side.hpp
// by driving the frames directly (no Async box, so no heap allocation): plain
// code cannot name depth1_frame here, as this file must stay valid C++ for
// editors and `clang++ -fsyntax-only` before corofy has run.
//
//===----------------------------------------------------------------------===//

#include <corofy/corofy.hpp>

#include "corofy_leaf.hpp"

namespace corofy_bench {

/// Waits on 8 leaves in straight-line code and returns the sum of their
/// values.
coroutine<long> depth1(int &Counter) {
  long Sum = 0;
  Sum += wait(Leaf(Counter));
  Sum += wait(Leaf(Counter));
  Sum += wait(Leaf(Counter));
  Sum += wait(Leaf(Counter));
  Sum += wait(Leaf(Counter));
  Sum += wait(Leaf(Counter));
  Sum += wait(Leaf(Counter));
  Sum += wait(Leaf(Counter));
  return Sum;
}

/// level4 -> level3 -> level2 -> depth1: each waits on the next and returns
/// its result.
coroutine<long> level2(int &Counter) { return wait(depth1(Counter)); }
coroutine<long> level3(int &Counter) { return wait(level2(Counter)); }
coroutine<long> level4(int &Counter) { return wait(level3(Counter)); }

} // namespace corofy_bench
