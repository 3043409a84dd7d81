// Waits in a while loop: the loop stays a loop, the dispatch resumes inside
// its body, and break and continue destroy the body's frame objects before
// they leave it.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "leaf.hpp"

coroutine<int> count(int limit) {
  int i = 0;
  int sum = 0;
  while (i < limit) {
    Tracked round("round " + std::to_string(i));
    i = wait(PendingOnce<int>(i + 1));
    if (i == 2)
      continue;
    if (i == 4)
      break;
    sum += i;
  }
  return sum;
}

// CHECK: while (i < limit) {
// CHECK-NEXT: ::new (&block14_.round) Tracked("round " + std::to_string(i));
// CHECK: resume_wait1: {
// CHECK: if (i == 2)
// CHECK-NEXT: { std::destroy_at(&block14_.round); state_ = State::Line{{[0-9_]+}}; continue; }
// CHECK: if (i == 4)
// CHECK-NEXT: { std::destroy_at(&block14_.round); state_ = State::Line{{[0-9_]+}}; break; }
// CHECK: std::destroy_at(&block14_.round);
// CHECK-NEXT: state_ = State::Line{{[0-9_]+}};
// CHECK-NEXT: }

int main() { std::printf("sum %d\n", corofy::block_on(count(10))); }
// OUT: construct round 0
// OUT-NEXT: destroy round 0
// OUT-NEXT: construct round 1
// OUT-NEXT: destroy round 1
// OUT-NEXT: construct round 2
// OUT-NEXT: destroy round 2
// OUT-NEXT: construct round 3
// OUT-NEXT: destroy round 3
// OUT-NEXT: sum 4

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s --check-prefix=OUT
