// Waits in the condition variable of a for loop are rejected until their
// lowering lands; waits in every other part of a control statement's header
// are fine.
// RUN: not %corofy %s -o %t.cpp -- -I%inputs 2>&1 | FileCheck %s
// RUN: not test -e %t.cpp

#include "leaf.hpp"

coroutine<int> headers(int n) {
  int total = 0;
  if (int k = wait(PendingOnce<int>(1)); k > 0)
    total += k;
  while (int v = wait(PendingOnce<int>(0)))
    total += v;
  // CHECK: wait-in-header.cpp:[[@LINE+1]]:18: error: wait() in the init-statement or condition variable of a 'for' loop is not supported yet; wait in a statement of its own before it
  for (; int v = wait(PendingOnce<int>(0));)
    total += v;
  return total;
  // CHECK: wait-in-header.cpp:9:16: note: in coroutine 'headers' declared here
}
