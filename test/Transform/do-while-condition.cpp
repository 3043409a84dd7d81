// A wait in a do loop's condition is evaluated at the end of the body;
// continue leads there.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "leaf.hpp"

coroutine<int> drain(int n) {
  int rounds = 0;
  do {
    ++rounds;
    if (n % 2)
      continue;
    std::printf("even %d\n", n);
  } while (wait(PendingOnce<int>(--n)) > 0);
  return rounds;
}

// CHECK: do {
// CHECK: { goto next{{[0-9]+}}; }
// CHECK: next{{[0-9]+}}:
// CHECK: } while (std::move(temps{{[0-9]+}}_.value1_) > 0);

int main() { std::printf("%d\n", corofy::block_on(drain(4))); }
// OUT: even 4
// OUT-NEXT: even 2
// OUT-NEXT: 4

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s --check-prefix=OUT
