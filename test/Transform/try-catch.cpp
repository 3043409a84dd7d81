// Waits inside try blocks: the dispatch enters the try block through a
// label before it and a second switch inside it (C++ forbids jumping into a
// try block). An exception thrown between waits or by a child's poll
// reaches the user's handler after the try block's frame objects are
// destroyed, as unwinding destroys locals; nested try blocks work.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "leaf.hpp"
#include <stdexcept>

struct Fails {
  using Output = int;
  corofy::Poll<int> poll(corofy::Context &) { throw std::runtime_error("child failed"); }
};

coroutine<int> guarded(int mode) {
  int result = 0;
  for (int round = 0; round < 2; ++round) {
    try {
      Tracked inside("inside");
      result += wait(PendingOnce<int>(1));
      if (mode == 1)
        throw std::runtime_error("body failed");
      if (mode == 2)
        result += wait(Fails{});
      try {
        Tracked nested("nested");
        result += wait(PendingOnce<int>(10));
        throw std::logic_error("nested failed");
      } catch (const std::logic_error &e) {
        std::printf("inner caught %s\n", e.what());
      }
    } catch (const std::exception &e) {
      std::printf("caught %s\n", e.what());
      result += 100;
    }
  }
  return result;
}

int main() {
  for (int mode : {0, 1, 2})
    std::printf("%d\n", corofy::block_on(guarded(mode)));
}

// CHECK: case State::Wait3: // line 31
// CHECK-NEXT: goto try22;
// CHECK: state_ = State::Line22;
// CHECK-NEXT: try22:
// CHECK-NEXT: try {
// CHECK-NEXT: switch (state_) {
// CHECK-NEXT: case State::Wait1:
// CHECK-NEXT: goto resume_wait1;
// CHECK: case State::Wait3:
// CHECK-NEXT: goto try29;
// CHECK: } catch (const std::logic_error &e) {
// CHECK-NEXT: switch (state_) {

// OUT: construct inside
// OUT-NEXT: construct nested
// OUT-NEXT: destroy nested
// OUT-NEXT: inner caught nested failed
// OUT-NEXT: destroy inside
// OUT-NEXT: construct inside
// OUT-NEXT: construct nested
// OUT-NEXT: destroy nested
// OUT-NEXT: inner caught nested failed
// OUT-NEXT: destroy inside
// OUT-NEXT: 22
// OUT-NEXT: construct inside
// OUT-NEXT: destroy inside
// OUT-NEXT: caught body failed
// OUT-NEXT: construct inside
// OUT-NEXT: destroy inside
// OUT-NEXT: caught body failed
// OUT-NEXT: 202
// OUT-NEXT: construct inside
// OUT-NEXT: destroy inside
// OUT-NEXT: caught child failed
// OUT-NEXT: construct inside
// OUT-NEXT: destroy inside
// OUT-NEXT: caught child failed
// OUT-NEXT: 202

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s --check-prefix=OUT
