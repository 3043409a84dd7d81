// A try block without a wait can still hold a frame object: `continue`
// leaves `a`, which lives across a wait, so `b`, which dies first, moves
// into the frame too. An exception thrown in the try block destroys `b`
// before the handler runs, as unwinding would.
// Found by the random generator (seed 18).
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "leaf.hpp"

coroutine<void> guarded(int n) {
  for (int i = 0; i < 2; ++i) {
    Tracked a("a");
    wait(PendingOnce<void>());
    try {
      Tracked b("b");
      if (n == i)
        throw 7;
      continue;
    } catch (int e) {
      std::printf("caught %d\n", e);
    }
  }
}

// CHECK: } catch (int e) {
// CHECK-NEXT: switch (state_) {
// CHECK: std::destroy_at(&{{.*}}.b);

int main() { corofy::block_on(guarded(1)); }
// OUT: construct a
// OUT-NEXT: construct b
// OUT-NEXT: destroy b
// OUT-NEXT: destroy a
// OUT-NEXT: construct a
// OUT-NEXT: construct b
// OUT-NEXT: destroy b
// OUT-NEXT: caught 7
// OUT-NEXT: destroy a

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s --check-prefix=OUT
