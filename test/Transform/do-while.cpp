// Waits in a do-while loop, whose body is a lone statement: the statement
// is braced, and the loop runs its body before testing.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "leaf.hpp"

coroutine<int> halve(int n) {
  int steps = 0;
  do
    n = wait(PendingOnce<int>(n / 2));
  while (++steps, n > 0);
  return steps;
}

// CHECK: do {
// CHECK: resume_wait1: {
// CHECK: n = std::move(polled1).value();
// CHECK-NEXT: }
// CHECK-NEXT: }
// CHECK-NEXT: while (++steps, n > 0);

int main() {
  std::printf("%d\n", corofy::block_on(halve(100)));
  std::printf("%d\n", corofy::block_on(halve(0)));
}
// OUT: 7
// OUT-NEXT: 1

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s --check-prefix=OUT
