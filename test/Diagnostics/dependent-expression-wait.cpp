// In a coroutine template, a wait inside a larger expression that depends
// on a template parameter is lowered, with dependent types spelled as
// decltype of the expression; one whose statement holds a lambda cannot be
// spelled at class scope and is rejected for now.
// RUN: not %corofy %s -o %t.cpp -- -I%inputs 2>&1 | FileCheck %s
// RUN: not test -e %t.cpp

#include "leaf.hpp"

template <class T> T apply(T value, T (*f)(T)) { return f(value); }

template <class T> coroutine<T> twice(T value) {
  T first = wait(PendingOnce<T>(value));
  T second = first + wait(PendingOnce<T>(value));
  // CHECK: dependent-expression-wait.cpp:[[@LINE+1]]:53: error: wait() inside a larger expression that depends on a template parameter and holds a lambda is not supported yet; wait into a variable first: 'T x = wait(f);'
  return apply(second, [](T v) { return v + 1; }) + wait(PendingOnce<T>(value));
  // CHECK-NOT: error:
}
