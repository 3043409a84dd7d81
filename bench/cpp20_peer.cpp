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

std::size_t cpp20FrameBytesDepth1() {
  return recordFrames([](Driver &D) { return depth1(D); }).Bytes;
}
std::size_t cpp20FrameBytesDepth4() {
  return recordFrames([](Driver &D) { return level4(D); }).Bytes;
}
std::size_t cpp20FramesAllocatedDepth1() {
  return recordFrames([](Driver &D) { return depth1(D); }).Frames;
}
std::size_t cpp20FramesAllocatedDepth4() {
  return recordFrames([](Driver &D) { return level4(D); }).Frames;
}

const char *cpp20SelfCheck() {
  if (cpp20RunDepth1() != 36 || cpp20RunDepth4() != 36)
    return "the sum of the leaf values 1..8 is not 36";
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
