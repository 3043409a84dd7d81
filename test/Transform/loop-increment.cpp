// Waits in a for loop's condition and increment: the condition is tested at
// the top of the body, the increment runs at its end, where continue now
// leads (past the body's block, so no declaration is skipped).
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "leaf.hpp"

coroutine<int> steps(int limit) {
  int visited = 0;
  for (int i = 0; i < wait(PendingOnce<int>(limit)); i += wait(PendingOnce<int>(2))) {
    if (i == 2)
      continue;
    Tracked t("step " + std::to_string(i));
    visited += i;
  }
  return visited;
}

// CHECK: for (; ;) {
// CHECK: if (!(loop{{[0-9]+}}_.i < std::move(temps{{[0-9]+}}_.value1_)))
// CHECK-NEXT: break;
// CHECK: { goto next{{[0-9]+}}; }
// CHECK: next{{[0-9]+}}:
// CHECK: loop{{[0-9]+}}_.i += std::move(temps{{[0-9]+}}_.value2_);

int main() { std::printf("%d\n", corofy::block_on(steps(7))); }
// OUT: construct step 0
// OUT-NEXT: destroy step 0
// OUT-NEXT: construct step 4
// OUT-NEXT: destroy step 4
// OUT-NEXT: construct step 6
// OUT-NEXT: destroy step 6
// OUT-NEXT: 10

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s --check-prefix=OUT
