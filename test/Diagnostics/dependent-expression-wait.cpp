// In a coroutine template, a wait inside a larger expression whose type
// depends on a template parameter is rejected for now; a whole-statement
// wait is fine.
// RUN: not %corofy %s -o %t.cpp -- -I%inputs 2>&1 | FileCheck %s

#include "leaf.hpp"

template <class T> coroutine<T> twice(T value) {
  T first = wait(PendingOnce<T>(value));
  // CHECK: dependent-expression-wait.cpp:[[@LINE+1]]:18: error: wait() inside a larger expression whose type depends on a template parameter is not supported yet; wait into a variable first: 'T x = wait(f);'
  return first + wait(PendingOnce<T>(value));
}
