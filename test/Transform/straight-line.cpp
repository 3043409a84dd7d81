// Sequential waits in straight-line code: each wait suspends, values flow
// into locals, and the local that lives across a wait is hoisted.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "leaf.hpp"

coroutine<int> add(int a, int b) {
  int x = wait(PendingOnce<int>(a));
  std::printf("x = %d\n", x);
  int y = wait(PendingOnce<int>(b));
  return x + y;
}

// CHECK: class add_frame {
// CHECK: using Output = int;
// CHECK: enum class State : unsigned char {
// CHECK-NEXT: Start,
// CHECK-NEXT: Wait1,
// CHECK-NEXT: Wait2,
// CHECK-NEXT: Done,
// CHECK: int a;
// CHECK-NEXT: int b;
// x lives across the second wait; y does not.
// CHECK-NEXT: union { int x; };
// CHECK-NEXT: union {
// CHECK-NEXT: PendingOnce<int> wait1_;
// CHECK-NEXT: PendingOnce<int> wait2_;
// CHECK-NEXT: };
// CHECK: inline corofy::Poll<int> add_frame::poll(corofy::Context &cx) try {
// CHECK: case State::Wait1:
// CHECK-NEXT: goto resume_wait1;
// CHECK: ::new (&wait1_) auto(PendingOnce<int>(a));
// CHECK-NEXT: state_ = State::Wait1;
// CHECK-NEXT: resume_wait1: {
// CHECK-NEXT: auto polled1 = wait1_.poll(cx);
// CHECK-NEXT: if (polled1.is_pending())
// CHECK-NEXT: return corofy::Poll<int>::pending();
// CHECK-NEXT: ::new (&x) int(std::move(polled1).value());
// CHECK-NEXT: }
// CHECK-NEXT: std::printf("x = %d\n", x);
// CHECK: int y = std::move(polled2).value();
// CHECK: coroutine<int> add(int a, int b) {
// CHECK-NEXT: return corofy::Async<int>(add_frame(std::move(a), std::move(b)));
// CHECK-NEXT: }

int main() {
  auto future = add(20, 22);
  int pendings = 0;
  int sum = pollToEnd(future, &pendings);
  std::printf("sum = %d after %d pending polls\n", sum, pendings);
}
// OUT: x = 20
// OUT-NEXT: sum = 42 after 2 pending polls

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s --check-prefix=OUT
