// A wait in a declaration of several variables is rejected.
// RUN: not %corofy %s -o %t.cpp -- -I%inputs 2>&1 | FileCheck %s

#include "leaf.hpp"

coroutine<int> pair() {
  // CHECK: multi-declaration.cpp:[[@LINE+1]]:18: error: wait() in a declaration of several variables is not supported; declare the waited-for variable on its own
  int a = 1, b = wait(PendingOnce<int>(2));
  return a + b;
}
