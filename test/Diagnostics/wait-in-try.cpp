// Waits inside try blocks and range-based for loops are rejected until
// their lowering lands.
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
  for (int v : values)
    // CHECK: wait-in-try.cpp:[[@LINE+1]]:14: error: wait() inside a range-based 'for' loop is not supported yet
    total += wait(PendingOnce<int>(v));
  return total;
}
