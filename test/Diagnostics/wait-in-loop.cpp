// Waits inside loops are rejected until control-flow lowering lands.
// RUN: not %corofy %s -o %t.cpp -- -I%inputs 2>&1 | FileCheck %s

#include "leaf.hpp"

coroutine<int> sum(int n) {
  int total = 0;
  for (int i = 0; i < n; ++i) {
    // CHECK: wait-in-loop.cpp:[[@LINE+1]]:14: error: wait() inside a 'for' loop is not supported yet; waits may appear in straight-line code and nested blocks
    total += wait(PendingOnce<int>(i));
  }
  while (total > 100) {
    // CHECK: wait-in-loop.cpp:[[@LINE+1]]:5: error: wait() inside a 'while' loop is not supported yet
    wait(PendingOnce<void>());
    total -= 1;
  }
  return total;
}
