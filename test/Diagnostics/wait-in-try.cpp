// A wait inside a catch handler, or in the range of a range-based for
// loop, is rejected: the handler's exception object would have to live in
// the frame.
// RUN: not %corofy %s -o %t.cpp -- -I%inputs 2>&1 | FileCheck %s

#include "leaf.hpp"

#include <vector>

coroutine<int> guarded(std::vector<int> values) {
  int total = 0;
  try {
    total += wait(PendingOnce<int>(1));
  } catch (...) {
    // CHECK: wait-in-try.cpp:[[@LINE+1]]:14: error: wait() inside a 'catch' handler is not supported yet
    total += wait(PendingOnce<int>(2));
  }
  // CHECK: wait-in-try.cpp:[[@LINE+1]]:16: error: wait() in the init-statement or condition variable of a range-based 'for' loop is not supported yet
  for (int v : wait(PendingOnce<std::vector<int>>(values)))
    total += v;
  return total;
}
