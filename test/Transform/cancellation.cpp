// Destroying a suspended coroutine destroys exactly the live hoisted objects
// and the pending child future, last constructed first, each once.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "leaf.hpp"

coroutine<int> inner() {
  Tracked child("child-local");
  int value = wait(PendingOnce<int>(1));
  return value;
}

coroutine<int> outer() {
  Tracked first("first");
  {
    Tracked scoped("scoped");
    wait(PendingOnce<void>());
  }
  Tracked second("second");
  int value = wait(inner());
  return value;
}

// CHECK-LABEL: class outer_frame {
// CHECK: case State::Wait1:
// CHECK-NEXT: std::destroy_at(&block18_.scoped);
// CHECK-NEXT: std::destroy_at(&first);
// CHECK: case State::Wait2:
// CHECK-NEXT: std::destroy_at(&after22_.wait2_);
// CHECK-NEXT: std::destroy_at(&after22_.second);
// CHECK-NEXT: std::destroy_at(&first);

int main() {
  corofy::Waker waker = corofy::Waker::noop();
  corofy::Context cx(waker);
  for (int polls = 1; polls <= 3; ++polls) {
    std::printf("-- cancel after %d poll(s)\n", polls);
    auto future = outer();
    for (int i = 0; i < polls; ++i)
      (void)future.poll(cx);
  }
  std::printf("-- end\n");
}
// OUT-LABEL: -- cancel after 1 poll(s)
// OUT-NEXT: construct first
// OUT-NEXT: construct scoped
// OUT-NEXT: destroy scoped
// OUT-NEXT: destroy first
// OUT-LABEL: -- cancel after 2 poll(s)
// OUT-NEXT: construct first
// OUT-NEXT: construct scoped
// OUT-NEXT: destroy scoped
// OUT-NEXT: construct second
// OUT-NEXT: construct child-local
// OUT-NEXT: destroy child-local
// OUT-NEXT: destroy second
// OUT-NEXT: destroy first
// OUT-LABEL: -- cancel after 3 poll(s)
// OUT-NEXT: construct first
// OUT-NEXT: construct scoped
// OUT-NEXT: destroy scoped
// OUT-NEXT: construct second
// OUT-NEXT: construct child-local
// OUT-NEXT: destroy child-local
// OUT-NEXT: destroy second
// OUT-NEXT: destroy first
// OUT-NEXT: -- end

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s --check-prefix=OUT
