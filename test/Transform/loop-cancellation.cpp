// Destroying a coroutine suspended inside nested loops destroys exactly the
// objects alive at that wait: the current iterations' objects and the ones
// before the loops, newest first.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s

#include "leaf.hpp"

coroutine<void> grid() {
  Tracked outer("outer");
  for (int row = 0; row < 2; ++row) {
    Tracked r("row " + std::to_string(row));
    int col = 0;
    while (col < 2) {
      Tracked c("cell " + std::to_string(row) + std::to_string(col));
      wait(PendingOnce<int>(col));
      ++col;
    }
  }
}

int main() {
  corofy::Waker waker = corofy::Waker::noop();
  corofy::Context cx(waker);
  // The third poll suspends at cell 10.
  {
    auto future = grid();
    for (int i = 0; i < 3; ++i)
      (void)future.poll(cx);
    std::printf("-- cancel\n");
  }
  std::printf("-- end\n");
}
// CHECK: construct outer
// CHECK-NEXT: construct row 0
// CHECK-NEXT: construct cell 00
// CHECK-NEXT: destroy cell 00
// CHECK-NEXT: construct cell 01
// CHECK-NEXT: destroy cell 01
// CHECK-NEXT: destroy row 0
// CHECK-NEXT: construct row 1
// CHECK-NEXT: construct cell 10
// CHECK-NEXT: -- cancel
// CHECK-NEXT: destroy cell 10
// CHECK-NEXT: destroy row 1
// CHECK-NEXT: destroy outer
// CHECK-NEXT: -- end

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s
