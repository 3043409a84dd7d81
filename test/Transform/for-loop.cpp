// Waits in a for loop: the variable of the init-statement lives across the
// waits, so it is constructed in the frame before the loop, which keeps its
// condition and increment; it dies after the loop, the body's objects at the
// end of each iteration, and continue still runs the increment.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "leaf.hpp"

struct Counter {
  int value;
  explicit Counter(int v) : value(v) { std::printf("counter from %d\n", v); }
  ~Counter() { std::printf("counter dies at %d\n", value); }
};

coroutine<int> loop(int n) {
  int total = 0;
  for (Counter c(0); c.value < n; ++c.value) {
    Tracked step("step " + std::to_string(c.value));
    if (c.value % 2)
      continue;
    total += wait(PendingOnce<int>(c.value));
    std::string plain = "ordinary local, destroyed before step";
  }
  return total;
}

// CHECK: ::new (&loop20_.c) Counter(0);
// CHECK-NEXT: state_ = State::Line{{[0-9]+}};
// CHECK-NEXT: for (; loop20_.c.value < n; ++loop20_.c.value) { {
// CHECK: { std::destroy_at(&loop20_.block20_.step); state_ = State::Line{{[0-9_]+}}; continue; }
// CHECK: std::string plain = "ordinary local, destroyed before step";
// CHECK-NEXT: }
// CHECK-NEXT: std::destroy_at(&loop20_.block20_.step);
// CHECK: }
// CHECK-NEXT: std::destroy_at(&loop20_.c);

int main() { std::printf("total %d\n", corofy::block_on(loop(4))); }
// OUT: counter from 0
// OUT-NEXT: construct step 0
// OUT-NEXT: destroy step 0
// OUT-NEXT: construct step 1
// OUT-NEXT: destroy step 1
// OUT-NEXT: construct step 2
// OUT-NEXT: destroy step 2
// OUT-NEXT: construct step 3
// OUT-NEXT: destroy step 3
// OUT-NEXT: counter dies at 4
// OUT-NEXT: total 2

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s --check-prefix=OUT
