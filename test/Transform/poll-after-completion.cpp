// Polling a coroutine after it completed stops the program with a message
// that names the coroutine.
// RUN: %corofy %s -o %t.cpp -- -I%inputs
// RUN: %cxx %t.cpp %runtime -o %t.exe
// RUN: not --crash %t.exe 2>&1 | FileCheck %s

#include "leaf.hpp"

coroutine<int> once() {
  int value = wait(PendingOnce<int>(3));
  return value;
}

int main() {
  auto future = once();
  std::printf("first result %d\n", pollToEnd(future));
  std::fflush(stdout);
  pollToEnd(future);
  std::printf("not reached\n");
}
// CHECK: first result 3
// CHECK-NEXT: corofy: coroutine 'once' was polled after it completed
// CHECK-NOT: not reached
