// A wait whose value is discarded, as the init-statement of if, switch or
// for or as a for loop's increment, suspends and leaves nothing behind: no
// stored value, no discarded read that -Werror would reject.
// Found by the random generator (seeds 1, 8, 10, 16).
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "leaf.hpp"

coroutine<int> steps(int n) {
  if (wait(Noisy<int>("if-init", 3)); n > 0)
    n += 1;
  switch (wait(Noisy<int>("switch-init", 4)); n) {
  case 2:
    n += 10;
    break;
  }
  for (wait(Noisy<int>("for-init", 5)); n < 14; wait(Noisy<int>("inc", 6)))
    ++n;
  return n;
}

// CHECK-NOT: std::move(temps{{[0-9]+}}_.value{{[0-9]+}}_);
// CHECK: if (n > 0)
// CHECK: switch (n) {
// CHECK: for (; n < 14;) {

int main() { std::printf("%d\n", corofy::block_on(steps(1))); }
// OUT: wait if-init
// OUT-NEXT: wait switch-init
// OUT-NEXT: wait for-init
// OUT-NEXT: wait inc
// OUT-NEXT: wait inc
// OUT-NEXT: 14

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s --check-prefix=OUT
