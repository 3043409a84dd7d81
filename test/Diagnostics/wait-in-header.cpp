// Waits in the init-statement or condition variable of a control statement
// are rejected until their lowering lands; waits in conditions, increments
// and bodies are fine.
// RUN: not %corofy %s -o %t.cpp -- -I%inputs 2>&1 | FileCheck %s
// RUN: not test -e %t.cpp

#include "leaf.hpp"

coroutine<int> headers(int n) {
  int total = 0;
  // CHECK: wait-in-header.cpp:[[@LINE+1]]:15: error: wait() in the init-statement or condition variable of an 'if' statement is not supported yet; wait in a statement of its own before it
  if (int k = wait(PendingOnce<int>(1)); k > 0)
    total += k;
  // CHECK: wait-in-header.cpp:[[@LINE+1]]:16: error: wait() in the init-statement or condition variable of a 'for' loop is not supported yet
  for (int i = wait(PendingOnce<int>(0)); i < n; ++i)
    total += i;
  // CHECK: wait-in-header.cpp:[[@LINE+1]]:18: error: wait() in the init-statement or condition variable of a 'while' loop is not supported yet
  while (int v = wait(PendingOnce<int>(0)))
    total += v;
  // CHECK: wait-in-header.cpp:[[@LINE+1]]:19: error: wait() in the init-statement or condition variable of a 'switch' statement is not supported yet
  switch (int k = wait(PendingOnce<int>(2)); k) {
  default:
    break;
  }
  while (wait(PendingOnce<int>(total)) < 10)
    ++total;
  return total;
  // CHECK: wait-in-header.cpp:9:16: note: in coroutine 'headers' declared here
}
