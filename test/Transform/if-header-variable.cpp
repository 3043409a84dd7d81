// Variables declared in the init-statement or condition of if and switch
// live across the waits of their branches: they are constructed in the frame
// before the statement and destroyed after it.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "leaf.hpp"

coroutine<int> headers(int n) {
  int sum = 0;
  if (Tracked scope("if-init"); n > 0)
    sum += wait(PendingOnce<int>(1));
  if (int half = n / 2)
    sum += wait(PendingOnce<int>(half));
  switch (Tracked s("switch-init"); n) {
  case 4:
    sum += wait(PendingOnce<int>(100));
    break;
  }
  std::printf("after\n");
  return sum;
}

// CHECK: ::new (&if13_.scope) Tracked("if-init");
// CHECK-NEXT: state_ = State::Line{{[0-9]+}};
// CHECK-NEXT: if (n > 0) {
// CHECK: std::destroy_at(&if13_.scope);
// CHECK: ::new (&if15_.half) int(n / 2);
// CHECK-NEXT: if (if15_.half) {

int main() { std::printf("%d\n", corofy::block_on(headers(4))); }
// OUT: construct if-init
// OUT-NEXT: destroy if-init
// OUT-NEXT: construct switch-init
// OUT-NEXT: destroy switch-init
// OUT-NEXT: after
// OUT-NEXT: 103

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s --check-prefix=OUT
