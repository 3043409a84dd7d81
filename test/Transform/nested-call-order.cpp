// Regression (random seeds 1, 4, 6, 7, 9, 12, 13, 15 once expressions were
// generated): an argument that holds a wait is itself evaluated (the call
// around the wait runs) before a later argument's wait, left to right.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s

#include "leaf.hpp"

int mix(const char *tag, int a, int b) {
  std::printf("%s %d %d\n", tag, a, b);
  return a * 10 + b;
}

coroutine<int> nested() {
  return mix("outer", mix("inner", 1, wait(Noisy<int>("first", 2))),
             wait(Noisy<int>("second", 3)));
}

int main() { std::printf("%d\n", corofy::block_on(nested())); }
// CHECK: wait first
// CHECK-NEXT: inner 1 2
// CHECK-NEXT: wait second
// CHECK-NEXT: outer 12 3
// CHECK-NEXT: 123

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s
