// Waits in nested blocks: a block's hoisted objects are destroyed where the
// block ends, in reverse order, interleaved correctly with ordinary locals.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s

#include "leaf.hpp"

coroutine<void> blocks() {
  Tracked a("a");
  {
    Tracked b("b");
    {
      Tracked c("c");
      wait(PendingOnce<void>());
      Tracked plain("plain-after-last-wait");
    }
    std::printf("inner block done\n");
    wait(PendingOnce<void>());
  }
  std::printf("middle block done\n");
  Tracked d("d");
  wait(PendingOnce<void>());
  Tracked e("e");
}

int main() { corofy::block_on(blocks()); }
// CHECK: construct a
// CHECK-NEXT: construct b
// CHECK-NEXT: construct c
// CHECK-NEXT: construct plain-after-last-wait
// CHECK-NEXT: destroy plain-after-last-wait
// CHECK-NEXT: destroy c
// CHECK-NEXT: inner block done
// CHECK-NEXT: destroy b
// CHECK-NEXT: middle block done
// CHECK-NEXT: construct d
// CHECK-NEXT: construct e
// CHECK-NEXT: destroy e
// CHECK-NEXT: destroy d
// CHECK-NEXT: destroy a

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s
