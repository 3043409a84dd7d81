// A wait on the right of && or || runs only when C++ would evaluate that
// operand: the operand becomes a branch.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "leaf.hpp"

coroutine<int> logic(int n) {
  int hits = 0;
  if (n > 0 && wait(Noisy<bool>("and-right", true)))
    ++hits;
  if (n > 0 || wait(Noisy<bool>("or-right", false)))
    ++hits;
  bool both = wait(Noisy<bool>("left", n > 1)) && wait(Noisy<bool>("right", true));
  return hits * 10 + both;
}

// CHECK: temps{{[0-9]+}}_.cond{{[0-9]*}} = static_cast<bool>(n > 0);
// CHECK-NEXT: if (temps{{[0-9]+}}_.cond{{[0-9]*}}) {
// CHECK: if (!temps{{[0-9]+}}_.cond{{[0-9]*}}) {

int main() {
  for (int n : {0, 1, 2})
    std::printf("n=%d: %d\n", n, corofy::block_on(logic(n)));
}
// OUT: wait or-right
// OUT-NEXT: wait left
// OUT-NEXT: n=0: 0
// OUT-NEXT: wait and-right
// OUT-NEXT: wait left
// OUT-NEXT: n=1: 20
// OUT-NEXT: wait and-right
// OUT-NEXT: wait left
// OUT-NEXT: wait right
// OUT-NEXT: n=2: 21

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s --check-prefix=OUT
