// Coroutines are lazy: nothing in the body runs before the first poll.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: %t.exe | FileCheck %s

#include "leaf.hpp"

coroutine<int> answer() {
  std::printf("body starts\n");
  int value = wait(PendingOnce<int>(42));
  return value;
}

int main() {
  auto future = answer();
  std::printf("created\n");
  std::printf("result %d\n", pollToEnd(future));
}
// CHECK: created
// CHECK-NEXT: body starts
// CHECK-NEXT: result 42

// The fiber backend prints the same.
// RUN: %fiber-exe | FileCheck %s
