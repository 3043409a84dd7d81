// coroutine<void>: the body may run off its end or leave with `return {};`.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "leaf.hpp"

coroutine<void> greet(bool early) {
  wait(PendingOnce<void>());
  std::printf("hello\n");
  if (early)
    return {};
  std::printf("world\n");
}

coroutine<void> both() {
  wait(greet(true));
  wait(greet(false));
}

// CHECK: using Output = void;
// CHECK: { result.emplace(); goto done; }
// CHECK: result.emplace();
// CHECK-NEXT: done:

int main() { corofy::block_on(both()); }
// OUT: hello
// OUT-NEXT: hello
// OUT-NEXT: world
// OUT-NOT: world

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s --check-prefix=OUT
