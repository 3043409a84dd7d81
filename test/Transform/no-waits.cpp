// A coroutine without any wait is still a lazy state machine; its poll()
// does not use the context, and says so (the output compiles with -Wextra).
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: grep -v '^ *//' %t.cpp | FileCheck %s
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s --check-prefix=OUT

#include "leaf.hpp"

coroutine<int> constant() {
  std::printf("running\n");
  return 7;
}

// CHECK: class constant_frame {
// CHECK: enum class State : unsigned char {
// CHECK-NEXT: Start,
// CHECK-NEXT: Done,
// CHECK-NOT: union
// CHECK: constant_frame::poll({{\[\[}}maybe_unused{{\]\]}} corofy::Context &cx)

int main() {
  auto future = constant();
  std::printf("created\n");
  std::printf("%d\n", pollToEnd(future));
}
// OUT: created
// OUT-NEXT: running
// OUT-NEXT: 7

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s --check-prefix=OUT
