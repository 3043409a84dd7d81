// Waits in the header of a control statement (init-statement, condition,
// increment) are rejected until expression lowering lands; waits in bodies
// are fine.
// RUN: not %corofy %s -o %t.cpp -- -I%inputs 2>&1 | FileCheck %s
// RUN: not test -e %t.cpp

#include "leaf.hpp"

coroutine<int> headers(int n) {
  int total = 0;
  // CHECK: wait-in-header.cpp:[[@LINE+1]]:7: error: wait() in the header of an 'if' statement is not supported yet; wait in a statement of its own before it, or in its body
  if (wait(PendingOnce<bool>(true)))
    total += 1;
  // CHECK: wait-in-header.cpp:[[@LINE+1]]:31: error: wait() in the header of a 'for' loop is not supported yet
  for (int i = 0; i < n; i += wait(PendingOnce<int>(1)))
    total += i;
  // CHECK: wait-in-header.cpp:[[@LINE+1]]:10: error: wait() in the header of a 'while' loop is not supported yet
  while (wait(PendingOnce<int>(total)) < 10)
    ++total;
  do
    ++total;
  // CHECK: wait-in-header.cpp:[[@LINE+1]]:11: error: wait() in the header of a 'do' loop is not supported yet
  while (!wait(PendingOnce<bool>(true)));
  // CHECK: wait-in-header.cpp:[[@LINE+1]]:19: error: wait() in the header of a 'switch' statement is not supported yet
  switch (int k = wait(PendingOnce<int>(2)); k) {
  default:
    break;
  }
  return total;
  // CHECK: wait-in-header.cpp:9:16: note: in coroutine 'headers' declared here
}
