// A wait inside a catch handler is rejected: the handler's exception object
// would have to live in the frame.
// RUN: not %corofy %s -o %t.cpp -- -I%inputs 2>&1 | FileCheck %s
// RUN: not test -e %t.cpp

#include "leaf.hpp"

coroutine<int> guarded() {
  int total = 0;
  try {
    total += wait(PendingOnce<int>(1));
  } catch (...) {
    // CHECK: wait-in-catch.cpp:[[@LINE+1]]:14: error: wait() inside a 'catch' handler is not supported yet
    total += wait(PendingOnce<int>(2));
  }
  return total;
  // CHECK: wait-in-catch.cpp:8:16: note: in coroutine 'guarded' declared here
}
