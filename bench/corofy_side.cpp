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
// and so on up to level4_frame, which holds the whole chain (and likewise
// nest10_frame holds nest9 ... nest2 and depth1).
// corofy_side_driver.cpp includes that output and implements corofy_side.hpp
// by driving the frames directly (no Async box, so no heap allocation): plain
// code cannot name depth1_frame here, as this file must stay valid C++ for
// editors and `clang++ -fsyntax-only` before corofy has run.
//
//===----------------------------------------------------------------------===//

#include <corofy/corofy.hpp>

#include "corofy_leaf.hpp"

#include <cstring>

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

/// Two phases one after the other, each holding a 1 KiB buffer across one
/// wait: the two blocks are never alive at once, so their buffers share
/// storage and the frame takes about 1 KiB, not 2. Each buffer is filled
/// before its wait with a byte read from the counter (so the compiler cannot
/// know it) and escaped (corofy_leaf.hpp) before its wait, and read back
/// after it, so no side can optimize the buffers away.
/// Returns 1 + 2 (the leaves) + 2 * 1 + 2 * 2 (the buffers) = 9.
coroutine<long> phases(int &Counter) {
  long Sum = 0;
  {
    char First[1024];
    std::memset(First, Counter + 1, sizeof First); // 1
    escape(First);
    Sum += wait(Leaf(Counter));
    Sum += First[0] + First[1023];
  }
  {
    char Second[1024];
    std::memset(Second, Counter + 1, sizeof Second); // 2
    escape(Second);
    Sum += wait(Leaf(Counter));
    Sum += Second[0] + Second[1023];
  }
  return Sum;
}

/// nest10 -> nest9 -> ... -> nest2 -> depth1, ten coroutines deep: each
/// holds a local of its own (a long read from the counter, so the compiler
/// cannot fold it into a constant) across its wait on the next and adds it
/// to the result, so each level adds its own bytes to the top frame.
/// Returns 36 (the leaves) + 2 + 3 + ... + 10 (the locals) = 90.
coroutine<long> nest2(int &Counter) {
  long Own = Counter + 2;
  Own += wait(depth1(Counter));
  return Own;
}
coroutine<long> nest3(int &Counter) {
  long Own = Counter + 3;
  Own += wait(nest2(Counter));
  return Own;
}
coroutine<long> nest4(int &Counter) {
  long Own = Counter + 4;
  Own += wait(nest3(Counter));
  return Own;
}
coroutine<long> nest5(int &Counter) {
  long Own = Counter + 5;
  Own += wait(nest4(Counter));
  return Own;
}
coroutine<long> nest6(int &Counter) {
  long Own = Counter + 6;
  Own += wait(nest5(Counter));
  return Own;
}
coroutine<long> nest7(int &Counter) {
  long Own = Counter + 7;
  Own += wait(nest6(Counter));
  return Own;
}
coroutine<long> nest8(int &Counter) {
  long Own = Counter + 8;
  Own += wait(nest7(Counter));
  return Own;
}
coroutine<long> nest9(int &Counter) {
  long Own = Counter + 9;
  Own += wait(nest8(Counter));
  return Own;
}
coroutine<long> nest10(int &Counter) {
  long Own = Counter + 10;
  Own += wait(nest9(Counter));
  return Own;
}

} // namespace corofy_bench
