// Waits inside try blocks, and in the range of a range-based for loop, are
// rejected until their lowering lands.
// RUN: not %corofy %s -o %t.cpp -- -I%inputs 2>&1 | FileCheck %s

#include "leaf.hpp"

#include <vector>

coroutine<int> guarded(std::vector<int> values) {
  int total = 0;
  try {
    // CHECK: wait-in-try.cpp:[[@LINE+1]]:14: error: wait() inside a 'try' block is not supported yet
    total += wait(PendingOnce<int>(1));
  } catch (...) {
  }
  // CHECK: wait-in-try.cpp:[[@LINE+1]]:16: error: wait() in the init-statement or condition variable of a range-based 'for' loop is not supported yet
  for (int v : wait(PendingOnce<std::vector<int>>(values)))
    total += v;
  return total;
}
