// Regression (random seed 7): continue leaving an ordinary local and a frame
// object destroys the local first, as C++ does, since it was declared
// later: the local moves into the frame so the jump destroys both in order.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "leaf.hpp"

coroutine<void> jumps() {
  int round = 0;
  while (round < 2) {
    ++round;
    switch (Tracked outer("outer"); round) {
    case 1:
      wait(PendingOnce<void>());
      if (round > 0) {
        Tracked inner("inner");
        continue;
      }
      break;
    default:
      break;
    }
  }
}

// CHECK: { std::destroy_at(&{{.*}}inner); std::destroy_at(&{{.*}}outer); state_ = State::Line{{[0-9_]+}}; continue; }

int main() { corofy::block_on(jumps()); }
// OUT: construct outer
// OUT-NEXT: construct inner
// OUT-NEXT: destroy inner
// OUT-NEXT: destroy outer
// OUT-NEXT: construct outer
// OUT-NEXT: destroy outer

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s --check-prefix=OUT
