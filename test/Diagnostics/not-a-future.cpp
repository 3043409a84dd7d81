// wait() on something that is not a future fails the Future constraint.
// RUN: not %corofy %s -o %t.cpp -- -I%inputs 2>&1 | FileCheck %s

#include "leaf.hpp"

coroutine<int> bad() {
  // CHECK: not-a-future.cpp:[[@LINE+1]]:11: error: no matching function for call to 'wait'
  int x = wait(42);
  return x;
}
