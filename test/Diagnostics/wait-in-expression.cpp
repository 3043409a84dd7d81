// A wait inside a larger expression is rejected until sub-expression
// lowering lands; whole-statement forms are accepted.
// RUN: not %corofy %s -o %t.cpp -- -I%inputs 2>&1 | FileCheck %s

#include "leaf.hpp"

int twice(int x) { return 2 * x; }

coroutine<int> compute() {
  // CHECK: wait-in-expression.cpp:[[@LINE+1]]:17: error: wait() as part of a larger expression is not supported yet; use it as a whole statement, a variable's initializer, the right-hand side of an assignment or a returned value
  int a = twice(wait(PendingOnce<int>(1)));
  // CHECK: wait-in-expression.cpp:[[@LINE+1]]:10: error: wait() as part of a larger expression
  return wait(PendingOnce<int>(2)) + a;
}
