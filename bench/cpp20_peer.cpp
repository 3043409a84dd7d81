//===- bench/cpp20_peer.cpp - The C++20-coroutine side of the bench -------===//
//
// Part of corofy, under the Apache License v2.0.
//
//===----------------------------------------------------------------------===//

#include "cpp20_peer.hpp"

#include <cstring>
#include <stdexcept>

namespace cpp20peer {

Task<long> depth1(Driver &D) {
  long Sum = 0;
  Sum += co_await Leaf(D);
  Sum += co_await Leaf(D);
  Sum += co_await Leaf(D);
  Sum += co_await Leaf(D);
  Sum += co_await Leaf(D);
  Sum += co_await Leaf(D);
  Sum += co_await Leaf(D);
  Sum += co_await Leaf(D);
  co_return Sum;
}

Task<long> level2(Driver &D) { co_return co_await depth1(D); }
Task<long> level3(Driver &D) { co_return co_await level2(D); }
Task<long> level4(Driver &D) { co_return co_await level3(D); }

Task<long> phases(Driver &D) {
  long Sum = 0;
  {
    char First[1024];
    std::memset(First, D.Counter + 1, sizeof First); // 1
    escape(First);
    Sum += co_await Leaf(D);
    Sum += First[0] + First[1023];
  }
  {
    char Second[1024];
    std::memset(Second, D.Counter + 1, sizeof Second); // 2
    escape(Second);
    Sum += co_await Leaf(D);
    Sum += Second[0] + Second[1023];
  }
  co_return Sum;
}

Task<long> nest2(Driver &D) {
  long Own = D.Counter + 2;
  Own += co_await depth1(D);
  co_return Own;
}
Task<long> nest3(Driver &D) {
  long Own = D.Counter + 3;
  Own += co_await nest2(D);
  co_return Own;
}
Task<long> nest4(Driver &D) {
  long Own = D.Counter + 4;
  Own += co_await nest3(D);
  co_return Own;
}
Task<long> nest5(Driver &D) {
  long Own = D.Counter + 5;
  Own += co_await nest4(D);
  co_return Own;
}
Task<long> nest6(Driver &D) {
  long Own = D.Counter + 6;
  Own += co_await nest5(D);
  co_return Own;
}
Task<long> nest7(Driver &D) {
  long Own = D.Counter + 7;
  Own += co_await nest6(D);
  co_return Own;
}
Task<long> nest8(Driver &D) {
  long Own = D.Counter + 8;
  Own += co_await nest7(D);
  co_return Own;
}
Task<long> nest9(Driver &D) {
  long Own = D.Counter + 9;
  Own += co_await nest8(D);
  co_return Own;
}
Task<long> nest10(Driver &D) {
  long Own = D.Counter + 10;
  Own += co_await nest9(D);
  co_return Own;
}

namespace {

// For cpp20SelfCheck(): a chain like the benchmark's whose innermost
// coroutine throws after its first wait.
Task<long> throwsAfterWait(Driver &D) {
  long Value = co_await Leaf(D);
  if (Value > 0)
    throw std::runtime_error("thrown by throwsAfterWait");
  co_return Value;
}
Task<long> relay(Driver &D, int Levels) {
  if (Levels == 0)
    co_return co_await throwsAfterWait(D);
  co_return co_await relay(D, Levels - 1);
}

template <class MakeTop> detail::FrameRecorder recordFrames(MakeTop Make) {
  detail::FrameRecorder Recorder;
  detail::ActiveRecorder = &Recorder;
  Driver D;
  (void)D.run(Make(D));
  detail::ActiveRecorder = nullptr;
  return Recorder;
}

} // namespace
} // namespace cpp20peer

using namespace cpp20peer;

long cpp20RunDepth1() {
  Driver D;
  return D.run(depth1(D));
}

long cpp20RunDepth4() {
  Driver D;
  return D.run(level4(D));
}

long cpp20RunPhases() {
  Driver D;
  return D.run(phases(D));
}

long cpp20RunNest10() {
  Driver D;
  return D.run(nest10(D));
}

std::size_t cpp20FrameBytesDepth1() {
  return recordFrames([](Driver &D) { return depth1(D); }).Bytes;
}
std::size_t cpp20FrameBytesDepth4() {
  return recordFrames([](Driver &D) { return level4(D); }).Bytes;
}
std::size_t cpp20FrameBytesPhases() {
  return recordFrames([](Driver &D) { return phases(D); }).Bytes;
}
std::size_t cpp20FrameBytesNest10() {
  return recordFrames([](Driver &D) { return nest10(D); }).Bytes;
}
std::size_t cpp20FramesAllocatedDepth1() {
  return recordFrames([](Driver &D) { return depth1(D); }).Frames;
}
std::size_t cpp20FramesAllocatedDepth4() {
  return recordFrames([](Driver &D) { return level4(D); }).Frames;
}
std::size_t cpp20FramesAllocatedPhases() {
  return recordFrames([](Driver &D) { return phases(D); }).Frames;
}
std::size_t cpp20FramesAllocatedNest10() {
  return recordFrames([](Driver &D) { return nest10(D); }).Frames;
}

const char *cpp20SelfCheck() {
  if (cpp20RunDepth1() != 36 || cpp20RunDepth4() != 36)
    return "the sum of the leaf values 1..8 is not 36";
  if (cpp20RunPhases() != 9)
    return "phases did not return 1 + 2 + 2 * 1 + 2 * 2 = 9";
  if (cpp20RunNest10() != 90)
    return "nest10 did not return 36 + 2 + 3 + ... + 10 = 90";
  try {
    Driver D;
    (void)D.run(relay(D, 3));
    return "an exception thrown 4 levels down did not reach the driver";
  } catch (const std::runtime_error &E) {
    if (std::strcmp(E.what(), "thrown by throwsAfterWait") != 0)
      return "the exception that reached the driver is not the one thrown";
  }
#ifdef CPP20_PEER_TRACK_PROMISES
  if (detail::LivePromises != 0)
    return "a coroutine frame was not destroyed exactly once";
#endif
  return nullptr;
}
